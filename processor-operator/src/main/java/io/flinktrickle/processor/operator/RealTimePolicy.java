package io.flinktrickle.processor.operator;

import org.apache.flink.annotation.PublicEvolving;

/** What the operator does when a stream's frames arrive faster than its processor handles them. */
@PublicEvolving
public enum RealTimePolicy {
    /**
     * Live video (the default): at most {@code maxQueuedFrames} video frames of a stream wait for
     * the processor; when they are waiting, the input is held back (a burst, or input faster than
     * real time, is processed as fast as the processor goes, not dropped). A frame is dropped, and
     * counted, only when it waited longer than {@code maxQueueDelay} while a newer one waits: the
     * processor is too slow for the stream. Audio and params updates are never dropped. Latency and
     * memory stay bounded whatever the load.
     */
    DROP_OLDEST,
    /**
     * Offline use: when a stream has {@code maxQueuedFrames} frames waiting (or the slot has {@code
     * maxInFlightPerSlot} in flight), the operator stops taking input until one completes, which
     * backpressures the source. Nothing is dropped; on a live trickle input the source then falls
     * behind the live edge and the server's ring skips segments instead.
     */
    BLOCK,
    /**
     * No real-time policy: every frame waits its turn, nothing is dropped or blocked. The queue is
     * unbounded, so latency and memory grow while the processor is slower than the input: use it
     * only for bounded input that fits in memory.
     */
    NONE
}
