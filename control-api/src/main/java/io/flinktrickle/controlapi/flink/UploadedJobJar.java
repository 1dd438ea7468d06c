package io.flinktrickle.controlapi.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarListHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarListInfo;
import org.apache.flink.runtime.webmonitor.handlers.JarRunHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarRunMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarRunRequestBody;
import org.apache.flink.shaded.netty4.io.netty.handler.codec.http.HttpResponseStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The job jar on the cluster: uploaded once ({@code POST /jars/upload}) and run per stream ({@code
 * POST /jars/:jarid/run}, the job's {@code main} runs inside the JobManager, so a start sends the
 * arguments only, not the 37 MB jar a {@code JobGraph} submission would bring). A JobManager that
 * lost its upload directory (a restart) gets the jar again, once, when a run is refused and {@code
 * GET /jars} no longer lists it. Each run names its job id, so that the job of a run that got no
 * answer (which the JobManager may submit all the same) is found and cancelled.
 *
 * <p>Threads: runs on its callers' threads, through {@link FlinkRestCalls}; the cancelling of an
 * unanswered run's job on a thread of its own. The jar id is volatile, and uploads hold this
 * object's lock, so concurrent runs that find the jar gone upload it once.
 */
@Internal
final class UploadedJobJar {
    private static final Logger LOG = LoggerFactory.getLogger(UploadedJobJar.class);

    /** How often {@link #cancelIfSubmitted} asks for a job whose run got no answer. */
    static final Duration ORPHAN_CHECK_INTERVAL = Duration.ofSeconds(1);

    private final Path jar;
    private final FlinkRestCalls rest;
    private final Duration requestTimeout;
    private final Duration jarCallTimeout;
    private volatile String id;

    /**
     * @param requestTimeout bounds the listing and the deletion
     * @param jarCallTimeout bounds the upload and a run (which builds the job graph)
     */
    UploadedJobJar(
            Path jar, FlinkRestCalls rest, Duration requestTimeout, Duration jarCallTimeout) {
        this.jar = jar;
        this.rest = rest;
        this.requestTimeout = requestTimeout;
        this.jarCallTimeout = jarCallTimeout;
    }

    /** The jar's id on the cluster ({@code <uuid>_<name>.jar}), or null before an upload. */
    String id() {
        return id;
    }

    /** Uploads the jar (again). */
    synchronized void upload() throws IOException, InterruptedException {
        String filename;
        try {
            filename = rest.upload(jar, jarCallTimeout);
        } catch (FlinkRestRefusal refused) {
            throw refused.is(HttpResponseStatus.NOT_FOUND)
                    ? refused.explained(
                            "the jar upload",
                            "no jar upload here (no flink-runtime-web, or web.submit.enable"
                                    + " false?): ")
                    : refused;
        }
        id = Path.of(filename).getFileName().toString();
        LOG.info("uploaded {} ({} MB) as {}", jar, Files.size(jar) >> 20, id);
    }

    /**
     * Runs the jar's main class with {@code programArgs}; returns the id of the job it submitted.
     *
     * @throws FlinkRestRefusal when Flink refuses the run (e.g. the job's main threw)
     */
    JobID run(List<String> programArgs) throws IOException, InterruptedException {
        return run(programArgs, jarCallTimeout);
    }

    /** As {@link #run(List)}, waiting {@code timeout} for the answer. */
    JobID run(List<String> programArgs, Duration timeout) throws IOException, InterruptedException {
        String jarId = id != null ? id : replace(null);
        try {
            return runOnce(jarId, programArgs, timeout);
        } catch (FlinkRestRefusal refused) {
            boolean listed;
            try {
                listed = isListed(jarId);
            } catch (IOException e) {
                refused.addSuppressed(e);
                throw refused;
            }
            if (listed) {
                throw refused;
            }
            LOG.warn("the JobManager lost the job jar {}; uploading it again", jarId);
            return runOnce(replace(jarId), programArgs, timeout);
        }
    }

    /** Deletes the jar (best effort: running jobs keep their own copy in the blobs). */
    synchronized void delete() {
        String jarId = id;
        id = null;
        if (jarId == null) {
            return;
        }
        JarDeleteMessageParameters parameters = new JarDeleteMessageParameters();
        parameters.jarIdPathParameter.resolve(jarId);
        try {
            rest.send(
                    JarDeleteHeaders.getInstance(),
                    parameters,
                    EmptyRequestBody.getInstance(),
                    requestTimeout);
        } catch (IOException | RuntimeException e) {
            LOG.info("could not delete the job jar {}: {}", jarId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One run, under a job id chosen here: a run that gets no answer (a timeout, a lost connection)
     * may still submit its job, which is then found by that id and cancelled.
     */
    private JobID runOnce(String jarId, List<String> programArgs, Duration timeout)
            throws IOException, InterruptedException {
        JarRunMessageParameters parameters = new JarRunMessageParameters();
        parameters.jarIdPathParameter.resolve(jarId);
        JobID fixed = new JobID();
        JarRunRequestBody body =
                new JarRunRequestBody(null, programArgs, null, fixed, null, null, null, null);
        try {
            // Once: a run repeated after a lost connection would submit the job twice.
            return rest.sendOnce(JarRunHeaders.getInstance(), parameters, body, List.of(), timeout)
                    .getJobId();
        } catch (FlinkRestRefusal refused) {
            throw refused; // answered: no job was submitted
        } catch (IOException unanswered) {
            cancelIfSubmitted(fixed);
            throw new IOException(
                    unanswered.getMessage()
                            + " (job "
                            + fixed
                            + " is cancelled if the run submits it after all)",
                    unanswered);
        } catch (InterruptedException e) {
            cancelIfSubmitted(fixed);
            throw e;
        }
    }

    /**
     * Cancels job {@code id} if it shows up within {@link #jarCallTimeout} (the JobManager may
     * still be running the job's main when the run's answer is given up on): tries every {@link
     * #ORPHAN_CHECK_INTERVAL} on a thread of its own ({@code flink-run-orphan-<id>}) while Flink
     * does not know the job (404), until the job is cancelled or has ended (409).
     */
    private void cancelIfSubmitted(JobID id) {
        long deadline = System.nanoTime() + jarCallTimeout.toNanos();
        Thread t = new Thread(() -> cancelWhenKnown(id, deadline), "flink-run-orphan-" + id);
        t.setDaemon(true);
        t.start();
    }

    /** The thread of {@link #cancelIfSubmitted}. */
    private void cancelWhenKnown(JobID id, long deadline) {
        try {
            while (System.nanoTime() < deadline) {
                try {
                    rest.call("PATCH /jobs/:jobid", requestTimeout, client -> client.cancel(id));
                    LOG.warn(
                            "job {}: its run got no answer, it was submitted after all; cancelled",
                            id);
                    return;
                } catch (FlinkRestRefusal refused) {
                    if (!refused.is(HttpResponseStatus.NOT_FOUND)) {
                        return; // ended (409), or Flink refuses to cancel it
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.debug("job {}: cannot check it yet: {}", id, e.toString());
                }
                Thread.sleep(ORPHAN_CHECK_INTERVAL.toMillis());
            }
            LOG.info("job {}: its run got no answer and never submitted it", id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@code GET /jars} lists the jar. */
    private boolean isListed(String jarId) throws IOException, InterruptedException {
        JarListInfo jars =
                rest.send(
                        JarListHeaders.getInstance(),
                        EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance(),
                        requestTimeout);
        return jars.jarFileList.stream().anyMatch(j -> j.id.equals(jarId));
    }

    /** Uploads the jar again unless another thread already replaced {@code stale}; its id. */
    private synchronized String replace(String stale) throws IOException, InterruptedException {
        if (id == null || id.equals(stale)) {
            upload();
        }
        return id;
    }
}
