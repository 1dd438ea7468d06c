package io.flinktrickle.connector.trickle.sink;

import io.flinktrickle.connector.trickle.source.TrickleMessage;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * Publishes each record as one JSON message (one segment), as the events, data and control channels
 * carry them. A {@link TrickleMessage} or a {@link CharSequence} is sent as the JSON text it holds;
 * any other record is serialized with Jackson.
 */
@PublicEvolving
public final class JsonMessageEncoder<T> implements SegmentEncoder<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public ChannelEncoder<T> open(String channel) {
        ObjectMapper mapper = new ObjectMapper();
        return (record, out) -> {
            byte[] json;
            if (record instanceof TrickleMessage) {
                json = ((TrickleMessage) record).json.getBytes(StandardCharsets.UTF_8);
            } else if (record instanceof CharSequence) {
                json = record.toString().getBytes(StandardCharsets.UTF_8);
            } else {
                json = mapper.writeValueAsBytes(record);
            }
            out.startSegment().write(json);
            out.endSegment();
        };
    }

    /**
     * Routes each {@link TrickleMessage} to its {@link TrickleMessage#destination}; a message
     * without one is dropped (counted), and one made by {@link TrickleMessage#endOf} ends its
     * channel (see {@link ChannelRouter#endsChannel}).
     */
    public static ChannelRouter<TrickleMessage> routeByDestination() {
        return new ChannelRouter<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public java.net.URI channelFor(TrickleMessage m, int subtaskIndex) {
                return ChannelRouter.channelUrl(m.destination);
            }

            @Override
            public boolean endsChannel(TrickleMessage m) {
                return m.isEndOfChannel();
            }
        };
    }
}
