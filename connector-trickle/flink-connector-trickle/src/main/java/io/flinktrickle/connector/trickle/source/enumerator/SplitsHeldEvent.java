package io.flinktrickle.connector.trickle.source.enumerator;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

/**
 * Reader → enumerator, when the reader starts: the channels it reads (its restored splits). After a
 * restore, a channel the enumerator's state lists as assigned that no reader holds ended after the
 * enumerator's part of the checkpoint was taken and before the readers' parts were: the enumerator
 * lets it go (see {@link TrickleSourceEnumerator}).
 */
@Internal
public final class SplitsHeldEvent implements SourceEvent {
    private static final long serialVersionUID = 1L;

    private final List<String> keys;

    public SplitsHeldEvent(List<String> keys) {
        this.keys = List.copyOf(keys);
    }

    public List<String> keys() {
        return keys;
    }

    @Override
    public String toString() {
        return "SplitsHeldEvent" + keys;
    }
}
