package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.RawHttp;
import io.flinktrickle.connector.trickle.testutils.RawHttp.Head;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.flinktrickle.connector.trickle.protocol.TrickleProtocol.HEADER_CLOSED;
import static io.flinktrickle.connector.trickle.protocol.TrickleProtocol.HEADER_LATEST;
import static io.flinktrickle.connector.trickle.protocol.TrickleProtocol.HEADER_SEQ;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server conformance cases C01–C25 of docs/trickle-protocol.md §8 ("current" profile), plus the
 * unlabelled ones, checked on the wire against {@link TrickleServer}.
 */
class TrickleServerConformanceITCase {

    private static final Duration T = Duration.ofSeconds(5);
    private static final Duration SHORT = Duration.ofMillis(400);

    private TrickleServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        server = TrickleServer.builder().build().start();
        port = server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ------------------------------------------------------------------ helpers

    private Head post(String path, String body, Map<String, String> headers) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST", path, headers, body.getBytes(StandardCharsets.UTF_8));
            Head h = c.readFinalHead(T);
            c.readBody(h, T);
            return h;
        }
    }

    private Head post(String path, String body) throws IOException {
        return post(path, body, Map.of());
    }

    /** A GET whose head and body are read; returns the head with the body as a string. */
    private Response get(String path) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("GET", path);
            Head h = c.readFinalHead(T);
            return new Response(h, new String(c.readBody(h, T), StandardCharsets.UTF_8));
        }
    }

    private static final class Response {
        final Head head;
        final String body;

        Response(Head head, String body) {
            this.head = head;
            this.body = body;
        }
    }

    // ------------------------------------------------------------------ cases

    @Test
    void c01UnknownChannelIs404WithoutTrickleHeaders() throws IOException {
        Response r = get("/nope/0");
        assertThat(r.head.status).isEqualTo(404);
        assertThat(r.body.trim()).isEqualTo("Stream not found");
        assertThat(r.head.headers.keySet()).noneMatch(k -> k.toLowerCase().startsWith("lp-"));
    }

    @Test
    void c02CreationMimeWinsOverLaterContentType() throws IOException {
        assertThat(post("/ch", "", Map.of("Expect-Content", "application/json")).status)
                .isEqualTo(200);
        post("/ch/0", "{}", Map.of("Content-Type", "text/plain"));
        assertThat(get("/ch/0").head.header("Content-Type")).contains("application/json");
    }

    @Test
    void c02WithoutAutocreateUnknownChannelsAre404() throws IOException {
        try (TrickleServer strict = TrickleServer.builder().autocreate(false).build().start()) {
            int p = strict.port();
            try (RawHttp c = new RawHttp(p)) {
                c.send("POST", "/ch", Map.of("Expect-Content", "application/json"), new byte[0]);
                assertThat(c.readFinalHead(T).status).isEqualTo(404);
            }
            try (RawHttp c = new RawHttp(p)) {
                c.send("POST", "/unknown/0", Map.of(), "x".getBytes(StandardCharsets.UTF_8));
                Head h = c.readFinalHead(T);
                assertThat(h.status).isEqualTo(404);
                assertThat(h.header("Connection")).contains("close");
            }
            strict.createChannel("pre", "video/MP2T");
            try (RawHttp c = new RawHttp(p)) {
                c.send(
                        "POST",
                        "/pre/0",
                        Map.of("Content-Type", "application/octet-stream"),
                        "ts".getBytes(StandardCharsets.UTF_8));
                assertThat(c.readFinalHead(T).status).isEqualTo(200);
            }
            try (RawHttp c = new RawHttp(p)) {
                c.send("GET", "/pre/0");
                assertThat(c.readFinalHead(T).header("Content-Type")).contains("video/MP2T");
            }
            try (RawHttp c = new RawHttp(p)) {
                c.send("GET", "/pre");
                Head h = c.readFinalHead(T);
                assertThat(h.status).isEqualTo(405);
                assertThat(h.header("Allow")).contains("DELETE, POST");
            }
        }
    }

    @Test
    void heldMissingChannelsAreTemporarilyUnavailableUntilReleased() throws IOException {
        try (TrickleServer strict = TrickleServer.builder().autocreate(false).build().start()) {
            int p = strict.port();
            strict.holdMissingChannels(true);
            strict.createChannel("known", "application/json");
            for (String[] request :
                    new String[][] {
                        {"GET", "/gone/3"}, {"GET", "/gone/next"}, {"POST", "/gone/3"}
                    }) {
                try (RawHttp c = new RawHttp(p)) {
                    c.send(request[0], request[1], Map.of(), new byte[0]);
                    Head h = c.readFinalHead(T);
                    assertThat(h.status).as(request[1]).isEqualTo(503);
                    assertThat(h.header("Retry-After")).as(request[1]).contains("1");
                    assertThat(h.headers.keySet())
                            .noneMatch(k -> k.toLowerCase().startsWith("lp-"));
                }
            }
            // Existing channels are served as usual while missing ones are held.
            try (RawHttp c = new RawHttp(p)) {
                c.send("POST", "/known/0", Map.of(), "{}".getBytes(StandardCharsets.UTF_8));
                assertThat(c.readFinalHead(T).status).isEqualTo(200);
            }
            strict.holdMissingChannels(false);
            try (RawHttp c = new RawHttp(p)) {
                c.send("GET", "/gone/3");
                assertThat(c.readFinalHead(T).status).isEqualTo(404);
            }
        }
    }

    @Test
    void c03PublishedSegmentIsServedWithSeqAndLatest() throws IOException {
        Head p = post("/ch/0", "hello", Map.of("Content-Type", "text/plain"));
        assertThat(p.status).isEqualTo(200);
        assertThat(p.header(HEADER_SEQ)).contains("0");
        for (String seq : new String[] {"0", "-2"}) {
            Response r = get("/ch/" + seq);
            assertThat(r.head.status).isEqualTo(200);
            assertThat(r.body).isEqualTo("hello");
            assertThat(r.head.header(HEADER_SEQ)).contains("0");
            assertThat(r.head.header(HEADER_LATEST)).contains("1");
            assertThat(r.head.header("Content-Type")).contains("text/plain");
            assertThat(r.head.chunked()).isTrue();
        }
    }

    @Test
    void c04LongPollGetsNoStatusLineUntilTheFirstByteThenStreams() throws IOException {
        post("/ch/0", "zero");
        try (RawHttp sub = new RawHttp(port);
                RawHttp pub = new RawHttp(port)) {
            sub.send("GET", "/ch/1");
            assertThat(sub.readHead(SHORT)).isEmpty();
            pub.startChunked("POST", "/ch/1", Map.of()).chunk("part1-");
            Head h = sub.readFinalHead(T);
            assertThat(h.status).isEqualTo(200);
            assertThat(h.header(HEADER_SEQ)).contains("1");
            assertThat(h.header(HEADER_LATEST)).isEmpty();
            assertThat(new String(sub.readChunk(), StandardCharsets.UTF_8)).isEqualTo("part1-");
            pub.chunk("part2").endChunks();
            assertThat(pub.readFinalHead(T).status).isEqualTo(200);
            StringBuilder rest = new StringBuilder("part1-");
            byte[] c;
            while ((c = sub.readChunk()) != null) {
                rest.append(new String(c, StandardCharsets.UTF_8));
            }
            assertThat(rest).hasToString("part1-part2");
        }
    }

    @Test
    void c05LateJoinerGetsStoredBytesAtOnceThenTheRest() throws IOException {
        try (RawHttp pub = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("first-");
            awaitNextWrite("ch", 1);
            try (RawHttp sub = new RawHttp(port)) {
                sub.send("GET", "/ch/0");
                Head h = sub.readFinalHead(T);
                assertThat(new String(sub.readChunk(), StandardCharsets.UTF_8)).isEqualTo("first-");
                pub.chunk("second").endChunks();
                byte[] c = sub.readChunk();
                assertThat(new String(c, StandardCharsets.UTF_8)).isEqualTo("second");
                assertThat(sub.readChunk()).isNull();
                assertThat(h.status).isEqualTo(200);
            }
        }
    }

    @Test
    void c06NextSeqBlocksUntilTheNextSegmentStarts() throws Exception {
        post("/ch/0", "a");
        post("/ch/1", "b");
        CompletableFuture<Response> waiting =
                CompletableFuture.supplyAsync(() -> uncheckedGet("/ch/-1"));
        awaitParkedGet("ch");
        assertThat(waiting).isNotDone();
        post("/ch/2", "c");
        Response r = waiting.get(5, TimeUnit.SECONDS);
        assertThat(r.head.header(HEADER_SEQ)).contains("2");
        assertThat(r.body).isEqualTo("c");
    }

    @Test
    void c07CurrentSeqIsTheLastStartedSegment() throws Exception {
        server.createChannel("fresh", "text/plain");
        post("/ch/0", "a");
        post("/ch/1", "b");
        Response r = get("/ch/-2");
        assertThat(r.head.header(HEADER_SEQ)).contains("1");
        assertThat(r.head.header(HEADER_LATEST)).contains("2");
        assertThat(r.body).isEqualTo("b");
        // On an empty channel, -2 waits for seq 0.
        CompletableFuture<Response> waiting =
                CompletableFuture.supplyAsync(() -> uncheckedGet("/fresh/-2"));
        awaitParkedGet("fresh");
        assertThat(waiting).isNotDone();
        post("/fresh/0", "first");
        assertThat(waiting.get(5, TimeUnit.SECONDS).head.header(HEADER_SEQ)).contains("0");
    }

    @Test
    void c08SegmentTooFarAheadIs470() throws IOException {
        post("/ch/0", "a");
        Response r = get("/ch/5");
        assertThat(r.head.status).isEqualTo(470);
        // The reason phrase is Jetty's ("470"; Go writes "status code 470"): clients read the code.
        assertThat(r.head.header("Content-Type")).contains("text/plain; charset=utf-8");
        assertThat(r.head.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.body).isEqualTo("Entry not found\n");
        assertThat(r.head.header(HEADER_SEQ)).contains("5");
        assertThat(r.head.header(HEADER_LATEST)).contains("1");
        assertThat(r.head.header(HEADER_CLOSED)).isEmpty();
        assertThat(r.body.trim()).isEqualTo("Entry not found");
    }

    @Test
    void c09FreshChannelAcceptsSeqOneButNotTwo() throws Exception {
        server.createChannel("ch", "text/plain");
        CompletableFuture<Response> one =
                CompletableFuture.supplyAsync(() -> uncheckedGet("/ch/1"));
        Response two = get("/ch/2");
        assertThat(two.head.status).isEqualTo(470);
        assertThat(two.head.header(HEADER_LATEST)).contains("0");
        awaitParkedGet("ch");
        assertThat(one).isNotDone();
        post("/ch/1", "one");
        assertThat(one.get(5, TimeUnit.SECONDS).body).isEqualTo("one");
    }

    @Test
    void c10RingKeepsTheLastFiveSegments() throws IOException {
        for (int i = 0; i <= 6; i++) {
            post("/ch/" + i, "s" + i);
        }
        for (int i = 2; i <= 6; i++) {
            Response r = get("/ch/" + i);
            assertThat(r.head.status).isEqualTo(200);
            assertThat(r.body).isEqualTo("s" + i);
            assertThat(r.head.header(HEADER_LATEST)).contains("7");
        }
        for (int i = 0; i <= 1; i++) {
            Response r = get("/ch/" + i);
            assertThat(r.head.status).isEqualTo(470);
            assertThat(r.head.header(HEADER_LATEST)).contains("7");
        }
    }

    @Test
    void c11DeleteChannelReleasesWaitersAndPreconnects() throws IOException {
        post("/ch/0", "a");
        try (RawHttp sub = new RawHttp(port);
                RawHttp pre = new RawHttp(port);
                RawHttp del = new RawHttp(port)) {
            sub.send("GET", "/ch/1");
            pre.startChunked("POST", "/ch/1", Map.of());
            assertThat(sub.readHead(SHORT)).isEmpty();
            del.send("DELETE", "/ch");
            Head d = del.readFinalHead(T);
            assertThat(d.status).isEqualTo(200);

            Head s = sub.readFinalHead(T);
            assertThat(s.status).isEqualTo(200);
            assertThat(s.header(HEADER_CLOSED)).contains("terminated");
            assertThat(s.header(HEADER_SEQ)).contains("1");
            assertThat(s.header(HEADER_LATEST)).isPresent();
            assertThat(sub.readBody(s, T)).isEmpty();

            Head p = pre.readFinalHead(T);
            assertThat(p.status).isEqualTo(200);
            assertThat(p.header(HEADER_CLOSED)).contains("terminated");
            assertThat(p.header("Connection")).contains("close");
            assertThat(p.header(HEADER_SEQ)).contains("1");
        }
        assertThat(get("/ch/0").head.status).isEqualTo(404);
    }

    /**
     * A preconnect waits for its first bytes without polling: the close of its segment wakes it, so
     * it is answered at once, here with keepalives 30 s apart (before, a 200 ms poll answered it).
     */
    @Test
    void aReleasedPreconnectIsAnsweredAtOnceNotAtItsNextKeepalive() throws IOException {
        try (TrickleServer slow =
                        TrickleServer.builder()
                                .keepaliveInterval(Duration.ofSeconds(30))
                                .build()
                                .start();
                RawHttp pub = new RawHttp(slow.port());
                RawHttp pre = new RawHttp(slow.port());
                RawHttp del = new RawHttp(slow.port())) {
            pub.send("POST", "/ch/0", Map.of(), "a".getBytes(StandardCharsets.UTF_8));
            assertThat(pub.readFinalHead(T).status).isEqualTo(200);
            pre.startChunked("POST", "/ch/1", Map.of());
            assertThat(pre.readHead(SHORT)).as("a preconnect waits").isEmpty();
            long t0 = System.nanoTime();
            del.send("DELETE", "/ch/1");
            assertThat(del.readFinalHead(T).status).isEqualTo(200);
            Head p = pre.readFinalHead(T);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(p.status).isEqualTo(200);
            assertThat(p.header("Connection")).contains("close");
            assertThat(p.header(HEADER_SEQ)).contains("1");
            assertThat(millis).as("answered after the DELETE (ms)").isLessThan(2_000);
        }
    }

    @Test
    void deleteOfUnknownChannelIs400() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("DELETE", "/nope");
            Head h = c.readFinalHead(T);
            assertThat(h.status).isEqualTo(400);
            assertThat(new String(c.readBody(h, T), StandardCharsets.UTF_8).trim())
                    .isEqualTo("Invalid stream");
        }
    }

    @Test
    void c12DeleteSegmentEndsItsReadersWithTheBytesSoFar() throws IOException {
        try (RawHttp pub = new RawHttp(port);
                RawHttp sub = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("so-far");
            awaitNextWrite("ch", 1);
            sub.send("GET", "/ch/0");
            Head h = sub.readFinalHead(T);
            try (RawHttp del = new RawHttp(port)) {
                del.send("DELETE", "/ch/0");
                assertThat(del.readFinalHead(T).status).isEqualTo(200);
            }
            assertThat(new String(sub.readBody(h, T), StandardCharsets.UTF_8)).isEqualTo("so-far");
        }
        try (RawHttp del = new RawHttp(port)) {
            del.send("DELETE", "/ch/9");
            Head h = del.readFinalHead(T);
            assertThat(h.status).isEqualTo(400);
            assertThat(new String(del.readBody(h, T), StandardCharsets.UTF_8).trim())
                    .isEqualTo("Nonexistent segment");
        }
        try (RawHttp del = new RawHttp(port)) {
            del.send("DELETE", "/unknown/0");
            assertThat(del.readFinalHead(T).status).isEqualTo(404);
        }
    }

    @Test
    void c13EmptySegmentIs200EmptyAndAdvancesTheLiveEdge() throws IOException {
        post("/ch/0", "a");
        assertThat(post("/ch/1", "").status).isEqualTo(200);
        Response r = get("/ch/1");
        assertThat(r.head.status).isEqualTo(200);
        assertThat(r.body).isEmpty();
        assertThat(r.head.header(HEADER_SEQ)).contains("1");
        assertThat(r.head.header(HEADER_LATEST)).contains("2");
    }

    @Test
    void c14PostToMinusOneWritesAtNextWrite() throws IOException {
        post("/ch/0", "a");
        Head h = post("/ch/-1", "b");
        assertThat(h.header(HEADER_SEQ)).contains("1");
        assertThat(get("/ch/1").body).isEqualTo("b");
    }

    @Test
    void c15RePostToACompletedSegmentLeavesItIntact() throws IOException {
        post("/ch/0", "original");
        Head h = post("/ch/0", "again");
        assertThat(h.status).isEqualTo(200);
        assertThat(get("/ch/0").body).startsWith("original");
    }

    @Test
    void c16ResetReleasesReadersOfAbandonedSegments() throws IOException {
        try (RawHttp pub = new RawHttp(port);
                RawHttp sub = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("had-");
            awaitNextWrite("ch", 1);
            sub.send("GET", "/ch/0");
            Head s = sub.readFinalHead(T);
            Head p = post("/ch/-1", "new", Map.of("Lp-Trickle-Reset", "1"));
            assertThat(p.status).isEqualTo(200);
            assertThat(p.header(HEADER_SEQ)).contains("1");
            assertThat(new String(sub.readBody(s, T), StandardCharsets.UTF_8)).isEqualTo("had-");
        }
    }

    @Test
    void c17NextReportsNextWrite() throws IOException {
        post("/ch/0", "a");
        Response r = get("/ch/next");
        assertThat(r.head.status).isEqualTo(200);
        assertThat(r.body).isEqualTo("1");
        assertThat(r.head.header(HEADER_LATEST)).contains("1");
        assertThat(get("/unknown/next").head.status).isEqualTo(404);
    }

    @Test
    void c18InvalidSeqIs400AndUnsupportedMethodIs405() throws IOException {
        post("/ch/0", "a");
        Response r = get("/ch/abc");
        assertThat(r.head.status).isEqualTo(400);
        assertThat(r.body.trim()).isEqualTo("Invalid idx");
        try (RawHttp c = new RawHttp(port)) {
            c.send("PUT", "/ch/0", Map.of(), new byte[0]);
            Head h = c.readFinalHead(T);
            assertThat(h.status).isEqualTo(405);
            assertThat(h.header("Allow")).contains("DELETE, GET, HEAD, POST");
        }
        assertThat(get("/a/b/c").head.status).isEqualTo(404);
    }

    @Test
    void c19SilentPostGetsAnInterim100Every10Seconds() throws IOException {
        try (RawHttp pub = new RawHttp(port)) {
            long start = System.nanoTime();
            pub.startChunked("POST", "/ch/0", Map.of());
            Head first = pub.readHead(Duration.ofSeconds(15)).orElseThrow();
            long firstAt = (System.nanoTime() - start) / 1_000_000;
            Head second = pub.readHead(Duration.ofSeconds(15)).orElseThrow();
            long secondAt = (System.nanoTime() - start) / 1_000_000;
            assertThat(first.status).isEqualTo(100);
            assertThat(second.status).isEqualTo(100);
            assertThat(firstAt).isBetween(9_000L, 12_000L);
            assertThat(secondAt).isBetween(19_000L, 22_000L);
            pub.chunk("late data").endChunks();
            assertThat(pub.readFinalHead(T).status).isEqualTo(200);
        }
        assertThat(get("/ch/0").body).isEqualTo("late data");
    }

    @Test
    void c20SubscriberLeavingMidSegmentAffectsNobodyElse() throws IOException {
        try (RawHttp pub = new RawHttp(port);
                RawHttp leaver = new RawHttp(port);
                RawHttp stayer = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("one-");
            awaitNextWrite("ch", 1);
            leaver.send("GET", "/ch/0");
            stayer.send("GET", "/ch/0");
            leaver.readFinalHead(T);
            Head s = stayer.readFinalHead(T);
            leaver.reset();
            pub.chunk("two-").chunk("three").endChunks();
            assertThat(pub.readFinalHead(T).status).isEqualTo(200);
            assertThat(new String(stayer.readBody(s, T), StandardCharsets.UTF_8))
                    .isEqualTo("one-two-three");
        }
    }

    @Test
    void c21SlowReaderKeepsItsSegmentAfterEviction() throws IOException {
        byte[] big = new byte[200_000];
        Arrays.fill(big, (byte) 'x');
        try (RawHttp pub = new RawHttp(port)) {
            pub.send("POST", "/ch/0", Map.of(), big);
            pub.readFinalHead(T);
        }
        try (RawHttp slow = new RawHttp(port)) {
            slow.send("GET", "/ch/0");
            Head h = slow.readFinalHead(T);
            slow.setTimeout(T);
            for (int i = 1; i <= 7; i++) {
                post("/ch/" + i, "s" + i);
            }
            assertThat(slow.readBody(h, T)).hasSize(200_000);
        }
        Response r = get("/ch/1");
        assertThat(r.head.status).isEqualTo(470);
        assertThat(r.head.header(HEADER_LATEST)).contains("8");
    }

    @Test
    void c22IdleChannelIsSweptAway() throws Exception {
        try (TrickleServer quick =
                TrickleServer.builder()
                        .idleTimeout(Duration.ofSeconds(2))
                        .sweepInterval(Duration.ofMillis(200))
                        .build()
                        .start()) {
            try (RawHttp c = new RawHttp(quick.port())) {
                c.send("POST", "/ch/0", Map.of(), "a".getBytes(StandardCharsets.UTF_8));
                c.readFinalHead(T);
            }
            Await.until(() -> !quick.channelNames().contains("ch"), 10, "the idle channel swept");
            try (RawHttp c = new RawHttp(quick.port())) {
                c.send("GET", "/ch/0");
                assertThat(c.readFinalHead(T).status).isEqualTo(404);
            }
        }
    }

    @Test
    void c23AbortedPublisherLeavesTheSegmentOpenUntilDeleted() throws IOException {
        try (RawHttp pub = new RawHttp(port);
                RawHttp sub = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("partial-");
            awaitNextWrite("ch", 1);
            sub.send("GET", "/ch/0");
            Head h = sub.readFinalHead(T);
            assertThat(new String(sub.readChunk(), StandardCharsets.UTF_8)).isEqualTo("partial-");
            pub.reset();
            sub.setTimeout(SHORT);
            org.assertj.core.api.Assertions.assertThatThrownBy(sub::readChunk)
                    .isInstanceOf(java.net.SocketTimeoutException.class);
            try (RawHttp del = new RawHttp(port)) {
                del.send("DELETE", "/ch/0");
                assertThat(del.readFinalHead(T).status).isEqualTo(200);
            }
            sub.setTimeout(T);
            assertThat(sub.readChunk()).isNull();
            assertThat(h.status).isEqualTo(200);
        }
    }

    @Test
    void c24SilentPreconnectDoesNotAdvanceTheLiveEdge() throws Exception {
        post("/ch/0", "a");
        try (RawHttp pre = new RawHttp(port)) {
            pre.startChunked("POST", "/ch/1", Map.of());
            Await.until(() -> server.waitingWrites("ch") > 0, 10, "the silent preconnect");
            CompletableFuture<Response> next =
                    CompletableFuture.supplyAsync(() -> uncheckedGet("/ch/-1"));
            awaitParkedGet("ch");
            assertThat(next).isNotDone();
            pre.chunk("one").endChunks();
            Response r = next.get(5, TimeUnit.SECONDS);
            assertThat(r.head.header(HEADER_SEQ)).contains("1");
            assertThat(r.body).isEqualTo("one");
        }
    }

    @Test
    void c25ChangefeedReportsNewChannels() throws Exception {
        try (TrickleServer feed = TrickleServer.builder().changefeed(true).build().start()) {
            try (RawHttp sub = new RawHttp(feed.port())) {
                sub.send("GET", "/_changes/-1");
                assertThat(sub.readHead(SHORT)).isEmpty();
                feed.createChannel("X", "video/MP2T");
                Head h = sub.readFinalHead(T);
                assertThat(h.header("Content-Type")).contains("application/json");
                assertThat(new String(sub.readBody(h, T), StandardCharsets.UTF_8))
                        .isEqualTo("{\"added\":[\"X\"]}");
            }
        }
    }

    @Test
    void seqBelowMinusTwoIs400InsteadOfACrash() throws IOException {
        post("/ch/0", "a");
        assertThat(get("/ch/-3").head.status).isEqualTo(400);
        assertThat(post("/ch/-3", "x").status).isEqualTo(400);
        assertThat(get("/ch/0").body).isEqualTo("a");
    }

    @Test
    void gapsAreAccepted() throws IOException {
        post("/ch/0", "a");
        Head h = post("/ch/100", "b");
        assertThat(h.status).isEqualTo(200);
        assertThat(h.header(HEADER_SEQ)).contains("100");
        assertThat(get("/ch/next").body).isEqualTo("101");
    }

    @Test
    void chunksReachSubscribersWithinMilliseconds() throws IOException {
        server.createChannel("ch", "video/MP2T");
        try (RawHttp pub = new RawHttp(port);
                RawHttp sub = new RawHttp(port)) {
            sub.send("GET", "/ch/0");
            pub.startChunked("POST", "/ch/0", Map.of());
            pub.chunk("c0");
            Head h = sub.readFinalHead(T);
            assertThat(new String(sub.readChunk(), StandardCharsets.UTF_8)).isEqualTo("c0");
            for (int i = 1; i <= 3; i++) {
                sleep(300);
                long sent = System.nanoTime();
                pub.chunk("c" + i);
                assertThat(new String(sub.readChunk(), StandardCharsets.UTF_8)).isEqualTo("c" + i);
                assertThat((System.nanoTime() - sent) / 1_000_000).isLessThan(200);
            }
            pub.endChunks();
            assertThat(sub.readChunk()).isNull();
            assertThat(h.status).isEqualTo(200);
        }
    }

    @Test
    void oversizedSegmentIs413AndLimitsAreEnforced() throws IOException {
        try (TrickleServer small =
                TrickleServer.builder().maxSegmentBytes(1000).maxChannels(2).build().start()) {
            try (RawHttp c = new RawHttp(small.port())) {
                c.send("POST", "/ch/0", Map.of(), new byte[2000]);
                Head h = c.readFinalHead(T);
                assertThat(h.status).isEqualTo(413);
                assertThat(h.header("Connection")).contains("close");
            }
            try (RawHttp c = new RawHttp(small.port())) {
                c.startChunked("POST", "/ch/1", Map.of()).chunk(new byte[600]).chunk(new byte[600]);
                assertThat(c.readFinalHead(T).status).isEqualTo(413);
            }
            try (RawHttp c = new RawHttp(small.port())) {
                c.send("POST", "/other/0", Map.of(), new byte[10]);
                assertThat(c.readFinalHead(T).status).isEqualTo(200);
            }
            try (RawHttp c = new RawHttp(small.port())) {
                c.send("POST", "/third/0", Map.of(), new byte[10]);
                assertThat(c.readFinalHead(T).status).isEqualTo(503);
            }
        }
    }

    @Test
    void malformedRequestIs400AndTheServerGoesOn() throws IOException {
        try (java.net.Socket s =
                new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write("NONSENSE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.setSoTimeout(5000);
            String line =
                    new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(line).isEqualTo("HTTP/1.1 400");
        }
        assertThat(post("/ch/0", "still serving").status).isEqualTo(200);
    }

    @Test
    void chunkedFramingSurvivesPausesInsideSizeLinesAndCrlfs() throws Exception {
        try (java.net.Socket sock =
                new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            java.io.OutputStream out = sock.getOutputStream();
            out.write(
                    "POST /ch/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1"
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(500); // inside the first size line ("10" = 16 bytes)
            out.write("0\r\n0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(500); // before the CRLF that ends the chunk
            out.write("\r\n3\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            sock.setSoTimeout(5000);
            String status =
                    new String(sock.getInputStream().readNBytes(15), StandardCharsets.ISO_8859_1);
            assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        }
        assertThat(get("/ch/0").body).isEqualTo("0123456789abcdefabc");
    }

    @Test
    void headOnAnOpenSegmentLeavesTheConnectionUsable() throws IOException {
        try (RawHttp pub = new RawHttp(port);
                RawHttp c = new RawHttp(port)) {
            pub.startChunked("POST", "/ch/0", Map.of()).chunk("open");
            awaitNextWrite("ch", 1);
            c.send("HEAD", "/ch/0");
            Head h = c.readFinalHead(T);
            assertThat(h.status).isEqualTo(200);
            assertThat(h.header(HEADER_SEQ)).contains("0");
            c.send("GET", "/ch/next");
            Head next = c.readFinalHead(T);
            assertThat(new String(c.readBody(next, T), StandardCharsets.UTF_8)).isEqualTo("1");
            pub.endChunks();
        }
    }

    @Test
    void malformedPercentEscapeIs400() throws IOException {
        Response r = get("/%zz/0");
        assertThat(r.head.status).isEqualTo(400);
    }

    // ------------------------------------------------------------------ utilities

    private Response uncheckedGet(String path) {
        try {
            return get(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitNextWrite(String channel, long expected) throws IOException {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            Response r = get("/" + channel + "/next");
            if (r.head.status == 200 && Long.parseLong(r.body) >= expected) {
                return;
            }
            sleep(5);
        }
        throw new AssertionError("nextWrite of " + channel + " never reached " + expected);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits until a GET on {@code channel} is parked in its long poll. */
    private void awaitParkedGet(String channel) throws InterruptedException {
        Await.until(() -> server.waitingReads(channel) > 0, 10, "a long poll on " + channel);
    }
}
