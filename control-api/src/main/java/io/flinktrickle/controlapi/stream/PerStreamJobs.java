package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.flink.FlinkTarget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Per-stream mode: each stream is a {@code LiveVideoToVideoJob} of its own, named {@link
 * StreamManager#JOB_PREFIX}{@code <id>}, submitted in the background; the {@link JobWatcher} polls
 * its status.
 *
 * <p>Threads: {@link #arguments} on request threads, {@link #submit} on the manager's workers.
 */
final class PerStreamJobs {
    private static final Logger LOG = LoggerFactory.getLogger(PerStreamJobs.class);

    private final StreamManager manager;
    private final FlinkTarget target;
    private final JobArguments jobArguments;

    PerStreamJobs(StreamManager manager, FlinkTarget target, JobArguments jobArguments) {
        this.manager = manager;
        this.target = target;
        this.jobArguments = jobArguments;
    }

    /** The stream's job arguments (checked: bad sidecar settings fail the start). */
    List<String> arguments(StartRequest request, String paramsChannel, String eventsChannel) {
        return jobArguments.forStream(request, paramsChannel, eventsChannel);
    }

    void submit(ManagedStream stream, List<String> args) {
        String jobId;
        try {
            jobId = target.submit(StreamManager.JOB_PREFIX + stream.id, args);
        } catch (Exception e) {
            LOG.warn("Stream {}: job submission failed", stream.id, e);
            manager.end(
                    stream,
                    ManagedStream.Phase.FAILED,
                    "job submission failed: " + StreamException.messageOf(e));
            return;
        }
        boolean orphan;
        synchronized (manager) {
            stream.jobId = jobId;
            orphan = !stream.phase.isActive();
        }
        if (orphan) {
            // The stream ended (start timeout) while Flink took the job: nobody follows it.
            LOG.warn(
                    "Stream {} ended while its job {} was submitted; cancelling it",
                    stream.id,
                    jobId);
            try {
                target.cancel(jobId);
            } catch (Exception e) {
                LOG.warn(
                        "Stream {}: cancelling job {} failed: {}",
                        stream.id,
                        jobId,
                        StreamException.messageOf(e));
            }
        } else {
            LOG.info("Stream {} runs as job {} on {}", stream.id, jobId, target.describe());
        }
    }
}
