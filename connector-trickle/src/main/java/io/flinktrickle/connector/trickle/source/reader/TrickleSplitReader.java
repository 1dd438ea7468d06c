package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link SplitReader} of the trickle source. Why a queue between the channels and {@code
 * fetch()}: a trickle read is an HTTP long-poll that blocks until the publisher writes, so each
 * channel is read by its own {@link ChannelPump} thread; {@code fetch()} (the fetcher thread) takes
 * what they produced from one bounded queue and returns at once on {@link #wakeUp()}.
 *
 * <p>Threads: {@code fetch}, {@code handleSplitsChanges} and {@code close} run on the fetcher
 * thread; {@code wakeUp} on any thread.
 */
@Internal
public final class TrickleSplitReader<T>
        implements SplitReader<TrickleElement<T>, TrickleChannelSplit> {

    private static final int MAX_BATCH = 64;

    private final SegmentDecoder<T> decoder;
    private final TrickleClientConfig config;
    private final Duration awaitChannel;
    private final TrickleSourceReaderMetrics metrics;
    private final BlockingQueue<TrickleElement<T>> queue;
    private final Map<String, ChannelPump<T>> pumps = new HashMap<>();
    private final AtomicBoolean wakeUpPending = new AtomicBoolean();

    public TrickleSplitReader(
            SegmentDecoder<T> decoder,
            TrickleClientConfig config,
            Duration awaitChannel,
            int queueCapacity,
            TrickleSourceReaderMetrics metrics) {
        this.decoder = decoder;
        this.config = config;
        this.awaitChannel = awaitChannel;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
    }

    @Override
    public RecordsWithSplitIds<TrickleElement<T>> fetch() throws IOException {
        List<TrickleElement<T>> batch = new ArrayList<>(MAX_BATCH);
        try {
            batch.add(queue.take());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RecordsBySplits.Builder<TrickleElement<T>>().build();
        }
        queue.drainTo(batch, MAX_BATCH - 1);
        RecordsBySplits.Builder<TrickleElement<T>> records = new RecordsBySplits.Builder<>();
        for (TrickleElement<T> e : batch) {
            switch (e.kind) {
                case WAKEUP:
                    wakeUpPending.set(false);
                    break;
                case FINISHED:
                    records.addFinishedSplit(e.splitId);
                    ChannelPump<T> pump = pumps.remove(e.splitId);
                    if (pump != null) {
                        pump.stop();
                    }
                    break;
                case FAILED:
                    throw new IOException(
                            "trickle channel " + e.splitId + " failed: " + e.error.getMessage(),
                            e.error);
                default:
                    records.add(e.splitId, e);
            }
        }
        return records.build();
    }

    @Override
    public void handleSplitsChanges(SplitsChange<TrickleChannelSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("unsupported splits change " + change);
        }
        for (TrickleChannelSplit split : change.splits()) {
            ChannelPump<T> pump =
                    new ChannelPump<>(split, decoder, config, awaitChannel, queue, metrics);
            ChannelPump<T> old = pumps.put(split.splitId(), pump);
            if (old != null) {
                old.stop();
            }
            pump.start();
        }
    }

    @Override
    public void wakeUp() {
        if (wakeUpPending.compareAndSet(false, true) && !queue.offer(TrickleElement.wakeUp())) {
            wakeUpPending.set(false); // the queue is full, so fetch() does not block anyway
        }
    }

    @Override
    public void close() {
        for (ChannelPump<T> pump : pumps.values()) {
            pump.stop();
        }
        pumps.clear();
    }
}
