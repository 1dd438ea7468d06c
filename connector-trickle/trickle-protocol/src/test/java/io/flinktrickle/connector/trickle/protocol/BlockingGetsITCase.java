package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.RawHttp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's GETs ({@link BlockingGets} behind {@link JdkTrickleHttp}) against the real embedded
 * server: the headers timeout is not the body's, a timed-out or cancelled GET leaves the server,
 * and closing a response in the middle of a live segment drops it at once instead of reading it to
 * its end.
 */
class BlockingGetsITCase {

    private static final Duration HEADERS = Duration.ofMillis(300);

    private TrickleServer server;
    private JdkTrickleHttp http;

    @BeforeEach
    void start() throws IOException {
        server = TrickleServer.builder().build().start();
        http =
                new JdkTrickleHttp(
                        TrickleClientConfig.builder()
                                .readIdleTimeout(Duration.ofSeconds(5))
                                .build());
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    private URI segment(String channel, long seq) {
        return URI.create(server.channelUri(channel) + "/" + seq);
    }

    @Test
    void aBodyMayPauseLongerThanTheHeadersTimeout() throws Exception {
        server.createChannel("pause", TrickleProtocol.MIME_MPEGTS);
        try (RawHttp post = new RawHttp(server.port())) {
            post.startChunked("POST", "/pause/0", Map.of()).chunk("a");
            try (TrickleHttp.Response r =
                    http.get(segment("pause", 0), HEADERS).get(5, TimeUnit.SECONDS)) {
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header(TrickleProtocol.HEADER_SEQ)).contains("0");
                InputStream body = r.body();
                assertThat(body.read()).isEqualTo('a');
                Thread.sleep(3 * HEADERS.toMillis()); // the publisher pauses
                post.chunk("bc").endChunks();
                assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo("bc");
            }
        }
    }

    @Test
    void noHeadersInTimeIsATimeoutAndTheLongPollLeavesTheServer() throws Exception {
        server.createChannel("quiet", TrickleProtocol.MIME_MPEGTS);
        CompletableFuture<TrickleHttp.Response> get = http.get(segment("quiet", 0), HEADERS);
        assertThatThrownBy(() -> get.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(HttpTimeoutException.class)
                .isNotInstanceOf(HttpConnectTimeoutException.class)
                .hasMessageContaining("no response headers within 300 ms");
        Await.until(() -> server.waitingReads("quiet") == 0, 10, "the server to see the GET go");
    }

    @Test
    void aCancelledGetLeavesTheServer() throws Exception {
        server.createChannel("cancel", TrickleProtocol.MIME_MPEGTS);
        CompletableFuture<TrickleHttp.Response> get =
                http.get(segment("cancel", 0), Duration.ofSeconds(30));
        Await.until(() -> server.waitingReads("cancel") == 1, 10, "the long poll");
        assertThat(get.cancel(true)).isTrue();
        Await.until(() -> server.waitingReads("cancel") == 0, 10, "the server to see the GET go");
    }

    @Test
    void closingAResponseInTheMiddleOfALiveSegmentDropsItAtOnce() throws Exception {
        server.createChannel("live", TrickleProtocol.MIME_MPEGTS);
        try (RawHttp post = new RawHttp(server.port())) {
            post.startChunked("POST", "/live/0", Map.of()).chunk("abc"); // never ends
            TrickleHttp.Response r = http.get(segment("live", 0), HEADERS).get(5, TimeUnit.SECONDS);
            assertThat(r.body().readNBytes(3)).hasSize(3);
            long start = System.nanoTime();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(r::close);
            closed.get(5, TimeUnit.SECONDS); // would wait for the segment's end if it drained
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
            // The client is still usable: the next segment arrives on another connection.
            try (RawHttp next = new RawHttp(server.port())) {
                next.startChunked("POST", "/live/1", Map.of()).chunk("d").endChunks();
                try (TrickleHttp.Response r1 =
                        http.get(segment("live", 1), HEADERS).get(5, TimeUnit.SECONDS)) {
                    assertThat(r1.body().readAllBytes()).containsExactly('d');
                }
            }
        }
    }

    @Test
    void closeFromAnotherThreadEndsABlockedRead() throws Exception {
        server.createChannel("blocked", TrickleProtocol.MIME_MPEGTS);
        try (RawHttp post = new RawHttp(server.port())) {
            post.startChunked("POST", "/blocked/0", Map.of()).chunk("x");
            TrickleHttp.Response r =
                    http.get(segment("blocked", 0), HEADERS).get(5, TimeUnit.SECONDS);
            InputStream body = r.body();
            assertThat(body.read()).isEqualTo('x');
            CompletableFuture<Integer> read =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return body.read();
                                } catch (IOException e) {
                                    return -2;
                                }
                            });
            Thread.sleep(200); // the read is blocked: nothing more comes
            assertThat(read).isNotDone();
            r.close();
            assertThat(read.get(5, TimeUnit.SECONDS)).isIn(-1, -2);
        }
    }

    @Test
    void aConnectionRefusedFailsTheGet() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CompletableFuture<TrickleHttp.Response> get =
                http.get(URI.create("http://127.0.0.1:" + port + "/x/0"), HEADERS);
        assertThatThrownBy(() -> get.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
    }
}
