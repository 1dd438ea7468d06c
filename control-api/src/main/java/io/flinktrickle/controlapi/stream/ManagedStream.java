package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.controlapi.events.EventsRelay;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One stream the sidecar runs: its request, its job, where it is in its life, and its channels to
 * the job (params out, events in). Fields are written by the {@link StreamManager} (request
 * threads, the submitting thread and the status poller) and read by the HTTP layer; each is
 * volatile and transitions go through {@link StreamManager}'s lock.
 */
@Internal
public final class ManagedStream {

    /** Where a stream is in its life. */
    public enum Phase {
        /** Accepted; the job is being submitted or scheduled. */
        STARTING,
        /** The job runs. */
        RUNNING,
        /** A stop was asked; the job finishes its output. */
        STOPPING,
        /** The job ended (input ended, stopped). */
        ENDED,
        /** The job failed (or could not be submitted): the runner reports ERROR until a stop. */
        FAILED;

        public boolean isActive() {
            return this == STARTING || this == RUNNING || this == STOPPING;
        }
    }

    public final String id;
    public final String requestId;
    public final Map<String, String> urls;
    public final int width;
    public final int height;
    public final long acceptedMillis;

    /** This run's channels on the sidecar's trickle server (a restart of the id gets new ones). */
    final String paramsChannel;

    final String eventsChannel;

    /** Counted down when the stream's end is complete (relay drained, channels deleted). */
    final java.util.concurrent.CountDownLatch cleaned = new java.util.concurrent.CountDownLatch(1);

    /** Set once an end is scheduled, so the poller does not schedule it again. */
    final java.util.concurrent.atomic.AtomicBoolean ending =
            new java.util.concurrent.atomic.AtomicBoolean();

    volatile Phase phase = Phase.STARTING;
    volatile String jobId;
    volatile String error;
    volatile long endedMillis;
    volatile long startedNanos = System.nanoTime();
    volatile long runningNanos;
    volatile Map<String, Object> params;
    volatile boolean adopted;
    EventsRelay relay;
    JsonMessagePublisher paramsPublisher;
    final Object paramsLock = new Object();

    ManagedStream(
            String id,
            String requestId,
            Map<String, String> urls,
            int width,
            int height,
            Map<String, Object> params,
            String paramsChannel,
            String eventsChannel) {
        this.id = id;
        this.paramsChannel = paramsChannel;
        this.eventsChannel = eventsChannel;
        this.requestId = requestId;
        this.urls = Map.copyOf(urls);
        this.width = width;
        this.height = height;
        this.params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        this.acceptedMillis = System.currentTimeMillis();
    }

    public Phase phase() {
        return phase;
    }

    public String jobId() {
        return jobId;
    }

    /**
     * Why the stream failed; for an active stream, the last error its job reported (e.g. its input
     * cannot be decoded, or its processor failed), or null.
     */
    public String error() {
        String e = error;
        EventsRelay r = relay;
        return e != null || r == null || !phase.isActive() ? e : r.lastJobError();
    }

    public long endedMillis() {
        return endedMillis;
    }

    /** The params in force: the start params merged with each accepted update. */
    public Map<String, Object> params() {
        return params;
    }

    /** Whether a restarted sidecar picked the stream up from the cluster. */
    public boolean adopted() {
        return adopted;
    }

    /** The job's last heartbeat event, or null. */
    public JsonNode lastHeartbeat() {
        EventsRelay r = relay;
        return r == null ? null : r.lastJobHeartbeat();
    }

    /** Channel names for a new run of stream {@code id}: {@code <id>-<run>-params|events}. */
    static String[] newChannels(String id) {
        String run =
                Long.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 32);
        return new String[] {
            id + "-" + run + StreamChannels.PARAMS_SUFFIX,
            id + "-" + run + StreamChannels.EVENTS_SUFFIX
        };
    }

    /** The time since the start was accepted. */
    java.time.Duration sinceAccepted() {
        return java.time.Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Milliseconds from acceptance to the job running, or -1. */
    public long startMillis() {
        return runningNanos == 0 ? -1 : (runningNanos - startedNanos) / 1_000_000;
    }
}
