package io.flinktrickle.connector.trickle.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The recorder's output: forwards to the open segment. The muxer flushes every packet; the bytes of
 * one {@code encode} call (a frame's packets) are gathered and go to the segment in one write at
 * {@link #flush()}, so the HTTP body gets one chunk per frame instead of one per packet (same
 * latency: the call returns right after).
 *
 * <p>A failed segment write is swallowed here (the segment writer has already aborted that segment
 * and released its readers), so the muxer stays healthy; the next video frame then starts a new
 * segment with a keyframe. Bytes the muxer writes before the first segment (stream headers) are
 * kept for it. Mailbox thread only, as the encoder.
 */
final class SegmentCut extends OutputStream {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentCut.class);

    private OutputStream target;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(64 * 1024);

    /** When the oldest byte in {@code pending} was written ({@link System#nanoTime}). */
    private long pendingSince;

    boolean failed;

    /** Set while segments keep failing: only the first failure of a streak is logged. */
    boolean quiet;

    /**
     * Points at {@code segment}. Flush first: bytes still held then go to the new segment (before
     * the first segment: the stream headers, which belong there).
     */
    void to(OutputStream segment) {
        target = segment;
        failed = false;
    }

    @Override
    public void write(int b) {
        held();
        pending.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        held();
        pending.write(b, off, len);
    }

    private void held() {
        if (pending.size() == 0) {
            pendingSince = System.nanoTime();
        }
    }

    /** How long the oldest unsent byte has waited; 0 if none waits. */
    long heldNanos() {
        return pending.size() == 0 ? 0 : System.nanoTime() - pendingSince;
    }

    /** Sends what was written since the last flush to the open segment (kept if none is open). */
    @Override
    public void flush() {
        if (target == null || pending.size() == 0) {
            return;
        }
        if (failed) {
            pending.reset();
            return;
        }
        try {
            pending.writeTo(target);
        } catch (IOException e) {
            failed = true;
            if (quiet) {
                LOG.debug("a segment could not be written either: {}", e.getMessage());
            } else {
                LOG.warn(
                        "a segment could not be written, the stream goes on with the next keyframe:"
                                + " {}",
                        e.getMessage());
            }
        } finally {
            pending.reset();
        }
    }
}
