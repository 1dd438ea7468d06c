package io.flinktrickle.controlapi.events;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one publisher of a stream's events channel (a trickle channel has one publisher). The job
 * publishes its events to a channel on the sidecar's own trickle server; the relay reads them
 * ({@link JobEventsReader}), forwards them to the orchestrator's {@code events_url} ({@link
 * OrchestratorEventsOutbox}; the heartbeat's {@code urls} set to the orchestrator's channels), and
 * adds its own: a heartbeat from the moment the stream is accepted whenever no heartbeat went out
 * for an interval, an error when the job fails, {@code stream_stopped} at the end. What it reads
 * also feeds {@code /stream/status} (the last heartbeat, the last {@code error} the job reported)
 * and {@code /stream/params} (the processor's verdict, by control message seq: {@link
 * ParamsVerdicts}), and tells the sidecar why the job stopped the stream: the {@code error} of its
 * {@code stream_stopped}.
 *
 * <p>Threads: one reader thread per stream ({@code events-relay-<stream>}) reads the job's channel;
 * heartbeats run on the shared scheduler; other methods run on request threads. Publishing is done
 * by one sender thread per stream ({@code events-out-<stream>}) from a bounded queue, so no caller
 * ever waits for the orchestrator. A failing orchestrator channel is logged and skipped: it never
 * stops the stream.
 */
@Internal
public final class EventsRelay implements AutoCloseable {
    private static final Duration QUIET = Duration.ofMillis(300);

    /** A heartbeat is due when this share of the interval passed without one (in tenths). */
    private static final long HEARTBEAT_DUE_TENTHS = 9;

    private static final long TENTHS = 10;

    private final Supplier<ObjectNode> ownHeartbeat;
    private final Duration interval;
    private final ParamsVerdicts verdicts = new ParamsVerdicts();
    private final JobEventsReader job;
    private final OrchestratorEventsOutbox outbox;
    private volatile boolean accepting = true;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    private ScheduledFuture<?> ticker;
    private boolean closed;

    /**
     * @param jobEvents the sidecar channel the job publishes its events to
     * @param jobEventsClient the client settings for the sidecar's server (its secret)
     * @param jobEventsFrom where to start reading it: 0 for a new job, next for an adopted one
     * @param orchestratorEvents the stream's {@code events_url}, or null (events are still read)
     * @param urls the orchestrator's channels, for the heartbeats' {@code urls}
     * @param ownHeartbeat the sidecar's heartbeat for the stream's current state
     * @param onParamsAccepted called with the params in force after each accepted update (HTTP or
     *     the orchestrator's control channel)
     */
    public EventsRelay(
            String stream,
            URI jobEvents,
            TrickleClientConfig jobEventsClient,
            long jobEventsFrom,
            URI orchestratorEvents,
            Map<String, String> urls,
            Supplier<ObjectNode> ownHeartbeat,
            Consumer<JsonNode> onParamsAccepted,
            Duration interval) {
        this.ownHeartbeat = ownHeartbeat;
        this.interval = interval;
        this.outbox =
                orchestratorEvents == null
                        ? null
                        : new OrchestratorEventsOutbox(
                                stream, orchestratorEvents, jobEventsFrom != 0);
        this.job =
                new JobEventsReader(
                        stream,
                        jobEvents,
                        jobEventsClient,
                        jobEventsFrom,
                        urls,
                        verdicts,
                        onParamsAccepted,
                        this::publish,
                        System.nanoTime());
    }

    /** Sends the first heartbeat now, then starts reading the job's events and the heartbeats. */
    public synchronized void start(ScheduledExecutorService scheduler) {
        if (outbox != null) {
            outbox.start();
        }
        publish(ownHeartbeat.get());
        job.start();
        long ms = interval.toMillis();
        ticker = scheduler.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (accepting
                && System.nanoTime() - lastHeartbeatNanos
                        >= interval.toNanos() * HEARTBEAT_DUE_TENTHS / TENTHS) {
            publish(ownHeartbeat.get());
        }
    }

    /**
     * The processor's {@code params_updated} event for the sidecar's params message {@code seq};
     * completes when the job reports it (also when it did already).
     */
    public CompletableFuture<JsonNode> verdictFor(long seq) {
        return verdicts.verdictFor(seq);
    }

    public void forget(long seq) {
        verdicts.forget(seq);
    }

    /**
     * Completes when the job's events channel ends (the job ended the stream and deleted it) or can
     * no longer be read, and when the relay closes.
     */
    public CompletableFuture<Void> jobEventsEnded() {
        return job.ended();
    }

    /** Nanoseconds since the job's last event (or since the relay started, before the first). */
    public long silentNanos() {
        return System.nanoTime() - job.lastEventNanos();
    }

    /** Completes with the job's first {@code stream_started} event. */
    public CompletableFuture<Void> jobStreamStarted() {
        return job.streamStarted();
    }

    /** Completes with the job's first {@code send_first_processed_segment} event. */
    public CompletableFuture<Void> jobFirstOutput() {
        return job.firstOutput();
    }

    /**
     * Completes with the reason when the job stops the stream because it failed (its {@code
     * stream_stopped} has an {@code error}: e.g. its input was never found, is not MPEG-TS, or
     * stalled).
     */
    public CompletableFuture<String> jobStreamFailed() {
        return job.streamFailed();
    }

    /** The reason the job stopped the stream with, or null (not stopped, or a regular end). */
    public String jobStopError() {
        return job.streamFailed().getNow(null);
    }

    /** The message of the last {@code error} event the job sent for the stream, or null. */
    public String lastJobError() {
        return job.lastError();
    }

    /** The job's last heartbeat event (fps, dimensions, …), or null before the first. */
    public JsonNode lastJobHeartbeat() {
        return job.lastHeartbeat();
    }

    /** Publishes one of the sidecar's own events (e.g. an error). */
    public void send(ObjectNode envelope) {
        publish(envelope);
    }

    /** Queues an event for the orchestrator; never blocks. */
    private void publish(JsonNode envelope) {
        if (SidecarEvents.HEARTBEAT.equals(envelope.path("event").path("type").asText())) {
            lastHeartbeatNanos = System.nanoTime();
        }
        if (outbox != null && accepting) {
            outbox.offer(envelope);
        }
    }

    /**
     * Ends the relay: waits up to {@code drain} for the job's last events (its events channel ends
     * when the job finishes), sends {@code stream_stopped} if the job did not, waits (again up to
     * {@code drain}) for the queued events to go out, and closes the orchestrator's events channel,
     * deleting it when {@code deleteChannel}.
     */
    public void close(Duration drain, String stopReason, boolean deleteChannel) {
        // The job has ended, so what it sent is on its channel already: read until the channel
        // ends, or goes quiet for a moment (a job that never sent an event does not delete it).
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                job.ended().get(QUIET.toMillis(), TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                if (System.nanoTime() - job.lastEventNanos() > QUIET.toNanos()) {
                    break;
                }
            } catch (Exception e) {
                break;
            }
        }
        if (!job.sawStopped() && stopReason != null) {
            publish(SidecarEvents.streamStopped(stopReason));
        }
        shutdown(drain, deleteChannel);
    }

    /**
     * Stops relaying without ending the stream's events channel (the sidecar shuts down; its job
     * goes on and a restarted sidecar adopts it).
     */
    @Override
    public void close() {
        shutdown(Duration.ZERO, false);
    }

    private void shutdown(Duration drain, boolean deleteChannel) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        accepting = false;
        if (ticker != null) {
            ticker.cancel(false);
        }
        verdicts.cancelAll();
        job.close();
        if (outbox != null) {
            outbox.shutdown(drain, deleteChannel);
        }
    }
}
