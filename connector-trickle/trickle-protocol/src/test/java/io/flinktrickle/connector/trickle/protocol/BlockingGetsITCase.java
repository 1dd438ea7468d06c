package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.RawHttp;
import io.flinktrickle.connector.trickle.testutils.RefusedPort;

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
        // readIdleTimeout 0: no limit on a pause in a body, as with the JDK client.
        try (JdkTrickleHttp noIdleLimit =
                new JdkTrickleHttp(
                        TrickleClientConfig.builder().readIdleTimeout(Duration.ZERO).build())) {
            server.createChannel("pause", TrickleProtocol.MIME_MPEGTS);
            try (RawHttp post = new RawHttp(server.port())) {
                post.startChunked("POST", "/pause/0", Map.of()).chunk("a");
                try (TrickleHttp.Response r =
                        noIdleLimit.get(segment("pause", 0), HEADERS).get(5, TimeUnit.SECONDS)) {
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
    }

    @Test
    void aPooledConnectionTheServerClosedIsRetriedOnANewOne() throws Exception {
        // A server that answers once per connection with keep-alive, then closes it silently: the
        // client's next GET goes out on the dead pooled connection first.
        try (ServerSocket raw = new ServerSocket(0)) {
            java.util.concurrent.atomic.AtomicInteger connections =
                    new java.util.concurrent.atomic.AtomicInteger();
            Thread serverThread =
                    new Thread(
                            () -> {
                                while (!raw.isClosed()) {
                                    try (java.net.Socket c = raw.accept()) {
                                        int n = connections.incrementAndGet();
                                        java.io.BufferedReader in =
                                                new java.io.BufferedReader(
                                                        new java.io.InputStreamReader(
                                                                c.getInputStream(),
                                                                StandardCharsets.US_ASCII));
                                        String line;
                                        while ((line = in.readLine()) != null && !line.isEmpty()) {
                                            // the request's head
                                        }
                                        c.getOutputStream()
                                                .write(
                                                        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                                                        + "Lp-Trickle-Seq: "
                                                                        + n
                                                                        + "\r\n\r\nx")
                                                                .getBytes(
                                                                        StandardCharsets.US_ASCII));
                                        c.getOutputStream().flush();
                                        Thread.sleep(100);
                                    } catch (IOException | InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "closing-server");
            serverThread.setDaemon(true);
            serverThread.start();
            URI uri = URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/c/0");
            try (TrickleHttp.Response first = http.get(uri, HEADERS).get(5, TimeUnit.SECONDS)) {
                assertThat(first.body().readAllBytes()).containsExactly('x');
            }
            Thread.sleep(300); // the server has closed that connection by now
            try (TrickleHttp.Response second = http.get(uri, HEADERS).get(5, TimeUnit.SECONDS)) {
                assertThat(second.status()).isEqualTo(200);
                assertThat(second.header(TrickleProtocol.HEADER_SEQ)).contains("2");
                assertThat(second.body().readAllBytes()).containsExactly('x');
            }
        }
    }

    @Test
    void aGetOnAClosedClientFailsAtOnce() {
        JdkTrickleHttp closed = new JdkTrickleHttp(TrickleClientConfig.defaults());
        closed.close();
        assertThatThrownBy(() -> closed.get(segment("x", 0), HEADERS).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessageContaining("closed");
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
        try (RefusedPort refused = new RefusedPort()) {
            aConnectionRefusedFailsTheGet(refused.port());
        }
    }

    private void aConnectionRefusedFailsTheGet(int port) throws Exception {
        URI nowhere = URI.create("http://127.0.0.1:" + port + "/x/0");
        CompletableFuture<TrickleHttp.Response> get = http.get(nowhere, HEADERS);
        // As the JDK client's: a ConnectException, and its message names the request (a job's
        // failure reason shows the deepest cause with a message: it must name the channel).
        assertThatThrownBy(() -> get.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(java.net.ConnectException.class)
                .hasMessageContaining(nowhere.toString())
                .hasNoCause();
    }
}
