package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SegmentBodies}: segment bodies handed from the I/O thread to the demuxer. */
class SegmentBodiesTest {

    @Test
    void bodiesAreReadInTurnAndEachIsConsumedAtItsEnd() throws Exception {
        SegmentBodies bodies = new SegmentBodies(4);
        CompletableFuture<String> all = readAllAsync(bodies);
        bodies.supply(bytes("first,"));
        assertThat(bodies.awaitConsumed(5_000)).isTrue();
        assertThat(all).as("the reader waits for the next body").isNotDone();
        bodies.supply(bytes("second"));
        assertThat(bodies.awaitConsumed(5_000)).isTrue();
        assertThat(bodies.takeFailure()).isNull();
        bodies.end();
        assertThat(all.get(5, TimeUnit.SECONDS)).isEqualTo("first,second");
        assertThat(bodies.taken()).isEqualTo(12);
        assertThat(new String(bodies.openingBytes(), StandardCharsets.US_ASCII))
                .as("the first 4 bytes, kept until the stream opens")
                .isEqualTo("firs");
        bodies.opened();
        assertThat(bodies.openingBytes()).isEmpty();
    }

    @Test
    void aBodyThatFailsCountsAsReadAndItsFailureIsKept() throws Exception {
        SegmentBodies bodies = new SegmentBodies(0);
        CompletableFuture<String> all = readAllAsync(bodies);
        IOException cut = new IOException("connection reset");
        bodies.supply(
                new java.io.SequenceInputStream(
                        bytes("part"),
                        new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw cut;
                            }
                        }));
        assertThat(bodies.awaitConsumed(5_000)).isTrue();
        assertThat(bodies.takeFailure()).isSameAs(cut);
        assertThat(bodies.takeFailure()).as("once").isNull();
        assertThat(all).as("the demuxer waits for the next segment").isNotDone();
        bodies.supply(bytes("next"));
        bodies.end();
        assertThat(all.get(5, TimeUnit.SECONDS)).isEqualTo("partnext");
    }

    @Test
    void aBodyWaitingForTheNetworkIsNotBusyAndADetachedOneIsNotReadFurther() throws Exception {
        SegmentBodies bodies = new SegmentBodies(0);
        PipedOutputStream network = new PipedOutputStream();
        PipedInputStream live = new PipedInputStream(network);
        CompletableFuture<String> all = readAllAsync(bodies);
        bodies.supply(live);
        network.write("abc".getBytes(StandardCharsets.US_ASCII));
        network.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (bodies.taken() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200); // the reader is back in the body's read, waiting for bytes
        assertThat(bodies.busyNanos()).as("waiting for the network is not decoding").isZero();
        assertThat(bodies.awaitConsumed(50)).isFalse();

        bodies.detach(live);
        assertThat(bodies.awaitConsumed(50)).isTrue();
        network.write("late".getBytes(StandardCharsets.US_ASCII)); // ends the read in progress
        network.close();
        bodies.supply(bytes("-next"));
        bodies.end();
        String read = all.get(5, TimeUnit.SECONDS);
        assertThat(read).startsWith("abc").endsWith("-next");
        assertThat(read)
                .as("at most the read in progress when it was detached")
                .hasSizeLessThan(13);
    }

    @Test
    void closeEndsAWaitingReaderAndRefusesMoreBodies() throws Exception {
        SegmentBodies bodies = new SegmentBodies(0);
        CompletableFuture<String> all = readAllAsync(bodies);
        Thread.sleep(100);
        bodies.close();
        assertThat(all.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(bodies.awaitConsumed(5_000)).isTrue();
        try {
            bodies.supply(bytes("x"));
            throw new AssertionError("a closed reader took a body");
        } catch (IOException expected) {
            assertThat(expected).hasMessageContaining("stopped");
        }
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static CompletableFuture<String> readAllAsync(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t =
                new Thread(
                        () -> {
                            try {
                                result.complete(
                                        new String(in.readAllBytes(), StandardCharsets.US_ASCII));
                            } catch (Throwable e) {
                                result.completeExceptionally(e);
                            }
                        },
                        "demuxer");
        t.setDaemon(true);
        t.start();
        return result;
    }
}
