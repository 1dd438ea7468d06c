package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.controlapi.config.SidecarConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * How streams start: a start request is checked (ready, not running yet, capacity), the stream gets
 * its channels and enters the registry, and then, in runner mode, it is announced to the runner job
 * (it runs once the job reports it started), or, in per-stream mode, its job is submitted on a
 * worker thread. Also a stream that a previous sidecar started, adopted with its job, and the move
 * to RUNNING once its job runs.
 *
 * <p>Threads: {@link #start} on Javalin's request threads (it returns at once: no request waits for
 * Flink's scheduling); {@link #markRunning} on the scheduler thread (status polls) or the thread
 * completing the stream's {@code stream_started} (runner mode); {@link #adopt} on the scheduler
 * thread. The check-then-act steps hold {@code lock}, the manager's monitor, which guards the
 * registry and the streams' phases; the observer is told outside it.
 */
final class StreamStarts {
    private static final Logger LOG = LoggerFactory.getLogger(StreamStarts.class);

    private final Object lock;
    private final SidecarConfig config;
    private final StreamRegistry registry;
    private final StreamChannels channels;
    private final RunnerHealth health;
    private final RunnerJob runner;
    private final RunnerLink runnerLink;
    private final PerStreamJobs perStream;
    private final Executor workers;
    private final Supplier<StreamObserver> observer;

    /**
     * @param lock the manager's monitor, which guards {@code registry} and the streams' phases
     * @param runner the runner job and its link (runner mode), else null
     */
    StreamStarts(
            Object lock,
            SidecarConfig config,
            StreamRegistry registry,
            StreamChannels channels,
            RunnerHealth health,
            RunnerJob runner,
            RunnerLink runnerLink,
            PerStreamJobs perStream,
            Executor workers,
            Supplier<StreamObserver> observer) {
        this.lock = lock;
        this.config = config;
        this.registry = registry;
        this.channels = channels;
        this.health = health;
        this.runner = runner;
        this.runnerLink = runnerLink;
        this.perStream = perStream;
        this.workers = workers;
        this.observer = observer;
    }

    /**
     * Accepts a stream and submits its job in the background; returns at once.
     *
     * @throws StreamException NOT_READY, FAILED (Flink unreachable, bad job settings), BUSY or
     *     ALREADY_RUNNING
     */
    ManagedStream start(StartRequest request) {
        ManagedStream stream;
        List<String> args;
        synchronized (lock) {
            health.checkCanStart();
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
                    .thenRun(() -> observer.get().firstOutput(started, started.sinceAccepted()));
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

    /** STARTING → RUNNING, unless the stream moved on meanwhile (the poller's view is late). */
    void markRunning(ManagedStream s) {
        synchronized (lock) {
            if (s.phase != ManagedStream.Phase.STARTING) {
                return;
            }
            s.runningNanos = System.nanoTime();
            s.phase = ManagedStream.Phase.RUNNING;
        }
        LOG.info("Stream {}: job running after {} ms", s.id, s.startMillis());
        observer.get().running(s, s.sinceAccepted());
    }

    /** Adds a stream a previous sidecar started (its job still runs); see {@link JobAdoption}. */
    void adopt(ManagedStream s, URI orchestratorEvents) {
        synchronized (lock) {
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
}
