package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.controlapi.config.ChannelAccess;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.events.EventsRelay;
import io.flinktrickle.controlapi.events.SidecarEvents;
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
 * <p>Threads: the routes call {@link #start}, {@link #params}, {@link #stop} and the read methods
 * on Javalin's request threads; a scheduler thread connects to Flink and polls job statuses;
 * submissions and stream endings run on a worker pool, so no request waits for Flink's scheduling.
 * The stream map is guarded by this object.
 */
@Internal
public final class StreamManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamManager.class);

    /** Job names: this prefix and the stream id. */
    public static final String JOB_PREFIX = "flink-trickle:";

    private static final Duration EVENTS_DRAIN = Duration.ofSeconds(2);

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
        if (watcher.targetError() != null) {
            return RunnerState.ERROR;
        }
        if (!watcher.isReady()) {
            return RunnerState.LOADING;
        }
        if (runner != null) {
            if (runner.failure() != null) {
                return RunnerState.ERROR;
            }
            if (!runner.isReady() && !runner.everReady()) {
                return RunnerState.LOADING; // the slots still load and warm up
            }
        }
        synchronized (this) {
            if (registry.failed() != null) {
                return RunnerState.ERROR;
            }
            return registry.activeCount() > 0 ? RunnerState.OK : RunnerState.IDLE;
        }
    }

    /** Why the runner is in ERROR, or null. */
    public synchronized String errorMessage() {
        String targetError = watcher.targetError();
        if (targetError != null) {
            return targetError;
        }
        if (runner != null && runner.failure() != null) {
            return runner.failure();
        }
        ManagedStream failed = registry.failed();
        return failed == null ? null : "stream " + failed.id + ": " + failed.error;
    }

    /** Whether streams can start: Flink answered, and the runner job (runner mode) is ready. */
    public boolean isReady() {
        return watcher.isReady() && (runner == null || runner.isReady());
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

    // ---------------------------------------------------------------- start

    /**
     * Accepts a stream and submits its job in the background; returns at once.
     *
     * @throws StreamException NOT_READY, FAILED (Flink unreachable, bad job settings), BUSY or
     *     ALREADY_RUNNING
     */
    public ManagedStream start(StartRequest request) {
        ManagedStream stream;
        List<String> args;
        synchronized (this) {
            checkCanStart();
            ManagedStream existing = registry.get(request.streamId);
            if (existing != null && existing.phase.isActive()) {
                throw new StreamException(
                        StreamException.Reason.ALREADY_RUNNING,
                        "stream " + request.streamId + " is already running; stop it first");
            }
            int active = registry.activeCount();
            if (active >= config.capacity) {
                throw new StreamException(
                        StreamException.Reason.BUSY,
                        "Pipeline is still in use: "
                                + active
                                + " of "
                                + config.capacity
                                + " streams run");
            }
            String[] names = ManagedStream.newChannels(request.streamId);
            args = runner == null ? perStream.arguments(request, names[0], names[1]) : null;
            stream =
                    new ManagedStream(
                            request.streamId,
                            request.requestId,
                            request.urls(),
                            request.width,
                            request.height,
                            request.params,
                            names[0],
                            names[1]);
            // In-process and non-blocking: the stream is never visible without its channels.
            channels.open(stream, request.events, 0);
            ManagedStream started = stream;
            stream.relay
                    .jobFirstOutput()
                    .thenRun(() -> observer.firstOutput(started, started.sinceAccepted()));
            registry.put(stream); // a failed run of the same id moves to the ended ones
            if (runner != null) {
                runnerLink.follow(stream);
                stream.jobId = runner.jobId();
                runner.announce(
                        RunnerStreams.announcement(
                                request, stream, channels::internal, config.heartbeatInterval));
            }
        }
        if (runner != null) {
            LOG.info("Stream {} accepted (request {}) and announced", stream.id, stream.requestId);
            return stream;
        }
        LOG.info(
                "Stream {} accepted (request {}); submitting its job", stream.id, stream.requestId);
        workers.execute(() -> perStream.submit(stream, args));
        return stream;
    }

    /** Runner mode: the link to the runner job's streams, else null. */
    RunnerLink runnerLink() {
        return runnerLink;
    }

    /**
     * @throws StreamException FAILED or NOT_READY when streams cannot start now
     */
    private void checkCanStart() {
        String failure = watcher.targetError();
        if (failure == null && runner != null && watcher.isReady()) {
            failure = runner.failure();
        }
        if (failure != null) {
            throw new StreamException(StreamException.Reason.FAILED, failure);
        }
        if (!isReady()) {
            throw new StreamException(
                    StreamException.Reason.NOT_READY,
                    "Pipeline is still initializing. Please wait for IDLE status.");
        }
    }

    /** STARTING → RUNNING, unless the stream moved on meanwhile (the poller's view is late). */
    void markRunning(ManagedStream s) {
        synchronized (this) {
            if (s.phase != ManagedStream.Phase.STARTING) {
                return;
            }
            s.runningNanos = System.nanoTime();
            s.phase = ManagedStream.Phase.RUNNING;
        }
        LOG.info("Stream {}: job running after {} ms", s.id, s.startMillis());
        observer.running(s, s.sinceAccepted());
    }

    // ---------------------------------------------------------------- params

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

    // ---------------------------------------------------------------- stop

    /**
     * Stops a stream: its job finishes the open output segment, deletes its output channels and
     * ends; a job that does not end within the stop timeout is cancelled. Returns the stopped
     * stream (also when it had already ended by itself).
     *
     * @throws StreamException NO_STREAM
     */
    public ManagedStream stop(String streamId) throws InterruptedException {
        ManagedStream s;
        synchronized (this) {
            s = streamId != null ? registry.get(streamId) : registry.sole();
            if (s == null) {
                ManagedStream done =
                        streamId != null ? registry.find(streamId) : registry.lastEnded();
                if (done != null && !done.phase.isActive()) {
                    return done; // ended by itself: a stop is still fine (PyTrickle answers 200)
                }
                throw new StreamException(
                        StreamException.Reason.NO_STREAM,
                        streamId == null
                                ? "No active stream to stop"
                                : "No active stream " + streamId + " to stop");
            }
            if (s.phase == ManagedStream.Phase.FAILED) {
                registry.retire(s); // acknowledged: the runner leaves ERROR
                return s;
            }
            if (s.phase == ManagedStream.Phase.RUNNING || s.phase == ManagedStream.Phase.STARTING) {
                s.phase = ManagedStream.Phase.STOPPING;
            }
        }
        LOG.info("Stopping stream {} (job {})", s.id, s.jobId);
        channels.endInJob(s);
        long deadline = System.nanoTime() + config.stopTimeout.toNanos();
        while (s.phase.isActive() && System.nanoTime() < deadline) {
            Thread.sleep(config.pollInterval.toMillis() / 2 + 1);
        }
        if (s.phase.isActive()) {
            LOG.warn(
                    "Stream {}: the job did not end it within {}; {}",
                    s.id,
                    config.stopTimeout,
                    runner == null ? "cancelling the job" : "ending it here");
            s.ending.set(true);
            try {
                if (s.jobId != null && runner == null) {
                    target.cancel(s.jobId);
                }
            } catch (Exception e) {
                LOG.warn(
                        "Stream {}: cancelling job {} failed: {}",
                        s.id,
                        s.jobId,
                        StreamException.messageOf(e));
            }
            channels.deleteOutputs(s);
            end(s, ManagedStream.Phase.ENDED, null);
        }
        // Answer once the end is complete, so that a start of the same id right after finds
        // nothing of this run in its way.
        s.cleaned.await(EVENTS_DRAIN.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
        return s;
    }

    // ---------------------------------------------------------------- polling

    /** Ends a stream once: error event (if failed), relay drained and closed, channels deleted. */
    void end(ManagedStream s, ManagedStream.Phase phase, String error) {
        ManagedStream.Phase before;
        synchronized (this) {
            if (!s.phase.isActive()) {
                return;
            }
            before = s.phase;
            s.phase = phase;
            s.error = error;
            s.endedMillis = System.currentTimeMillis();
            if (phase == ManagedStream.Phase.ENDED) {
                registry.retire(s);
            }
        }
        LOG.info("Stream {} {}{}", s.id, phase, error == null ? "" : ": " + error);
        observer.ended(s, before, phase);
        try {
            if (phase == ManagedStream.Phase.FAILED
                    && s.relay != null
                    && !java.util.Objects.equals(error, s.relay.jobStopError())) {
                s.relay.send(SidecarEvents.error(error)); // the job did not report it itself
            }
            if (s.relay != null) {
                boolean newerRun;
                synchronized (this) {
                    ManagedStream current = registry.get(s.id);
                    newerRun = current != null && current != s;
                }
                // A newer run of the id may use the same orchestrator channel: leave it be.
                s.relay.close(
                        EVENTS_DRAIN,
                        phase == ManagedStream.Phase.FAILED ? "error" : "ended",
                        !newerRun);
            }
            channels.close(s);
        } finally {
            s.cleaned.countDown();
        }
    }

    /** Failed streams held too long are let go: the runner leaves ERROR. */
    synchronized void expireFailed() {
        registry.expireFailed(System.currentTimeMillis());
    }

    /** Adds a stream a previous sidecar started (its job still runs); see {@link JobAdoption}. */
    void adopt(ManagedStream s, URI orchestratorEvents) {
        synchronized (this) {
            s.adopted = true;
            s.phase = ManagedStream.Phase.RUNNING;
            channels.open(s, orchestratorEvents, TrickleProtocol.SEQ_NEXT);
            registry.put(s);
            if (runner != null) {
                runnerLink.follow(s);
            }
        }
        LOG.info("Adopted stream {} (job {})", s.id, s.jobId);
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
