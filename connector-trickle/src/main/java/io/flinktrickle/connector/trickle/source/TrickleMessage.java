package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * One JSON message of a message channel (control, events, data), as {@link JsonMessageDecoder}
 * produces it: the document is validated and kept as compact JSON text. A Flink POJO.
 */
@PublicEvolving
public class TrickleMessage {
    /** The channel's stream key. */
    public String channel;

    public long seq;

    /** The message, compact JSON. */
    public String json;

    public TrickleMessage() {}

    public TrickleMessage(String channel, long seq, String json) {
        this.channel = channel;
        this.seq = seq;
        this.json = json;
    }

    public String getChannel() {
        return channel;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrickleMessage)) {
            return false;
        }
        TrickleMessage m = (TrickleMessage) o;
        return seq == m.seq && Objects.equals(channel, m.channel) && Objects.equals(json, m.json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channel, seq, json);
    }

    @Override
    public String toString() {
        return channel + "/" + seq + " " + json;
    }
}
