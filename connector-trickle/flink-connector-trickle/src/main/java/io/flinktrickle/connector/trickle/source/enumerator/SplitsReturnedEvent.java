package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

/**
 * Reader → enumerator: restored splits that this reader does not own by key group (Flink
 * redistributes reader state without regard to keys when the parallelism changes). The enumerator
 * assigns them to their owners, with their positions.
 */
@Internal
public final class SplitsReturnedEvent implements SourceEvent {
    private static final long serialVersionUID = 1L;

    private final List<TrickleChannelSplit> splits;

    public SplitsReturnedEvent(List<TrickleChannelSplit> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<TrickleChannelSplit> splits() {
        return splits;
    }

    @Override
    public String toString() {
        return "SplitsReturnedEvent" + splits;
    }
}
