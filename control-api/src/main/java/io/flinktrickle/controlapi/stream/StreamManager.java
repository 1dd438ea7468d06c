package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.controlapi.config.ChannelAccess;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.events.EventsRelay;
import io.flinktrickle.controlapi.flink.FlinkTarget;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's streams, started, updated and stopped on behalf of the HTTP routes, with the runner
 * state (LOADING, IDLE, OK, ERROR) that follows the jobs' real status. In runner mode (the default)
 * one long-running {@link RunnerJob} serves every stream: a start announces the stream to it, and
 * the stream runs once the job reports it started and ends when the job ends its events channel. In
 * per-stream mode each stream is a Flink job of its own, followed by polling its status.
 *
 * <p>How a stream talks to its job: the sidecar's own trickle server holds two channels per stream,
 * {@code <id>-params} (HTTP params updates, read by the job as a second control channel; deleting
 * it ends the stream, which is how a stop finishes the output and deletes the output channels) and
 * {@code <id>-events} (the job's events, relayed to the orchestrator by an {@link EventsRelay}).
 *
 * <p>Parts: {@link RunnerHealth} (the runner state, whether streams can start), {@link
 * StreamStarts} (accepting, announcing or submitting, adopting, RUNNING), {@link StreamEndings}
 * (stop, the one end of every stream, expiry of failed ones), {@link JobWatcher} (following Flink),
 * {@link RunnerLink} (runner mode: the runner job's streams), {@link StreamChannels} (the streams'
 * channels on the sidecar's trickle server). This class owns the threads and wires the parts.
 *
 * <p>Threads: the routes call {@link #start}, {@link #params}, {@link #stop} and the read methods
 * on Javalin's request threads; a scheduler thread connects to Flink and polls job statuses;
 * submissions and stream endings run on a worker pool, so no request waits for Flink's scheduling.
 * The stream registry and the streams' phase transitions are guarded by this object's monitor,
 * which the parts (and {@link PerStreamJobs}) synchronize on.
 */
@Internal
public final class StreamManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamManager.class);

    /** Job names: this prefix and the stream id. */
    public static final String JOB_PREFIX = "flink-trickle:";

    /**
     * How often the runner job's status is checked: its streams report themselves in band, so this
     * only notices a job that failed for good (and keeps an idle runner idle).
     */
    private static final Duration RUNNER_POLL = Duration.ofSeconds(1);

    /** A ready runner is checked less often: only its failure is news then. */
    static final int READY_POLL_EVERY = 5;

    private final SidecarConfig config;
    private final FlinkTarget target;
    private final StreamChannels channels;
    private final JobWatcher watcher;
    private final PerStreamJobs perStream;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final StreamRegistry registry;

    /** The runner job (runner mode), else null. */
    private final RunnerJob runner;

    private final RunnerLink runnerLink;

    private final ChannelAccess access;
    private final RunnerHealth health;
    private final StreamStarts starts;
    private final StreamEndings endings;

    private volatile StreamObserver observer = StreamObserver.NONE;

    /** Runner states, as {@code /health} reports them. */
    public enum RunnerState {
        LOADING,
        IDLE,
        OK,
        ERROR
    }

    public StreamManager(
            SidecarConfig config, FlinkTarget target, TrickleServer trickle, ChannelAccess access) {
        this.config = config;
        this.access = access;
        this.registry = new StreamRegistry(config.capacity);
        this.target = target;
        this.scheduler =
                Executors.newScheduledThreadPool(2, new DaemonThreads("sidecar-scheduler"));
        this.workers = Executors.newCachedThreadPool(new DaemonThreads("sidecar-worker"));
        this.channels = new StreamChannels(config, trickle, scheduler, access);
        this.watcher = new JobWatcher(this, target, workers);
        this.perStream =
                new PerStreamJobs(
                        this,
                        target,
                        new JobArguments(
                                config, target, channels::internal, channels::accessArguments));
        this.runner =
                config.jobMode == SidecarConfig.JobMode.RUNNER
                        ? new RunnerJob(
                                config,
                                target,
                                trickle,
                                channels::internal,
                                channels::accessArguments)
                        : null;
        this.runnerLink =
                runner == null ? null : new RunnerLink(this, runner, channels, workers, scheduler);
        this.health = new RunnerHealth(this, watcher, runner, registry);
        this.starts =
                new StreamStarts(
                        this,
                        config,
                        registry,
                        channels,
                        health,
                        runner,
                        runnerLink,
                        perStream,
                        workers,
                        () -> observer);
        this.endings =
                new StreamEndings(
                        this, config, target, registry, channels, runner != null, () -> observer);
    }

    /**
     * Connects to Flink once, now (for a remote cluster, before the sidecar's trickle server
     * serves, so that adopted jobs find their channels). Failures are left to {@link #start}'s
     * retries.
     */
    public void connectNow() {
        watcher.checkTarget();
    }

    /** Tells {@code observer} about the streams from now on (the sidecar's metrics). */
    public void observe(StreamObserver observer) {
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
    }

    /** Connects to Flink in the background (retrying) and starts polling job statuses. */
    public void start() {
        if (runnerLink != null) {
            runnerLink.serving(); // started after the trickle server
        }
        long check = JobWatcher.TARGET_CHECK.toMillis();
        scheduler.scheduleWithFixedDelay(watcher::checkTarget, 0, check, TimeUnit.MILLISECONDS);
        long poll =
                runner == null
                        ? config.pollInterval.toMillis()
                        : Math.max(config.pollInterval.toMillis(), RUNNER_POLL.toMillis());
        scheduler.scheduleWithFixedDelay(watcher::poll, poll, poll, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- state

    public RunnerState state() {
        return health.state();
    }

    /** Why the runner is in ERROR, or null. */
    public String errorMessage() {
        return health.errorMessage();
    }

    /** Whether streams can start: Flink answered, and the runner job (runner mode) is ready. */
    public boolean isReady() {
        return health.isReady();
    }

    public synchronized int activeCount() {
        return registry.activeCount();
    }

    /** Active and failed streams, then recently ended ones (newest first). */
    public synchronized List<ManagedStream> streams() {
        return registry.all();
    }

    /** The stream {@code id} (also a recently ended one), or, without an id, the likeliest one. */
    public synchronized ManagedStream find(String id) {
        return registry.find(id);
    }

    public FlinkTarget target() {
        return target;
    }

    /** The runner job (runner mode), else null. */
    RunnerJob runner() {
        return runner;
    }

    /** Runner mode: the link to the runner job's streams, else null. */
    RunnerLink runnerLink() {
        return runnerLink;
    }

    public SidecarConfig config() {
        return config;
    }

    /** Where the sidecar's trickle server listens and its secret. */
    ChannelAccess access() {
        return access;
    }

    /** The sidecar's own clients of its trickle server: they present the secret. */
    StreamChannels channels() {
        return channels;
    }

    /**
     * Whether {@code channel} (on the sidecar's trickle server) belongs to a stream that is not
     * over yet (active, or still ending: its relay drains) or to the runner job; the idle sweep
     * spares those (called on the trickle server's sweeper thread).
     */
    public synchronized boolean ownsChannel(String channel) {
        return (runner != null && runner.ownsChannel(channel)) || registry.ownsChannel(channel);
    }

    // ---------------------------------------------------------------- requests

    /**
     * Accepts a stream and submits its job in the background; returns at once. See {@link
     * StreamStarts#start}.
     *
     * @throws StreamException NOT_READY, FAILED (Flink unreachable, bad job settings), BUSY or
     *     ALREADY_RUNNING
     */
    public ManagedStream start(StartRequest request) {
        return starts.start(request);
    }

    /**
     * Validates the update as PyTrickle does, sends it to the stream's job and waits (at most the
     * configured params timeout) for the processor's verdict; see {@link ParamsUpdates}.
     *
     * @throws StreamException BAD_REQUEST (invalid), NO_STREAM, REJECTED (the processor refused)
     */
    public ParamsUpdates.Outcome params(String streamId, JsonNode body)
            throws InterruptedException {
        Map<String, Object> update = ParamsUpdates.validate(body);
        ManagedStream s;
        synchronized (this) {
            s = registry.running(streamId, "No active stream to update");
        }
        return ParamsUpdates.send(s, update, config.paramsTimeout);
    }

    /**
     * Stops a stream and returns it (also when it had already ended by itself); see {@link
     * StreamEndings#stop}.
     *
     * @throws StreamException NO_STREAM
     */
    public ManagedStream stop(String streamId) throws InterruptedException {
        return endings.stop(streamId);
    }

    // ---------------------------------------------------------------- from the parts

    /** STARTING → RUNNING, unless the stream moved on meanwhile (the poller's view is late). */
    void markRunning(ManagedStream s) {
        starts.markRunning(s);
    }

    /** Adds a stream a previous sidecar started (its job still runs); see {@link JobAdoption}. */
    void adopt(ManagedStream s, URI orchestratorEvents) {
        starts.adopt(s, orchestratorEvents);
    }

    /** Ends a stream once: error event (if failed), relay drained and closed, channels deleted. */
    void end(ManagedStream s, ManagedStream.Phase phase, String error) {
        endings.end(s, phase, error);
    }

    /** Failed streams held too long are let go: the runner leaves ERROR. */
    void expireFailed() {
        endings.expireFailed();
    }

    /** Stops polling and relays; running jobs keep running (a restarted sidecar adopts them). */
    @Override
    public void close() {
        scheduler.shutdownNow();
        workers.shutdownNow();
        for (ManagedStream s : streams()) {
            if (s.relay != null) {
                s.relay.close();
            }
        }
    }
}
