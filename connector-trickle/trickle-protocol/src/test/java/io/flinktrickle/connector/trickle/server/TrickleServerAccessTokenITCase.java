package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.testutils.RawHttp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link TrickleServerBuilder#accessToken}: over raw sockets, a request without the token, with a
 * wrong one or another scheme gets 401 with a fixed body and a closed connection, and nothing is
 * created, written or deleted; with the token it is served as usual.
 */
class TrickleServerAccessTokenITCase {
    private static final String TOKEN = "k3P9xW2qLm7Rt5Vb8Nc1Zd4Hf6Jg0Ys-_AbCdEf";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

    private TrickleServer server;

    @BeforeEach
    void start() throws Exception {
        server = TrickleServer.builder().autocreate(false).accessToken(TOKEN).build().start();
        server.createChannel("ch", TrickleProtocol.MIME_JSON);
        server.write("ch", TrickleProtocol.MIME_JSON, 0, BODY, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void requestsWithoutTheTokenAreRefusedAndChangeNothing() throws Exception {
        for (Map<String, String> auth :
                new Map[] {
                    Map.of(),
                    Map.of("Authorization", "Bearer wrong-token-wrong-token-wrong"),
                    Map.of("Authorization", "Bearer " + TOKEN + "x"),
                    Map.of("Authorization", "Basic " + TOKEN),
                    Map.of("Authorization", TOKEN),
                    Map.of("Authorization", "Bearer")
                }) {
            assertRefused("GET", "/ch/0", auth, null);
            assertRefused("POST", "/ch/1", auth, BODY); // a write into the channel
            assertRefused("POST", "/other", auth, null); // creating a channel
            assertRefused("DELETE", "/ch", auth, null); // ending it
            assertRefused("GET", "/nowhere/at/all", auth, null); // even a 404 page
            try (RawHttp raw = new RawHttp(server.port())) {
                // A chunked upload still in flight gets its 401 at once.
                raw.startChunked("POST", "/ch/2", auth).chunk("{\"partial\":");
                RawHttp.Head head = raw.readFinalHead(WAIT);
                assertThat(head.status).isEqualTo(401);
                raw.readBody(head, WAIT);
                assertThat(raw.closedByServer(WAIT)).isTrue();
            }
        }
        assertThat(server.channelNames()).containsExactly("ch");
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send("GET", "/ch/next", Map.of("Authorization", "Bearer " + TOKEN), null);
            RawHttp.Head next = raw.readFinalHead(WAIT);
            assertThat(next.status).isEqualTo(200);
            assertThat(next.header(TrickleProtocol.HEADER_LATEST)).hasValue("1");
        }
    }

    @Test
    void requestsWithTheTokenAreServed() throws Exception {
        Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send("POST", "/ch/1", auth, "{\"b\":2}".getBytes(StandardCharsets.UTF_8));
            assertThat(raw.readFinalHead(WAIT).status).isEqualTo(200);
            // The scheme is case-insensitive (RFC 7235), the connection stays usable.
            raw.send("GET", "/ch/1", Map.of("Authorization", "bearer " + TOKEN), null);
            RawHttp.Head head = raw.readFinalHead(WAIT);
            assertThat(head.status).isEqualTo(200);
            assertThat(new String(raw.readBody(head, WAIT), StandardCharsets.UTF_8))
                    .isEqualTo("{\"b\":2}");
            raw.send("DELETE", "/ch", auth, null);
            assertThat(raw.readFinalHead(WAIT).status).isEqualTo(200);
        }
        assertThat(server.channelNames()).isEmpty();
    }

    @Test
    void badTokensAreRejectedWithoutBeingEchoed() {
        String shortOne = "abcdefghij";
        assertThatThrownBy(() -> TrickleServer.builder().accessToken(shortOne).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("22 to 512 characters")
                .hasMessageNotContaining(shortOne);
        String withSpace = "abcdefghij abcdefghijabcdefghij";
        assertThatThrownBy(() -> TrickleServer.builder().accessToken(withSpace).build())
                .hasMessageContaining("may hold only")
                .hasMessageNotContaining(withSpace);
        String crlf = "abcdefghijabcdefghijabcdefghij\r\nX: y";
        assertThatThrownBy(() -> TrickleServer.builder().accessToken(crlf).build())
                .hasMessageNotContaining("abcdefghij");
    }

    private void assertRefused(String method, String path, Map<String, String> auth, byte[] body)
            throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send(method, path, auth, body);
            RawHttp.Head head = raw.readFinalHead(WAIT);
            assertThat(head.status).as(method + " " + path + " " + auth).isEqualTo(401);
            assertThat(head.header("WWW-Authenticate")).hasValue("Bearer");
            assertThat(new String(raw.readBody(head, WAIT), StandardCharsets.UTF_8))
                    .isEqualTo("Unauthorized\n");
            assertThat(raw.closedByServer(WAIT)).as("the connection closes").isTrue();
        }
    }
}
