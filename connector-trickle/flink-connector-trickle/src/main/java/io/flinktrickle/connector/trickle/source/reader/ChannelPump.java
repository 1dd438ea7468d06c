package io.flinktrickle.connector.trickle.source.reader;

import io.flinktrickle.connector.trickle.protocol.ChannelNotFoundException;
import io.flinktrickle.connector.trickle.protocol.RetriesExhaustedException;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriberMetrics;
import io.flinktrickle.connector.trickle.retry.RetryBackoff;
import io.flinktrickle.connector.trickle.source.InputRefusedException;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads one channel on its own I/O thread ({@code trickle-source-<key>}): a trickle long-poll
 * blocks, so each channel gets a thread, and the records its decoder produces go into the reader's
 * bounded queue as soon as they exist (the thread blocks when the queue is full: backpressure with
 * bounded memory).
 *
 * <p>Resumes at the split's position: the stored seq, skipping the records of it that were already
 * emitted. If the server no longer has that seq, the subscriber jumps to the live edge; that is
 * logged, counted in {@code trickleJumps}, and the decoder is told of the discontinuity. A segment
 * whose body fails is logged and skipped; a channel that keeps failing ({@code
 * RetriesExhaustedException}) fails the split, which fails the task (Flink restarts it from the
 * last checkpoint) or ends its stream (see the split reader). A stream's companion channel ({@code
 * <stream>#<role>}, e.g. a controller's params) does not: its reader starts again at the same seq
 * after a pause (1 s doubling to 5 s, jittered: {@link RetryBackoff}), for as long as it takes (a
 * controller that restarts must not end its streams); its end (404, {@code Lp-Trickle-Closed})
 * still ends it.
 *
 * <p>A stream whose input is unusable ends with the reason in band (a {@code REFUSED} element): its
 * decoder cannot be opened, refuses the input ({@link InputRefusedException}, e.g. not MPEG-TS), or
 * its main channel was never found (404 from the start, also after the {@code awaitChannel} wait; a
 * channel that was read and went away is a regular end).
 */
@Internal
final class ChannelPump<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelPump.class);

    /** Thrown through the decoder when the pump is stopped while the queue is full. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    /** Pauses before a companion channel that kept failing is read again. */
    private static final RetryBackoff PAUSES =
            new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(5));

    private final TrickleChannelSplit split;
    private final SegmentDecoder<T> decoder;
    private final TrickleClientConfig config;
    private final Duration awaitChannel;
    private final BlockingQueue<TrickleElement<T>> queue;
    private final TrickleSourceReaderMetrics metrics;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile TrickleSubscriber subscriber;

    /** The segment the last records came from, and how many it had (I/O thread only). */
    private long lastSeq = -1;

    private long lastIndex;

    ChannelPump(
            TrickleChannelSplit split,
            SegmentDecoder<T> decoder,
            TrickleClientConfig config,
            Duration awaitChannel,
            BlockingQueue<TrickleElement<T>> queue,
            TrickleSourceReaderMetrics metrics) {
        this.split = split;
        this.decoder = decoder;
        this.config = config;
        this.awaitChannel = awaitChannel;
        this.queue = queue;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "trickle-source-" + split.key());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        String key = split.key();
        try {
            if (endsBeforeStart()) {
                emit(TrickleElement.finished(key));
                return;
            }
            SegmentDecoder.ChannelDecoder<T> opened;
            try {
                opened = decoder.open(key, split.attributes());
            } catch (IOException e) {
                offerQuietly(TrickleElement.refused(key, e));
                return;
            }
            try (SegmentDecoder.ChannelDecoder<T> channelDecoder = opened) {
                long from = split.nextSeq();
                int rereads = 0;
                Duration pause = Duration.ZERO;
                boolean resumed = false;
                while (running) {
                    try (TrickleSubscriber sub =
                            TrickleSubscriber.builder(split.uri())
                                    .startSeq(from)
                                    .config(config)
                                    // A companion that is gone ends at once (a stop
                                    // deletes a sidecar's params channel).
                                    .awaitChannel(isCompanion(key) ? Duration.ZERO : awaitChannel)
                                    .keepEverySegment(decoder.keepsEverySegment(key))
                                    .resumeAfterFailure(resumed)
                                    .build()) {
                        subscriber = sub;
                        if (!running) {
                            return;
                        }
                        try {
                            readSegments(sub, channelDecoder);
                            return;
                        } catch (RetriesExhaustedException e) {
                            if (!isCompanion(key) || !running) {
                                throw e;
                            }
                            if (e.getCause() instanceof ChannelNotFoundException) {
                                // Its server answers, without the channel, for the whole retry
                                // budget: the channel was deleted (e.g. a stop), not lost.
                                LOG.info("trickle channel {} is gone", key);
                                emit(TrickleElement.finished(key));
                                return;
                            }
                            pause = PAUSES.delay(++rereads);
                            LOG.warn(
                                    "trickle channel {} keeps failing; reading it again in {} ms:"
                                            + " {}",
                                    key,
                                    pause.toMillis(),
                                    e.getMessage());
                            from = sub.nextSeq();
                        }
                    }
                    resumed = true;
                    channelDecoder.discontinuity();
                    Thread.sleep(pause.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (InputRefusedException e) {
            if (running) {
                LOG.warn("trickle channel {}: {}", key, e.getMessage());
                offerQuietly(TrickleElement.refused(key, e));
            }
        } catch (Stopped stopped) {
            // Closed while the queue was full.
        } catch (Exception e) {
            if (running) {
                LOG.error("trickle channel {} failed", key, e);
                offerQuietly(TrickleElement.failed(key, e));
            }
        } finally {
            metrics.channelClosed(key);
        }
    }

    /** A stream's companion channel ({@code <stream>#<role>}), not its main one. */
    private static boolean isCompanion(String key) {
        return !KeyGroupSplitAssigner.streamKeyOf(key).equals(key);
    }

    /**
     * A stream's main channel that ended before the server ever answered this reader for it (a
     * companion channel that is not there just ends: the stream may do without it).
     */
    private boolean neverFound(TrickleSubscriber sub) {
        return !sub.channelSeen() && !isCompanion(split.key());
    }

    private String waited() {
        long ms = awaitChannel.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private boolean endsBeforeStart() {
        if (!split.isBounded()) {
            return false;
        }
        long stop = split.stoppingSeq();
        return stop <= 0 || split.nextSeq() == TrickleProtocol.SEQ_NEXT || split.nextSeq() >= stop;
    }

    private void readSegments(
            TrickleSubscriber sub, SegmentDecoder.ChannelDecoder<T> channelDecoder)
            throws IOException, InterruptedException {
        String key = split.key();
        long expected = split.nextSeq() >= 0 ? split.nextSeq() : -1;
        long skipFirst = split.recordsToSkip();
        TrickleSubscriberMetrics counters = sub.metrics();
        long bytesSeen = 0;
        long jumpsSeen = 0;
        long retriesSeen = 0;
        while (running) {
            long nextSeq = sub.nextSeq();
            if (split.isBounded() && nextSeq >= 0 && nextSeq >= split.stoppingSeq()) {
                emit(TrickleElement.finished(key)); // read up to the live edge seen at start
                return;
            }
            Optional<TrickleSegment> next = sub.next();
            if (next.isEmpty()) {
                if (neverFound(sub)) {
                    throw new InputRefusedException(
                            "input channel "
                                    + split.uri()
                                    + " not found"
                                    + (awaitChannel.isZero() ? "" : " after " + waited()));
                }
                LOG.info("trickle channel {} ended", key);
                // The tail belongs to the last segment: its records go on with that segment's
                // index.
                channelDecoder.endOfStream(
                        record ->
                                emit(
                                        TrickleElement.record(
                                                key,
                                                record,
                                                lastSeq,
                                                ++lastIndex,
                                                System.currentTimeMillis())));
                emit(TrickleElement.finished(key));
                return;
            }
            try (TrickleSegment segment = next.get()) {
                long seq = segment.seq();
                if (split.isBounded() && seq >= split.stoppingSeq()) {
                    emit(TrickleElement.finished(key));
                    return;
                }
                long skip = 0;
                if (expected >= 0 && seq != expected) {
                    LOG.warn(
                            "trickle channel {}: expected segment {} but the server has moved on to"
                                    + " {}",
                            key,
                            expected,
                            seq);
                    if (counters.jumps() == jumpsSeen) {
                        metrics.jumps(1); // e.g. after a restore: the stored seq was gone
                    }
                    channelDecoder.discontinuity();
                } else if (expected >= 0 && seq == split.nextSeq()) {
                    skip = skipFirst;
                }
                skipFirst = 0;
                metrics.segment(key, segment.liveEdge() - seq - 1);
                // No end-of-segment element: after the last record the position (seq, all its
                // records) restores exactly like (seq + 1, 0), and Flink counts every element
                // handed to the reader as a record in numRecordsIn.
                decodeSegment(segment, channelDecoder, skip);
                expected = seq + 1;
            } catch (InputRefusedException e) {
                throw new InputRefusedException(
                        "input channel " + split.uri() + " refused: " + e.getMessage());
            } catch (IOException e) {
                if (!running) {
                    return;
                }
                LOG.warn(
                        "trickle channel {}: segment failed, going on with the next: {}",
                        key,
                        e.toString());
                channelDecoder.discontinuity();
                expected = -1;
            } finally {
                metrics.bytes(counters.bytes() - bytesSeen);
                bytesSeen = counters.bytes();
                metrics.jumps(counters.jumps() - jumpsSeen);
                jumpsSeen = counters.jumps();
                metrics.reconnects(counters.retries() - retriesSeen);
                retriesSeen = counters.retries();
            }
        }
    }

    private void decodeSegment(
            TrickleSegment segment, SegmentDecoder.ChannelDecoder<T> channelDecoder, long skip)
            throws IOException {
        String key = split.key();
        long seq = segment.seq();
        long timestamp = segment.arrivalMillis();
        SegmentInfo info = new SegmentInfo(key, seq, segment.contentType(), timestamp);
        lastSeq = seq;
        lastIndex = 0;
        channelDecoder.decode(
                info,
                segment.body(),
                record -> {
                    long i = ++lastIndex;
                    if (i > skip) {
                        emit(TrickleElement.record(key, record, seq, i, timestamp));
                    }
                });
    }

    private void emit(TrickleElement<T> element) {
        element.origin = this;
        try {
            while (!queue.offer(element, 100, TimeUnit.MILLISECONDS)) {
                if (!running) {
                    throw new Stopped();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stopped();
        }
    }

    private void offerQuietly(TrickleElement<T> element) {
        try {
            emit(element);
        } catch (Stopped ignored) {
            // Shutting down: nobody reads the failure.
        }
    }

    /** Stops the thread: a blocked long-poll or body read is aborted. Waits up to 5 s. */
    void stop() {
        running = false;
        TrickleSubscriber sub = subscriber;
        if (sub != null) {
            sub.close();
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
