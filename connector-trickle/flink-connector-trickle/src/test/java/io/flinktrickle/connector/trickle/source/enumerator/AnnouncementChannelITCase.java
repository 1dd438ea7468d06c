package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enumerator's link to its controller against the real trickle server: announcements arrive as
 * they are written; the controller restarts (its server comes back empty on the same port, with the
 * announcements channel re-created past the old position and the registry channel new): the link
 * reads on, and the registry it publishes reaches the new channel from its first seq.
 */
class AnnouncementChannelITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aControllerThatRestartsIsFollowed() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        TrickleServer first = TrickleServer.builder().build().start();
        int port = first.port();
        first.createChannel("streams", TrickleProtocol.MIME_JSON);
        first.createChannel("registry", TrickleProtocol.MIME_JSON);
        try (AnnouncementChannel link =
                new AnnouncementChannel(
                        first.channelUri("streams"),
                        first.channelUri("registry"),
                        0,
                        TrickleClientConfig.defaults(),
                        (message, seq) -> received.add(seq + " " + message))) {
            link.start();
            write(first, 0, "{\"op\":\"a\"}");
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("0 {\"op\":\"a\"}");
            link.publishRegistry("{\"streams\":[1]}");
            assertThat(read(first, 0)).isEqualTo("{\"streams\":[1]}");

            first.close(); // the controller goes away...
            Thread.sleep(1500);
            TrickleServer second = TrickleServer.builder().port(port).build();
            long edge = System.currentTimeMillis();
            second.createChannel("registry", TrickleProtocol.MIME_JSON);
            write(second, edge, "{\"op\":\"registry\"}");
            try (TrickleServer running = second.start()) { // ...and comes back
                assertThat(received.poll(20, TimeUnit.SECONDS))
                        .isEqualTo(edge + " {\"op\":\"registry\"}");
                link.publishRegistry("{\"streams\":[2]}");
                assertThat(read(running, 0)).isEqualTo("{\"streams\":[2]}");
            }
        }
    }

    private static void write(TrickleServer server, long seq, String json) {
        server.write(
                "streams",
                TrickleProtocol.MIME_JSON,
                seq,
                json.getBytes(StandardCharsets.UTF_8),
                false);
    }

    private static String read(TrickleServer server, long seq) throws Exception {
        try (JsonMessageSubscriber sub =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(server.channelUri("registry"))
                                .startSeq(seq)
                                .build(),
                        JSON)) {
            Optional<JsonNode> m = sub.next();
            return m.map(JsonNode::toString).orElse(null);
        }
    }
}
