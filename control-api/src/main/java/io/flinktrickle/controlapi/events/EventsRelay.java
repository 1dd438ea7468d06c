package io.flinktrickle.controlapi.events;

import io.flinktrickle.connector.trickle.protocol.ChannelNotFoundException;
import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.MalformedMessageException;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one publisher of a stream's events channel (a trickle channel has one publisher). The job
 * publishes its events to a channel on the sidecar's own trickle server; the relay reads them,
 * forwards them to the orchestrator's {@code events_url} (with the heartbeat's {@code urls} set to
 * the orchestrator's channels), and adds its own: a heartbeat from the moment the stream is
 * accepted whenever no heartbeat went out for an interval, an error when the job fails, {@code
 * stream_stopped} at the end. What it reads also feeds {@code /stream/status} (the last heartbeat,
 * the last {@code error} the job reported) and {@code /stream/params} (the processor's verdict, by
 * control message seq), and tells the sidecar why the job stopped the stream: the {@code error} of
 * its {@code stream_stopped}.
 *
 * <p>Threads: one reader thread per stream ({@code events-relay-<stream>}) reads the job's channel;
 * heartbeats run on the shared scheduler; other methods run on request threads. Publishing is done
 * by one sender thread per stream ({@code events-out-<stream>}) from a bounded queue (the oldest
 * event is dropped when the orchestrator's channel is slower than the events), so no caller ever
 * waits for the orchestrator. A failing orchestrator channel is logged and skipped: it never stops
 * the stream.
 */
@Internal
public final class EventsRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventsRelay.class);
    private static final int KEPT_VERDICTS = 64;
    private static final int OUTBOX_CAPACITY = 256;
    private static final Duration QUIET = Duration.ofMillis(300);

    /** An adopted job writes past the new channel's start: a short refresh finds its edge. */
    private static final Duration ADOPTED_JOB_REFRESH = Duration.ofSeconds(1);

    private final String stream;
    private final URI jobEvents;
    private final TrickleClientConfig jobEventsClient;
    private final long jobEventsFrom;
    private final URI orchestratorEvents;
    private final Map<String, String> urls;
    private final Supplier<ObjectNode> ownHeartbeat;
    private final java.util.function.Consumer<JsonNode> onParamsAccepted;
    private final Duration interval;
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new HashMap<>();
    private final Map<Long, JsonNode> verdicts =
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, JsonNode> e) {
                    return size() > KEPT_VERDICTS;
                }
            };
    private final CompletableFuture<Void> jobEventsEnded = new CompletableFuture<>();
    private final CompletableFuture<Void> jobStreamStarted = new CompletableFuture<>();
    private final CompletableFuture<Void> jobFirstOutput = new CompletableFuture<>();
    private final Object verdictLock = new Object();
    private final java.util.concurrent.BlockingQueue<JsonNode> outbox =
            new java.util.concurrent.ArrayBlockingQueue<>(OUTBOX_CAPACITY);
    private volatile boolean accepting = true;
    private final java.util.concurrent.atomic.AtomicLong dropped =
            new java.util.concurrent.atomic.AtomicLong();
    private Thread sender;

    /** Written under this object's lock; read by the sender thread. */
    private volatile JsonMessagePublisher publisher;

    private JsonMessageSubscriber subscriber;
    private ScheduledFuture<?> ticker;
    private volatile long lastHeartbeatNanos = System.nanoTime();
    private volatile JsonNode lastJobHeartbeat;
    private volatile long lastJobEventNanos = System.nanoTime();
    private volatile boolean sawStopped;
    private volatile String lastJobError;
    private final CompletableFuture<String> jobStreamFailed = new CompletableFuture<>();
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
            java.util.function.Consumer<JsonNode> onParamsAccepted,
            Duration interval) {
        this.onParamsAccepted = onParamsAccepted;
        this.stream = stream;
        this.jobEvents = jobEvents;
        this.jobEventsClient = jobEventsClient;
        this.jobEventsFrom = jobEventsFrom;
        this.orchestratorEvents = orchestratorEvents;
        this.urls = urls;
        this.ownHeartbeat = ownHeartbeat;
        this.interval = interval;
    }

    /** Sends the first heartbeat now, then starts reading the job's events and the heartbeats. */
    public synchronized void start(ScheduledExecutorService scheduler) {
        if (orchestratorEvents != null) {
            publisher =
                    new JsonMessagePublisher(
                            TricklePublisher.builder(orchestratorEvents)
                                    .contentType(TrickleProtocol.MIME_JSON)
                                    // An adopted stream's channel has segments already: go on
                                    // after them (with Lp-Trickle-Reset), as a restarted publisher.
                                    .startSeq(jobEventsFrom == 0 ? 0 : TrickleProtocol.SEQ_NEXT)
                                    .build(),
                            SidecarEvents.MAPPER);
        }
        if (orchestratorEvents != null) {
            sender = new Thread(this::sendLoop, "events-out-" + stream);
            sender.setDaemon(true);
            sender.start();
        }
        publish(ownHeartbeat.get());
        subscriber =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(jobEvents)
                                .startSeq(jobEventsFrom)
                                // An adopted job writes past the new channel's start: a short
                                // refresh finds its live edge within a second.
                                .config(
                                        jobEventsFrom == 0
                                                ? jobEventsClient
                                                : jobEventsClient.toBuilder()
                                                        .refreshInterval(ADOPTED_JOB_REFRESH)
                                                        .build())
                                .keepEverySegment(true)
                                .build(),
                        SidecarEvents.MAPPER);
        Thread reader = new Thread(this::readJobEvents, "events-relay-" + stream);
        reader.setDaemon(true);
        reader.start();
        long ms = interval.toMillis();
        ticker = scheduler.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (accepting && System.nanoTime() - lastHeartbeatNanos >= interval.toNanos() * 9 / 10) {
            publish(ownHeartbeat.get());
        }
    }

    private void readJobEvents() {
        try {
            while (accepting) {
                JsonNode message;
                try {
                    var next = subscriber.next();
                    if (next.isEmpty()) {
                        break;
                    }
                    message = next.get();
                } catch (MalformedMessageException e) {
                    LOG.warn(
                            "Stream {}: skipped a malformed job event: {}", stream, e.getMessage());
                    continue;
                }
                onJobEvent(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            if (accepting) {
                LOG.warn("Stream {}: reading the job's events stopped: {}", stream, e.toString());
            }
        } finally {
            jobEventsEnded.complete(null);
        }
    }

    private void onJobEvent(JsonNode message) {
        lastJobEventNanos = System.nanoTime();
        JsonNode event = message.path("event");
        String type = event.path("type").asText("");
        if (SidecarEvents.HEARTBEAT.equals(type) && event.isObject()) {
            ((ObjectNode) event).set("urls", SidecarEvents.MAPPER.valueToTree(urls));
            lastJobHeartbeat = event;
        } else if (SidecarEvents.STREAM_STOPPED.equals(type)) {
            sawStopped = true;
            String error = event.path("error").asText(null);
            if (error != null && !error.isEmpty()) {
                jobStreamFailed.complete(error);
            }
        } else if (SidecarEvents.ERROR.equals(type)) {
            lastJobError = event.path("message").asText(null);
        } else if (SidecarEvents.STREAM_STARTED.equals(type)) {
            jobStreamStarted.complete(null);
        } else if (SidecarEvents.FIRST_OUTPUT.equals(type)) {
            jobFirstOutput.complete(null);
        } else if (SidecarEvents.PARAMS_UPDATED.equals(type)) {
            if ("ok".equals(event.path("status").asText()) && event.path("params").isObject()) {
                onParamsAccepted.accept(event.path("params"));
            }
            if ("params".equals(event.path("source").asText())) {
                verdict(event.path("seq").asLong(-1), event);
            }
        }
        publish(message);
    }

    private void verdict(long seq, JsonNode event) {
        CompletableFuture<JsonNode> f;
        synchronized (verdictLock) {
            f = waiting.remove(seq);
            if (f == null) {
                verdicts.put(seq, event);
            }
        }
        if (f != null) {
            f.complete(event);
        }
    }

    /**
     * The processor's {@code params_updated} event for the sidecar's params message {@code seq};
     * completes when the job reports it (also when it did already).
     */
    public CompletableFuture<JsonNode> verdictFor(long seq) {
        synchronized (verdictLock) {
            JsonNode known = verdicts.remove(seq);
            if (known != null) {
                return CompletableFuture.completedFuture(known);
            }
            return waiting.computeIfAbsent(seq, s -> new CompletableFuture<>());
        }
    }

    public void forget(long seq) {
        synchronized (verdictLock) {
            waiting.remove(seq);
        }
    }

    /**
     * Completes when the job's events channel ends (the job ended the stream and deleted it) or can
     * no longer be read, and when the relay closes.
     */
    public CompletableFuture<Void> jobEventsEnded() {
        return jobEventsEnded;
    }

    /** Nanoseconds since the job's last event (or since the relay started, before the first). */
    public long silentNanos() {
        return System.nanoTime() - lastJobEventNanos;
    }

    /** Completes with the job's first {@code stream_started} event. */
    public CompletableFuture<Void> jobStreamStarted() {
        return jobStreamStarted;
    }

    /** Completes with the job's first {@code send_first_processed_segment} event. */
    public CompletableFuture<Void> jobFirstOutput() {
        return jobFirstOutput;
    }

    /**
     * Completes with the reason when the job stops the stream because it failed (its {@code
     * stream_stopped} has an {@code error}: e.g. its input was never found, is not MPEG-TS, or
     * stalled).
     */
    public CompletableFuture<String> jobStreamFailed() {
        return jobStreamFailed;
    }

    /** The reason the job stopped the stream with, or null (not stopped, or a regular end). */
    public String jobStopError() {
        return jobStreamFailed.getNow(null);
    }

    /** The message of the last {@code error} event the job sent for the stream, or null. */
    public String lastJobError() {
        return lastJobError;
    }

    /** The job's last heartbeat event (fps, dimensions, …), or null before the first. */
    public JsonNode lastJobHeartbeat() {
        return lastJobHeartbeat;
    }

    /** Publishes one of the sidecar's own events (e.g. an error). */
    public void send(ObjectNode envelope) {
        publish(envelope);
    }

    /** Queues an event for the orchestrator; never blocks (the oldest is dropped when full). */
    private void publish(JsonNode envelope) {
        if (SidecarEvents.HEARTBEAT.equals(envelope.path("event").path("type").asText())) {
            lastHeartbeatNanos = System.nanoTime();
        }
        if (orchestratorEvents == null || !accepting) {
            return;
        }
        while (!outbox.offer(envelope)) {
            if (outbox.poll() != null && dropped.getAndIncrement() % 100 == 0) {
                LOG.warn(
                        "Stream {}: the events channel is slow; dropped {} events",
                        stream,
                        dropped.get());
            }
        }
    }

    /** The sender thread: posts queued events one by one (a trickle channel is sequential). */
    private void sendLoop() {
        boolean failing = false;
        while (true) {
            JsonNode envelope;
            try {
                envelope = outbox.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (envelope == null) {
                if (!accepting) {
                    return; // drained after close
                }
                continue;
            }
            if (publisher == null) {
                continue;
            }
            try {
                publisher.publish(envelope);
                failing = false;
            } catch (ChannelNotFoundException e) {
                LOG.warn(
                        "Stream {}: events channel is gone; events stop: {}",
                        stream,
                        e.getMessage());
                closePublisher(false);
            } catch (IOException | RuntimeException e) {
                if (!failing) {
                    LOG.warn("Stream {}: an event could not be sent: {}", stream, e.toString());
                }
                failing = true;
            }
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
                jobEventsEnded.get(QUIET.toMillis(), TimeUnit.MILLISECONDS);
                break;
            } catch (java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() - lastJobEventNanos > QUIET.toNanos()) {
                    break;
                }
            } catch (Exception e) {
                break;
            }
        }
        if (!sawStopped && stopReason != null) {
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
        synchronized (verdictLock) {
            waiting.values().forEach(f -> f.cancel(false));
            waiting.clear();
        }
        if (subscriber != null) {
            subscriber.close();
        }
        if (sender != null) {
            try {
                sender.join(Math.max(1, drain.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sender.interrupt();
        }
        closePublisher(deleteChannel);
    }

    private synchronized void closePublisher(boolean delete) {
        if (publisher != null) {
            try {
                publisher.publisher().close(delete);
            } catch (IOException | RuntimeException e) {
                LOG.debug("Stream {}: closing the events channel: {}", stream, e.toString());
            }
            publisher = null;
        }
    }
}
