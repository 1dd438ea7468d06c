package io.flinktrickle.connector.trickle.protocol;

import io.flinktrickle.connector.trickle.server.TrickleServer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JDK client with an {@link AccessToken}: a publisher and a subscriber reach a server that
 * wants the token (without it: refused), and a request to any other server carries no {@code
 * Authorization} header (a raw socket shows the request's head).
 */
class AccessTokenClientITCase {
    private static final String TOKEN = "Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff_Dd-Ss";

    @Test
    void theTokenReachesItsServerAndNoOther() throws Exception {
        try (TrickleServer server = TrickleServer.builder().accessToken(TOKEN).build().start()) {
            URI channel = server.channelUri("ch");
            TrickleClientConfig config =
                    TrickleClientConfig.builder()
                            .accessToken(AccessToken.forServer(server.baseUri(), TOKEN))
                            .build();
            try (TricklePublisher pub =
                            TricklePublisher.builder(channel)
                                    .config(config)
                                    .contentType(TrickleProtocol.MIME_JSON)
                                    .build();
                    TrickleSubscriber sub =
                            TrickleSubscriber.builder(channel).config(config).startSeq(0).build()) {
                pub.publish("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
                Optional<TrickleSegment> segment = sub.next();
                assertThat(segment).isPresent();
                assertThat(new String(segment.get().body().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("{\"a\":1}");
            }
            TrickleClientConfig none = TrickleClientConfig.builder().maxAttempts(1).build();
            try (TrickleSubscriber sub =
                    TrickleSubscriber.builder(server.channelUri("ch"))
                            .config(none)
                            .startSeq(0)
                            .build()) {
                assertThatThrownBy(sub::next).hasMessageContaining("401");
            }

            // Another server (a raw socket) gets the request without the header.
            try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    TrickleHttp http = JdkTrickleHttp.shared(config)) {
                CompletableFuture<String> head =
                        CompletableFuture.supplyAsync(() -> readHead(other));
                http.get(
                        URI.create("http://127.0.0.1:" + other.getLocalPort() + "/ch/0"),
                        Duration.ofSeconds(2));
                String request = head.get(10, TimeUnit.SECONDS);
                assertThat(request).startsWith("GET /ch/0");
                assertThat(request.toLowerCase()).doesNotContain("authorization");
                assertThat(request).doesNotContain(TOKEN);
            }
        }
    }

    private static String readHead(ServerSocket server) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
