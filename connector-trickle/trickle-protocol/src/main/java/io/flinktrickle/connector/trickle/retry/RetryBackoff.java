package io.flinktrickle.connector.trickle.retry;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * How long to wait before trying a remote peer again after it failed: exponential backoff with
 * <em>equal jitter</em> (the AWS Architecture Blog's "Exponential Backoff And Jitter" terms). Every
 * client that retries a peer uses it: the trickle subscriber and publisher, the source's
 * announcement and companion-channel readers, the sink's paused channels, the BYOC registrar and
 * the sidecar's runner-job relaunch.
 *
 * <p>Attempts are counted one way everywhere: {@link #delay(int) delay(n)} is the wait after the
 * {@code n}-th consecutive failed attempt ({@code n ≥ 1}), before attempt {@code n + 1}. Its cap is
 * {@code min(max, initial × 2^(n−1))}, and the wait is drawn uniformly from {@code [cap − ⌊cap/2⌋,
 * cap]}, i.e. between half the cap and the cap. Nothing overflows: a large {@code n} gives {@code
 * max}, and a duration beyond a {@code long} of nanoseconds (about 292 years) counts as that long.
 *
 * <p>Why equal jitter and not full jitter ({@code [0, cap]}): both end the lockstep in which every
 * stream of a runner would otherwise retry a restarted orchestrator at the same instants, but equal
 * jitter keeps at least half of each wait. The callers' retry budgets ({@code maxAttempts} waits)
 * are what carries a stream over a server restart; with full jitter a whole budget could be spent
 * in a few milliseconds, with equal jitter it lasts at least half its un-jittered time, and a peer
 * that is coming back still gets at least half the intended breathing room.
 *
 * <p>Threads: immutable and thread-safe; called on whichever thread retries: the subscriber's
 * consumer thread, the thread writing a publisher's segment, the {@code trickle-announcements} and
 * {@code trickle-source-<key>} I/O threads, the sink's mailbox thread, the registrar's {@code
 * byoc-register} thread and the sidecar's scheduler. By default each thread draws from its own
 * {@link ThreadLocalRandom}; an injected generator (tests: a seeded one, for repeatable delays) is
 * used under this object's lock, so it need not be thread-safe itself.
 */
@Internal
public final class RetryBackoff {

    /** The largest doubling a positive {@code long} can take (Java masks larger shift counts). */
    private static final int MAX_SHIFT = Long.SIZE - 2;

    private final Duration initial;
    private final Duration max;
    private final long initialNanos;
    private final long maxNanos;

    /** The injected generator, or null: {@link ThreadLocalRandom} of the calling thread. */
    private final RandomGenerator random;

    private final Object lock = new Object();

    /** Waits from {@code initial}, doubling per failure up to {@code max}, jittered. */
    public RetryBackoff(Duration initial, Duration max) {
        this(initial, max, null);
    }

    /**
     * As {@link #RetryBackoff(Duration, Duration)}, drawing the jitter from {@code random} (null:
     * {@link ThreadLocalRandom}). {@code initial} and {@code max} must not be negative; an {@code
     * initial} above {@code max} makes every cap {@code max}.
     */
    public RetryBackoff(Duration initial, Duration max, RandomGenerator random) {
        this.initial = notNegative(initial, "initial");
        this.max = notNegative(max, "max");
        this.initialNanos = saturatedNanos(initial);
        this.maxNanos = saturatedNanos(max);
        this.random = random;
    }

    /** The same wait, jittered, after every failure: caps are all {@code interval}. */
    public static RetryBackoff constant(Duration interval) {
        return new RetryBackoff(interval, interval);
    }

    public Duration initial() {
        return initial;
    }

    public Duration max() {
        return max;
    }

    /**
     * The longest wait after the {@code failures}-th consecutive failure: {@code min(max, initial ×
     * 2^(failures−1))}. The shortest is {@code cap − ⌊cap/2⌋}.
     *
     * @throws IllegalArgumentException if {@code failures < 1}
     */
    public Duration cap(int failures) {
        return Duration.ofNanos(capNanos(failures));
    }

    /**
     * The wait after the {@code failures}-th consecutive failure (1 after the first), before the
     * next attempt: random in {@code [cap − ⌊cap/2⌋, cap]} with {@code cap = }{@link #cap(int)}.
     *
     * @throws IllegalArgumentException if {@code failures < 1}
     */
    public Duration delay(int failures) {
        return Duration.ofNanos(delayNanos(failures));
    }

    /** Sleeps for {@link #delay(int) delay(failures)}. */
    public void sleep(int failures) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(delayNanos(failures));
    }

    private long delayNanos(int failures) {
        long cap = capNanos(failures);
        long half = cap / 2;
        return cap - half + nextLong(half + 1);
    }

    private long capNanos(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1 but is " + failures);
        }
        int shift = failures - 1;
        if (initialNanos == 0) {
            return 0;
        }
        if (shift > MAX_SHIFT || initialNanos > (maxNanos >> shift)) {
            return maxNanos;
        }
        return initialNanos << shift;
    }

    /** Uniform in {@code [0, bound)}; {@code bound ≥ 1}. */
    private long nextLong(long bound) {
        if (bound == 1) {
            return 0;
        }
        if (random == null) {
            return ThreadLocalRandom.current().nextLong(bound);
        }
        synchronized (lock) {
            return random.nextLong(bound);
        }
    }

    private static Duration notNegative(Duration d, String name) {
        Objects.requireNonNull(d, name + " is required but not provided");
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative but is " + d);
        }
        return d;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "RetryBackoff[" + initial + " doubling to " + max + ", equal jitter]";
    }
}
