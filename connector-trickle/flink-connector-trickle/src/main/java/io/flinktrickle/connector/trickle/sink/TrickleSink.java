package io.flinktrickle.connector.trickle.sink;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.sink.internal.TrickleSinkWriter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;

/**
 * A Sink V2 that publishes records to trickle channels: a {@link SegmentEncoder} turns them into
 * segments (streamed to the server as they are written), a {@link ChannelRouter} picks each
 * record's channel.
 *
 * <pre>{@code
 * segments.sinkTo(
 *         TrickleSink.<TrickleSegmentRecord>builder()
 *                 .router(RawSegmentEncoder.routeByChannel("https://orch:8935/ai/trickle/", "-out"))
 *                 .encoder(new RawSegmentEncoder())
 *                 .build());
 * }</pre>
 *
 * <p>See {@link TrickleSinkWriter} for flush, close and failure behaviour.
 */
@PublicEvolving
public final class TrickleSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final SegmentEncoder<T> encoder;
    private final ChannelRouter<T> router;
    private final String contentType;
    private final Configuration options;

    /** Presented to its server only; a field, not an option (see {@link TrickleOptions}). */
    private final AccessToken accessToken;

    TrickleSink(
            SegmentEncoder<T> encoder,
            ChannelRouter<T> router,
            String contentType,
            Configuration options,
            AccessToken accessToken) {
        this.encoder = encoder;
        this.router = router;
        this.contentType = contentType;
        this.options = options;
        this.accessToken = accessToken;
    }

    public static <T> TrickleSinkBuilder<T> builder() {
        return new TrickleSinkBuilder<>();
    }

    @Internal
    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new TrickleSinkWriter<>(
                encoder,
                router,
                contentType,
                TrickleOptions.clientConfig(options, accessToken),
                options.get(TrickleOptions.DELETE_ON_END_OF_INPUT),
                options.get(TrickleOptions.DELETE_ON_CLOSE),
                options.get(TrickleOptions.FAILED_CHANNEL_RETRY),
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.metricGroup());
    }
}
