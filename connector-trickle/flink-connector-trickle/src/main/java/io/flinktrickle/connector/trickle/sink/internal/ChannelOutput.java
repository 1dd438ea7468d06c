package io.flinktrickle.connector.trickle.sink.internal;

import io.flinktrickle.connector.trickle.protocol.ChannelClosedException;
import io.flinktrickle.connector.trickle.protocol.ChannelNotFoundException;
import io.flinktrickle.connector.trickle.protocol.RetriesExhaustedException;
import io.flinktrickle.connector.trickle.protocol.SegmentWriter;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.retry.RetryBackoff;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;

/**
 * One output channel of a sink writer: its publisher, its encoder and the segment being written.
 * Implements the encoder's {@link SegmentEncoder.SegmentOutput}.
 *
 * <p>Failures: a segment whose publishing fails is dropped and counted (live video goes on with the
 * next one); a channel that was closed or deleted by its reader's side stops taking records (logged
 * once, counted); a server that stays unreachable ({@link RetriesExhaustedException}) fails the
 * writer, so Flink restarts the task, unless a retry interval is set: the channel then drops its
 * records (counted) for a pause and opens a new publisher at the channel's {@code /next} with its
 * next segment (a writer that serves many streams must not restart all of them because one stream's
 * server went away). The pause is random between half the interval and the interval ({@link
 * RetryBackoff#constant}), so the channels of many streams whose server restarted do not all come
 * back at the same instant.
 *
 * <p>Mailbox thread only.
 */
@Internal
final class ChannelOutput<T> implements SegmentEncoder.SegmentOutput {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelOutput.class);
    private static final int FIRST_FAILURE = 1;
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final URI channel;
    private final java.util.function.Supplier<TricklePublisher> publishers;
    private final long retryAfterNanos;

    /** The jittered pauses of a failed channel (retry interval set), else null. */
    private final RetryBackoff retryPauses;

    private TricklePublisher publisher;
    private long pausedUntilNanos;
    private final SegmentEncoder.ChannelEncoder<T> encoder;
    private final TrickleSinkMetrics metrics;
    private SegmentWriter current;
    private OutputStream currentStream;
    private boolean gone;

    ChannelOutput(
            URI channel,
            java.util.function.Supplier<TricklePublisher> publishers,
            java.time.Duration retryAfter,
            SegmentEncoder.ChannelEncoder<T> encoder,
            TrickleSinkMetrics metrics) {
        this.channel = channel;
        this.publishers = publishers;
        this.retryAfterNanos = retryAfter.toNanos();
        this.retryPauses = retryAfterNanos > 0 ? RetryBackoff.constant(retryAfter) : null;
        this.publisher = publishers.get();
        this.encoder = encoder;
        this.metrics = metrics;
    }

    void write(T record) throws IOException {
        if (gone) {
            metrics.recordErrors.inc();
            return;
        }
        try {
            encoder.encode(record, this);
            metrics.records.inc();
        } catch (IOException e) {
            handle(e);
        }
    }

    /** Encoder flush, then the open segment is completed; the channel is DELETEd if asked. */
    void finish(boolean deleteChannel) throws IOException {
        IOException failure = null;
        try {
            // A channel still paused has nothing open to complete; one whose pause is over
            // tries its server again for what the encoder holds.
            if (!gone && (publisher != null || System.nanoTime() >= pausedUntilNanos)) {
                encoder.finish(this);
                endSegment();
            }
        } catch (IOException e) {
            failure = e;
        }
        try {
            encoder.close();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        try {
            if (publisher != null) {
                publisher.close(deleteChannel && !gone);
            }
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        if (failure != null
                && !(failure instanceof ChannelClosedException
                        || failure instanceof ChannelNotFoundException)) {
            throw failure;
        }
    }

    @Override
    public OutputStream startSegment() throws IOException {
        endSegment();
        if (publisher == null) {
            if (System.nanoTime() < pausedUntilNanos) {
                throw new Paused(channel);
            }
            LOG.info("trickle channel {}: trying its server again", channel);
            publisher = publishers.get();
        }
        try {
            current = publisher.next();
        } catch (IOException e) {
            if (retryAfterNanos > 0) {
                pause(e); // its server cannot even be asked: don't ask again for every record
            }
            throw e;
        }
        SegmentWriter writer = current;
        currentStream =
                new FilterOutputStream(writer) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        writer.write(b, off, len);
                        metrics.bytes.inc(len);
                    }

                    @Override
                    public void close() {
                        // Segments end through endSegment().
                    }
                };
        return currentStream;
    }

    @Override
    public OutputStream segment() throws IOException {
        return current == null ? startSegment() : currentStream;
    }

    @Override
    public void endSegment() throws IOException {
        SegmentWriter writer = current;
        current = null;
        currentStream = null;
        if (writer == null) {
            return;
        }
        try {
            writer.close();
            metrics.segments.inc();
        } catch (IOException e) {
            handle(e);
        }
    }

    /** Drops the publisher; records are dropped until the pause is over (retry interval set). */
    private void pause(IOException cause) {
        if (publisher == null) {
            return;
        }
        // Every cap is the interval, so the count of pauses in a row does not matter.
        long pauseNanos = retryPauses.delay(FIRST_FAILURE).toNanos();
        LOG.warn(
                "trickle channel {}: its server keeps failing; its records are dropped for {} ms,"
                        + " then it is tried again: {}",
                channel,
                pauseNanos / NANOS_PER_MILLI,
                cause.getMessage());
        try {
            publisher.close(false);
        } catch (IOException | RuntimeException ignored) {
            // Dropped: a new publisher takes over after the pause.
        }
        publisher = null;
        pausedUntilNanos = System.nanoTime() + pauseNanos;
    }

    @Override
    public boolean hasOpenSegment() {
        return current != null;
    }

    private void handle(IOException e) throws IOException {
        if (current != null) {
            current.abort();
            current = null;
            currentStream = null;
        }
        if (e instanceof Paused) {
            metrics.recordErrors.inc(); // the pause was logged when it began
            return;
        }
        if (e instanceof RetriesExhaustedException) {
            if (retryAfterNanos <= 0) {
                throw e;
            }
            pause(e);
            metrics.publishErrors.inc();
            return;
        }
        if (e instanceof ChannelClosedException || e instanceof ChannelNotFoundException) {
            if (!gone) {
                LOG.warn(
                        "trickle channel {} is gone ({}); its records are dropped from now on",
                        channel,
                        e.getMessage());
            }
            gone = true;
            metrics.recordErrors.inc();
            return;
        }
        metrics.publishErrors.inc();
        LOG.warn(
                "trickle channel {}: a segment could not be published and was dropped: {}",
                channel,
                e.getMessage());
    }

    /** A record for a paused channel: dropped and counted, not logged each time. */
    private static final class Paused extends IOException {
        private static final long serialVersionUID = 1L;

        Paused(URI channel) {
            super(channel + ": paused after its server kept failing");
        }
    }
}
