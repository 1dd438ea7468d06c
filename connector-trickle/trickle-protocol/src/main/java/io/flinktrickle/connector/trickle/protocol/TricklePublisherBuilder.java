package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.net.URI;
import java.util.Objects;

/**
 * Builds a {@link TricklePublisher}; {@link #build()} validates. Defaults: content type {@code
 * video/MP2T}, start at seq 0, no reset, DELETE of the channel on close, preconnect on, {@link
 * TrickleClientConfig#defaults()}, a lease on the shared JDK client.
 */
@PublicEvolving
public final class TricklePublisherBuilder {
    final URI channel;
    String contentType = TrickleProtocol.MIME_MPEGTS;
    long startSeq = 0;
    boolean reset;
    boolean deleteOnClose = true;
    boolean preconnect = true;
    TrickleClientConfig config = TrickleClientConfig.defaults();
    TrickleHttp http;

    TricklePublisherBuilder(URI channel) {
        this.channel = channel;
    }

    /** Content type sent with each POST (used when the POST creates the channel). */
    public TricklePublisherBuilder contentType(String contentType) {
        this.contentType = contentType;
        return this;
    }

    /** First seq: 0 (default), a seq, or {@link TrickleProtocol#SEQ_NEXT} to resume. */
    public TricklePublisherBuilder startSeq(long startSeq) {
        this.startSeq = startSeq;
        return this;
    }

    /** Send {@code Lp-Trickle-Reset} with the first POST (implied by a SEQ_NEXT start). */
    public TricklePublisherBuilder reset(boolean reset) {
        this.reset = reset;
        return this;
    }

    /** Whether {@link #close()} sends {@code DELETE /{channel}} (default true). */
    public TricklePublisherBuilder deleteOnClose(boolean deleteOnClose) {
        this.deleteOnClose = deleteOnClose;
        return this;
    }

    /**
     * Whether each segment's POST opens the next one's ahead of time (default true: the next
     * segment starts without a connection setup, and subscribers can wait on it). Off for a
     * publisher of rare single messages (a registry, a status): closing it then leaves no empty
     * segment after the last message, so a reader that joins at {@link TrickleProtocol#SEQ_CURRENT}
     * reads that message.
     */
    public TricklePublisherBuilder preconnect(boolean preconnect) {
        this.preconnect = preconnect;
        return this;
    }

    public TricklePublisherBuilder config(TrickleClientConfig config) {
        this.config = config;
        return this;
    }

    /** The transport; default: the JVM-wide {@link JdkTrickleHttp#shared} client. */
    public TricklePublisherBuilder http(TrickleHttp http) {
        this.http = http;
        return this;
    }

    public TricklePublisher build() {
        Objects.requireNonNull(channel, "channel URL is required but not provided");
        Objects.requireNonNull(config, "config is required but not provided");
        Objects.requireNonNull(contentType, "contentType is required but not provided");
        String scheme = channel.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("channel URL must be http(s): " + channel);
        }
        if (startSeq < TrickleProtocol.SEQ_NEXT) {
            throw new IllegalArgumentException(
                    "startSeq must be >= 0 or SEQ_NEXT (-1) but is " + startSeq);
        }
        return new TricklePublisher(this);
    }
}
