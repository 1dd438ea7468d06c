package io.flinktrickle.connector.trickle.source;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.source.split.StartPosition;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link TrickleSource}; {@link #build()} validates the settings.
 *
 * <p>Defaults: start at the current segment ({@link StartPosition#current()}), unbounded, Flink's
 * default max parallelism for the source's parallelism, the options' defaults ({@link
 * TrickleOptions}). Channels come from {@link #channel}, {@link #channels(URI, String...)} or a
 * {@link #discovery(ChannelDiscovery)} hook (not both); a decoder is required.
 */
@PublicEvolving
public final class TrickleSourceBuilder<T> {

    private final Map<String, URI> channels = new LinkedHashMap<>();
    private final Map<String, StartPosition> channelStarts = new LinkedHashMap<>();
    private ChannelDiscovery discovery;
    private URI announcements;
    private URI registry;
    private StartPosition start = StartPosition.current();
    private SegmentDecoder<T> decoder;
    private Boundedness boundedness = Boundedness.CONTINUOUS_UNBOUNDED;
    private int maxParallelism;
    private final Configuration options = new Configuration();
    private AccessToken accessToken;

    TrickleSourceBuilder() {}

    /**
     * Reads the channel at {@code url}; {@code key} is its stream key (records are keyed by it). A
     * key {@code <stream>#<role>} (e.g. {@code abc#control}) is assigned with stream {@code
     * <stream>}, so all channels of a stream are read by the same subtask.
     */
    public TrickleSourceBuilder<T> channel(String key, URI url) {
        int role = key.indexOf('#');
        if (role == 0
                || role == key.length() - 1
                || (role > 0 && key.indexOf('#', role + 1) >= 0)) {
            throw new IllegalArgumentException(
                    "a channel key is a stream key, or <stream>#<role> with one '#': " + key);
        }
        Objects.requireNonNull(key, "channel key");
        Objects.requireNonNull(url, "channel URL");
        if (channels.put(key, url) != null) {
            throw new IllegalArgumentException("channel key " + key + " is given twice");
        }
        return this;
    }

    /**
     * Reads the channel at {@code url} from {@code start} instead of the source's {@link
     * #startPosition} (e.g. a stream's params channel from its first message, so that updates sent
     * while the job starts are all applied).
     */
    public TrickleSourceBuilder<T> channel(String key, URI url, StartPosition start) {
        channel(key, url);
        channelStarts.put(key, Objects.requireNonNull(start, "start"));
        return this;
    }

    /** Reads {@code baseUrl + name} for each name; the name is the stream key. */
    public TrickleSourceBuilder<T> channels(URI baseUrl, String... names) {
        String base = baseUrl.toString().endsWith("/") ? baseUrl.toString() : baseUrl + "/";
        for (String name : names) {
            channel(name, URI.create(base + name));
        }
        return this;
    }

    /**
     * Finds channels while the job runs (polled every {@link TrickleOptions#DISCOVERY_INTERVAL}).
     */
    public TrickleSourceBuilder<T> discovery(ChannelDiscovery discovery) {
        this.discovery = discovery;
        return this;
    }

    /**
     * Reads stream announcements from the trickle channel {@code channel} (JSON messages, see
     * {@link StreamAnnouncement}) for as long as the job runs: each announced stream is read from
     * the moment its announcement is written (a long-poll, no interval), on the subtask with the
     * fewest streams. The channel is read from its first message in a new job, and from the
     * checkpointed position after a restore. May be combined with fixed channels, not with {@link
     * #discovery}.
     */
    public TrickleSourceBuilder<T> announcements(URI channel) {
        this.announcements = Objects.requireNonNull(channel, "announcements channel");
        return this;
    }

    /**
     * Publishes the active announced streams to the trickle channel {@code channel} (one JSON
     * message after each change and on request), so that a controller that restarted learns what
     * runs. Needs {@link #announcements}.
     */
    public TrickleSourceBuilder<T> registry(URI channel) {
        this.registry = Objects.requireNonNull(channel, "registry channel");
        return this;
    }

    /** Where new channels are read from; a restore always resumes at the stored position. */
    public TrickleSourceBuilder<T> startPosition(StartPosition start) {
        this.start = start;
        return this;
    }

    /**
     * Turns segment bytes into records: {@link RawSegmentDecoder}, {@link JsonMessageDecoder}, …
     */
    public TrickleSourceBuilder<T> decoder(SegmentDecoder<T> decoder) {
        this.decoder = decoder;
        return this;
    }

    /** Reads each channel up to its live edge at start, then finishes (a bounded source). */
    public TrickleSourceBuilder<T> bounded() {
        this.boundedness = Boundedness.BOUNDED;
        return this;
    }

    /** The job's max parallelism, when it sets one; channels are assigned by its key groups. */
    public TrickleSourceBuilder<T> maxParallelism(int maxParallelism) {
        this.maxParallelism = maxParallelism;
        return this;
    }

    /** Sets one of the {@link TrickleOptions}. */
    public <V> TrickleSourceBuilder<T> setOption(ConfigOption<V> option, V value) {
        options.set(option, value);
        return this;
    }

    /**
     * A token the source's requests to its server carry ({@code Authorization: Bearer}), e.g. for a
     * controller's channels, while its other channels (an orchestrator's) never see it. Kept out of
     * the options, so it is not in the job's configuration.
     */
    public TrickleSourceBuilder<T> accessToken(AccessToken accessToken) {
        this.accessToken = accessToken;
        return this;
    }

    public TrickleSource<T> build() {
        if (decoder == null) {
            throw new IllegalStateException("decoder is required but not provided");
        }
        Objects.requireNonNull(start, "startPosition is required but not provided");
        if (discovery != null && !channels.isEmpty()) {
            throw new IllegalStateException(
                    "channels and discovery cannot both be set: list the channels in the discovery"
                            + " hook");
        }
        if (discovery == null && channels.isEmpty() && announcements == null) {
            throw new IllegalStateException(
                    "channels (or a discovery hook, or an announcements channel) are required but"
                            + " not provided");
        }
        if (announcements != null && (discovery != null || boundedness == Boundedness.BOUNDED)) {
            throw new IllegalStateException(
                    "an announcements channel cannot be combined with a discovery hook or"
                            + " bounded reading");
        }
        if (registry != null && announcements == null) {
            throw new IllegalStateException("a registry channel needs an announcements channel");
        }
        for (URI u : new URI[] {announcements, registry}) {
            if (u != null
                    && !"http".equalsIgnoreCase(u.getScheme())
                    && !"https".equalsIgnoreCase(u.getScheme())) {
                throw new IllegalArgumentException("needs an http(s) URL: " + u);
            }
        }
        for (Map.Entry<String, URI> c : channels.entrySet()) {
            String scheme = c.getValue().getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException(
                        "channel " + c.getKey() + " needs an http(s) URL: " + c.getValue());
            }
        }
        if (maxParallelism < 0 || maxParallelism > (1 << 15)) {
            throw new IllegalArgumentException(
                    "maxParallelism must be 1..32768 but is " + maxParallelism);
        }
        if (options.get(TrickleOptions.QUEUE_CAPACITY) < 1) {
            throw new IllegalArgumentException(
                    TrickleOptions.QUEUE_CAPACITY.key() + " must be positive");
        }
        TrickleOptions.clientConfig(options); // validates the client settings now
        return new TrickleSource<>(
                channels,
                channelStarts,
                discovery,
                announcements,
                registry,
                start,
                decoder,
                boundedness,
                maxParallelism,
                options.clone(),
                accessToken);
    }
}
