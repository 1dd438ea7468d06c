package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.retry.RetryBackoff;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.jobs.live.JobArgs;

import org.apache.flink.api.common.JobStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The runner job: one long-running {@code LiveVideoToVideoJob} that serves every stream of the
 * sidecar. Its slots load the processor and warm the whole path up once; it is {@linkplain #isReady
 * ready} when every one of its tasks runs (a task runs only after its operators opened). Streams
 * are announced to it on a channel of the sidecar's trickle server (written in-process: the job's
 * source long-polls it, so a stream reaches the job at once), and it publishes the streams it runs
 * to a registry channel, which a restarted sidecar asks for to adopt them.
 *
 * <p>Each launch is a run with channels of its own ({@code runner-<run>-streams|registry}), so a
 * relaunched job never reads an announcement meant for the one before. A job that fails for good
 * (its restarts exhausted) is relaunched after a pause (5 s, doubling to 60 s, jittered: {@link
 * RetryBackoff}).
 *
 * <p>Threads: {@link #launch} and {@link #poll} on the manager's scheduler and worker threads,
 * {@link #announce} on request threads; the state is volatile and the announcement seq is guarded
 * by this object.
 */
final class RunnerJob {
    private static final Logger LOG = LoggerFactory.getLogger(RunnerJob.class);

    /** Runner job names: this prefix and the host and port of the sidecar's trickle server. */
    static final String JOB_PREFIX = "flink-trickle-runner@";

    static final String STREAMS_SUFFIX = "-streams";
    static final String REGISTRY_SUFFIX = "-registry";

    /** Labels of the runner job: its announcements and registry channels. */
    static final String LABEL_ANNOUNCEMENTS = "sidecar.announcements";

    static final String LABEL_REGISTRY = "sidecar.registry";

    private static final byte[] REGISTRY_REQUEST =
            ("{\"op\":\"" + StreamAnnouncement.OP_REGISTRY + "\"}")
                    .getBytes(StandardCharsets.UTF_8);

    private static final Duration FIRST_RELAUNCH = Duration.ofSeconds(5);
    private static final Duration MAX_RELAUNCH = Duration.ofSeconds(60);
    private static final RetryBackoff RELAUNCH_PAUSES =
            new RetryBackoff(FIRST_RELAUNCH, MAX_RELAUNCH);

    /** Where a runner is in its life. */
    enum Phase {
        /** Not launched yet (or relaunching after a failure). */
        NONE,
        /** Submitted; its slots are loading and warming up. */
        LOADING,
        /** Every task runs: streams start at once. */
        READY,
        /** Failed for good; relaunched after a pause. */
        FAILED
    }

    private final SidecarConfig config;
    private final FlinkTarget target;
    private final TrickleServer trickle;
    private final Function<String, URI> internal;
    private final Supplier<List<String>> accessArguments;
    private volatile Phase phase = Phase.NONE;
    private volatile String jobId;
    private volatile String failure;
    private volatile boolean everReady;

    /** An adopted job whose streams are not adopted yet: not ready for new ones. */
    private volatile boolean adopting;

    private String announcements;
    private String registry;
    private long nextSeq;
    private long relaunchAtNanos;

    /** Runs that failed since the last ready one (guarded by this object). */
    private int failedRuns;

    RunnerJob(
            SidecarConfig config,
            FlinkTarget target,
            TrickleServer trickle,
            Function<String, URI> internal,
            Supplier<List<String>> accessArguments) {
        this.config = config;
        this.target = target;
        this.trickle = trickle;
        this.internal = internal;
        this.accessArguments = accessArguments;
        if (target.outlivesSidecar()) {
            // A runner job of a previous sidecar may run on the cluster: until it is adopted (or
            // Flink says there is none), its readers and writers of this server's channels are
            // told to retry; a 404 would end its streams before their channels come back.
            trickle.holdMissingChannels(true);
        }
    }

    /** Flink lists no runner job of this sidecar's address: nothing to adopt. */
    void noneToAdopt() {
        if (!adopting) {
            trickle.holdMissingChannels(false);
        }
    }

    /** Whether every task of the current run is running (false when Flink cannot tell). */
    boolean allTasksRunning() {
        String id = jobId;
        try {
            return id != null && target.allTasksRunning(id);
        } catch (Exception e) {
            return false;
        }
    }

    /** The runner job's name: one runner per sidecar trickle server address. */
    String jobName() {
        return JOB_PREFIX + config.advertisedHost + ":" + internal.apply("x").getPort();
    }

    Phase phase() {
        return phase;
    }

    /** Whether {@code channel} is the current run's announcements or registry channel. */
    synchronized boolean ownsChannel(String channel) {
        return channel.equals(announcements) || channel.equals(registry);
    }

    boolean isReady() {
        return phase == Phase.READY;
    }

    /** Whether a runner was ready once: a later restart of its tasks is not LOADING again. */
    boolean everReady() {
        return everReady;
    }

    String jobId() {
        return jobId;
    }

    /** Why the last run failed, while no run replaced it; or null. */
    String failure() {
        return failure;
    }

    /**
     * Whether a launch is due (none yet, or the pause after a failure is over); if so, the caller
     * must {@link #launch()}: the runner counts as loading from now on.
     */
    synchronized boolean claimLaunch() {
        boolean due =
                phase == Phase.NONE
                        || (phase == Phase.FAILED && System.nanoTime() >= relaunchAtNanos);
        if (due) {
            phase = Phase.LOADING;
            jobId = null;
        }
        return due;
    }

    /** Submits a new run (worker thread); its failures leave the runner FAILED. */
    void launch() {
        String run = Long.toHexString(System.nanoTime() & 0xffffffffL);
        String streams = "runner-" + run + STREAMS_SUFFIX;
        String reg = "runner-" + run + REGISTRY_SUFFIX;
        try {
            trickle.holdMissingChannels(false); // a new run: nothing is being restored
            trickle.createChannel(streams, TrickleProtocol.MIME_JSON);
            trickle.createChannel(reg, TrickleProtocol.MIME_JSON);
            synchronized (this) {
                if (announcements != null) {
                    trickle.deleteChannel(announcements);
                    trickle.deleteChannel(registry);
                }
                announcements = streams;
                registry = reg;
                nextSeq = 0;
            }
            cancelOrphans();
            jobId = target.submit(jobName(), arguments(streams, reg));
            LOG.info("Runner job {} submitted ({} slots)", jobId, config.runnerSlots());
        } catch (Exception e) {
            failed("the runner job could not be submitted: " + StreamException.messageOf(e));
        }
    }

    /**
     * Cancels runner jobs of this sidecar's name that no one follows: a submission that timed out
     * after Flink had started the job leaves one behind, holding slots (and GPUs) the new run
     * needs.
     */
    private void cancelOrphans() {
        try {
            for (FlinkTarget.JobSummary job : target.list()) {
                if (jobName().equals(job.name) && !job.status.isGloballyTerminalState()) {
                    LOG.warn("Cancelling runner job {}: a previous run nobody follows", job.id);
                    target.cancel(job.id);
                }
            }
        } catch (Exception e) {
            LOG.warn("Looking for runner jobs left behind: {}", StreamException.messageOf(e));
        }
    }

    /** The runner job's arguments; checked with the job's own parser. */
    private List<String> arguments(String streams, String reg) {
        List<String> args = new ArrayList<>();
        add(args, "--announcements", internal.apply(streams).toString());
        add(args, "--registry", internal.apply(reg).toString());
        add(args, "--parallelism", Integer.toString(config.runnerSlots()));
        args.addAll(JobArguments.settings(config));
        add(args, "--job-name", jobName());
        add(args, "--label", LABEL_ANNOUNCEMENTS + "=" + streams);
        add(args, "--label", LABEL_REGISTRY + "=" + reg);
        args.addAll(accessArguments.get()); // in the job's arguments only: never in a label
        try {
            target.parseArguments(args);
        } catch (JobArgs.UsageException e) {
            throw new StreamException(
                    StreamException.Reason.FAILED,
                    "the runner job's settings are invalid: " + e.getMessage(),
                    e);
        }
        return args;
    }

    private static void add(List<String> args, String flag, String value) {
        args.add(flag);
        args.add(value);
    }

    /**
     * Follows the job (scheduler thread): READY once every task runs; FAILED (with the cause) when
     * it failed for good or vanished.
     *
     * @return the cause when the runner failed in this call, else null
     */
    String poll() throws Exception {
        String id = jobId;
        if (id == null || phase == Phase.FAILED || phase == Phase.NONE) {
            return null; // not submitted yet, or failed and waiting to be relaunched
        }
        JobStatus status = target.status(id).orElse(null);
        if (status == null) {
            return failed("the runner job " + id + " is gone from the cluster");
        }
        switch (status) {
            case RUNNING:
                if (phase == Phase.LOADING && !adopting && target.allTasksRunning(id)) {
                    synchronized (this) {
                        phase = Phase.READY;
                        failure = null;
                        everReady = true;
                        failedRuns = 0;
                    }
                    LOG.info("Runner job {} is ready: every slot is loaded and warm", id);
                }
                return null;
            case FAILED:
                return failed(
                        "the runner job failed: "
                                + target.failureCause(id).orElse("no cause reported"));
            case FINISHED:
            case CANCELED:
                return failed("the runner job ended (" + status + ")");
            default:
                return null; // CREATED, INITIALIZING, RESTARTING, …: wait
        }
    }

    private synchronized String failed(String cause) {
        Duration pause = RELAUNCH_PAUSES.delay(++failedRuns);
        LOG.error("{}; launching another in {} ms", cause, pause.toMillis());
        phase = Phase.FAILED;
        failure = cause;
        relaunchAtNanos = System.nanoTime() + pause.toNanos();
        return cause;
    }

    /**
     * Announces a stream to the job (request thread): one message, written in-process.
     *
     * @throws StreamException NOT_READY when no run takes announcements
     */
    synchronized long announce(StreamAnnouncement announcement) {
        if (phase != Phase.READY || announcements == null) {
            throw new StreamException(
                    StreamException.Reason.NOT_READY,
                    failure != null
                            ? failure
                            : "Pipeline is still initializing. Please wait for IDLE status.");
        }
        long seq = nextSeq++;
        trickle.write(
                announcements,
                TrickleProtocol.MIME_JSON,
                seq,
                announcement.toJson().getBytes(StandardCharsets.UTF_8),
                false);
        return seq;
    }

    // ---------------------------------------------------------------- adoption

    /** The adopted job's streams are adopted (or never will be): it takes new ones once ready. */
    void adopted() {
        adopting = false;
        trickle.holdMissingChannels(false);
    }

    /** Asks the job to publish its registry (again). */
    synchronized void requestRegistry() {
        if (announcements != null) {
            trickle.write(
                    announcements, TrickleProtocol.MIME_JSON, nextSeq++, REGISTRY_REQUEST, false);
        }
    }

    /**
     * Takes over a runner job a previous sidecar launched (its channels were on that sidecar's
     * trickle server, which is gone): re-creates its announcements channel with the live edge far
     * past any seq its source can be at (so that its reader jumps to it at once) and a request for
     * its registry there, and its registry channel; before this sidecar serves.
     *
     * @return the registry channel's URL on this sidecar, to read the answer from
     */
    synchronized String adopt(String id, String streams, String reg) {
        jobId = id;
        announcements = streams;
        registry = reg;
        // Its streams' channels come back only with its registry: until then, the job's readers
        // and writers of those channels are told to retry (a 404 would end those streams).
        trickle.holdMissingChannels(true);
        trickle.createChannel(reg, TrickleProtocol.MIME_JSON);
        long edge = System.currentTimeMillis();
        trickle.write(streams, TrickleProtocol.MIME_JSON, edge, REGISTRY_REQUEST, true);
        nextSeq = edge + 1;
        phase = Phase.LOADING; // READY once its tasks run and its streams are adopted
        adopting = true;
        LOG.info("Adopting runner job {} (channels {}, {})", id, streams, reg);
        return reg;
    }
}
