package io.flinktrickle.connector.trickle.source;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.source.enumerator.TrickleSourceEnumState;
import io.flinktrickle.connector.trickle.source.enumerator.TrickleSourceEnumStateSerializer;
import io.flinktrickle.connector.trickle.source.enumerator.TrickleSourceEnumerator;
import io.flinktrickle.connector.trickle.source.reader.TrickleSourceReader;
import io.flinktrickle.connector.trickle.source.reader.TrickleSourceReaderMetrics;
import io.flinktrickle.connector.trickle.source.reader.TrickleSplitReader;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplitSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A FLIP-27 source that reads trickle channels: one split per channel, records decoded from each
 * segment's bytes as they stream in by a {@link SegmentDecoder}.
 *
 * <pre>{@code
 * TrickleSource<TrickleSegmentRecord> source =
 *         TrickleSource.<TrickleSegmentRecord>builder()
 *                 .channel("abc", URI.create("https://orch:8935/ai/trickle/abc"))
 *                 .decoder(new RawSegmentDecoder())
 *                 .build();
 * DataStream<TrickleSegmentRecord> segments =
 *         env.fromSource(source, WatermarkStrategy.noWatermarks(), "trickle");
 * KeyedStream<TrickleSegmentRecord, String> byStream =
 *         DataStreamUtils.reinterpretAsKeyedStream(segments, r -> r.channel); // no shuffle
 * }</pre>
 *
 * <p>Channels go to the reader that Flink's key-group partitioning assigns their stream key to, so
 * a keyed operator after {@code reinterpretAsKeyedStream} chains with the source. If the job sets
 * its max parallelism, give the same value to {@link TrickleSourceBuilder#maxParallelism}.
 *
 * <p>Unbounded by default: a channel is read until it ends (404 or {@code Lp-Trickle-Closed}),
 * which finishes its split. {@link TrickleSourceBuilder#bounded()} reads each channel up to its
 * live edge at start. Channels can be added while the job runs through a {@link ChannelDiscovery}
 * hook, and whole streams through an announcements channel ({@link StreamAnnouncement}: pushed,
 * placed on the least-loaded subtask, started and ended in band through the decoder's {@link
 * SegmentDecoder#streamStarted}/{@link SegmentDecoder#streamEnded}). Checkpoints store each
 * channel's position (seq and records already emitted of it); a restore resumes there if the server
 * still has that segment, otherwise at the live edge (logged and counted in {@code trickleJumps}).
 */
@PublicEvolving
public final class TrickleSource<T>
        implements Source<T, TrickleChannelSplit, TrickleSourceEnumState>, ResultTypeQueryable<T> {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, URI> channels;
    private final LinkedHashMap<String, StartPosition> channelStarts;
    private final ChannelDiscovery discovery;
    private final URI announcements;
    private final URI registry;
    private final StartPosition start;
    private final SegmentDecoder<T> decoder;
    private final Boundedness boundedness;
    private final int maxParallelism;
    private final Configuration options;

    /** Presented to its server only; a field, not an option (see {@link TrickleOptions}). */
    private final AccessToken accessToken;

    TrickleSource(
            Map<String, URI> channels,
            Map<String, StartPosition> channelStarts,
            ChannelDiscovery discovery,
            URI announcements,
            URI registry,
            StartPosition start,
            SegmentDecoder<T> decoder,
            Boundedness boundedness,
            int maxParallelism,
            Configuration options,
            AccessToken accessToken) {
        this.channels = new LinkedHashMap<>(channels);
        this.channelStarts = new LinkedHashMap<>(channelStarts);
        this.discovery = discovery;
        this.announcements = announcements;
        this.registry = registry;
        this.start = start;
        this.decoder = decoder;
        this.boundedness = boundedness;
        this.maxParallelism = maxParallelism;
        this.options = options;
        this.accessToken = accessToken;
    }

    public static <T> TrickleSourceBuilder<T> builder() {
        return new TrickleSourceBuilder<>();
    }

    @Override
    public Boundedness getBoundedness() {
        return boundedness;
    }

    @Internal
    @Override
    public SourceReader<T, TrickleChannelSplit> createReader(SourceReaderContext context) {
        TrickleSourceReaderMetrics metrics = new TrickleSourceReaderMetrics(context.metricGroup());
        return new TrickleSourceReader<>(
                () ->
                        new TrickleSplitReader<>(
                                decoder,
                                TrickleOptions.clientConfig(options, accessToken),
                                options.get(TrickleOptions.AWAIT_CHANNEL),
                                options.get(TrickleOptions.QUEUE_CAPACITY),
                                options.get(TrickleOptions.STREAM_ENDING_ROLES),
                                options.get(TrickleOptions.FAILED_CHANNEL_ENDS_STREAM),
                                metrics),
                options,
                context,
                maxParallelism);
    }

    @Internal
    @Override
    public SplitEnumerator<TrickleChannelSplit, TrickleSourceEnumState> createEnumerator(
            SplitEnumeratorContext<TrickleChannelSplit> context) {
        return restoreEnumerator(context, TrickleSourceEnumState.empty());
    }

    @Internal
    @Override
    public SplitEnumerator<TrickleChannelSplit, TrickleSourceEnumState> restoreEnumerator(
            SplitEnumeratorContext<TrickleChannelSplit> context, TrickleSourceEnumState state) {
        return new TrickleSourceEnumerator(
                context,
                channels,
                channelStarts,
                discovery,
                options.get(TrickleOptions.DISCOVERY_INTERVAL),
                start,
                boundedness == Boundedness.BOUNDED,
                maxParallelism,
                TrickleOptions.clientConfig(options, accessToken),
                announcements,
                registry,
                options.get(TrickleOptions.REGISTRY_OMITTED_ATTRIBUTES),
                state);
    }

    @Internal
    @Override
    public SimpleVersionedSerializer<TrickleChannelSplit> getSplitSerializer() {
        return TrickleChannelSplitSerializer.INSTANCE;
    }

    @Internal
    @Override
    public SimpleVersionedSerializer<TrickleSourceEnumState> getEnumeratorCheckpointSerializer() {
        return new TrickleSourceEnumStateSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return decoder.getProducedType();
    }
}
