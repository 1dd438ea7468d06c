package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes segments to one trickle channel, one streamed POST per segment (docs:
 * trickle-protocol.md §5.2, §6.1).
 *
 * <pre>{@code
 * try (TricklePublisher pub = TricklePublisher.builder(URI.create(".../ai/trickle/abc-out")).build()) {
 *     try (SegmentWriter segment = pub.next()) {
 *         segment.write(bytes); // reaches subscribers while the segment is still being written
 *     }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #next()} hands out the POST opened for the next seq and opens (preconnects) the one
 *       after it (unless {@link TricklePublisherBuilder#preconnect} is off); seqs come from one
 *       allocator, so no two segments ever share a seq.
 *   <li>A start at {@link TrickleProtocol#SEQ_NEXT} resumes an existing channel at its {@code
 *       /next} position and sends {@code Lp-Trickle-Reset}, which releases subscribers stuck on the
 *       previous publisher's unfinished segment. {@link Builder#reset} forces the header.
 *   <li>Interim {@code 100 Continue} keepalives are tolerated; a released preconnect (200 + {@code
 *       Connection: close}) is re-opened; {@code Lp-Trickle-Closed} raises {@link
 *       ChannelClosedException}, 404 {@link ChannelNotFoundException}.
 *   <li>{@link #close()} completes the segments still open (the tail is never lost), then sends
 *       {@code DELETE /{channel}} (unless disabled), then drops the preconnect.
 * </ul>
 *
 * <p>Threads: all methods are thread-safe; each {@link SegmentWriter} is used by one thread.
 */
@PublicEvolving
public final class TricklePublisher implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(TricklePublisher.class);

    private final URI channel;
    private final String contentType;
    private final TrickleHttp http;
    private final boolean ownsHttp;
    private final TrickleClientConfig config;
    private final RetryBackoff backoff;
    private final boolean deleteOnClose;

    /**
     * Whether the next segment's POST is opened ahead ({@link TricklePublisherBuilder#preconnect}).
     */
    private final boolean preconnecting;

    private final TricklePublisherMetrics metrics = new TricklePublisherMetrics();
    private final List<SegmentWriter> openWriters = new ArrayList<>();

    private final long startSeq;
    private boolean started;
    private boolean reset;
    private volatile long resetSeq = -1;
    private long nextSeq;
    private TrickleHttp.Upload preconnect;
    private boolean closed;

    TricklePublisher(TricklePublisherBuilder b) {
        this.channel = TrickleHeaders.stripSlash(b.channel);
        this.contentType = b.contentType;
        this.config = b.config;
        this.backoff = b.config.retryBackoff();
        this.ownsHttp = b.http == null;
        this.http = b.http != null ? b.http : JdkTrickleHttp.shared(b.config);
        this.deleteOnClose = b.deleteOnClose;
        this.preconnecting = b.preconnect;
        this.startSeq = b.startSeq;
        this.reset = b.reset;
    }

    public static TricklePublisherBuilder builder(URI channelUrl) {
        return new TricklePublisherBuilder(channelUrl);
    }

    public URI channel() {
        return channel;
    }

    public TricklePublisherMetrics metrics() {
        return metrics;
    }

    /** The seq the next {@link #next()} will use (after the start position is resolved). */
    public synchronized long nextSeq() {
        return nextSeq;
    }

    /**
     * Starts the next segment. The returned writer streams to the server; close it to complete the
     * segment. Several writers may be open at once; each has its own seq.
     */
    public SegmentWriter next() throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException(channel + ": publisher closed");
            }
            if (!started) {
                nextSeq = resolveStart();
                if (reset) {
                    resetSeq = nextSeq;
                }
                started = true;
            }
            long seq = nextSeq++;
            TrickleHttp.Upload upload = preconnect != null ? preconnect : open(seq);
            preconnect = preconnecting ? open(nextSeq) : null;
            SegmentWriter writer = new SegmentWriter(this, seq, upload, config.replayBufferBytes());
            openWriters.add(writer);
            return writer;
        }
    }

    /** Publishes {@code data} as one whole segment; returns its seq. */
    public long publish(byte[] data) throws IOException {
        SegmentWriter w = next();
        try {
            w.write(data);
        } catch (IOException e) {
            w.abort();
            throw e;
        }
        w.close();
        return w.seq();
    }

    private long resolveStart() throws IOException {
        if (startSeq != TrickleProtocol.SEQ_NEXT) {
            return startSeq;
        }
        reset = true;
        URI next = URI.create(channel + "/" + TrickleProtocol.NEXT_PATH);
        try (TrickleHttp.Response r = await(http.get(next, config.requestTimeout()), next)) {
            if (r.status() == 404) {
                return 0; // a new channel (autocreate servers create it with the first POST)
            }
            Optional<Long> latest = TrickleHeaders.headerLong(r, TrickleProtocol.HEADER_LATEST);
            if (r.status() == 200 && latest.isPresent()) {
                return latest.get();
            }
            if (r.status() >= 500) {
                // Not a legacy server but one that cannot answer now (e.g. 503 while its
                // channels are restored): starting at 0 with a reset would clobber the channel.
                throw new TrickleException(TrickleException.describe(next, r.status(), null));
            }
            // Legacy servers have no /next (400): they also ignore Reset, start from 0.
            LOG.warn("{}: server has no /next ({}), starting at seq 0", channel, r.status());
            return 0;
        }
    }

    private TrickleHttp.Upload open(long seq) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", contentType);
        if (seq == resetSeq) {
            headers.put(TrickleProtocol.HEADER_RESET, "1");
        }
        return http.post(URI.create(channel + "/" + seq), headers);
    }

    /**
     * Whether the upload's POST was answered with a release (200 + {@code Connection: close}).
     * Terminal answers (channel closed or gone) are thrown.
     */
    boolean wasReleased(long seq, TrickleHttp.Upload upload) throws IOException {
        if (!upload.response().isDone()) {
            return false;
        }
        return PostAnswer.now(upload.response(), channel, seq) == PostAnswer.RELEASED;
    }

    /**
     * Opens a new POST for {@code seq} in place of one that failed before reaching the server, and
     * sends {@code replay} on it; failures are retried with jittered backoff ({@link RetryBackoff},
     * the failed POST counting as the first failure), re-opening up to {@code maxAttempts} times.
     */
    TrickleHttp.Upload reopen(
            long seq, TrickleHttp.Upload previous, List<ByteBuffer> replay, IOException cause)
            throws IOException {
        previous.abort(new IOException("replaced by a new POST"));
        int failures = 0;
        while (true) {
            failures++;
            metrics.retries.increment();
            if (failures > config.maxAttempts()) {
                throw new RetriesExhaustedException(
                        channel
                                + ": segment "
                                + seq
                                + " could not be sent in "
                                + config.maxAttempts()
                                + " attempts"
                                + (cause == null ? "" : ", last: " + cause.getMessage()),
                        cause);
            }
            sleep(failures);
            TrickleHttp.Upload current = open(seq);
            try {
                for (ByteBuffer b : replay) {
                    current.write(b.duplicate());
                }
                return current;
            } catch (IOException e) {
                if (current.bytesTaken() > 0) {
                    throw e;
                }
                current.abort(e);
                cause = e;
            }
        }
    }

    /**
     * The server released {@code seq} unread (it was closed meanwhile and cannot be written again):
     * the data moves to the next seq, which takes over the open preconnect.
     */
    Reopened moveToFreshSeq(long seq, TrickleHttp.Upload previous, List<ByteBuffer> replay)
            throws IOException {
        metrics.releasedPreconnects.increment();
        previous.abort(new IOException("released by the server"));
        long fresh;
        TrickleHttp.Upload upload;
        synchronized (this) {
            fresh = nextSeq++;
            upload = preconnect != null ? preconnect : open(fresh);
            preconnect = closed || !preconnecting ? null : open(nextSeq);
        }
        LOG.info(
                "{}: segment {} was released by the server unread, sending it as {}",
                channel,
                seq,
                fresh);
        for (ByteBuffer b : replay) {
            upload.write(b.duplicate());
        }
        return new Reopened(fresh, upload);
    }

    /**
     * Waits for the server's answer to a segment's POST and classifies it ({@link
     * PostAnswer#await}).
     */
    PostAnswer answerOf(long seq, TrickleHttp.Upload upload) throws IOException {
        return PostAnswer.await(upload, channel, seq, config.requestTimeout());
    }

    /**
     * A segment failed for good, and neither it nor its {@code DELETE} may have reached the server:
     * readers may wait on a seq that is never written. The next segment therefore goes out with
     * {@code Lp-Trickle-Reset}, which closes every older segment the server holds open, so they
     * move on at once instead of at their next long-poll refresh (20 s). The preconnect, opened
     * without the header, is replaced.
     */
    synchronized void segmentFailed(long seq) {
        if (closed || seq < nextSeq - 1) {
            return; // a later segment has started already
        }
        for (SegmentWriter w : openWriters) {
            if (w.seq() < seq) {
                return; // the Reset would cut off an older segment still being written
            }
        }
        resetSeq = nextSeq;
        if (preconnect != null) {
            preconnect.abort(new IOException("replaced by a POST with Lp-Trickle-Reset"));
            preconnect = open(nextSeq);
        }
    }

    /** Politely closes a segment we gave up on, so that its subscribers stop waiting. */
    void releaseSegment(long seq) {
        http.delete(uri(seq))
                .whenComplete(
                        (r, e) -> {
                            if (r != null) {
                                r.close();
                            }
                        });
    }

    int maxAttempts() {
        return config.maxAttempts();
    }

    synchronized void writerFinished(SegmentWriter writer) {
        openWriters.remove(writer);
    }

    private URI uri(long seq) {
        return URI.create(channel + "/" + seq);
    }

    private TrickleHttp.Response await(CompletableFuture<TrickleHttp.Response> f, URI what)
            throws IOException {
        try {
            return f.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TrickleException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new TrickleException(what + ": no answer within " + config.requestTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        }
    }

    /** The wait after {@code failures} consecutive failures. */
    private void sleep(int failures) throws InterruptedIOException {
        try {
            backoff.sleep(failures);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during backoff");
        }
    }

    /**
     * Completes every open segment, deletes the channel (when configured) and drops the preconnect.
     * The first failure is rethrown after everything was cleaned up.
     */
    @Override
    public void close() throws IOException {
        close(deleteOnClose);
    }

    /** As {@link #close()}, deciding now whether to send {@code DELETE /{channel}}. */
    public void close(boolean deleteChannel) throws IOException {
        List<SegmentWriter> writers;
        TrickleHttp.Upload idle;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            writers = new ArrayList<>(openWriters);
            idle = preconnect;
            preconnect = null;
        }
        IOException first = null;
        for (SegmentWriter w : writers) {
            try {
                w.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        try {
            if (deleteChannel) {
                // DELETE first, then drop the preconnect (go-livepeer's order): the server
                // releases the preconnect's segment and subscribers see the end of stream.
                try (TrickleHttp.Response r = await(http.delete(channel), channel)) {
                    if (r.status() != 200 && r.status() != 404 && r.status() != 400) {
                        LOG.warn("{}: DELETE answered {}", channel, r.status());
                    }
                } catch (IOException e) {
                    // No data is lost: subscribers end at the idle sweep instead.
                    LOG.warn("{}: DELETE failed: {}", channel, e.getMessage());
                }
                if (idle != null) {
                    idle.abort(new IOException("publisher closed"));
                }
            } else if (idle != null) {
                // A zero-byte segment ends the preconnect cleanly; subscribers skip it.
                idle.complete();
                idle.response()
                        .whenComplete(
                                (r, e) -> {
                                    if (r != null) {
                                        r.close();
                                    }
                                });
            }
        } finally {
            if (ownsHttp) {
                http.close();
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
