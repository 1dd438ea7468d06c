package io.flinktrickle.controlapi.events;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.MalformedMessageException;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Reads the events a stream's job publishes to the sidecar's own trickle server, and keeps what
 * they tell: the last heartbeat (its {@code urls} set to the orchestrator's channels), the last
 * {@code error}, whether and why the job stopped the stream, when it started and first sent output,
 * and the processor's params verdicts ({@link ParamsVerdicts}). Every event is then handed on, as
 * read, to the relay.
 *
 * <p>Threads: one reader thread per stream ({@code events-relay-<stream>}) reads and updates the
 * state; the state is volatile or in futures, read by any thread.
 */
@Internal
final class JobEventsReader {
    private static final Logger LOG = LoggerFactory.getLogger(JobEventsReader.class);

    /** An adopted job writes past the new channel's start: a short refresh finds its edge. */
    private static final Duration ADOPTED_JOB_REFRESH = Duration.ofSeconds(1);

    private static final String STATUS_OK = "ok";
    private static final String SOURCE_PARAMS = "params";

    private final String stream;
    private final Map<String, String> urls;
    private final ParamsVerdicts verdicts;
    private final Consumer<JsonNode> onParamsAccepted;
    private final Consumer<JsonNode> forward;
    private final URI events;
    private final TrickleClientConfig client;
    private final long from;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final CompletableFuture<Void> streamStarted = new CompletableFuture<>();
    private final CompletableFuture<Void> firstOutput = new CompletableFuture<>();
    private final CompletableFuture<String> streamFailed = new CompletableFuture<>();
    private volatile boolean reading = true;
    private volatile JsonMessageSubscriber subscriber;
    private volatile long lastEventNanos;
    private volatile JsonNode lastHeartbeat;
    private volatile String lastError;
    private volatile boolean sawStopped;

    /**
     * @param events the sidecar channel the job publishes its events to
     * @param client the client settings for the sidecar's server (its secret)
     * @param from where to start reading: 0 for a new job, next for an adopted one
     * @param urls the orchestrator's channels, for the heartbeats' {@code urls}
     * @param forward gets every event, after this reader took note of it
     * @param sinceNanos {@link System#nanoTime()} to count the silence from before the first event
     */
    JobEventsReader(
            String stream,
            URI events,
            TrickleClientConfig client,
            long from,
            Map<String, String> urls,
            ParamsVerdicts verdicts,
            Consumer<JsonNode> onParamsAccepted,
            Consumer<JsonNode> forward,
            long sinceNanos) {
        this.stream = stream;
        this.events = events;
        this.client = client;
        this.from = from;
        this.lastEventNanos = sinceNanos;
        this.urls = urls;
        this.verdicts = verdicts;
        this.onParamsAccepted = onParamsAccepted;
        this.forward = forward;
    }

    /** Subscribes to the job's events channel and starts the reader thread. */
    void start() {
        subscriber =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(events)
                                .startSeq(from)
                                // An adopted job writes past the new channel's start: a short
                                // refresh finds its live edge within a second.
                                .config(
                                        from == 0
                                                ? client
                                                : client.toBuilder()
                                                        .refreshInterval(ADOPTED_JOB_REFRESH)
                                                        .build())
                                .keepEverySegment(true)
                                .build(),
                        SidecarEvents.MAPPER);
        Thread reader = new Thread(this::read, "events-relay-" + stream);
        reader.setDaemon(true);
        reader.start();
    }

    /** Stops reading (the reader thread ends, and {@link #ended()} completes). */
    void close() {
        reading = false;
        JsonMessageSubscriber s = subscriber;
        if (s != null) {
            s.close();
        }
    }

    /** Completes when the job's events channel ends or can no longer be read, or on close. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    long lastEventNanos() {
        return lastEventNanos;
    }

    CompletableFuture<Void> streamStarted() {
        return streamStarted;
    }

    CompletableFuture<Void> firstOutput() {
        return firstOutput;
    }

    CompletableFuture<String> streamFailed() {
        return streamFailed;
    }

    String lastError() {
        return lastError;
    }

    JsonNode lastHeartbeat() {
        return lastHeartbeat;
    }

    /** Whether the job sent {@code stream_stopped}. */
    boolean sawStopped() {
        return sawStopped;
    }

    private void read() {
        try {
            while (reading) {
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
                onEvent(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            if (reading) {
                LOG.warn("Stream {}: reading the job's events stopped: {}", stream, e.toString());
            }
        } finally {
            ended.complete(null);
        }
    }

    private void onEvent(JsonNode message) {
        lastEventNanos = System.nanoTime();
        JsonNode event = message.path("event");
        String type = event.path("type").asText("");
        if (SidecarEvents.HEARTBEAT.equals(type) && event.isObject()) {
            ((ObjectNode) event).set("urls", SidecarEvents.MAPPER.valueToTree(urls));
            lastHeartbeat = event;
        } else if (SidecarEvents.STREAM_STOPPED.equals(type)) {
            sawStopped = true;
            String error = event.path("error").asText(null);
            if (error != null && !error.isEmpty()) {
                streamFailed.complete(error);
            }
        } else if (SidecarEvents.ERROR.equals(type)) {
            lastError = event.path("message").asText(null);
        } else if (SidecarEvents.STREAM_STARTED.equals(type)) {
            streamStarted.complete(null);
        } else if (SidecarEvents.FIRST_OUTPUT.equals(type)) {
            firstOutput.complete(null);
        } else if (SidecarEvents.PARAMS_UPDATED.equals(type)) {
            if (STATUS_OK.equals(event.path("status").asText())
                    && event.path("params").isObject()) {
                onParamsAccepted.accept(event.path("params"));
            }
            if (SOURCE_PARAMS.equals(event.path("source").asText())) {
                verdicts.report(event.path("seq").asLong(-1), event);
            }
        }
        forward.accept(message);
    }
}
