package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.testutils.RawHttp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The negative suite: requests that smuggle, inject or exhaust are refused (400, 414, 431, 501 or a
 * closed connection), store nothing, get an answer without exception text, and leave the server
 * serving a good client. Raw sockets, so that nothing between the test and the server fixes the
 * bytes up.
 */
class TrickleServerHardeningITCase {

    private static final Duration T = Duration.ofSeconds(5);
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3})");

    private TrickleServer server;

    @BeforeEach
    void start() throws IOException {
        server = TrickleServer.builder().headTimeout(Duration.ofSeconds(2)).build().start();
        server.createChannel("ch", "video/MP2T");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void contentLengthWithTransferEncodingIsOneRefusalAndNoSmuggledRequest() throws IOException {
        String smuggled = "GET /ch/next HTTP/1.1\r\nHost: x\r\n\r\n";
        String body = "0\r\n\r\n" + smuggled;
        Answer a =
                exchange(
                        "POST /ch/0 HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                + body.length()
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + body);
        assertThat(a.statuses()).containsExactly(400);
        assertRefusedCleanly(a);
    }

    @Test
    void duplicateOrSignedContentLengthIsRefused() throws IOException {
        for (String lengths :
                new String[] {
                    "Content-Length: 3\r\nContent-Length: 3",
                    "Content-Length: 3\r\nContent-Length: 4",
                    "Content-Length: 3, 3",
                    "Content-Length: +3",
                    "Content-Length: -3",
                    "Content-Length: 0x3"
                }) {
            Answer a = exchange("POST /ch/0 HTTP/1.1\r\nHost: x\r\n" + lengths + "\r\n\r\nabc");
            assertThat(a.statuses()).as(lengths).containsExactly(400);
            assertRefusedCleanly(a);
        }
    }

    @Test
    void unknownOrStackedTransferCodingsAreRefusedNotReadAsTheNextRequest() throws IOException {
        String next = "GET /ch/next HTTP/1.1\r\nHost: x\r\n\r\n";
        for (String coding : new String[] {"xchunked", "gzip, chunked", "chunked, gzip", "gzip"}) {
            Answer a =
                    exchange(
                            "POST /ch/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                    + coding
                                    + "\r\n\r\n"
                                    + next);
            assertThat(a.statuses()).as(coding).hasSize(1);
            assertThat(a.statuses().get(0)).as(coding).isIn(400, 501);
            assertRefusedCleanly(a);
        }
    }

    @Test
    void obsFoldSpaceBeforeColonAndBareCrAreRefused() throws IOException {
        for (String field :
                new String[] {
                    "Content-Length : 0",
                    "Content-Length\t: 0",
                    "X-Folded: a\r\n b",
                    "Expect-Content: text/plain\rX-Injected: 1",
                    "Lp-Trickle-Reset: 1\rX: y",
                    "Bad Name: 1",
                    "NoColon"
                }) {
            Answer a = exchange("POST /new/0 HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n");
            assertThat(a.statuses()).as(field).containsExactly(400);
            assertRefusedCleanly(a);
        }
        assertThat(server.channelNames()).doesNotContain("new");
    }

    @Test
    void aControlCharacterInAChannelsTypeIsNeverEchoed() {
        assertThatThrownBy(() -> server.createChannel("evil", "text/plain\rX-Injected: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mime type");
        assertThat(server.channelNames()).doesNotContain("evil");
    }

    @Test
    void oversizeRequestLinesAndHeadsAndHeaderFloodsAreRefused() throws IOException {
        String longPath = "/ch/" + "1".repeat(20_000);
        Answer line = exchange("GET " + longPath + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(line.statuses()).hasSize(1);
        assertThat(line.statuses().get(0)).isIn(400, 414, 431);
        assertRefusedCleanly(line);

        Answer big =
                exchange(
                        "GET /ch/0 HTTP/1.1\r\nHost: x\r\nX-Big: "
                                + "a".repeat(20_000)
                                + "\r\n\r\n");
        assertThat(big.statuses()).containsExactly(431);
        assertRefusedCleanly(big);

        StringBuilder many = new StringBuilder("GET /ch/0 HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 3_000; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        Answer flood = exchange(many.append("\r\n").toString());
        assertThat(flood.statuses()).containsExactly(431);
        assertRefusedCleanly(flood);
    }

    @Test
    void badChunkSizesAreRefusedAndStoreNothing() throws IOException {
        for (String chunk :
                new String[] {
                    "zz\r\nab\r\n0\r\n\r\n",
                    "-1\r\nab\r\n0\r\n\r\n",
                    "fffffffffffffffffffff\r\nab\r\n0\r\n\r\n",
                    " 2\r\nab\r\n0\r\n\r\n"
                }) {
            Answer a =
                    exchange(
                            "POST /ch/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + chunk);
            assertThat(a.closed).as(chunk).isTrue();
            assertThat(a.statuses()).as(chunk).allMatch(s -> s == 400 || s == 500);
            assertThat(a.text).as(chunk).doesNotContain("Exception");
            assertNothingPublished();
        }
        assertGoodClientServed();
    }

    @Test
    void brokenFramingAfterDataIsAnAbortedUploadThatCompletesNothing() throws IOException {
        Answer a =
                exchange(
                        "POST /ch/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "2\r\nabXX0\r\n\r\n");
        assertThat(a.closed).isTrue();
        assertThat(a.statuses()).allMatch(s -> s == 400 || s == 500);
        // The two bytes already reached the segment (bytes stream as they arrive), but the
        // segment is not complete: as after a publisher that died mid-body (C23), a reader waits.
        try (Socket reader = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            reader.getOutputStream()
                    .write(
                            "GET /ch/0 HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
            reader.setSoTimeout(1000);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            assertThatThrownBy(
                            () -> {
                                int n;
                                while ((n = reader.getInputStream().read(buf)) >= 0) {
                                    got.write(buf, 0, n);
                                }
                            })
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(got.toString(StandardCharsets.ISO_8859_1))
                    .startsWith("HTTP/1.1 200")
                    .contains("\r\n2\r\nab")
                    .doesNotContain("\r\n0\r\n\r\n");
        }
        assertGoodClientServed();
    }

    @Test
    void aTrailerFloodIsRefused() throws IOException {
        StringBuilder trailers = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            trailers.append("X-T").append(i).append(": v\r\n");
        }
        Answer a =
                exchange(
                        "POST /ch/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "2\r\nab\r\n0\r\n"
                                + trailers
                                + "\r\n");
        assertThat(a.closed).isTrue();
        assertThat(a.statuses()).allMatch(s -> s == 400 || s == 431 || s == 500);
        assertThat(a.text).doesNotContain("Exception");
        assertGoodClientServed();
    }

    @Test
    void slowHeadsAreCutOffWhileAGoodClientIsServed() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                s.getOutputStream()
                        .write("GET /ch/0 HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            long start = System.nanoTime();
            // Keep dribbling header bytes: never silent, never complete.
            while (System.nanoTime() - start < Duration.ofSeconds(5).toNanos()) {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write('X');
                    } catch (IOException closedByServer) {
                        // expected once the head deadline passed
                    }
                }
                assertGoodClientServed();
                Thread.sleep(250);
            }
            for (Socket s : slow) {
                s.setSoTimeout(1000);
                InputStream in = s.getInputStream();
                try {
                    byte[] rest = in.readAllBytes();
                    assertThat(new String(rest, StandardCharsets.ISO_8859_1))
                            .doesNotContain("HTTP/1.1 200");
                } catch (SocketTimeoutException stillOpen) {
                    throw new AssertionError("a slow head was not cut off after 5 s");
                } catch (IOException reset) {
                    // closed by the server: what we want
                }
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void theHeadDeadlineDoesNotCutSilentUploadsOrPreconnects() throws Exception {
        // headTimeout is 2 s here; how long a body may stay silent is uploadIdleTimeout (5 min).
        try (RawHttp pub = new RawHttp(server.port())) {
            pub.startChunked("POST", "/ch/0", java.util.Map.of()); // a silent preconnect
            Thread.sleep(3_000);
            pub.chunk("first-");
            Thread.sleep(3_000); // silent mid-body
            pub.chunk("second").endChunks();
            assertThat(pub.readFinalHead(T).status).isEqualTo(200);
        }
        Answer got = exchange("GET /ch/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(got.statuses()).containsExactly(200);
        assertThat(got.text).contains("first-").contains("second");
    }

    @Test
    void errorAnswersCarryNoExceptionText() throws IOException {
        Answer a = exchange("NONSENSE\r\n\r\n");
        assertThat(a.statuses()).containsExactly(400);
        assertThat(a.text).endsWith("\r\n\r\n400 Bad Request\n");
        Answer escape = exchange("GET /%zz/0 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(escape.statuses()).containsExactly(400);
        assertThat(escape.text).doesNotContain("Exception").doesNotContain("at org.");
    }

    // ------------------------------------------------------------------ helpers

    private void assertRefusedCleanly(Answer a) throws IOException {
        assertThat(a.closed).as("connection closed after the refusal").isTrue();
        assertThat(a.text).doesNotContain("Exception").doesNotContain("X-Injected");
        assertNothingPublished();
        assertGoodClientServed();
    }

    private void assertNothingPublished() throws IOException {
        Answer next = exchange("GET /ch/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(next.statuses()).containsExactly(200);
        assertThat(next.text).endsWith("\r\n\r\n0");
    }

    private void assertGoodClientServed() throws IOException {
        Answer good =
                exchange(
                        "POST /other/-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                + "Connection: close\r\n\r\nok");
        assertThat(good.statuses()).containsExactly(200);
    }

    private Answer exchange(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout((int) T.toMillis());
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException refusedWhileSending) {
                // The server answered and closed before the request was sent: read its answer.
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            boolean closed = false;
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException open) {
                closed = false;
            } catch (IOException reset) {
                closed = true;
            }
            return new Answer(got.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }

    /** What came back on one connection: every byte until it closed (or the timeout). */
    private static final class Answer {
        final String text;
        final boolean closed;

        Answer(String text, boolean closed) {
            this.text = text;
            this.closed = closed;
        }

        List<Integer> statuses() {
            List<Integer> statuses = new ArrayList<>();
            Matcher m = STATUS_LINE.matcher(text);
            while (m.find()) {
                if (m.start() == 0 || text.charAt(m.start() - 1) == '\n') {
                    statuses.add(Integer.parseInt(m.group(1)));
                }
            }
            return statuses;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
