package io.flinktrickle.processor.testutils;

import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A source pace of {@code perSecond} records with one pause of {@code pauseMillis} after record
 * {@code pauseAfter}: a live input that goes silent for a while, without blocking the task (the
 * permits complete on a timer thread).
 */
public final class PausingRate implements RateLimiterStrategy<SourceSplit> {
    private static final long serialVersionUID = 1L;
    private static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "pausing-rate");
                        t.setDaemon(true);
                        return t;
                    });

    private final double perSecond;
    private final long pauseAfter;
    private final long pauseMillis;

    public PausingRate(double perSecond, long pauseAfter, long pauseMillis) {
        this.perSecond = perSecond;
        this.pauseAfter = pauseAfter;
        this.pauseMillis = pauseMillis;
    }

    @Override
    public RateLimiter<SourceSplit> createRateLimiter(int parallelism) {
        return new RateLimiter<>() {
            private long start = -1;
            private long permits;

            @Override
            public CompletionStage<Void> acquire(int requestSize) {
                long now = System.nanoTime();
                if (start < 0) {
                    start = now;
                }
                permits += requestSize;
                long due = start + (long) (permits / perSecond * 1e9);
                if (permits > pauseAfter) {
                    due += TimeUnit.MILLISECONDS.toNanos(pauseMillis);
                }
                long wait = due - now;
                if (wait <= 0) {
                    return CompletableFuture.completedFuture(null);
                }
                CompletableFuture<Void> done = new CompletableFuture<>();
                TIMER.schedule(() -> done.complete(null), wait, TimeUnit.NANOSECONDS);
                return done;
            }
        };
    }
}
