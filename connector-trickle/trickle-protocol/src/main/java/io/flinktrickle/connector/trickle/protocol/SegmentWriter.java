package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The body of one segment being published: bytes go to the server as they are written (the POST was
 * opened beforehand), {@link #close()} completes the segment and waits for the server's answer,
 * {@link #abort()} drops it and releases its subscribers.
 *
 * <p>Recovery without data loss: the writer keeps references to the buffers it queued (no extra
 * copy) until the server acknowledges the segment, up to {@link
 * TrickleClientConfig#replayBufferBytes()}. If the POST fails before the HTTP client took a byte,
 * or the server answers that it released the preconnect without reading it (200 + {@code
 * Connection: close}), the POST is re-opened for the same seq and the kept bytes are sent again.
 * That is the only retry the protocol allows: the server holds no byte of that segment. A failure
 * after bytes may have reached the server drops the segment and DELETEs it, so that its subscribers
 * stop waiting.
 *
 * <p>Used by one thread at a time.
 */
@PublicEvolving
public final class SegmentWriter extends OutputStream {

    private final TricklePublisher publisher;
    private long seq;
    private final long replayLimit;
    private TrickleHttp.Upload upload;
    private List<ByteBuffer> kept = new ArrayList<>();
    private long keptBytes;
    private long written;
    private int reopens;
    private boolean finished;

    SegmentWriter(
            TricklePublisher publisher, long seq, TrickleHttp.Upload upload, long replayLimit) {
        this.publisher = publisher;
        this.seq = seq;
        this.upload = upload;
        this.replayLimit = replayLimit;
    }

    /** The segment's seq (it changes if the server released the original one unread). */
    public long seq() {
        return seq;
    }

    /** Bytes written so far. */
    public long bytesWritten() {
        return written;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("segment " + seq + " is already finished");
        }
        if (len == 0) {
            return;
        }
        if (written == 0 && upload.response().isDone()) {
            // The preconnect failed or was answered while idle: replace it before the first byte.
            recover(null);
        }
        ByteBuffer data = ByteBuffer.wrap(Arrays.copyOfRange(b, off, off + len));
        if (kept != null) {
            kept.add(data);
            keptBytes += len;
            if (keptBytes > replayLimit) {
                kept = null; // too large to replay: a late release loses this segment
            }
        }
        try {
            upload.write(data.duplicate());
        } catch (IOException e) {
            recoverOrFail(e);
        }
        written += len;
        publisher.metrics().bytes.add(len);
    }

    /** After a failed write: re-open and replay when the server holds none of the segment. */
    private void recoverOrFail(IOException failure) throws IOException {
        if (kept == null) {
            throw fail(failure);
        }
        if (upload.bytesTaken() > 0) {
            // Bytes left: only a release (the server read nothing) allows a replay.
            try {
                if (publisher.answerOf(seq, upload) != PostAnswer.RELEASED) {
                    throw fail(failure);
                }
            } catch (IOException e) {
                throw fail(e);
            }
        }
        recover(failure);
    }

    /**
     * Replaces the upload, replaying the kept bytes: on a fresh seq when the server released the
     * current one, on the same seq when the request failed before reaching it.
     */
    private void recover(IOException cause) throws IOException {
        if (++reopens > publisher.maxAttempts()) {
            throw fail(
                    new RetriesExhaustedException(
                            publisher.channel()
                                    + ": segment "
                                    + seq
                                    + " re-opened "
                                    + (reopens - 1)
                                    + " times",
                            cause));
        }
        List<ByteBuffer> replay = kept == null ? List.of() : kept;
        try {
            if (publisher.wasReleased(seq, upload)) {
                Reopened moved = publisher.moveToFreshSeq(seq, upload, replay);
                seq = moved.seq;
                upload = moved.upload;
            } else {
                upload = publisher.reopen(seq, upload, replay, cause);
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** Completes the segment and waits for the server to acknowledge it. */
    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        try {
            while (true) {
                upload.complete();
                PostAnswer answer;
                try {
                    answer = publisher.answerOf(seq, upload);
                } catch (IOException e) {
                    throw fail(e);
                }
                if (answer == PostAnswer.ACCEPTED) {
                    publisher.metrics().segments.increment();
                    return;
                }
                // Released without being read.
                if (written == 0) {
                    publisher.metrics().releasedPreconnects.increment();
                    return; // an empty segment on a released preconnect: nothing was lost
                }
                if (kept == null) {
                    throw fail(
                            new TrickleException(
                                    publisher.channel()
                                            + ": segment "
                                            + seq
                                            + " was released by the server before its data"
                                            + " arrived, and is too large to send again"));
                }
                recover(null);
            }
        } finally {
            finished = true;
            kept = null;
            publisher.writerFinished(this);
        }
    }

    /** Drops the segment: the connection is reset and its subscribers are released. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        kept = null;
        upload.abort(new IOException("segment " + seq + " aborted by the publisher"));
        publisher.releaseSegment(seq);
        publisher.writerFinished(this);
    }

    boolean isFinished() {
        return finished;
    }

    private IOException fail(IOException cause) {
        if (finished) {
            return cause;
        }
        finished = true;
        kept = null;
        upload.abort(cause);
        publisher.metrics().failedSegments.increment();
        publisher.writerFinished(this);
        if (cause instanceof ChannelClosedException || cause instanceof ChannelNotFoundException) {
            return cause;
        }
        publisher.releaseSegment(seq);
        publisher.segmentFailed(seq);
        return new TrickleException(
                publisher.channel()
                        + ": segment "
                        + seq
                        + " failed after "
                        + written
                        + " bytes: "
                        + cause.getMessage(),
                cause);
    }
}
