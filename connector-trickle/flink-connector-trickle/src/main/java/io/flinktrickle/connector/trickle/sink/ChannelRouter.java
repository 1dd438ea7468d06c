package io.flinktrickle.connector.trickle.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.net.URI;

/**
 * Chooses each record's output channel. One channel must be written by one sink subtask only
 * (trickle allows one publisher per channel): route by the record's stream key, which a keyed
 * upstream has already placed on one subtask, or include the subtask index in the channel.
 *
 * <p>A router may also end channels in band: a record for which {@link #endsChannel} is true is not
 * encoded; the writer finishes its channel as at the end of input (the encoder writes what it
 * holds, the open segment is completed, the channel is deleted when {@code
 * trickle.sink.delete-channels-on-end-of-input} is on) and forgets it, so a writer that serves
 * streams for a long time holds only the channels of live ones. A later record for the channel
 * opens it afresh.
 *
 * <p>Each sink subtask works with its own copy of the router (deserialized with the job), called on
 * the writer's mailbox thread only, so a router may keep what it learns from the records it sees
 * (e.g. where a stream's output goes, from a start record in band).
 */
@PublicEvolving
@FunctionalInterface
public interface ChannelRouter<T> extends Serializable {

    /**
     * The channel URL for {@code record}, written by sink subtask {@code subtaskIndex}; null drops
     * the record (counted in {@code numRecordsSendErrors}).
     */
    URI channelFor(T record, int subtaskIndex);

    /**
     * Whether {@code record} marks the end of its channel ({@link #channelFor}); default: never.
     */
    default boolean endsChannel(T record) {
        return false;
    }

    /**
     * A channel URL from text that came with the records (e.g. an announcement's attribute): an
     * absolute {@code http}/{@code https} URL with a host, or null (the record is then dropped and
     * counted rather than failing the sink).
     */
    static URI channelUrl(String text) {
        if (text == null) {
            return null;
        }
        try {
            URI u = new URI(text.trim());
            String scheme = u.getScheme();
            boolean web = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
            return web && u.getHost() != null ? u : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** Every record to one channel. */
    static <T> ChannelRouter<T> fixed(URI channel) {
        return (record, subtask) -> channel;
    }
}
