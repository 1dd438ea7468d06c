package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads one whole JSON document per segment. Unlike PyTrickle, which cuts messages at 32 KiB, a
 * message of any size up to {@code maxMessageBytes} (default 16 MiB, a memory bound) is read whole.
 *
 * <p>A segment that is not valid JSON or is too large raises {@link MalformedMessageException}; the
 * subscriber has already moved past it, so the caller can log it and go on.
 *
 * <p>Used by one consumer thread; {@link #close()} may be called from any thread.
 */
@PublicEvolving
public final class JsonMessageSubscriber implements Closeable {

    public static final long DEFAULT_MAX_MESSAGE_BYTES = 16L * 1024 * 1024;

    private final TrickleSubscriber subscriber;
    private final ObjectMapper mapper;
    private final long maxMessageBytes;

    public JsonMessageSubscriber(TrickleSubscriber subscriber, ObjectMapper mapper) {
        this(subscriber, mapper, DEFAULT_MAX_MESSAGE_BYTES);
    }

    public JsonMessageSubscriber(
            TrickleSubscriber subscriber, ObjectMapper mapper, long maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive");
        }
        this.subscriber = subscriber;
        this.mapper = mapper;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Waits for the next message.
     *
     * @return the message, or empty at end of stream
     */
    public Optional<JsonNode> next() throws IOException, InterruptedException {
        Optional<TrickleSegment> next = subscriber.next();
        if (next.isEmpty()) {
            return Optional.empty();
        }
        try (TrickleSegment segment = next.get()) {
            byte[] bytes;
            try {
                bytes = segment.readAll(maxMessageBytes);
            } catch (SegmentTooLargeException e) {
                throw new MalformedMessageException(
                        subscriber.channel() + ": " + e.getMessage(), segment.seq(), e);
            }
            try {
                JsonNode node = mapper.readTree(bytes);
                if (node == null || node.isMissingNode()) {
                    throw new MalformedMessageException(
                            subscriber.channel() + " message " + segment.seq() + " is empty",
                            segment.seq(),
                            null);
                }
                return Optional.of(node);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new MalformedMessageException(
                        subscriber.channel()
                                + " message "
                                + segment.seq()
                                + " is not JSON: "
                                + e.getOriginalMessage(),
                        segment.seq(),
                        e);
            }
        }
    }

    public TrickleSubscriber subscriber() {
        return subscriber;
    }

    @Override
    public void close() {
        subscriber.close();
    }
}
