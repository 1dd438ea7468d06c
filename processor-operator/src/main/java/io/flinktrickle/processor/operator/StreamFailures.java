package io.flinktrickle.processor.operator;

import io.flinktrickle.processor.api.BatchFrameProcessor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frame's processing failure, reported for its own stream: counted, an {@code error} event at
 * most every {@value #ERROR_EVENT_INTERVAL_MILLIS} ms (with the count since the last one), and the
 * stream marked errored after {@code maxConsecutiveFailures} in a row. Mailbox thread.
 */
final class StreamFailures {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFailures.class);

    /** Processing errors are reported as events at most this often per stream (plus a count). */
    static final long ERROR_EVENT_INTERVAL_MILLIS = 1_000;

    private StreamFailures() {}

    static void report(
            StreamRuntime s,
            Entry.Kind kind,
            Throwable cause,
            long now,
            ProcessingSettings settings,
            FrameProcessorOperator.Emitter emitter) {
        s.failures.inc();
        s.consecutiveFailures++;
        s.errorsSinceEvent++;
        boolean nowErrored = !s.errored && s.consecutiveFailures >= settings.maxConsecutiveFailures;
        if (nowErrored) {
            s.errored = true;
        }
        if (nowErrored || now - s.lastErrorEventMillis >= ERROR_EVENT_INTERVAL_MILLIS) {
            LOG.warn("Processing a frame of stream {} failed", s.key, cause);
            ObjectNode error = StreamEvents.event(StreamEvents.ERROR, now);
            error.put("message", call(kind, settings) + " failed: " + cause);
            error.put("failures_since_last_event", s.errorsSinceEvent);
            error.put("consecutive_failures", s.consecutiveFailures);
            if (s.errored) {
                error.put(
                        "stream_state",
                        "ERROR: frames pass through unprocessed until a params update succeeds");
            }
            emitter.event(s, error);
            s.lastErrorEventMillis = now;
            s.errorsSinceEvent = 0;
        }
    }

    private static String call(Entry.Kind kind, ProcessingSettings settings) {
        if (kind != Entry.Kind.VIDEO) {
            return "processAudio";
        }
        return settings.processor instanceof BatchFrameProcessor ? "processBatch" : "processVideo";
    }
}
