package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.events.SidecarEvents;
import io.flinktrickle.controlapi.flink.FlinkTarget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How streams end: a stop on request (the job finishes the open output segment, deletes the output
 * channels and ends; a job that does not end within the stop timeout is cancelled, or, in runner
 * mode, the stream is ended here), and the one end of every stream, however it comes (stopped,
 * input ended, failed, timed out): its phase, the error event the job did not send itself, its
 * events relay drained and closed, its channels deleted. Also the expiry of failed streams held too
 * long.
 *
 * <p>Threads: {@link #stop} on Javalin's request threads (it waits, sleeping, for the job to end
 * the stream, then for the end to complete); {@link #end} on worker threads (status polls, runner
 * link, failed submissions) and on a request thread after a stop timeout; {@link #expireFailed} on
 * the scheduler thread. Phase transitions and registry changes hold {@code lock}, the manager's
 * monitor, so a stream ends once; draining and deleting happen outside it.
 */
final class StreamEndings {
    private static final Logger LOG = LoggerFactory.getLogger(StreamEndings.class);

    private static final Duration EVENTS_DRAIN = Duration.ofSeconds(2);

    private final Object lock;
    private final SidecarConfig config;
    private final FlinkTarget target;
    private final StreamRegistry registry;
    private final StreamChannels channels;
    private final boolean runnerMode;
    private final Supplier<StreamObserver> observer;

    /**
     * @param lock the manager's monitor, which guards {@code registry} and the streams' phases
     * @param runnerMode whether one runner job serves every stream (no job of its own to cancel)
     */
    StreamEndings(
            Object lock,
            SidecarConfig config,
            FlinkTarget target,
            StreamRegistry registry,
            StreamChannels channels,
            boolean runnerMode,
            Supplier<StreamObserver> observer) {
        this.lock = lock;
        this.config = config;
        this.target = target;
        this.registry = registry;
        this.channels = channels;
        this.runnerMode = runnerMode;
        this.observer = observer;
    }

    /**
     * Stops a stream: its job finishes the open output segment, deletes its output channels and
     * ends; a job that does not end within the stop timeout is cancelled. Returns the stopped
     * stream (also when it had already ended by itself).
     *
     * @throws StreamException NO_STREAM
     */
    ManagedStream stop(String streamId) throws InterruptedException {
        ManagedStream s;
        synchronized (lock) {
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
                    runnerMode ? "ending it here" : "cancelling the job");
            s.ending.set(true);
            try {
                if (s.jobId != null && !runnerMode) {
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

    /** Ends a stream once: error event (if failed), relay drained and closed, channels deleted. */
    void end(ManagedStream s, ManagedStream.Phase phase, String error) {
        ManagedStream.Phase before;
        synchronized (lock) {
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
        observer.get().ended(s, before, phase);
        try {
            if (phase == ManagedStream.Phase.FAILED
                    && s.relay != null
                    && !Objects.equals(error, s.relay.jobStopError())) {
                s.relay.send(SidecarEvents.error(error)); // the job did not report it itself
            }
            if (s.relay != null) {
                boolean newerRun;
                synchronized (lock) {
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
    void expireFailed() {
        synchronized (lock) {
            registry.expireFailed(System.currentTimeMillis());
        }
    }
}
