package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PushbackInputStream;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Reads the segments of one trickle channel in order (docs: trickle-protocol.md §5.3, §6).
 *
 * <pre>{@code
 * try (TrickleSubscriber sub = TrickleSubscriber.builder(URI.create(".../ai/trickle/abc")).build()) {
 *     Optional<TrickleSegment> segment;
 *     while ((segment = sub.next()).isPresent()) {
 *         try (TrickleSegment s = segment.get()) {
 *             s.body().transferTo(out); // bytes arrive while the publisher writes them
 *         }
 *     }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Starts at {@link TrickleProtocol#SEQ_CURRENT} (the default: the segment being written, from
 *       its start), {@link TrickleProtocol#SEQ_NEXT} or an explicit seq.
 *   <li>Follows {@code Lp-Trickle-Seq}; on 470 jumps to {@code Lp-Trickle-Latest} (or waits 250 ms
 *       when it is ahead of the live edge); skips zero-byte segments (current: 200 empty; legacy:
 *       470 for the requested seq).
 *   <li>End of stream ({@link #next()} returns empty) on {@code Lp-Trickle-Closed}, or on 404
 *       unless the channel vanished right after a connection failure (a restarted server), which is
 *       retried.
 *   <li>Connection and 5xx errors are retried with jittered exponential backoff ({@link
 *       RetryBackoff}), up to {@code maxAttempts} consecutive failures ({@link
 *       RetriesExhaustedException}).
 *   <li>The GET of the next segment is sent as soon as a segment is returned (preconnect), and
 *       re-issued when it has had no response headers for the refresh interval (20 s).
 * </ul>
 *
 * <p>Threads: {@link #next()} is called by one consumer thread; {@link #close()} may be called from
 * any thread and makes a blocked {@code next()} fail with an {@link IOException}.
 */
@PublicEvolving
public final class TrickleSubscriber implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(TrickleSubscriber.class);

    private final URI channel;
    private final TrickleHttp http;
    private final boolean ownsHttp;
    private final TrickleClientConfig config;
    private final RetryBackoff backoff;
    private final TrickleSubscriberMetrics metrics = new TrickleSubscriberMetrics();

    private long nextSeq;
    private CompletableFuture<TrickleHttp.Response> pending;
    private long pendingSeq;
    private TrickleSegment current;
    private boolean ended;
    private volatile boolean closed;
    private int failures;
    private boolean recentConnectionFailure;
    private boolean channelSeen;
    private final SeqPolicy seqs;
    private final long awaitChannelNanos;
    private final long createdNanos = System.nanoTime();

    TrickleSubscriber(TrickleSubscriberBuilder b) {
        this.channel = TrickleHeaders.stripSlash(b.channel);
        this.config = b.config;
        this.backoff = b.config.retryBackoff();
        this.ownsHttp = b.http == null; // a lease on the shared client, given back on close
        this.http = b.http != null ? b.http : JdkTrickleHttp.shared(b.config);
        this.nextSeq = b.startSeq;
        this.awaitChannelNanos = b.awaitChannel.toNanos();
        this.seqs = new SeqPolicy(channel, b.keepEverySegment, config.refreshInterval(), metrics);
        this.recentConnectionFailure = b.resumeAfterFailure;
        this.channelSeen = b.resumeAfterFailure;
    }

    public static TrickleSubscriberBuilder builder(URI channelUrl) {
        return new TrickleSubscriberBuilder(channelUrl);
    }

    /** The channel URL. */
    public URI channel() {
        return channel;
    }

    /** The seq the next {@link #next()} asks for ({@code -1}/{@code -2} before the first). */
    public synchronized long nextSeq() {
        return nextSeq;
    }

    /** Moves to another seq; an open segment and a preconnected GET are dropped. */
    public synchronized void seek(long seq) {
        TrickleSubscriberBuilder.checkSeq(seq);
        dropPending();
        closeCurrent();
        nextSeq = seq;
        ended = false;
    }

    public TrickleSubscriberMetrics metrics() {
        return metrics;
    }

    /**
     * Whether the server ever answered for the channel with a segment or its position (200, 470):
     * false after an end of stream means the channel was never found (404 from the start, also
     * after the {@code awaitChannel} wait). Called by the consumer thread.
     */
    public boolean channelSeen() {
        return channelSeen;
    }

    /**
     * Waits for the next non-empty segment and returns it as soon as its first bytes exist; the
     * previous segment is closed first if it is still open.
     *
     * @return the segment, or empty at end of stream
     * @throws RetriesExhaustedException when the server kept failing
     * @throws TrickleException on a status that retrying cannot fix (e.g. 400)
     * @throws IOException when the subscriber was closed meanwhile
     */
    public Optional<TrickleSegment> next() throws IOException, InterruptedException {
        closeCurrent();
        while (true) {
            checkOpen();
            if (ended) {
                return Optional.empty();
            }
            CompletableFuture<TrickleHttp.Response> request = pendingRequest();
            TrickleHttp.Response response;
            try {
                response = request.get();
            } catch (ExecutionException e) {
                clearPending(request);
                Throwable cause = e.getCause();
                if (cause instanceof HttpTimeoutException
                        && !(cause instanceof java.net.http.HttpConnectTimeoutException)) {
                    // No headers within the refresh interval: a long poll on a quiet channel.
                    metrics.refreshes.increment();
                    skipIfPublisherMovedOn(pendingSeq);
                    continue;
                }
                recentConnectionFailure = true;
                failed(
                        new TrickleException(
                                "GET " + segmentUri(pendingSeq) + " failed: " + cause, cause));
                continue;
            } catch (CancellationException e) {
                clearPending(request);
                checkOpen();
                continue;
            } catch (InterruptedException e) {
                dropPending();
                throw e;
            }
            clearPending(request);
            Optional<TrickleSegment> segment = handle(response);
            if (segment != null) {
                return segment;
            }
        }
    }

    /** Returns the outcome of one response, or null to go on with the next request. */
    private Optional<TrickleSegment> handle(TrickleHttp.Response response)
            throws IOException, InterruptedException {
        long requested = pendingSeq;
        int status = response.status();
        if (response.header(TrickleProtocol.HEADER_CLOSED).isPresent()) {
            response.close();
            LOG.debug("{}: channel closed (end of stream)", channel);
            channelSeen = true; // it existed: closed before its first segment is an end, not "never
            // found"
            ended = true;
            return Optional.empty();
        }
        if (status == 200 || status == TrickleProtocol.STATUS_SEGMENT_NOT_FOUND) {
            channelSeen = true;
        }
        if (status == 200) {
            seqs.answered();
            failures = 0;
            recentConnectionFailure = false;
            long seq =
                    TrickleHeaders.headerLong(response, TrickleProtocol.HEADER_SEQ)
                            .orElse(requested);
            synchronized (this) {
                nextSeq = seq + 1;
            }
            PushbackInputStream body = new PushbackInputStream(response.body(), 1);
            int first;
            try {
                first = body.read();
            } catch (IOException e) {
                response.close();
                recentConnectionFailure = true;
                failed(new TrickleException(channel + " segment " + seq + " failed: " + e, e));
                return null;
            }
            if (first < 0) {
                response.close();
                metrics.emptySegments.increment();
                return null;
            }
            body.unread(first);
            seqs.delivered(seq);
            pendingRequest(); // preconnect the next segment while this one is read
            metrics.segments.increment();
            long liveEdge =
                    TrickleHeaders.headerLong(response, TrickleProtocol.HEADER_LATEST)
                            .orElse(seq + 1);
            current =
                    new TrickleSegment(
                            seq,
                            liveEdge,
                            response.header("Content-Type").orElse(""),
                            body,
                            response::close,
                            config.readIdleTimeout().toNanos(),
                            metrics,
                            channel + " segment " + seq);
            return Optional.of(current);
        }
        response.close();
        if (status == TrickleProtocol.STATUS_SEGMENT_NOT_FOUND) {
            failures = 0;
            handleMissingSegment(
                    requested, TrickleHeaders.headerLong(response, TrickleProtocol.HEADER_LATEST));
            return null;
        }
        if (status == 404) {
            if (!channelSeen && System.nanoTime() - createdNanos < awaitChannelNanos) {
                // Not created yet (the subscriber started before the publisher).
                Thread.sleep(TrickleProtocol.AHEAD_OF_LIVE_EDGE_RETRY.toMillis());
                return null;
            }
            if (recentConnectionFailure && failures < config.maxAttempts()) {
                // The server came back without the channel (a restart): the publisher may
                // recreate it, so keep asking while the retry budget lasts.
                failed(new ChannelNotFoundException(channel + " not found after reconnecting"));
                return null;
            }
            LOG.info("{}: channel not found (end of stream)", channel);
            ended = true;
            return Optional.empty();
        }
        if (status >= 500) {
            failed(
                    new TrickleException(
                            TrickleException.describe(segmentUri(requested), status, null)));
            return null;
        }
        throw new TrickleException(TrickleException.describe(segmentUri(requested), status, null));
    }

    /**
     * A long poll that stays silent may wait for a seq the publisher will never write: a publisher
     * that restarted on a fresh channel (a restarted server) goes on with its own seq, and the
     * server keeps the precreated segment we wait on. If {@code /next} shows that a later segment
     * has started, move to the current one (go-livepeer's clients would wait for ring eviction
     * instead).
     */
    private void skipIfPublisherMovedOn(long waitingFor) throws InterruptedException {
        if (waitingFor < 0) {
            return;
        }
        URI next = URI.create(channel + "/" + TrickleProtocol.NEXT_PATH);
        CompletableFuture<TrickleHttp.Response> asked = http.get(next, config.requestTimeout());
        try (TrickleHttp.Response r =
                asked.get(
                        config.requestTimeout().toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS)) {
            Optional<Long> latest = TrickleHeaders.headerLong(r, TrickleProtocol.HEADER_LATEST);
            if (r.status() == 200 && latest.isPresent() && latest.get() > waitingFor + 1) {
                long target = latest.get() - 1;
                metrics.jumps.increment();
                metrics.skippedSegments.add(target - waitingFor);
                LOG.info(
                        "{}: segment {} was never written and the publisher is at {}, moving there",
                        channel,
                        waitingFor,
                        target);
                synchronized (this) {
                    nextSeq = target;
                }
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // Legacy servers have no /next, or the server is busy: keep waiting.
            asked.cancel(true);
            asked.thenAccept(TrickleHttp.Response::close); // if it was answered meanwhile
        }
    }

    private void handleMissingSegment(long requested, Optional<Long> latest)
            throws InterruptedException {
        long target = seqs.afterMissing(requested, latest, recentConnectionFailure);
        if (target != SeqPolicy.SAME) {
            synchronized (this) {
                nextSeq = target;
            }
        }
    }

    private void failed(IOException failure) throws IOException, InterruptedException {
        failures++;
        metrics.retries.increment();
        if (failures >= config.maxAttempts()) {
            throw new RetriesExhaustedException(
                    channel + ": " + failures + " attempts failed, last: " + failure.getMessage(),
                    failure);
        }
        LOG.debug("{}: attempt {} failed, retrying: {}", channel, failures, failure.toString());
        backoff.sleep(failures);
    }

    private synchronized CompletableFuture<TrickleHttp.Response> pendingRequest() {
        if (pending == null) {
            pendingSeq = nextSeq;
            pending = http.get(segmentUri(nextSeq), config.refreshInterval());
        }
        return pending;
    }

    private synchronized void clearPending(CompletableFuture<TrickleHttp.Response> request) {
        if (pending == request) {
            pending = null;
        }
    }

    private synchronized void dropPending() {
        if (pending != null) {
            CompletableFuture<TrickleHttp.Response> p = pending;
            pending = null;
            p.cancel(true);
            p.thenAccept(TrickleHttp.Response::close);
        }
    }

    private void closeCurrent() {
        TrickleSegment c = current;
        current = null;
        if (c != null) {
            c.close();
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new InterruptedIOException(channel + ": subscriber closed");
        }
    }

    URI segmentUri(long seq) {
        return URI.create(channel + "/" + seq);
    }

    /** Stops the subscriber: a blocked {@link #next()} fails, the open segment is dropped. */
    @Override
    public void close() {
        closed = true;
        dropPending();
        closeCurrent();
        if (ownsHttp) {
            http.close();
        }
    }
}
