package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.MpegTsFrameEncoder;
import io.flinktrickle.connector.trickle.media.StreamChannelsDecoder;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.sink.JsonMessageEncoder;
import io.flinktrickle.connector.trickle.sink.TrickleSink;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.TrickleSourceBuilder;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.operator.FrameProcessing;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * The video-to-video job: each stream's video and control channels are read by one {@code
 * TrickleSource} (decoded frames and in-band control messages, keyed by stream), run through the
 * {@link FrameProcessing} operator, and published: video to the stream's publish channel, events
 * and data to its events and data channels. One job serves one stream or many; the whole path is
 * one chained task per slot, frames are never serialized.
 *
 * <p>Streams are given as arguments ({@code --stream}, or {@code --stream-id} with one URL per
 * argument), or announced while the job runs (runner mode, {@code --announcements}): a long-running
 * job whose slots load their processor and warm up the whole path once, and take each announced
 * stream on the least-loaded slot as soon as it is announced; a stream's start and end travel in
 * band (its output channels are learned from its start and ended with it).
 *
 * <p>Submit it with {@code flink run} or the REST API (the shaded jar), or run it in a local
 * MiniCluster from the demo. Arguments: see {@link JobArgs#USAGE}.
 */
@PublicEvolving
public final class LiveVideoToVideoJob {

    /**
     * Prefix of the global job parameters naming each stream's channels: {@code
     * flink-trickle.stream.<id>.<role>} = URL, role one of subscribe, publish, control, events,
     * data, params.
     */
    public static final String STREAM_PARAMETER = "flink-trickle.stream.";

    /** Prefix of the global job parameters holding the {@code --label} pairs. */
    public static final String LABEL_PARAMETER = "flink-trickle.label.";

    /** How long a runner's output whose server kept failing waits before it is tried again. */
    static final java.time.Duration RUNNER_OUTPUT_RETRY = java.time.Duration.ofSeconds(5);

    private LiveVideoToVideoJob() {}

    /**
     * Parses the arguments, builds and runs the job. Bad arguments throw an {@link
     * IllegalArgumentException} carrying the reason and the usage, before anything starts: {@code
     * flink run} and the REST API report it and fail, and no {@code System.exit} can take a
     * JobManager down (the REST API runs {@code main} inside it).
     */
    public static void main(String[] args) throws Exception {
        JobArgs parsed;
        try {
            parsed = JobArgs.parse(args);
        } catch (JobArgs.UsageException e) {
            String reason = e.getMessage().isEmpty() ? "" : "error: " + e.getMessage() + "\n";
            throw new IllegalArgumentException(reason + JobArgs.USAGE, e);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, parsed);
        env.execute(parsed.jobName);
    }

    /** Adds the job's pipeline to {@code env}; returns the processed video. */
    public static SingleOutputStreamOperator<Frame> build(
            StreamExecutionEnvironment env, JobArgs args) {
        if (args.parallelism > 0) {
            env.setParallelism(args.parallelism);
        }
        env.getConfig().enableObjectReuse();
        if (args.checkpointSeconds > 0 && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            // Params (keyed state) and the source positions survive a failover.
            env.enableCheckpointing(args.checkpointSeconds * 1000L);
        }
        if (args.maxRestarts >= 0) {
            // A job that keeps failing fails for good, so a sidecar can report it (ERROR): at
            // most maxRestarts restarts in a row (1 s, doubling to 10 s); a job that then ran for
            // a minute starts counting again, so unrelated failures hours apart never add up.
            Configuration restart = new Configuration();
            restart.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
            restart.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                    args.maxRestarts);
            restart.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                    java.time.Duration.ofSeconds(1));
            restart.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                    java.time.Duration.ofSeconds(10));
            restart.set(
                    RestartStrategyOptions
                            .RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                    java.time.Duration.ofMinutes(1));
            restart.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.0);
            env.configure(restart);
        }
        FrameProcessor processor = args.newProcessor();
        TrickleSourceBuilder<Frame> source =
                TrickleSource.<Frame>builder()
                        .decoder(
                                new StreamChannelsDecoder(
                                        MpegTsFrameDecoder.builder()
                                                .size(args.width, args.height)
                                                // converted only to what the processor reads
                                                .pixelFormat(processor.pixelFormat())
                                                .maxFramerate(0) // the operator caps, live
                                                .build()))
                        // A gateway may publish (create) the input channel a little late.
                        .setOption(
                                TrickleOptions.AWAIT_CHANNEL,
                                java.time.Duration.ofSeconds(args.inputWaitSeconds))
                        // A sidecar ends a stream by deleting its params channel.
                        .setOption(
                                TrickleOptions.STREAM_ENDING_ROLES,
                                java.util.List.of(StreamChannelsDecoder.PARAMS_ROLE));
        if (args.announcements != null) {
            // Runner mode: streams come and go while the job runs; one stream's broken input
            // ends that stream, not every stream of the job.
            source.announcements(args.announcements)
                    .setOption(TrickleOptions.FAILED_CHANNEL_ENDS_STREAM, true);
            if (args.registry != null) {
                // A registry lists every stream: without their start params (a stream's may be
                // large), so that it fits a message channel's segment limit with many streams.
                source.registry(args.registry)
                        .setOption(
                                TrickleOptions.REGISTRY_OMITTED_ATTRIBUTES,
                                java.util.List.of(StreamLifecycle.PARAMS));
            }
        }
        // The sidecar's channels want its token; the orchestrator's never see it (see
        // AccessToken#appliesTo). A field of the sources and sinks, not in the job's config.
        source.accessToken(args.sidecarToken);
        FrameProcessing.Builder processing =
                FrameProcessing.builder(processor)
                        .policy(args.policy)
                        .maxFramerate(args.maxFramerate)
                        .devices(args.devices)
                        .heartbeatInterval(java.time.Duration.ofSeconds(args.heartbeatSeconds))
                        .warmUp(args.warmUpFrames, args.width, args.height);
        if (args.maxBatchSize > 0) {
            processing.maxBatchSize(args.maxBatchSize); // a plain processor refuses more than 1
        }
        if (args.maxBatchDelayMillis > 0) {
            processing.maxBatchDelay(java.time.Duration.ofMillis(args.maxBatchDelayMillis));
        }
        Map<String, URI> publish = new HashMap<>();
        for (StreamSpec s : args.streams) {
            source.channel(s.id, s.subscribe);
            if (s.control != null) {
                source.channel(StreamChannelsDecoder.controlChannelKey(s.id), s.control);
            }
            if (s.params != null) {
                // From its first message: updates sent while the job starts all apply, in order.
                source.channel(
                        StreamChannelsDecoder.paramsChannelKey(s.id),
                        s.params,
                        io.flinktrickle.connector.trickle.source.split.StartPosition.fromSeq(0));
            }
            publish.put(s.id, s.publish);
            processing.initialParams(s.id, args.params).streamUrls(s.id, urls(s));
        }
        // The streams' channels in the job's global parameters: visible in the REST API's job
        // config, so a restarted control-api sidecar can pick its streams up again.
        Map<String, String> described = new HashMap<>();
        for (StreamSpec s : args.streams) {
            urls(s).forEach(
                            (role, url) ->
                                    described.put(STREAM_PARAMETER + s.id + "." + role, url));
        }
        args.labels.forEach((k, v) -> described.put(LABEL_PARAMETER + k, v));
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(described));
        // Runner mode: one stream's unreachable output pauses that output, not every stream.
        java.time.Duration outputRetry =
                args.announcements != null ? RUNNER_OUTPUT_RETRY : java.time.Duration.ZERO;
        DataStream<Frame> frames =
                env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "trickle-in")
                        .uid("trickle-in");
        SingleOutputStreamOperator<Frame> out =
                processing
                        .build()
                        .apply(
                                DataStreamUtils.reinterpretAsKeyedStream(
                                        frames, Frame::streamKey, Types.STRING));
        out.uid("frame-processor");
        out.sinkTo(
                        TrickleSink.<Frame>builder()
                                .router(new StreamOutputRouter(publish))
                                .encoder(MpegTsFrameEncoder.builder().build())
                                .setOption(TrickleOptions.FAILED_CHANNEL_RETRY, outputRetry)
                                .accessToken(args.sidecarToken)
                                .build())
                .name("video-out")
                .uid("video-out");
        // Events and data carry their stream's channel (the operator knows it: from --stream, or
        // from the stream's announcement).
        out.getSideOutput(FrameProcessing.EVENTS)
                .filter(LiveVideoToVideoJob::hasDestination)
                .name("events-routed")
                .sinkTo(
                        TrickleSink.<TrickleMessage>builder()
                                .router(JsonMessageEncoder.routeByDestination())
                                .contentType(TrickleProtocol.MIME_JSON)
                                .encoder(new JsonMessageEncoder<>())
                                .setOption(TrickleOptions.FAILED_CHANNEL_RETRY, outputRetry)
                                .accessToken(args.sidecarToken)
                                .build())
                .name("events-out")
                .uid("events-out");
        out.getSideOutput(FrameProcessing.DATA)
                .filter(LiveVideoToVideoJob::hasDestination)
                .name("data-routed")
                .sinkTo(
                        TrickleSink.<TrickleMessage>builder()
                                .router(JsonMessageEncoder.routeByDestination())
                                .contentType(TrickleProtocol.MIME_JSONL)
                                .encoder(new JsonMessageEncoder<>())
                                .setOption(TrickleOptions.FAILED_CHANNEL_RETRY, outputRetry)
                                .accessToken(args.sidecarToken)
                                .build())
                .name("data-out")
                .uid("data-out");
        return out;
    }

    private static Map<String, String> urls(StreamSpec s) {
        Map<String, String> urls = new HashMap<>();
        urls.put("subscribe", s.subscribe.toString());
        urls.put("publish", s.publish.toString());
        if (s.control != null) {
            urls.put("control", s.control.toString());
        }
        if (s.events != null) {
            urls.put("events", s.events.toString());
        }
        if (s.data != null) {
            urls.put("data", s.data.toString());
        }
        if (s.params != null) {
            urls.put("params", s.params.toString());
        }
        return urls;
    }

    /** A stream without an events (or data) channel has its messages dropped here, quietly. */
    private static boolean hasDestination(TrickleMessage m) {
        return m.destination != null;
    }
}
