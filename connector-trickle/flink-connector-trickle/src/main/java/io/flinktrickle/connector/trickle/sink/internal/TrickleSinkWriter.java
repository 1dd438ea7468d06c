package io.flinktrickle.connector.trickle.sink.internal;

import io.flinktrickle.connector.trickle.protocol.JdkTrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.sink.ChannelRouter;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes records to trickle channels, one {@link ChannelOutput} (publisher + encoder) per channel,
 * created on the channel's first record. Publishers resume each channel at its {@code /next}
 * position with {@code Lp-Trickle-Reset}, so a restarted writer neither reuses a seq nor leaves
 * readers hanging on the previous writer's unfinished segment.
 *
 * <ul>
 *   <li>{@code flush(false)} (before a checkpoint) completes nothing: a live segment stays open
 *       until its encoder ends it. Delivery is at-least-once for encoders that complete a segment
 *       per record (the raw and JSON encoders: a record is acknowledged by the server before the
 *       next one is taken). For encoders whose segments span checkpoints (live video), the open
 *       segment is live output: a failure cuts it short, its subscribers get what was sent, and the
 *       restarted writer goes on with a new segment after {@code Lp-Trickle-Reset}.
 *   <li>{@code flush(true)} (end of input) finishes every channel: the encoder writes what it
 *       buffered, the open segment is completed, the channel is DELETEd (configurable).
 *   <li>{@code close()} (cancel, failover, after end of input) completes every open segment too; it
 *       DELETEs the channels only when configured to.
 *   <li>A record the router says ends its channel ({@link ChannelRouter#endsChannel}) finishes that
 *       channel alone as at end of input, and the writer lets it go.
 * </ul>
 *
 * <p>Threads: the task's mailbox thread, plus the HTTP client's own threads.
 */
@Internal
public final class TrickleSinkWriter<T> implements SinkWriter<T> {

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(TrickleSinkWriter.class);

    private final SegmentEncoder<T> encoder;
    private final ChannelRouter<T> router;
    private final String contentType;
    private final TrickleClientConfig clientConfig;
    private final boolean deleteOnEndOfInput;
    private final boolean deleteOnClose;
    private final java.time.Duration failedChannelRetry;
    private final int subtask;
    private final TrickleSinkMetrics metrics;
    private final TrickleHttp http;
    private final Map<URI, ChannelOutput<T>> outputs = new LinkedHashMap<>();
    private boolean finished;
    private boolean warnedUnrouted;

    public TrickleSinkWriter(
            SegmentEncoder<T> encoder,
            ChannelRouter<T> router,
            String contentType,
            TrickleClientConfig clientConfig,
            boolean deleteOnEndOfInput,
            boolean deleteOnClose,
            java.time.Duration failedChannelRetry,
            int subtask,
            SinkWriterMetricGroup metricGroup) {
        this.failedChannelRetry = failedChannelRetry;
        this.encoder = encoder;
        this.router = router;
        this.contentType = contentType;
        this.clientConfig = clientConfig;
        this.deleteOnEndOfInput = deleteOnEndOfInput;
        this.deleteOnClose = deleteOnClose;
        this.subtask = subtask;
        this.metrics = new TrickleSinkMetrics(metricGroup);
        this.http = JdkTrickleHttp.shared(clientConfig);
    }

    @Override
    public void write(T element, Context context) throws IOException {
        URI channel = router.channelFor(element, subtask);
        if (channel == null) {
            unrouted(element, null);
            return;
        }
        if (router.endsChannel(element)) {
            ChannelOutput<T> ended = outputs.remove(channel);
            if (ended != null) {
                ended.finish(deleteOnEndOfInput);
            }
            return;
        }
        ChannelOutput<T> output = outputs.get(channel);
        if (output == null) {
            if (ChannelRouter.channelUrl(channel.toString()) == null) {
                unrouted(element, channel);
                return;
            }
            output = open(channel);
            outputs.put(channel, output);
        }
        output.write(element);
    }

    private void unrouted(T element, URI channel) {
        metrics.recordErrors.inc();
        if (!warnedUnrouted) {
            LOG.warn(
                    "the channel router gave no channel{} for {}; dropped (counted)",
                    channel == null ? "" : " but " + channel + ", not an http(s) URL",
                    element);
            warnedUnrouted = true;
        }
    }

    private ChannelOutput<T> open(URI channel) throws IOException {
        String path = channel.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        return new ChannelOutput<>(
                channel,
                () ->
                        TricklePublisher.builder(channel)
                                .contentType(contentType)
                                .startSeq(TrickleProtocol.SEQ_NEXT)
                                .config(clientConfig)
                                .http(http)
                                .build(),
                failedChannelRetry,
                encoder.open(name),
                metrics);
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (endOfInput && !finished) {
            finishAll(deleteOnEndOfInput);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (!finished) {
                finishAll(deleteOnClose);
            }
        } finally {
            http.close();
        }
    }

    private void finishAll(boolean delete) throws IOException {
        finished = true;
        IOException failure = null;
        for (ChannelOutput<T> output : outputs.values()) {
            try {
                output.finish(delete);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        outputs.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
