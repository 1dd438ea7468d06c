package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * One JSON message of a message channel (control, events, data), as {@link JsonMessageDecoder}
 * produces it: the document is validated and kept as compact JSON text. A message to be published
 * may name its {@link #destination} channel; one made by {@link #endOf} carries no message and
 * marks the end of that channel instead (see {@code JsonMessageEncoder#routeByDestination}). A
 * Flink POJO.
 */
@PublicEvolving
public class TrickleMessage {
    /** The channel's stream key. */
    public String channel;

    public long seq;

    /** The message, compact JSON; null for an end-of-channel marker ({@link #endOf}). */
    public String json;

    /** The URL of the channel to publish the message to, when its producer knows it; or null. */
    public String destination;

    public TrickleMessage() {}

    public TrickleMessage(String channel, long seq, String json) {
        this.channel = channel;
        this.seq = seq;
        this.json = json;
    }

    public TrickleMessage(String channel, long seq, String json, String destination) {
        this(channel, seq, json);
        this.destination = destination;
    }

    /** The end of channel {@code destination} (of stream key {@code channel}): no message. */
    public static TrickleMessage endOf(String channel, String destination) {
        return new TrickleMessage(channel, -1, null, destination);
    }

    /** Whether this marks the end of its destination channel rather than carrying a message. */
    public boolean isEndOfChannel() {
        return json == null;
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
        return seq == m.seq
                && Objects.equals(channel, m.channel)
                && Objects.equals(json, m.json)
                && Objects.equals(destination, m.destination);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channel, seq, json, destination);
    }

    @Override
    public String toString() {
        return channel
                + "/"
                + seq
                + " "
                + (json == null ? "(end)" : json)
                + (destination == null ? "" : " -> " + destination);
    }
}
