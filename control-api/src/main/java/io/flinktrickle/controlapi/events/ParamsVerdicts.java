package io.flinktrickle.controlapi.events;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The processor's verdicts on the sidecar's params messages ({@code params_updated} events of
 * source {@code params}, by the message's seq): a verdict someone waits for completes their future;
 * one that came first is kept (the last {@link #KEPT_VERDICTS}) for whoever asks next.
 *
 * <p>Threads: the events reader thread reports verdicts, request threads ask for them; one lock
 * guards both maps, and futures complete outside it.
 */
@Internal
final class ParamsVerdicts {
    private static final int KEPT_VERDICTS = 64;

    private final Object lock = new Object();
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new HashMap<>();
    private final Map<Long, JsonNode> arrived =
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, JsonNode> e) {
                    return size() > KEPT_VERDICTS;
                }
            };

    /** The job reported {@code event} for params message {@code seq}. */
    void report(long seq, JsonNode event) {
        CompletableFuture<JsonNode> f;
        synchronized (lock) {
            f = waiting.remove(seq);
            if (f == null) {
                arrived.put(seq, event);
            }
        }
        if (f != null) {
            f.complete(event);
        }
    }

    /** Completes with the verdict on {@code seq}: at once when it arrived already. */
    CompletableFuture<JsonNode> verdictFor(long seq) {
        synchronized (lock) {
            JsonNode known = arrived.remove(seq);
            if (known != null) {
                return CompletableFuture.completedFuture(known);
            }
            return waiting.computeIfAbsent(seq, s -> new CompletableFuture<>());
        }
    }

    /** Nobody waits for {@code seq} any longer. */
    void forget(long seq) {
        synchronized (lock) {
            waiting.remove(seq);
        }
    }

    /** Cancels every wait (the relay closes). */
    void cancelAll() {
        synchronized (lock) {
            waiting.values().forEach(f -> f.cancel(false));
            waiting.clear();
        }
    }
}
