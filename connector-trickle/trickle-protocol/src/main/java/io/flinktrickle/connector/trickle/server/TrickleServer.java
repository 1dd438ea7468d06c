package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.http.JettyHttpServer;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
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
 * <p>With {@link Builder#accessToken}, every request must carry {@code Authorization: Bearer
 * <token>} (401 otherwise).
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

    /** How long a connection may take to send a request head (see {@link Builder#headTimeout}). */
    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(30);

    private final Builder settings;
    private final ChannelStore store;
    private final JettyHttpServer http;
    private final ScheduledExecutorService sweeper;
    private final MissingChannels missing = new MissingChannels();

    private TrickleServer(Builder b) {
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
                        "trickle-server");
        this.sweeper =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "trickle-server-sweeper");
                            t.setDaemon(true);
                            return t;
                        });
    }

    public static Builder builder() {
        return new Builder();
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

    /** Settings of a {@link TrickleServer}; {@link #build()} validates them. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private String basePath = "/";
        private boolean autocreate = true;
        private boolean changefeed = false;
        private int retainedSegments = TrickleProtocol.DEFAULT_RETAINED_SEGMENTS;
        private long maxSegmentBytes = 64L * 1024 * 1024;
        private int maxChannels = 1024;
        private int maxConnections = 1024;
        private Duration idleTimeout = TrickleProtocol.IDLE_CHANNEL_TIMEOUT;
        private Duration sweepInterval = TrickleProtocol.IDLE_SWEEP_INTERVAL;
        private Duration keepaliveInterval = TrickleProtocol.PRECONNECT_KEEPALIVE;
        private Duration uploadIdleTimeout = Duration.ofMinutes(5);
        private Duration headTimeout = DEFAULT_HEAD_TIMEOUT;
        private String accessToken;
        private Predicate<String> sweepSpares = name -> false;

        private Builder() {}

        /** Address to bind; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Port to bind; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Path prefix of all channels, e.g. {@code /ai/trickle/}; default {@code /}. */
        public Builder basePath(String basePath) {
            this.basePath = basePath;
            return this;
        }

        /** Whether a POST may create an unknown channel (go-livepeer's orchestrator: no). */
        public Builder autocreate(boolean autocreate) {
            this.autocreate = autocreate;
            return this;
        }

        /** Whether the {@code _changes} channel reports channels added and removed. */
        public Builder changefeed(boolean changefeed) {
            this.changefeed = changefeed;
            return this;
        }

        /** Segments each channel keeps readable; default 5. */
        public Builder retainedSegments(int retainedSegments) {
            this.retainedSegments = retainedSegments;
            return this;
        }

        /** Largest accepted segment; a larger upload gets 413. Default 64 MiB. */
        public Builder maxSegmentBytes(long maxSegmentBytes) {
            this.maxSegmentBytes = maxSegmentBytes;
            return this;
        }

        /** Most channels held at once; creating one more gets 503. Default 1024. */
        public Builder maxChannels(int maxChannels) {
            this.maxChannels = maxChannels;
            return this;
        }

        /** Most concurrent connections; one more gets 503. Default 1024. */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** A channel whose last segment started longer ago than this is closed. Default 5 min. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Channels the idle sweep leaves alone although idle (e.g. those of a live stream, whose
         * control channel may be silent for hours): asked on the sweeper thread with each idle
         * channel's name, so it must be thread-safe and quick. Default: none.
         */
        public Builder sweepSpares(Predicate<String> sweepSpares) {
            this.sweepSpares = sweepSpares;
            return this;
        }

        /** How often idle channels are looked for. Default 1 min. */
        public Builder sweepInterval(Duration sweepInterval) {
            this.sweepInterval = sweepInterval;
            return this;
        }

        /** Interval of the {@code 100 Continue} keepalive on silent uploads. Default 10 s. */
        public Builder keepaliveInterval(Duration keepaliveInterval) {
            this.keepaliveInterval = keepaliveInterval;
            return this;
        }

        /** An upload that sends nothing for this long after its first byte is aborted. */
        public Builder uploadIdleTimeout(Duration uploadIdleTimeout) {
            this.uploadIdleTimeout = uploadIdleTimeout;
            return this;
        }

        /**
         * A connection that has not sent a complete request head within this long of opening or of
         * its previous response is closed (slow heads, idle keep-alive connections). Default 30 s.
         */
        public Builder headTimeout(Duration headTimeout) {
            this.headTimeout = headTimeout;
            return this;
        }

        /**
         * Every request must carry {@code Authorization: Bearer <accessToken>}; any other gets 401
         * with a fixed body before anything is done (nothing stored, nothing read). Default: none
         * (open). The token is never logged nor printed; see {@link
         * io.flinktrickle.connector.trickle.protocol.AccessToken#check} for what it may hold.
         */
        public Builder accessToken(String accessToken) {
            this.accessToken = accessToken;
            return this;
        }

        public TrickleServer build() {
            Objects.requireNonNull(host, "host is required but not provided");
            Objects.requireNonNull(basePath, "basePath is required but not provided");
            if (!basePath.startsWith("/")) {
                basePath = "/" + basePath;
            }
            if (!basePath.endsWith("/")) {
                basePath = basePath + "/";
            }
            check(port >= 0 && port <= 65535, "port must be 0..65535 but is " + port);
            check(
                    retainedSegments >= 2,
                    "retainedSegments must be at least 2 but is " + retainedSegments);
            check(maxSegmentBytes > 0, "maxSegmentBytes must be positive");
            check(maxChannels > 0, "maxChannels must be positive");
            check(maxConnections > 0, "maxConnections must be positive");
            checkPositive(idleTimeout, "idleTimeout");
            checkPositive(sweepInterval, "sweepInterval");
            checkPositive(keepaliveInterval, "keepaliveInterval");
            checkPositive(uploadIdleTimeout, "uploadIdleTimeout");
            checkPositive(headTimeout, "headTimeout");
            Objects.requireNonNull(sweepSpares, "sweepSpares is required but not provided");
            if (accessToken != null) {
                AccessToken.check(accessToken); // its message never holds the token
            }
            return new TrickleServer(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        private static void checkPositive(Duration d, String name) {
            Objects.requireNonNull(d, name + " is required but not provided");
            check(!d.isNegative() && !d.isZero(), name + " must be positive but is " + d);
        }
    }
}
