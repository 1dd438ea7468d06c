package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link BytePipe}: the hand-over between the I/O thread and the decoder thread. */
class BytePipeTest {

    /** Far longer than a wake-up takes: a writer that waits this long was not woken. */
    private static final long LONG_WAIT_MILLIS = 10_000;

    @Test
    void aReadThatMakesRoomWakesTheWaitingWriter() throws Exception {
        BytePipe pipe = new BytePipe(8);
        assertThat(pipe.offer(new byte[8], 0, 8, 0)).isTrue();
        CompletableFuture<Long> writer =
                CompletableFuture.supplyAsync(
                        () -> {
                            long t0 = System.nanoTime();
                            try {
                                assertThat(pipe.offer(new byte[4], 0, 4, LONG_WAIT_MILLIS))
                                        .isTrue();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                        });
        Thread.sleep(50); // let the writer wait for room
        byte[] b = new byte[8];
        assertThat(pipe.read(b, 0, 8)).isEqualTo(8);
        assertThat(writer.get(LONG_WAIT_MILLIS / 2, TimeUnit.MILLISECONDS))
                .isLessThan(LONG_WAIT_MILLIS / 2);
        assertThat(pipe.read(b, 0, 8)).isEqualTo(4);
    }

    @Test
    void theWriterLearnsWhenTheReaderHasConsumedEverything() throws Exception {
        BytePipe pipe = new BytePipe(1024);
        assertThat(pipe.offer(new byte[100], 0, 100, 0)).isTrue();
        assertThat(pipe.awaitStarved(1)).isFalse();
        CompletableFuture<Integer> reader =
                CompletableFuture.supplyAsync(
                        () -> {
                            byte[] b = new byte[64];
                            int total = 0;
                            int n;
                            try {
                                while ((n = pipe.read(b, 0, b.length)) >= 0) {
                                    total += n;
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            return total;
                        });
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONG_WAIT_MILLIS);
        while (!pipe.awaitStarved(LONG_WAIT_MILLIS) && System.nanoTime() < deadline) {
            // a wake-up for something else: wait again
        }
        assertThat(pipe.awaitStarved(1)).isTrue();
        pipe.end();
        assertThat(reader.get(LONG_WAIT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(100);
    }
}
