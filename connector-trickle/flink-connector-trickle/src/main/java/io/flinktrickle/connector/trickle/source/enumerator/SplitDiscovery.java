package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.JdkTrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.source.ChannelDiscovery;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Turns the channels to read now (a fixed list, or what a {@link ChannelDiscovery} finds) into
 * splits, each starting at its channel's {@link StartPosition}; for bounded reading it also asks
 * each channel's {@code /next}, which becomes the split's stopping seq.
 *
 * <p>{@link #discover} runs on the enumerator context's worker thread ({@code callAsync}) and may
 * block on I/O; it reads only fields fixed at construction, so it shares nothing with the
 * coordinator thread.
 */
final class SplitDiscovery {

    /** How many request timeouts a {@code /next} call may take in all (connect, then body). */
    private static final int LIVE_EDGE_TIMEOUTS = 2;

    /** {@code /next} of a channel that does not exist (yet): bounded reading stops at once. */
    private static final int STATUS_NOT_FOUND = 404;

    private static final int STATUS_OK = 200;

    private final Map<String, URI> fixedChannels;
    private final Map<String, StartPosition> channelStarts;
    private final ChannelDiscovery discovery;
    private final StartPosition start;
    private final boolean bounded;
    private final TrickleClientConfig clientConfig;

    SplitDiscovery(
            Map<String, URI> fixedChannels,
            Map<String, StartPosition> channelStarts,
            ChannelDiscovery discovery,
            StartPosition start,
            boolean bounded,
            TrickleClientConfig clientConfig) {
        this.fixedChannels = fixedChannels;
        this.channelStarts = channelStarts;
        this.discovery = discovery;
        this.start = start;
        this.bounded = bounded;
        this.clientConfig = clientConfig;
    }

    /** Whether there is anything to discover (no: the source reads announced streams only). */
    boolean hasChannels() {
        return !fixedChannels.isEmpty() || discovery != null;
    }

    /** Whether discovery runs once (a fixed channel list, or bounded reading) or periodically. */
    boolean once() {
        return discovery == null || bounded;
    }

    /** Worker thread: the channels to read now, as new splits. */
    List<TrickleChannelSplit> discover() throws Exception {
        Map<String, URI> channels = discovery != null ? discovery.discover() : fixedChannels;
        List<TrickleChannelSplit> found = new ArrayList<>(channels.size());
        for (Map.Entry<String, URI> c : channels.entrySet()) {
            long stop = bounded ? liveEdge(c.getValue()) : TrickleChannelSplit.NO_STOPPING_SEQ;
            long from = channelStarts.getOrDefault(c.getKey(), start).seq();
            found.add(new TrickleChannelSplit(c.getKey(), c.getValue(), from, 0, stop));
        }
        return found;
    }

    /** The channel's {@code nextWrite}, where bounded reading stops; 0 for an unknown channel. */
    private long liveEdge(URI channel) throws Exception {
        URI next = URI.create(stripSlash(channel) + "/" + TrickleProtocol.NEXT_PATH);
        try (TrickleHttp http = JdkTrickleHttp.shared(clientConfig);
                TrickleHttp.Response r =
                        http.get(next, clientConfig.requestTimeout())
                                .get(
                                        clientConfig.requestTimeout().toMillis()
                                                * LIVE_EDGE_TIMEOUTS,
                                        TimeUnit.MILLISECONDS)) {
            if (r.status() == STATUS_NOT_FOUND) {
                return 0;
            }
            if (r.status() != STATUS_OK) {
                throw new IOException(
                        "bounded reading needs the live edge from "
                                + next
                                + ", which answered "
                                + r.status()
                                + " (servers older than go-livepeer v0.8.11 have no /next)");
            }
            return Long.parseLong(
                    new String(r.body().readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    private static String stripSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
