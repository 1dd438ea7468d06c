package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private static final Logger LOG = LoggerFactory.getLogger(TrickleSplitReader.class);
    private static final int MAX_BATCH = 64;

    private final SegmentDecoder<T> decoder;
    private final TrickleClientConfig config;
    private final Duration awaitChannel;
    private final TrickleSourceReaderMetrics metrics;
    private final BlockingQueue<TrickleElement<T>> queue;
    private final Map<String, ChannelPump<T>> pumps = new HashMap<>();
    private final Set<String> endingRoles;

    private final AtomicBoolean wakeUpPending = new AtomicBoolean();

    public TrickleSplitReader(
            SegmentDecoder<T> decoder,
            TrickleClientConfig config,
            Duration awaitChannel,
            int queueCapacity,
            List<String> endingRoles,
            TrickleSourceReaderMetrics metrics) {
        this.endingRoles = new HashSet<>(endingRoles);
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
            if (e.kind == TrickleElement.Kind.WAKEUP) {
                wakeUpPending.set(false);
                continue;
            }
            if (pumps.get(e.splitId) != e.origin) {
                // Stale: its pump was stopped (its split finished, e.g. with its stream) or
                // replaced by a re-added split; what it still queued is not the split's now.
                continue;
            }
            switch (e.kind) {
                case FINISHED:
                    finish(e.splitId, records);
                    if (endsStream(e.splitId)) {
                        endCompanions(e.splitId, records);
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

    private void finish(String splitId, RecordsBySplits.Builder<TrickleElement<T>> records) {
        records.addFinishedSplit(splitId);
        ChannelPump<T> pump = pumps.remove(splitId);
        if (pump != null) {
            pump.stop();
        }
    }

    /** The main channel of a stream, or one of the configured stream-ending roles. */
    private boolean endsStream(String splitId) {
        int role = splitId.indexOf(KeyGroupSplitAssigner.ROLE_SEPARATOR);
        return role < 0 || endingRoles.contains(splitId.substring(role + 1));
    }

    private void endCompanions(String splitId, RecordsBySplits.Builder<TrickleElement<T>> records) {
        String stream = KeyGroupSplitAssigner.streamKeyOf(splitId);
        for (String other : new ArrayList<>(pumps.keySet())) {
            if (KeyGroupSplitAssigner.streamKeyOf(other).equals(stream)) {
                LOG.info("trickle channel {} ends with {}", other, splitId);
                finish(other, records);
            }
        }
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
