package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts, retry and transport settings shared by {@link TrickleSubscriber}, {@link
 * TricklePublisher} and {@link JdkTrickleHttp}. Immutable and serializable (Flink ships it to the
 * task managers).
 *
 * <p>Defaults: connect timeout 5 s; a GET without response headers is re-issued after 20 s (as
 * go-livepeer's subscriber); a segment body silent for 30 s fails; other requests time out after 10
 * s; 5 attempts per request with jittered backoff from 250 ms doubling to 5 s (each wait random
 * between half and all of that: {@link RetryBackoff}); at most 1 MiB queued per upload; TLS
 * certificates verified; no access token.
 *
 * <p>An {@link AccessToken} goes only to its own server: requests to other URLs (an orchestrator's
 * channels read by the same source) never carry it. It is never printed: this class has no {@code
 * toString} of its own.
 */
@PublicEvolving
public final class TrickleClientConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Duration connectTimeout;
    private final Duration refreshInterval;
    private final Duration readIdleTimeout;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final long uploadBufferBytes;
    private final long replayBufferBytes;
    private final boolean insecureSkipVerify;
    private final AccessToken accessToken;

    private TrickleClientConfig(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.refreshInterval = b.refreshInterval;
        this.readIdleTimeout = b.readIdleTimeout;
        this.requestTimeout = b.requestTimeout;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.uploadBufferBytes = b.uploadBufferBytes;
        this.replayBufferBytes = b.replayBufferBytes;
        this.insecureSkipVerify = b.insecureSkipVerify;
        this.accessToken = b.accessToken;
    }

    public static TrickleClientConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration refreshInterval() {
        return refreshInterval;
    }

    /** Zero means no limit. */
    public Duration readIdleTimeout() {
        return readIdleTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public long uploadBufferBytes() {
        return uploadBufferBytes;
    }

    public long replayBufferBytes() {
        return replayBufferBytes;
    }

    public boolean insecureSkipVerify() {
        return insecureSkipVerify;
    }

    /** The token presented to its server, or null. */
    public AccessToken accessToken() {
        return accessToken;
    }

    /** A builder with these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.connectTimeout = connectTimeout;
        b.refreshInterval = refreshInterval;
        b.readIdleTimeout = readIdleTimeout;
        b.requestTimeout = requestTimeout;
        b.maxAttempts = maxAttempts;
        b.initialBackoff = initialBackoff;
        b.maxBackoff = maxBackoff;
        b.uploadBufferBytes = uploadBufferBytes;
        b.replayBufferBytes = replayBufferBytes;
        b.insecureSkipVerify = insecureSkipVerify;
        b.accessToken = accessToken;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrickleClientConfig)) {
            return false;
        }
        TrickleClientConfig c = (TrickleClientConfig) o;
        return maxAttempts == c.maxAttempts
                && uploadBufferBytes == c.uploadBufferBytes
                && replayBufferBytes == c.replayBufferBytes
                && insecureSkipVerify == c.insecureSkipVerify
                && connectTimeout.equals(c.connectTimeout)
                && refreshInterval.equals(c.refreshInterval)
                && readIdleTimeout.equals(c.readIdleTimeout)
                && requestTimeout.equals(c.requestTimeout)
                && initialBackoff.equals(c.initialBackoff)
                && maxBackoff.equals(c.maxBackoff)
                && Objects.equals(accessToken, c.accessToken);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                connectTimeout,
                refreshInterval,
                readIdleTimeout,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                uploadBufferBytes,
                replayBufferBytes,
                insecureSkipVerify,
                accessToken);
    }

    /**
     * The waits between attempts: from {@link #initialBackoff()} doubling to {@link #maxBackoff()},
     * jittered ({@link RetryBackoff}). A new helper each call; it is immutable and thread-safe.
     */
    public RetryBackoff retryBackoff() {
        return new RetryBackoff(initialBackoff, maxBackoff);
    }

    /** Builder of {@link TrickleClientConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration refreshInterval = TrickleProtocol.SUBSCRIBER_REFRESH;
        private Duration readIdleTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(250);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private long uploadBufferBytes = 1024 * 1024;
        private long replayBufferBytes = 32L * 1024 * 1024;
        private boolean insecureSkipVerify;
        private AccessToken accessToken;

        private Builder() {}

        /** TCP connect timeout. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** A GET still waiting for response headers after this is cancelled and re-issued. */
        public Builder refreshInterval(Duration d) {
            this.refreshInterval = d;
            return this;
        }

        /**
         * A segment body that delivers no byte for this long fails, and so does an upload whose
         * connection takes no byte for this long; zero disables both.
         */
        public Builder readIdleTimeout(Duration d) {
            this.readIdleTimeout = d;
            return this;
        }

        /** Timeout of DELETE and {@code /next}, and of the answer to a completed upload. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /**
         * Consecutive failed attempts before a subscriber's request gives up; a publisher re-opens
         * the POST of a segment that never reached its server up to this many times.
         */
        public Builder maxAttempts(int n) {
            this.maxAttempts = n;
            return this;
        }

        /**
         * Cap of the first wait after a failure; doubles per consecutive failure up to {@link
         * #maxBackoff}. Each wait is random between half the cap and the cap ({@link
         * RetryBackoff}).
         */
        public Builder initialBackoff(Duration d) {
            this.initialBackoff = d;
            return this;
        }

        /** The largest cap of a wait between attempts (see {@link #initialBackoff}). */
        public Builder maxBackoff(Duration d) {
            this.maxBackoff = d;
            return this;
        }

        /** Bytes an upload queues before {@code write} blocks. */
        public Builder uploadBufferBytes(long n) {
            this.uploadBufferBytes = n;
            return this;
        }

        /**
         * Bytes of a segment kept (by reference, not copied) until the server acknowledges it, so
         * that a POST the server released unread can be sent again. A larger segment is lost if
         * that happens. 0 disables replay.
         */
        public Builder replayBufferBytes(long n) {
            this.replayBufferBytes = n;
            return this;
        }

        /**
         * Accept any TLS certificate (orchestrators usually have self-signed ones). Host names are
         * still checked unless the JVM runs with {@code
         * -Djdk.internal.httpclient.disableHostnameVerification=true}.
         */
        public Builder insecureSkipVerify(boolean skip) {
            this.insecureSkipVerify = skip;
            return this;
        }

        /**
         * Sent as {@code Authorization: Bearer} on every request to the token's server, and on no
         * other request; null (the default) for none.
         */
        public Builder accessToken(AccessToken accessToken) {
            this.accessToken = accessToken;
            return this;
        }

        public TrickleClientConfig build() {
            positive(connectTimeout, "connectTimeout");
            positive(refreshInterval, "refreshInterval");
            Objects.requireNonNull(readIdleTimeout, "readIdleTimeout is required but not provided");
            if (readIdleTimeout.isNegative()) {
                throw new IllegalArgumentException("readIdleTimeout must not be negative");
            }
            positive(requestTimeout, "requestTimeout");
            positive(initialBackoff, "initialBackoff");
            positive(maxBackoff, "maxBackoff");
            if (maxAttempts < 1) {
                throw new IllegalArgumentException(
                        "maxAttempts must be at least 1 but is " + maxAttempts);
            }
            if (replayBufferBytes < 0) {
                throw new IllegalArgumentException("replayBufferBytes must not be negative");
            }
            if (uploadBufferBytes < 1024) {
                throw new IllegalArgumentException("uploadBufferBytes must be at least 1024");
            }
            return new TrickleClientConfig(this);
        }

        private static void positive(Duration d, String name) {
            Objects.requireNonNull(d, name + " is required but not provided");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but is " + d);
            }
        }
    }
}
