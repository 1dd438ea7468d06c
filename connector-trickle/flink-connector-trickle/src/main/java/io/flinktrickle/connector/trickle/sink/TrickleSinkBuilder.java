package io.flinktrickle.connector.trickle.sink;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.net.URI;
import java.util.Objects;

/**
 * Builds a {@link TrickleSink}; {@link #build()} validates. Required: an encoder and a channel (or
 * router). Defaults: content type {@code video/MP2T}, the {@link TrickleOptions} defaults (channels
 * DELETEd at end of input, not on close).
 */
@PublicEvolving
public final class TrickleSinkBuilder<T> {
    private SegmentEncoder<T> encoder;
    private ChannelRouter<T> router;
    private String contentType = TrickleProtocol.MIME_MPEGTS;
    private final Configuration options = new Configuration();
    private AccessToken accessToken;

    TrickleSinkBuilder() {}

    public TrickleSinkBuilder<T> encoder(SegmentEncoder<T> encoder) {
        this.encoder = encoder;
        return this;
    }

    /** Every record goes to {@code channel}. */
    public TrickleSinkBuilder<T> channel(URI channel) {
        return router(ChannelRouter.fixed(Objects.requireNonNull(channel, "channel")));
    }

    /** Picks each record's channel. */
    public TrickleSinkBuilder<T> router(ChannelRouter<T> router) {
        this.router = router;
        return this;
    }

    /** Sent with each POST; a server that autocreates channels uses it as the channel's type. */
    public TrickleSinkBuilder<T> contentType(String contentType) {
        this.contentType = contentType;
        return this;
    }

    public <V> TrickleSinkBuilder<T> setOption(ConfigOption<V> option, V value) {
        options.set(option, value);
        return this;
    }

    /**
     * A token the sink's requests to its server carry ({@code Authorization: Bearer}); requests to
     * other servers never do. Kept out of the options, so it is not in the job's configuration.
     */
    public TrickleSinkBuilder<T> accessToken(AccessToken accessToken) {
        this.accessToken = accessToken;
        return this;
    }

    public TrickleSink<T> build() {
        if (encoder == null) {
            throw new IllegalStateException("encoder is required but not provided");
        }
        if (router == null) {
            throw new IllegalStateException("channel (or router) is required but not provided");
        }
        Objects.requireNonNull(contentType, "contentType is required but not provided");
        TrickleOptions.clientConfig(options); // validates the client settings now
        return new TrickleSink<>(encoder, router, contentType, options.clone(), accessToken);
    }
}
