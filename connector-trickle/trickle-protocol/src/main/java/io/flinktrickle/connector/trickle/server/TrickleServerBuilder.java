package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.apache.flink.annotation.PublicEvolving;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/** Settings of a {@link TrickleServer}; {@link #build()} validates them. */
@PublicEvolving
public final class TrickleServerBuilder {
    String host = "127.0.0.1";
    int port = 0;
    String basePath = "/";
    boolean autocreate = true;
    boolean changefeed = false;
    int retainedSegments = TrickleProtocol.DEFAULT_RETAINED_SEGMENTS;
    long maxSegmentBytes = 64L * 1024 * 1024;
    int maxChannels = 1024;
    int maxConnections = 1024;
    Duration idleTimeout = TrickleProtocol.IDLE_CHANNEL_TIMEOUT;
    Duration sweepInterval = TrickleProtocol.IDLE_SWEEP_INTERVAL;
    Duration keepaliveInterval = TrickleProtocol.PRECONNECT_KEEPALIVE;
    Duration uploadIdleTimeout = Duration.ofMinutes(5);
    Duration headTimeout = TrickleServer.DEFAULT_HEAD_TIMEOUT;
    String accessToken;
    Predicate<String> sweepSpares = name -> false;
    String threadName = "trickle-server";

    TrickleServerBuilder() {}

    /**
     * The name of the server's threads ({@code NAME-<n>}, {@code NAME-scheduler-<n>}, {@code
     * NAME-sweeper}); default {@code trickle-server}. Tells two servers in one JVM apart in a
     * thread dump or a profile. Letters, digits, {@code -} and {@code _}.
     */
    public TrickleServerBuilder threadName(String threadName) {
        this.threadName = threadName;
        return this;
    }

    /** Address to bind; default {@code 127.0.0.1}. */
    public TrickleServerBuilder host(String host) {
        this.host = host;
        return this;
    }

    /** Port to bind; 0 (the default) picks a free one. */
    public TrickleServerBuilder port(int port) {
        this.port = port;
        return this;
    }

    /** Path prefix of all channels, e.g. {@code /ai/trickle/}; default {@code /}. */
    public TrickleServerBuilder basePath(String basePath) {
        this.basePath = basePath;
        return this;
    }

    /** Whether a POST may create an unknown channel (go-livepeer's orchestrator: no). */
    public TrickleServerBuilder autocreate(boolean autocreate) {
        this.autocreate = autocreate;
        return this;
    }

    /** Whether the {@code _changes} channel reports channels added and removed. */
    public TrickleServerBuilder changefeed(boolean changefeed) {
        this.changefeed = changefeed;
        return this;
    }

    /** Segments each channel keeps readable; default 5. */
    public TrickleServerBuilder retainedSegments(int retainedSegments) {
        this.retainedSegments = retainedSegments;
        return this;
    }

    /** Largest accepted segment; a larger upload gets 413. Default 64 MiB. */
    public TrickleServerBuilder maxSegmentBytes(long maxSegmentBytes) {
        this.maxSegmentBytes = maxSegmentBytes;
        return this;
    }

    /** Most channels held at once; creating one more gets 503. Default 1024. */
    public TrickleServerBuilder maxChannels(int maxChannels) {
        this.maxChannels = maxChannels;
        return this;
    }

    /** Most concurrent connections; one more gets 503. Default 1024. */
    public TrickleServerBuilder maxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
        return this;
    }

    /** A channel whose last segment started longer ago than this is closed. Default 5 min. */
    public TrickleServerBuilder idleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
        return this;
    }

    /**
     * Channels the idle sweep leaves alone although idle (e.g. those of a live stream, whose
     * control channel may be silent for hours): asked on the sweeper thread with each idle
     * channel's name, so it must be thread-safe and quick. Default: none.
     */
    public TrickleServerBuilder sweepSpares(Predicate<String> sweepSpares) {
        this.sweepSpares = sweepSpares;
        return this;
    }

    /** How often idle channels are looked for. Default 1 min. */
    public TrickleServerBuilder sweepInterval(Duration sweepInterval) {
        this.sweepInterval = sweepInterval;
        return this;
    }

    /** Interval of the {@code 100 Continue} keepalive on silent uploads. Default 10 s. */
    public TrickleServerBuilder keepaliveInterval(Duration keepaliveInterval) {
        this.keepaliveInterval = keepaliveInterval;
        return this;
    }

    /** An upload that sends nothing for this long after its first byte is aborted. */
    public TrickleServerBuilder uploadIdleTimeout(Duration uploadIdleTimeout) {
        this.uploadIdleTimeout = uploadIdleTimeout;
        return this;
    }

    /**
     * A connection that has not sent a complete request head within this long of opening or of its
     * previous response is closed (slow heads, idle keep-alive connections). Default 30 s.
     */
    public TrickleServerBuilder headTimeout(Duration headTimeout) {
        this.headTimeout = headTimeout;
        return this;
    }

    /**
     * Every request must carry {@code Authorization: Bearer <accessToken>}; any other gets 401 with
     * a fixed body before anything is done (nothing stored, nothing read). Default: none (open).
     * The token is never logged nor printed; see {@link
     * io.flinktrickle.connector.trickle.protocol.AccessToken#check} for what it may hold.
     */
    public TrickleServerBuilder accessToken(String accessToken) {
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
        Objects.requireNonNull(threadName, "threadName is required but not provided");
        check(
                threadName.matches("[A-Za-z0-9_-]{1,40}"),
                "threadName must be 1-40 letters, digits, '-' or '_' but is '" + threadName + "'");
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
