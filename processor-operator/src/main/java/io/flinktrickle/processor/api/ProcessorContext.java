package io.flinktrickle.processor.api;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Map;
import java.util.function.Supplier;

/**
 * One stream as its processor sees it. Obtained only as an argument of {@link FrameProcessor}'s
 * methods; {@link #sendData} and {@link #sendEvent} may also be called from other threads (e.g. an
 * async result's), the rest on the processor thread.
 */
@PublicEvolving
public interface ProcessorContext extends SlotContext {

    /** The stream's key (its channel). */
    String streamKey();

    /** The stream's current params (unmodifiable): start params merged with every update. */
    Map<String, Object> params();

    /** The stream's own state object, created by {@code initial} on first use. */
    <T> T state(Supplier<T> initial);

    /**
     * Queues a value for the data channel: any Jackson-serializable value (sent as typed JSON, not
     * a string inside a string). Values are batched every 333 ms into one JSON array line.
     */
    void sendData(Object value);

    /**
     * Sends a custom monitoring event, queue type {@code custom_monitoring_event}. {@code fields}
     * are added to the event next to {@code type} and {@code timestamp}.
     */
    void sendEvent(String type, Map<String, ?> fields);
}
