package io.flinktrickle.connector.trickle.source;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * One {@link TrickleMessage} per segment: the segment is read whole (any size up to {@code
 * maxMessageBytes}), validated as JSON and re-emitted as compact JSON. A segment that is not JSON,
 * empty or too large is logged, counted and skipped: one bad message never stops the channel.
 */
@PublicEvolving
public final class JsonMessageDecoder implements SegmentDecoder<TrickleMessage> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(JsonMessageDecoder.class);

    private final long maxMessageBytes;

    public JsonMessageDecoder() {
        this(JsonMessageSubscriber.DEFAULT_MAX_MESSAGE_BYTES);
    }

    public JsonMessageDecoder(long maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive");
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Every message counts: a reader that fell behind resumes at the oldest one retained. */
    @Override
    public boolean keepsEverySegment(String channelKey) {
        return true;
    }

    @Override
    public ChannelDecoder<TrickleMessage> open(String channelKey) {
        ObjectMapper mapper = new ObjectMapper();
        return new ChannelDecoder<>() {
            @Override
            public void decode(SegmentInfo segment, InputStream body, Consumer<TrickleMessage> out)
                    throws IOException {
                byte[] data =
                        body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxMessageBytes + 1));
                if (data.length > maxMessageBytes) {
                    body.transferTo(java.io.OutputStream.nullOutputStream());
                    LOG.warn("{}: message larger than {} bytes skipped", segment, maxMessageBytes);
                    return;
                }
                JsonNode node;
                try {
                    node = mapper.readTree(data);
                } catch (JacksonException e) {
                    LOG.warn(
                            "{}: message is not JSON, skipped: {}",
                            segment,
                            e.getOriginalMessage());
                    return;
                }
                if (node == null || node.isMissingNode()) {
                    LOG.warn("{}: empty message skipped", segment);
                    return;
                }
                out.accept(
                        new TrickleMessage(
                                segment.channelKey(),
                                segment.seq(),
                                mapper.writeValueAsString(node)));
            }
        };
    }

    @Override
    public TypeInformation<TrickleMessage> getProducedType() {
        return TypeInformation.of(TrickleMessage.class);
    }
}
