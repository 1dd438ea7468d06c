package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Builds a {@link TrickleSubscriber}; {@link #build()} validates. Defaults: start at {@link
 * TrickleProtocol#SEQ_CURRENT}, {@link TrickleClientConfig#defaults()}, a lease on the shared JDK
 * client, no waiting for a channel that does not exist yet.
 */
@PublicEvolving
public final class TrickleSubscriberBuilder {
    final URI channel;
    long startSeq = TrickleProtocol.SEQ_CURRENT;
    TrickleClientConfig config = TrickleClientConfig.defaults();
    TrickleHttp http;
    Duration awaitChannel = Duration.ZERO;
    boolean keepEverySegment;
    boolean resumeAfterFailure;

    TrickleSubscriberBuilder(URI channel) {
        this.channel = channel;
    }

    /**
     * How long a channel that does not exist yet (404 before it was ever seen) is waited for;
     * default zero: 404 is the end of stream, as for go-livepeer's pre-created channels. Useful
     * with autocreate servers, where the channel appears with its first POST.
     */
    public TrickleSubscriberBuilder awaitChannel(Duration awaitChannel) {
        this.awaitChannel = Objects.requireNonNull(awaitChannel);
        return this;
    }

    /**
     * How a subscriber that fell behind the server's ring (a GET answered 470 with a later {@code
     * Lp-Trickle-Latest}) catches up. Default false: at the live edge, as go-livepeer's and
     * PyTrickle's clients do, which is right for media. True, for message channels (control,
     * events, data): at the oldest seq a {@link TrickleProtocol#DEFAULT_RETAINED_SEGMENTS}-segment
     * ring still holds, so a burst of messages costs as few of them as the server allows (the live
     * edge would skip every retained one, the newest included).
     */
    public TrickleSubscriberBuilder keepEverySegment(boolean keepEverySegment) {
        this.keepEverySegment = keepEverySegment;
        return this;
    }

    /**
     * The subscriber takes over from one whose server failed: until its first answer it treats a
     * 404 as a restarted server that has not re-created the channel yet (retried while the retry
     * budget lasts), not as the end of the stream. Default false.
     */
    public TrickleSubscriberBuilder resumeAfterFailure(boolean resumeAfterFailure) {
        this.resumeAfterFailure = resumeAfterFailure;
        return this;
    }

    /** {@link TrickleProtocol#SEQ_CURRENT} (default), {@link TrickleProtocol#SEQ_NEXT} or a seq. */
    public TrickleSubscriberBuilder startSeq(long seq) {
        this.startSeq = seq;
        return this;
    }

    public TrickleSubscriberBuilder config(TrickleClientConfig config) {
        this.config = config;
        return this;
    }

    /** The transport; default: the JVM-wide {@link JdkTrickleHttp#shared} client. */
    public TrickleSubscriberBuilder http(TrickleHttp http) {
        this.http = http;
        return this;
    }

    public TrickleSubscriber build() {
        Objects.requireNonNull(channel, "channel URL is required but not provided");
        Objects.requireNonNull(config, "config is required but not provided");
        String scheme = channel.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("channel URL must be http(s): " + channel);
        }
        checkSeq(startSeq);
        return new TrickleSubscriber(this);
    }

    static void checkSeq(long seq) {
        if (seq < TrickleProtocol.SEQ_CURRENT) {
            throw new IllegalArgumentException(
                    "seq must be >= 0, SEQ_NEXT (-1) or SEQ_CURRENT (-2) but is " + seq);
        }
    }
}
