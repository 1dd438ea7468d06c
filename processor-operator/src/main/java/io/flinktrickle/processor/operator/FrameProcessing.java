package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.ControlFrame;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.processor.api.AsyncFrameProcessor;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.Preconditions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Puts a {@link FrameProcessor} into a job: {@code FrameProcessing.builder(processor)…build()
 * .apply(keyedFrames)} returns the processed frames, with the {@link #EVENTS} and {@link #DATA}
 * side outputs. Events and data records are {@link TrickleMessage}s whose {@code channel} is the
 * <em>stream key</em> and whose {@code destination} is the stream's events or data channel when the
 * operator knows it (from {@link Builder#streamUrls}, or the stream's in-band start); route them
 * with {@code JsonMessageEncoder.routeByDestination()}. When a stream ends in band, the operator
 * ends its channels downstream: a {@link io.flinktrickle.connector.trickle.media.StreamLifecycle}
 * end on the main output, {@link TrickleMessage#endOf} markers on the side outputs.
 */
@PublicEvolving
public final class FrameProcessing {

    /** Monitoring events, one JSON envelope per record (one trickle segment each). */
    public static final OutputTag<TrickleMessage> EVENTS =
            new OutputTag<>("events", TypeInformation.of(TrickleMessage.class));

    /** Data lines ({@code [v1,v2,…]\n}), one per record (one trickle segment each). */
    public static final OutputTag<TrickleMessage> DATA =
            new OutputTag<>("data", TypeInformation.of(TrickleMessage.class));

    /** A {@link BatchFrameProcessor}'s default {@link Builder#maxBatchSize}. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 8;

    /** The default {@link Builder#maxBatchDelay}. */
    public static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofMillis(20);

    /** The default {@link Builder#maxInFlightPerSlot}, unless batches need more. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_SLOT = 16;

    /** The gateway's scanner reads lines up to 64 KiB. */
    public static final int DEFAULT_DATA_MAX_LINE_BYTES = 64 * 1024 - 1;

    private final ProcessingSettings settings;

    private FrameProcessing(ProcessingSettings settings) {
        this.settings = settings;
    }

    public static Builder builder(FrameProcessor processor) {
        return new Builder(processor);
    }

    ProcessingSettings settings() {
        return settings;
    }

    /**
     * Adds the operator on {@code frames}: video, audio and {@link ControlFrame}s keyed by stream
     * key. For live streams use one {@code TrickleSource} with a {@link
     * io.flinktrickle.connector.trickle.media.StreamChannelsDecoder} over each stream's video
     * channel and its control channel (key {@code <stream>#control}), made keyed in place with
     * {@code DataStreamUtils.reinterpretAsKeyedStream(source, Frame::streamKey)}: the source
     * assigns a stream's channels to the subtask that owns the stream, so source, operator and
     * sinks run as one task and frames are never serialized.
     *
     * <p>Why control is in band rather than a broadcast input: a second input would make the
     * operator a two-input task that the source cannot chain into (Flink 2.3's {@code
     * HEAD_WITH_SOURCES} chaining hangs checkpoints when a network input is present, and loses
     * source positions on restore when both inputs are chained sources; both verified), and the
     * serialization hop costs 0.6–0.7 ms of CPU per 512×512 frame.
     */
    public SingleOutputStreamOperator<Frame> apply(KeyedStream<Frame, String> frames) {
        return frames.transform(
                "frame-processor",
                FrameTypeInfo.INSTANCE,
                new FrameProcessorOperatorFactory(settings));
    }

    /** Validates in {@link #build()}; defaults in the setters' javadoc. */
    @PublicEvolving
    public static final class Builder {
        private final FrameProcessor processor;
        private RealTimePolicy policy = RealTimePolicy.DROP_OLDEST;
        private int maxQueuedFrames = 16;
        private Duration maxQueueDelay = Duration.ofMillis(500);
        private Integer maxInFlightPerStream;
        private Integer maxInFlightPerSlot;
        private Integer maxBatchSize;
        private Duration maxBatchDelay = DEFAULT_MAX_BATCH_DELAY;
        private int maxFramerate = 24;
        private int maxConsecutiveFailures = 30;
        private Duration processingTimeout = Duration.ofSeconds(10);
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration dataFlush = Duration.ofMillis(333);
        private Duration dataKeepAlive = Duration.ofSeconds(25);
        private int dataMaxItems = 1000;
        private int dataMaxLineBytes = DEFAULT_DATA_MAX_LINE_BYTES;
        private Duration streamIdle = Duration.ofSeconds(60);
        private final List<String> devices = new ArrayList<>();
        private final Map<String, String> initialParams = new HashMap<>();
        private final Map<String, Map<String, String>> urls = new HashMap<>();
        private WarmUpSettings warmUp;

        private Builder(FrameProcessor processor) {
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        /** Default {@link RealTimePolicy#DROP_OLDEST}. */
        public Builder policy(RealTimePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Video frames of a stream that may wait for the processor (the memory bound: 16 × 768 KiB
         * at 512×512); past it the oldest is dropped. Default 16.
         */
        public Builder maxQueuedFrames(int frames) {
            this.maxQueuedFrames = frames;
            return this;
        }

        /**
         * Under {@link RealTimePolicy#DROP_OLDEST}, the longest a video frame waits for the
         * processor while newer frames wait behind it (the latency bound); default 500 ms.
         */
        public Builder maxQueueDelay(Duration delay) {
            this.maxQueueDelay = delay;
            return this;
        }

        /**
         * Frames of one stream handed to the processor at once; default 1, 4 if async, {@link
         * #maxBatchSize} for a {@link BatchFrameProcessor} (a stream that is behind fills a batch).
         */
        public Builder maxInFlightPerStream(int frames) {
            this.maxInFlightPerStream = frames;
            return this;
        }

        /**
         * Frames of all streams handed to the slot's processor at once; default 16, or twice {@link
         * #maxBatchSize} if more (a batch forms while the previous one runs).
         */
        public Builder maxInFlightPerSlot(int frames) {
            this.maxInFlightPerSlot = frames;
            return this;
        }

        /**
         * For a {@link BatchFrameProcessor}: the most video frames (of any streams on the slot) in
         * one call; default 8. Other processors take one frame at a time and refuse a setting above
         * 1.
         */
        public Builder maxBatchSize(int frames) {
            this.maxBatchSize = frames;
            return this;
        }

        /**
         * For a {@link BatchFrameProcessor}: how long the first frame of a batch may wait for more
         * frames to join (while the processor is free); default 20 ms. A batch goes sooner when it
         * is full, when no stream can add a frame, or when one of its streams has a params update
         * or its stop waiting.
         */
        public Builder maxBatchDelay(Duration delay) {
            this.maxBatchDelay = delay;
            return this;
        }

        /** Fps cap by pts, 1–60, or 0 for none; default 24. Params' max_framerate overrides. */
        public Builder maxFramerate(int fps) {
            this.maxFramerate = fps;
            return this;
        }

        /** Consecutive failures that mark a stream errored; default 30. */
        public Builder maxConsecutiveFailures(int failures) {
            this.maxConsecutiveFailures = failures;
            return this;
        }

        /**
         * How long an async video result may take; past it the input frame passes through and the
         * failure is reported (the late result is ignored). Default 10 s.
         */
        public Builder processingTimeout(Duration timeout) {
            this.processingTimeout = timeout;
            return this;
        }

        /** Heartbeat event interval; default 10 s (the gateway stops streams after 30 s). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeat = interval;
            return this;
        }

        /** Data batching interval; default 333 ms. */
        public Builder dataFlushInterval(Duration interval) {
            this.dataFlush = interval;
            return this;
        }

        /** Data values queued per stream before the oldest are dropped; default 1000. */
        public Builder dataMaxItems(int items) {
            this.dataMaxItems = items;
            return this;
        }

        /** Longest data line in bytes; default 65535 (the gateway's scanner limit). */
        public Builder dataMaxLineBytes(int bytes) {
            this.dataMaxLineBytes = bytes;
            return this;
        }

        /** A stream without input for this long is stopped; default 60 s. */
        public Builder streamIdleTimeout(Duration timeout) {
            this.streamIdle = timeout;
            return this;
        }

        /**
         * Devices used when Flink's {@code gpu} external resource is not there (e.g. in a
         * MiniCluster): {@code cpu}, {@code gpu:N}; subtask i takes device i mod n. Default: CPU.
         */
        public Builder devices(List<String> devices) {
            devices.forEach(DeviceSelector::parse); // fails early on a bad name
            this.devices.clear();
            this.devices.addAll(devices);
            return this;
        }

        /** A stream's start params (validated as PyTrickle does). */
        public Builder initialParams(String streamKey, Map<String, ?> params) {
            this.initialParams.put(streamKey, StreamParams.toJson(StreamParams.validate(params)));
            return this;
        }

        /** A stream's channel URLs, reported in its heartbeats as PyTrickle does. */
        public Builder streamUrls(String streamKey, Map<String, String> channelUrls) {
            this.urls.put(streamKey, Map.copyOf(channelUrls));
            return this;
        }

        /**
         * Before a slot takes streams (in {@code open}, after the processor's own {@code open} and
         * {@code warmUp}), runs {@code frames} synthetic frames of {@code width × height} through
         * the whole path: encoded to MPEG-TS, decoded, processed and encoded again, so that the
         * first real stream finds the codecs open and the code compiled. Default: none (0).
         */
        public Builder warmUp(int frames, int width, int height) {
            Preconditions.checkArgument(frames >= 0, "warm-up frames must be >= 0");
            Preconditions.checkArgument(
                    frames == 0 || (width >= 2 && height >= 2 && width % 2 == 0 && height % 2 == 0),
                    "warm-up size must be even and at least 2x2 but is %sx%s",
                    width,
                    height);
            this.warmUp = frames == 0 ? null : new WarmUpSettings(frames, width, height);
            return this;
        }

        public FrameProcessing build() {
            Preconditions.checkArgument(maxQueuedFrames >= 1, "maxQueuedFrames must be >= 1");
            boolean batches = processor instanceof BatchFrameProcessor;
            int batchSize =
                    maxBatchSize != null ? maxBatchSize : batches ? DEFAULT_MAX_BATCH_SIZE : 1;
            Preconditions.checkArgument(batchSize >= 1, "maxBatchSize must be >= 1");
            Preconditions.checkArgument(
                    batches || batchSize == 1,
                    "maxBatchSize %s needs a BatchFrameProcessor, and %s is not one",
                    batchSize,
                    processor.getClass().getName());
            checkPositive(maxBatchDelay, "maxBatchDelay");
            int perStream =
                    maxInFlightPerStream != null
                            ? maxInFlightPerStream
                            : batches
                                    ? batchSize
                                    : processor instanceof AsyncFrameProcessor ? 4 : 1;
            Preconditions.checkArgument(perStream >= 1, "maxInFlightPerStream must be >= 1");
            int perSlot =
                    maxInFlightPerSlot != null
                            ? maxInFlightPerSlot
                            : Math.max(DEFAULT_MAX_IN_FLIGHT_PER_SLOT, 2 * batchSize);
            Preconditions.checkArgument(
                    perSlot >= perStream, "maxInFlightPerSlot must be >= maxInFlightPerStream");
            Preconditions.checkArgument(
                    perSlot >= batchSize, "maxInFlightPerSlot must be >= maxBatchSize");
            Preconditions.checkArgument(
                    maxFramerate == 0
                            || (maxFramerate >= StreamParams.MIN_FRAMERATE
                                    && maxFramerate <= StreamParams.MAX_FRAMERATE_LIMIT),
                    "maxFramerate must be 0 (off) or 1-60 but is %s",
                    maxFramerate);
            Preconditions.checkArgument(
                    maxConsecutiveFailures >= 1, "maxConsecutiveFailures must be >= 1");
            checkPositive(maxQueueDelay, "maxQueueDelay");
            checkPositive(processingTimeout, "processingTimeout");
            checkPositive(heartbeat, "heartbeatInterval");
            checkPositive(dataFlush, "dataFlushInterval");
            Preconditions.checkArgument(
                    dataFlush.toMillis() >= 1, "dataFlushInterval must be at least 1 ms");
            checkPositive(dataKeepAlive, "dataKeepAlive");
            checkPositive(streamIdle, "streamIdleTimeout");
            Preconditions.checkArgument(dataMaxItems >= 1, "dataMaxItems must be >= 1");
            Preconditions.checkArgument(dataMaxLineBytes >= 16, "dataMaxLineBytes must be >= 16");
            Preconditions.checkArgument(
                    InstantiationUtil.isSerializable(processor),
                    "the processor %s must be serializable (keep models in fields set in open())",
                    processor.getClass().getName());
            return new FrameProcessing(
                    new ProcessingSettings(
                            processor,
                            policy,
                            maxQueuedFrames,
                            maxQueueDelay,
                            perStream,
                            perSlot,
                            batchSize,
                            maxBatchDelay,
                            maxFramerate,
                            maxConsecutiveFailures,
                            processingTimeout,
                            heartbeat,
                            dataFlush,
                            dataKeepAlive,
                            dataMaxItems,
                            dataMaxLineBytes,
                            streamIdle,
                            devices,
                            initialParams,
                            urls,
                            warmUp));
        }

        private static void checkPositive(Duration d, String name) {
            Preconditions.checkArgument(
                    d != null && !d.isNegative() && !d.isZero(), "%s must be positive", name);
        }
    }
}
