package io.flinktrickle.connector.trickle.source.enumerator;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

/**
 * Reader → enumerator: these channels ended (404 or {@code Lp-Trickle-Closed}), so a channel of the
 * same name that discovery reports later is a new stream and is read again.
 */
@Internal
public final class ChannelFinishedEvent implements SourceEvent {
    private static final long serialVersionUID = 1L;

    private final List<String> keys;

    public ChannelFinishedEvent(List<String> keys) {
        this.keys = List.copyOf(keys);
    }

    public List<String> keys() {
        return keys;
    }

    @Override
    public String toString() {
        return "ChannelFinishedEvent" + keys;
    }
}
