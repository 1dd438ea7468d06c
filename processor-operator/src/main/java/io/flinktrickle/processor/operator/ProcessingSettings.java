package io.flinktrickle.processor.operator;

import io.flinktrickle.processor.api.FrameProcessor;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The operator's settings, validated by {@link FrameProcessing.Builder#build()}. Immutable; shipped
 * to the task with the operator.
 */
final class ProcessingSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final FrameProcessor processor;
    final RealTimePolicy policy;
    final int maxQueuedFrames;
    final long maxQueueDelayNanos;
    final int maxInFlightPerStream;
    final int maxInFlightPerSlot;

    /** A {@code BatchFrameProcessor}'s batch bound (1 for other processors). */
    final int maxBatchSize;

    /** How long a batch's first frame may wait for more. */
    final long maxBatchDelayNanos;

    final int maxFramerate;
    final int maxConsecutiveFailures;
    final long processingTimeoutMillis;
    final long heartbeatMillis;
    final long dataFlushMillis;
    final long dataKeepAliveMillis;
    final int dataMaxItems;
    final int dataMaxLineBytes;
    final long streamIdleMillis;
    final List<String> devices;
    final Map<String, String> initialParamsJson;
    final Map<String, Map<String, String>> streamUrls;

    /** The whole-path warm-up of each slot, or null for none. */
    final WarmUpSettings warmUp;

    ProcessingSettings(
            FrameProcessor processor,
            RealTimePolicy policy,
            int maxQueuedFrames,
            Duration maxQueueDelay,
            int maxInFlightPerStream,
            int maxInFlightPerSlot,
            int maxBatchSize,
            Duration maxBatchDelay,
            int maxFramerate,
            int maxConsecutiveFailures,
            Duration processingTimeout,
            Duration heartbeat,
            Duration dataFlush,
            Duration dataKeepAlive,
            int dataMaxItems,
            int dataMaxLineBytes,
            Duration streamIdle,
            List<String> devices,
            Map<String, String> initialParamsJson,
            Map<String, Map<String, String>> streamUrls,
            WarmUpSettings warmUp) {
        this.processor = processor;
        this.policy = policy;
        this.maxQueuedFrames = maxQueuedFrames;
        this.maxQueueDelayNanos = maxQueueDelay.toNanos();
        this.maxInFlightPerStream = maxInFlightPerStream;
        this.maxInFlightPerSlot = maxInFlightPerSlot;
        this.maxBatchSize = maxBatchSize;
        this.maxBatchDelayNanos = maxBatchDelay.toNanos();
        this.maxFramerate = maxFramerate;
        this.maxConsecutiveFailures = maxConsecutiveFailures;
        this.processingTimeoutMillis = processingTimeout.toMillis();
        this.heartbeatMillis = heartbeat.toMillis();
        this.dataFlushMillis = dataFlush.toMillis();
        this.dataKeepAliveMillis = dataKeepAlive.toMillis();
        this.dataMaxItems = dataMaxItems;
        this.dataMaxLineBytes = dataMaxLineBytes;
        this.streamIdleMillis = streamIdle.toMillis();
        this.devices = List.copyOf(devices);
        this.initialParamsJson = Map.copyOf(initialParamsJson);
        this.streamUrls = Map.copyOf(streamUrls);
        this.warmUp = warmUp;
    }
}
