package io.flinktrickle.processor.operator;

import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

import java.util.concurrent.ScheduledFuture;

/**
 * The operator's processing-time timers: the periodic tick (data flush, heartbeats, idle stops),
 * scheduled only while the operator has streams, so that a runner without streams wakes for
 * nothing, and never after {@link #close}; and one-off wake-ups at a due time (a forming batch that
 * is due, a queue wait that ends).
 *
 * <p>Threads: mailbox thread only. Flink's {@link ProcessingTimeService} runs the callbacks as
 * mails, on the mailbox thread too.
 */
final class OperatorTimers {
    private static final long MAX_TICK_MILLIS = 1_000;

    private final ProcessingTimeService time;
    private final long tickMillis;
    private final ProcessingTimeCallback tick;
    private final Runnable wakeUp;
    private ScheduledFuture<?> ticker;
    private long wakeUpNanos;

    /** Set in {@link #close}: no tick is scheduled after it. */
    private boolean closed;

    /**
     * @param dataFlushMillis the data flush interval: the tick runs at least that often (and at
     *     least once a second)
     * @param tick the periodic work
     * @param wakeUp what a wake-up runs
     */
    OperatorTimers(
            ProcessingTimeService time,
            long dataFlushMillis,
            ProcessingTimeCallback tick,
            Runnable wakeUp) {
        this.time = time;
        this.tickMillis = Math.min(MAX_TICK_MILLIS, dataFlushMillis);
        this.tick = tick;
        this.wakeUp = wakeUp;
    }

    /** Ticks while {@code hasStreams} (and not closed); stops ticking otherwise. */
    void tickWhile(boolean hasStreams) {
        if (!hasStreams || closed) {
            cancelTick();
        } else if (ticker == null) {
            ticker = time.scheduleWithFixedDelay(tick, tickMillis, tickMillis);
        }
    }

    /**
     * A processing-time timer at {@code dueNanos} (whose firing is a mail that runs the wake-up),
     * unless one is due earlier.
     */
    void wakeUpAt(long dueNanos) {
        if (wakeUpNanos != 0 && wakeUpNanos <= dueNanos && wakeUpNanos > System.nanoTime()) {
            return;
        }
        wakeUpNanos = dueNanos;
        long at = System.currentTimeMillis() + (dueNanos - System.nanoTime()) / 1_000_000 + 1;
        time.registerTimer(at, t -> wakeUp.run());
    }

    /** The operator closes: the tick stops, and is never scheduled again. */
    void close() {
        closed = true;
        cancelTick();
    }

    private void cancelTick() {
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }
}
