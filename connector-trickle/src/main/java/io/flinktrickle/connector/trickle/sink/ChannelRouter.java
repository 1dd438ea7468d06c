package io.flinktrickle.connector.trickle.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.net.URI;

/**
 * Chooses each record's output channel. One channel must be written by one sink subtask only
 * (trickle allows one publisher per channel): route by the record's stream key, which a keyed
 * upstream has already placed on one subtask, or include the subtask index in the channel.
 */
@PublicEvolving
@FunctionalInterface
public interface ChannelRouter<T> extends Serializable {

    /** The channel URL for {@code record}, written by sink subtask {@code subtaskIndex}. */
    URI channelFor(T record, int subtaskIndex);

    /** Every record to one channel. */
    static <T> ChannelRouter<T> fixed(URI channel) {
        return (record, subtask) -> channel;
    }
}
