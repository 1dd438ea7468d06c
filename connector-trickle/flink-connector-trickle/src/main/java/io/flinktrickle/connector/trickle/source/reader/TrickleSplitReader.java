package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.source.InputRefusedException;
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
import java.util.ArrayDeque;
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
 * <p>A stream's life is in band: when a stream's main channel {@code <stream>} is added, the
 * decoder's {@link SegmentDecoder#streamStarted} records are emitted before anything the stream's
 * channels produce; when the stream ends (its main channel, or a channel of a stream-ending role),
 * its other channels are ended with it and the decoder's {@link SegmentDecoder#streamEnded} records
 * are emitted after everything they produced: such an end always opens a batch of its own, so that
 * no record of the stream that was queued before it can be emitted after it.
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
    private final boolean failureEndsStream;

    private final AtomicBoolean wakeUpPending = new AtomicBoolean();

    /** Stream start records not emitted yet (fetcher thread). */
    private final List<TrickleElement<T>> starts = new ArrayList<>();

    /** Elements taken from the queue and left for the next fetch (fetcher thread). */
    private final ArrayDeque<TrickleElement<T>> carried = new ArrayDeque<>();

    /** Streams whose start was emitted and whose end was not (fetcher thread). */
    private final Set<String> liveStreams = new HashSet<>();

    public TrickleSplitReader(
            SegmentDecoder<T> decoder,
            TrickleClientConfig config,
            Duration awaitChannel,
            int queueCapacity,
            List<String> endingRoles,
            boolean failureEndsStream,
            TrickleSourceReaderMetrics metrics) {
        this.endingRoles = new HashSet<>(endingRoles);
        this.failureEndsStream = failureEndsStream;
        this.decoder = decoder;
        this.config = config;
        this.awaitChannel = awaitChannel;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
    }

    @Override
    public RecordsWithSplitIds<TrickleElement<T>> fetch() throws IOException {
        RecordsBySplits.Builder<TrickleElement<T>> records = new RecordsBySplits.Builder<>();
        if (!starts.isEmpty()) {
            // Before anything the new streams' channels produced (their pumps started after).
            for (TrickleElement<T> e : starts) {
                records.add(e.splitId, e);
            }
            starts.clear();
            return records.build();
        }
        List<TrickleElement<T>> batch = new ArrayList<>(MAX_BATCH);
        if (carried.isEmpty()) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return records.build();
            }
        } else {
            batch.addAll(carried);
            carried.clear();
        }
        queue.drainTo(batch, Math.max(0, MAX_BATCH - batch.size()));
        boolean any = false;
        for (int i = 0; i < batch.size(); i++) {
            TrickleElement<T> e = batch.get(i);
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
                case FAILED:
                    if (!failureEndsStream) {
                        throw new IOException(
                                "trickle channel " + e.splitId + " failed: " + e.error.getMessage(),
                                e.error);
                    }
                    // fall through: the stream ends, with the failure in band
                case REFUSED:
                case FINISHED:
                    if (e.kind != TrickleElement.Kind.FINISHED || endsStream(e.splitId)) {
                        if (any) {
                            // The stream's end opens the next batch: records of this one (in any
                            // of the stream's channels) must not be emitted after it.
                            carried.addAll(batch.subList(i, batch.size()));
                            return records.build();
                        }
                        finish(e.splitId, records);
                        endStream(e.splitId, failureOf(e), records);
                    } else {
                        finish(e.splitId, records);
                    }
                    any = true;
                    break;
                default:
                    records.add(e.splitId, e);
                    any = true;
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

    private static String failureOf(TrickleElement<?> e) {
        if (e.kind == TrickleElement.Kind.REFUSED) {
            LOG.warn(
                    "trickle channel {} refused: {}; its stream ends",
                    e.splitId,
                    e.error.getMessage());
            // A refused input says itself what is wrong; a decoder that cannot open says why.
            return e.error instanceof InputRefusedException
                    ? e.error.getMessage()
                    : "stream refused: " + e.error.getMessage();
        }
        if (e.kind != TrickleElement.Kind.FAILED) {
            return null;
        }
        LOG.warn("trickle channel {} failed (logged above); its stream ends", e.splitId);
        return "trickle channel " + e.splitId + " failed: " + e.error.getMessage();
    }

    /** The main channel of a stream, or one of the configured stream-ending roles. */
    private boolean endsStream(String splitId) {
        int role = splitId.indexOf(KeyGroupSplitAssigner.ROLE_SEPARATOR);
        return role < 0 || endingRoles.contains(splitId.substring(role + 1));
    }

    /**
     * Ends the other channels of {@code splitId}'s stream and emits the stream's end records (under
     * {@code splitId}, which is still assigned in this batch).
     */
    private void endStream(
            String splitId, String failure, RecordsBySplits.Builder<TrickleElement<T>> records) {
        String stream = KeyGroupSplitAssigner.streamKeyOf(splitId);
        for (String other : new ArrayList<>(pumps.keySet())) {
            if (KeyGroupSplitAssigner.streamKeyOf(other).equals(stream)) {
                LOG.info("trickle channel {} ends with {}", other, splitId);
                finish(other, records);
            }
        }
        if (liveStreams.remove(stream)) {
            decoder.streamEnded(
                    stream, failure, r -> records.add(splitId, TrickleElement.stream(splitId, r)));
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<TrickleChannelSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("unsupported splits change " + change);
        }
        for (TrickleChannelSplit split : change.splits()) {
            String key = split.splitId();
            if (key.indexOf(KeyGroupSplitAssigner.ROLE_SEPARATOR) < 0) {
                // The stream's main channel: the stream starts (or resumes after a restore).
                liveStreams.add(key);
                decoder.streamStarted(
                        key, split.attributes(), r -> starts.add(TrickleElement.stream(key, r)));
            }
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
