package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * Emits records (timestamped with their segment's arrival time) and advances the split's position,
 * and a stream's start and end records (which have no position); runs on the task's mailbox thread.
 */
@Internal
public final class TrickleRecordEmitter<T>
        implements RecordEmitter<TrickleElement<T>, T, TrickleChannelSplitState> {

    @Override
    public void emitRecord(
            TrickleElement<T> element, SourceOutput<T> output, TrickleChannelSplitState state) {
        if (element.kind == TrickleElement.Kind.RECORD) {
            output.collect(element.record, element.timestamp);
            state.recordEmitted(element.seq, element.index);
        } else if (element.kind == TrickleElement.Kind.STREAM) {
            output.collect(element.record, element.timestamp); // no position to advance
        }
    }
}
