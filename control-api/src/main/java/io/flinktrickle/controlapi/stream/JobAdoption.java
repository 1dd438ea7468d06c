package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.jobs.live.LiveVideoToVideoJob;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * After a restart, the sidecar picks up the stream jobs a previous run submitted and that still
 * run: jobs named {@link StreamManager#JOB_PREFIX}{@code <id>}, their channels read from the job's
 * global parameters ({@link LiveVideoToVideoJob#STREAM_PARAMETER}). Their params and events
 * channels are created again on the sidecar's trickle server, so the job's readers and writers,
 * which retry, reconnect to them. Only with the secret those jobs hold: a sidecar whose secret is
 * new leaves them behind (see {@link #leaveBehind}).
 *
 * <p>Runs once on the scheduler thread, when the Flink target first answers.
 */
final class JobAdoption {
    private static final Logger LOG = LoggerFactory.getLogger(JobAdoption.class);

    private JobAdoption() {}

    static void adopt(StreamManager manager, FlinkTarget target) throws Exception {
        if (manager.access().secretIsNew() && target.outlivesSidecar()) {
            leaveBehind(manager, target);
            return;
        }
        if (manager.runner() != null) {
            adoptRunner(manager, target, manager.runner());
            return;
        }
        for (FlinkTarget.JobSummary job : target.list()) {
            if (job.name == null
                    || !job.name.startsWith(StreamManager.JOB_PREFIX)
                    || job.status.isGloballyTerminalState()) {
                continue;
            }
            String id = job.name.substring(StreamManager.JOB_PREFIX.length());
            if (manager.find(id) != null && manager.find(id).phase.isActive()) {
                continue; // adopted already (a retried adoption)
            }
            Map<String, String> parameters = target.jobParameters(job.id);
            String prefix = LiveVideoToVideoJob.STREAM_PARAMETER + id + ".";
            Map<String, String> urls = new HashMap<>();
            parameters.forEach(
                    (k, v) -> {
                        if (k.startsWith(prefix)) {
                            urls.put(k.substring(prefix.length()), v);
                        }
                    });
            if (!urls.containsKey("subscribe")
                    || !urls.containsKey("publish")
                    || !urls.containsKey("params")
                    || !urls.containsKey("events")) {
                LOG.warn("Job {} ({}) does not list its channels; not adopted", job.id, job.name);
                continue;
            }
            // The job's events and params channels are the sidecar's own; the orchestrator's
            // events channel is kept in the job's labels.
            String paramsChannel = RunnerStreams.lastSegment(urls.get("params"));
            String eventsChannel = RunnerStreams.lastSegment(urls.get("events"));
            Map<String, String> orchestrator = new HashMap<>(urls);
            orchestrator.remove("params");
            orchestrator.remove("events");
            String labels = LiveVideoToVideoJob.LABEL_PARAMETER;
            String events = parameters.get(labels + JobArguments.LABEL_EVENTS_URL);
            if (events != null) {
                orchestrator.put("events", events);
            }
            String requestId = parameters.getOrDefault(labels + JobArguments.LABEL_REQUEST_ID, id);
            ManagedStream stream =
                    new ManagedStream(
                            id,
                            requestId,
                            orchestrator,
                            0,
                            0,
                            Map.<String, Object>of(),
                            paramsChannel,
                            eventsChannel);
            stream.jobId = job.id;
            manager.adopt(stream, events == null ? null : URI.create(events));
        }
    }

    /**
     * This sidecar's channel secret is new (its secret file was missing): jobs a previous sidecar
     * left running hold another secret, or none, and cannot reach this sidecar's channels. Its
     * runner job is cancelled when the new one launches ({@link RunnerJob#launch}); its stream jobs
     * are cancelled here.
     */
    private static void leaveBehind(StreamManager manager, FlinkTarget target) throws Exception {
        for (FlinkTarget.JobSummary job : target.list()) {
            if (job.status.isGloballyTerminalState() || job.name == null) {
                continue;
            }
            if (manager.runner() != null && manager.runner().jobName().equals(job.name)) {
                LOG.warn(
                        "Runner job {} of a previous sidecar is not adopted: the channel secret"
                                + " is new (TRICKLE_SECRET_FILE was missing); a new runner"
                                + " replaces it",
                        job.id);
            } else if (manager.runner() == null && job.name.startsWith(StreamManager.JOB_PREFIX)) {
                LOG.warn(
                        "Cancelling job {} ({}) of a previous sidecar: the channel secret is new"
                                + " (TRICKLE_SECRET_FILE was missing), so it cannot reach this"
                                + " sidecar's channels",
                        job.id,
                        job.name);
                target.cancel(job.id);
            }
        }
        if (manager.runner() != null) {
            manager.runner().noneToAdopt();
        }
    }

    /**
     * Runner mode: takes over the runner job of this sidecar's address if it runs. Its channels are
     * re-created before the sidecar serves, with a request for its registry; its streams are
     * adopted from the answer ({@link RunnerLink#adoptRegistry}) once the sidecar serves.
     */
    private static void adoptRunner(StreamManager manager, FlinkTarget target, RunnerJob runner)
            throws Exception {
        if (runner.jobId() != null) {
            return; // adopted or launched already (a retried adoption)
        }
        for (FlinkTarget.JobSummary job : target.list()) {
            if (!runner.jobName().equals(job.name) || job.status.isGloballyTerminalState()) {
                continue;
            }
            Map<String, String> parameters = target.jobParameters(job.id);
            String labels = LiveVideoToVideoJob.LABEL_PARAMETER;
            String streams = parameters.get(labels + RunnerJob.LABEL_ANNOUNCEMENTS);
            String registry = parameters.get(labels + RunnerJob.LABEL_REGISTRY);
            if (streams == null || registry == null) {
                LOG.warn("Runner job {} does not name its channels; not adopted", job.id);
                continue;
            }
            runner.adopt(job.id, streams, registry);
            manager.runnerLink().adoptRegistry(registry);
            return;
        }
        runner.noneToAdopt();
    }
}
