package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.source.enumerator.ChannelFinishedEvent;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.connector.trickle.source.enumerator.SplitsReturnedEvent;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The trickle source reader: {@link SingleThreadMultiplexSourceReaderBase} with one fetcher thread
 * over all of this subtask's channels ({@link TrickleSplitReader}). Channels that end are reported
 * to the enumerator.
 */
@Internal
public final class TrickleSourceReader<T>
        extends SingleThreadMultiplexSourceReaderBase<
                TrickleElement<T>, T, TrickleChannelSplit, TrickleChannelSplitState> {

    private final int maxParallelism;

    /** The keys of the splits this reader reads (mailbox thread). */
    private final java.util.Set<String> held = new java.util.HashSet<>();

    public TrickleSourceReader(
            Supplier<SplitReader<TrickleElement<T>, TrickleChannelSplit>> splitReader,
            Configuration config,
            SourceReaderContext context,
            int maxParallelism) {
        super(splitReader, new TrickleRecordEmitter<>(), config, context);
        this.maxParallelism = maxParallelism;
    }

    /**
     * Keeps the splits this subtask owns by key group and returns the others to the enumerator:
     * after a restore at another parallelism, Flink hands reader state out without regard to keys,
     * but a keyed operator chained after the source needs each channel on its owner.
     */
    @Override
    public void addSplits(List<TrickleChannelSplit> splits) {
        int parallelism = context.currentParallelism();
        int me = context.getIndexOfSubtask();
        List<TrickleChannelSplit> mine = new ArrayList<>(splits.size());
        List<TrickleChannelSplit> others = new ArrayList<>();
        for (TrickleChannelSplit split : splits) {
            if (KeyGroupSplitAssigner.ownerOf(split.key(), maxParallelism, parallelism) == me) {
                mine.add(split);
            } else {
                others.add(split);
            }
        }
        if (!others.isEmpty()) {
            context.sendSourceEventToCoordinator(new SplitsReturnedEvent(others));
        }
        if (!mine.isEmpty()) {
            mine.forEach(split -> held.add(split.key()));
            super.addSplits(mine);
        }
    }

    /** Tells the enumerator which channels it reads (its restored ones: it starts after them). */
    @Override
    public void start() {
        super.start();
        context.sendSourceEventToCoordinator(
                new io.flinktrickle.connector.trickle.source.enumerator.SplitsHeldEvent(
                        new ArrayList<>(held)));
    }

    @Override
    protected void onSplitFinished(Map<String, TrickleChannelSplitState> finished) {
        held.removeAll(finished.keySet());
        context.sendSourceEventToCoordinator(
                new ChannelFinishedEvent(new ArrayList<>(finished.keySet())));
    }

    @Override
    protected TrickleChannelSplitState initializedState(TrickleChannelSplit split) {
        return new TrickleChannelSplitState(split);
    }

    @Override
    protected TrickleChannelSplit toSplitType(String splitId, TrickleChannelSplitState state) {
        return state.toSplit();
    }
}
