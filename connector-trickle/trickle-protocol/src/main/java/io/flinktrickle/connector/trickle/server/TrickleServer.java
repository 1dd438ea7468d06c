package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.server.http.JettyHttpServer;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An embedded trickle server with go-livepeer v0.9 semantics (docs: trickle-protocol.md), for local
 * runs, demos and tests.
 *
 * <pre>{@code
 * try (TrickleServer server = TrickleServer.builder().basePath("/ai/trickle/").build().start()) {
 *     URI channel = server.channelUri("stream-1");
 *     ...
 * }
 * }</pre>
 *
 * <p>Defaults: host {@code 127.0.0.1}, an ephemeral port, base path {@code /}, autocreate on, 5
 * retained segments per channel, 64 MiB per segment, 1024 channels, 1024 connections, idle channels
 * closed after 5 min (swept every minute), a {@code 100 Continue} keepalive every 10 s on silent
 * uploads, 30 s for a request head, changefeed off.
 *
 * <p>With {@link TrickleServerBuilder#accessToken}, every request must carry {@code Authorization:
 * Bearer <token>} (401 otherwise).
 *
 * <p>Memory is bounded by {@code maxChannels × retainedSegments × maxSegmentBytes}: a larger upload
 * gets 413, a channel past the limit 503.
 *
 * <p>Threads: Jetty's acceptor, selector and handler threads ({@link
 * io.flinktrickle.connector.trickle.server.http.JettyHttpServer}), and one sweeper thread; {@link
 * #close()} drops every connection and stops them all.
 */
@PublicEvolving
public final class TrickleServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrickleServer.class);

    /**
     * How long a connection may take to send a request head (see {@link
     * TrickleServerBuilder#headTimeout}).
     */
    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(30);

    private final TrickleServerBuilder settings;
    private final ChannelStore store;
    private final JettyHttpServer http;
    private final ScheduledExecutorService sweeper;
    private final MissingChannels missing = new MissingChannels();

    TrickleServer(TrickleServerBuilder b) {
        this.settings = b;
        this.store =
                new ChannelStore(b.retainedSegments, b.maxChannels, b.changefeed, System::nanoTime);
        SegmentWrites writes =
                new SegmentWrites(
                        store,
                        missing,
                        b.autocreate,
                        b.maxSegmentBytes,
                        b.keepaliveInterval,
                        b.uploadIdleTimeout,
                        System::nanoTime);
        this.http =
                new JettyHttpServer(
                        b.host,
                        b.port,
                        b.maxConnections,
                        b.headTimeout,
                        new TrickleRequestHandler(
                                b.basePath,
                                store,
                                b.autocreate,
                                new SegmentReads(store, missing),
                                writes,
                                b.accessToken),
                        b.threadName);
        this.sweeper =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, b.threadName + "-sweeper");
                            t.setDaemon(true);
                            return t;
                        });
    }

    public static TrickleServerBuilder builder() {
        return new TrickleServerBuilder();
    }

    /** Binds the port and starts serving; returns this server. */
    public TrickleServer start() throws IOException {
        http.start();
        long sweepMillis = settings.sweepInterval.toMillis();
        long idleNanos = settings.idleTimeout.toNanos();
        Predicate<String> spared = settings.sweepSpares;
        sweeper.scheduleWithFixedDelay(
                () -> sweep(idleNanos, spared), sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        LOG.info("trickle server listening on {}", baseUri());
        return this;
    }

    /** One sweep (sweeper thread): a failing spare predicate spares everything this time. */
    private void sweep(long idleNanos, Predicate<String> spared) {
        try {
            store.sweep(idleNanos, spared);
        } catch (RuntimeException e) {
            LOG.warn("idle sweep skipped: {}", e.toString()); // never kill the scheduled sweep
        }
    }

    public int port() {
        return http.port();
    }

    /** {@code http://host:port/basePath/}. */
    public URI baseUri() {
        return URI.create("http://" + hostForUri() + ":" + port() + settings.basePath);
    }

    /** The URL of a channel on this server. */
    public URI channelUri(String channel) {
        return baseUri().resolve(channel);
    }

    /**
     * Creates a channel in-process, as go-livepeer's orchestrator does before a job starts (its
     * server does not autocreate). Creating an existing channel changes nothing.
     *
     * @throws IllegalStateException when the channel limit is reached
     * @throws IllegalArgumentException for a mime type with a control character (it is sent back in
     *     subscribers' {@code Content-Type})
     */
    public void createChannel(String name, String mimeType) {
        try {
            store.getOrCreate(name, mimeType);
        } catch (ChannelStore.TooManyChannelsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Writes a complete segment in-process, as go-livepeer's local publishers do: {@code seq} on
     * channel {@code name} (created if needed), which becomes the channel's live edge. With {@code
     * reset}, older retained segments are closed, as by {@code Lp-Trickle-Reset}.
     *
     * @throws IllegalStateException when the channel limit is reached
     */
    public void write(String name, String mimeType, long seq, byte[] body, boolean reset) {
        if (seq < 0) {
            throw new IllegalArgumentException("an in-process write needs a seq >= 0: " + seq);
        }
        Channel channel;
        try {
            channel = store.getOrCreate(name, mimeType);
        } catch (ChannelStore.TooManyChannelsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        Segment segment = channel.forWrite(seq, reset);
        channel.markStarted(seq, System.nanoTime());
        segment.append(body, 0, body.length);
        segment.close();
    }

    /**
     * While {@code hold} is set, requests for a segment of a channel that does not exist are
     * answered {@code 503} with {@code Retry-After} instead of {@code 404}: clients retry rather
     * than take the channel for deleted. For a restarted controller that re-creates the channels of
     * work it takes over before it knows all their names (a 404 would end that work).
     */
    public void holdMissingChannels(boolean hold) {
        missing.hold(hold);
    }

    /** Closes a channel in-process as {@code DELETE /{channel}} would; false if unknown. */
    public boolean deleteChannel(String name) {
        return store.delete(name);
    }

    /** The names of the open channels (including the changefeed when enabled). */
    public java.util.Set<String> channelNames() {
        return store.names();
    }

    /** Number of open channels (including the changefeed when enabled). */
    public int channelCount() {
        return store.size();
    }

    /**
     * The seq {@code channel}'s next write takes: 0 until a segment was written, and for a missing
     * channel.
     */
    public long nextWriteSeq(String channel) {
        Channel c = store.get(channel);
        return c == null ? 0 : c.nextWrite();
    }

    /**
     * GETs on {@code channel} parked in their long poll right now: their segment has no byte yet
     * (subscribers waiting at the live edge, preconnected readers). 0 for a missing channel.
     */
    public int waitingReads(String channel) {
        Channel c = store.get(channel);
        return c == null ? 0 : c.waitingReads.get();
    }

    /**
     * POSTs on {@code channel} connected but not yet sending (preconnected publishers waiting for
     * their segment's first byte). 0 for a missing channel.
     */
    public int waitingWrites(String channel) {
        Channel c = store.get(channel);
        return c == null ? 0 : c.waitingWrites.get();
    }

    private String hostForUri() {
        String h = settings.host;
        if ("0.0.0.0".equals(h) || "::".equals(h)) {
            return "127.0.0.1";
        }
        return h.contains(":") ? "[" + h + "]" : h;
    }

    /**
     * Stops serving like a process that exits: connections are dropped (clients see connection
     * errors and retry, as after a crash or restart), no end of stream is signalled, and all
     * threads end.
     */
    @Override
    public void close() {
        sweeper.shutdownNow();
        http.close();
        store.closeAll();
    }
}
