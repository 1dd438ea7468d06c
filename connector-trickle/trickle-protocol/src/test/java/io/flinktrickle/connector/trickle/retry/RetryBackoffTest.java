package io.flinktrickle.connector.trickle.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link RetryBackoff}: caps, jitter bounds, spread, overflow and thread safety. */
class RetryBackoffTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofMillis(700);
    private static final int DRAWS = 2_000;
    private static final int STREAMS = 100;

    @Test
    void capsDoubleFromTheInitialDelayUpToTheMaximum() {
        RetryBackoff b = new RetryBackoff(INITIAL, MAX);
        assertThat(b.cap(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.cap(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.cap(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(b.cap(4)).isEqualTo(Duration.ofMillis(700));
        assertThat(b.cap(60)).isEqualTo(Duration.ofMillis(700));
    }

    @Test
    void everyDelayLiesBetweenHalfItsCapAndItsCap() {
        RetryBackoff b = new RetryBackoff(INITIAL, MAX, new SplittableRandom(1));
        for (int failures = 1; failures <= 6; failures++) {
            Duration cap = b.cap(failures);
            Duration min = Duration.ZERO, max = Duration.ZERO;
            for (int i = 0; i < DRAWS; i++) {
                Duration d = b.delay(failures);
                assertThat(d).isBetween(cap.dividedBy(2), cap);
                min = i == 0 || d.compareTo(min) < 0 ? d : min;
                max = d.compareTo(max) > 0 ? d : max;
            }
            // The draws use the whole range, not one value.
            assertThat(min)
                    .as("lowest of %d draws", DRAWS)
                    .isLessThan(cap.multipliedBy(11).dividedBy(20));
            assertThat(max)
                    .as("highest of %d draws", DRAWS)
                    .isGreaterThan(cap.multipliedBy(19).dividedBy(20));
        }
    }

    @Test
    void theDefaultRandomSourceKeepsTheBoundsOnEveryThread() throws Exception {
        RetryBackoff b = new RetryBackoff(INITIAL, MAX);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> drawWithinBounds(b)));
            }
            for (Future<?> run : runs) {
                run.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anInjectedGeneratorThatIsNotThreadSafeIsUsedSafely() throws Exception {
        RetryBackoff b = new RetryBackoff(INITIAL, MAX, new SplittableRandom(7));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> drawWithinBounds(b)));
            }
            for (Future<?> run : runs) {
                run.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void drawWithinBounds(RetryBackoff b) {
        for (int i = 0; i < DRAWS; i++) {
            int failures = 1 + i % 5;
            assertThat(b.delay(failures)).isBetween(b.cap(failures).dividedBy(2), b.cap(failures));
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        RetryBackoff a = new RetryBackoff(INITIAL, MAX, new SplittableRandom(42));
        RetryBackoff b = new RetryBackoff(INITIAL, MAX, new SplittableRandom(42));
        for (int failures = 1; failures <= 8; failures++) {
            assertThat(a.delay(failures)).isEqualTo(b.delay(failures));
        }
    }

    @Test
    void streamsWithTheirOwnRandomSourceDoNotRetryInLockstep() {
        // Two streams that failed at the same instant: their retries drift apart.
        RetryBackoff one = new RetryBackoff(INITIAL, MAX, new SplittableRandom(1));
        RetryBackoff two = new RetryBackoff(INITIAL, MAX, new SplittableRandom(2));
        int same = 0;
        for (int failures = 1; failures <= 10; failures++) {
            same += one.delay(failures).equals(two.delay(failures)) ? 1 : 0;
        }
        assertThat(same).as("equal delays of 10").isLessThanOrEqualTo(1);

        // A runner's streams after an orchestrator restart: their first retries spread over the
        // whole jitter window instead of landing on one instant.
        RetryBackoff[] streams = new RetryBackoff[STREAMS];
        for (int i = 0; i < STREAMS; i++) {
            streams[i] = new RetryBackoff(INITIAL, MAX, new SplittableRandom(1000 + i));
        }
        for (int failures = 1; failures <= 4; failures++) {
            Set<Duration> distinct = new HashSet<>();
            long earliest = Long.MAX_VALUE, latest = Long.MIN_VALUE;
            for (RetryBackoff s : streams) {
                long nanos = s.delay(failures).toNanos();
                distinct.add(Duration.ofNanos(nanos));
                earliest = Math.min(earliest, nanos);
                latest = Math.max(latest, nanos);
            }
            long window = streams[0].cap(failures).toNanos() / 2;
            assertThat(distinct).hasSizeGreaterThan(STREAMS * 9 / 10);
            assertThat(latest - earliest)
                    .as("spread of the retries after failure %d", failures)
                    .isGreaterThan(window * 3 / 4);
        }
    }

    @Test
    void largeAttemptCountsAndLongDurationsDoNotOverflow() {
        RetryBackoff b = new RetryBackoff(Duration.ofMillis(250), Duration.ofSeconds(5));
        for (int failures : new int[] {21, 31, 32, 62, 63, 64, 65, 1_000, Integer.MAX_VALUE}) {
            assertThat(b.cap(failures)).as("cap after %d failures", failures).isEqualTo(b.max());
            assertThat(b.delay(failures))
                    .isBetween(Duration.ofMillis(2_500), Duration.ofSeconds(5));
        }
        // 1 ns doubled 62 times still fits a long; once more, the maximum caps it.
        RetryBackoff tiny = new RetryBackoff(Duration.ofNanos(1), Duration.ofNanos(Long.MAX_VALUE));
        assertThat(tiny.cap(63)).isEqualTo(Duration.ofNanos(1L << 62));
        assertThat(tiny.cap(64)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        assertThat(tiny.delay(64)).isPositive();
        // Durations beyond a long of nanoseconds (about 292 years) saturate.
        RetryBackoff huge =
                new RetryBackoff(Duration.ofDays(365L * 1_000), Duration.ofDays(365L * 2_000));
        assertThat(huge.cap(1)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        assertThat(huge.delay(Integer.MAX_VALUE))
                .isBetween(Duration.ofNanos(Long.MAX_VALUE / 2), Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void aConstantBackoffJittersEveryWaitBelowTheInterval() {
        RetryBackoff b = RetryBackoff.constant(Duration.ofSeconds(5));
        for (int failures : new int[] {1, 2, 10}) {
            assertThat(b.cap(failures)).isEqualTo(Duration.ofSeconds(5));
            assertThat(b.delay(failures))
                    .isBetween(Duration.ofMillis(2_500), Duration.ofSeconds(5));
        }
    }

    @Test
    void zeroInitialDelayMeansNoWaitAndAnInitialAboveTheMaximumIsCapped() throws Exception {
        RetryBackoff none = new RetryBackoff(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(none.delay(1)).isZero();
        assertThat(none.delay(40)).isZero();
        none.sleep(3); // returns at once
        RetryBackoff inverted = new RetryBackoff(Duration.ofSeconds(9), Duration.ofSeconds(2));
        assertThat(inverted.cap(1)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theShortestWaitIsHalfTheCap() {
        RetryBackoff b = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), lowest());
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(9)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void sleepWaitsAtLeastHalfTheCap() throws Exception {
        RetryBackoff b = new RetryBackoff(Duration.ofMillis(40), Duration.ofMillis(40), lowest());
        long start = System.nanoTime();
        b.sleep(1);
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
    }

    @Test
    void invalidArgumentsAreRejectedWithTheirName() {
        RetryBackoff b = new RetryBackoff(INITIAL, MAX);
        assertThatThrownBy(() -> b.delay(0)).hasMessageContaining("failures");
        assertThatThrownBy(() -> b.cap(-1)).hasMessageContaining("failures");
        assertThatThrownBy(() -> new RetryBackoff(Duration.ofMillis(-1), MAX))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initial");
        assertThatThrownBy(() -> new RetryBackoff(INITIAL, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("max");
    }

    /** A generator that always draws 0: the shortest wait. */
    private static RandomGenerator lowest() {
        return () -> 0L;
    }
}
