package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.Closeable;
import java.io.IOException;

/**
 * Publishes one JSON document per segment, as the control, events and data channels carry them
 * (docs: livepeer-contract.md §e). Messages are serialized with Jackson; the segment is written and
 * completed in one go.
 *
 * <p>Thread-safe: concurrent {@link #publish} calls each get their own seq (none is reused, none is
 * lost).
 */
@PublicEvolving
public final class JsonMessagePublisher implements Closeable {

    private final TricklePublisher publisher;
    private final ObjectMapper mapper;

    public JsonMessagePublisher(TricklePublisher publisher, ObjectMapper mapper) {
        this.publisher = publisher;
        this.mapper = mapper;
    }

    /** Serializes {@code message} (a {@code JsonNode}, a {@code Map}, a record …) and sends it. */
    public long publish(Object message) throws IOException {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "message cannot be serialized as JSON: " + e.getMessage(), e);
        }
        return publisher.publish(json);
    }

    public TricklePublisher publisher() {
        return publisher;
    }

    @Override
    public void close() throws IOException {
        publisher.close();
    }
}
