package io.flinktrickle.connector.trickle.sink.internal;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.sink.JsonMessageEncoder;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.testutils.RefusedPort;

import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sink writer with a retry interval against a channel whose server is down: that channel pauses
 * (its records dropped without asking the server again), and carries on once its server is back,
 * while the writer and its other channels go on. A router's end of a channel finishes that channel
 * alone. Records routed to something that is not an http(s) URL are dropped.
 */
class TrickleSinkWriterITCase {
    private static final TrickleClientConfig QUICK =
            TrickleClientConfig.builder()
                    .maxAttempts(2)
                    .initialBackoff(Duration.ofMillis(20))
                    .maxBackoff(Duration.ofMillis(40))
                    .connectTimeout(Duration.ofMillis(500))
                    .build();

    @Test
    void anUnreachableChannelPausesInsteadOfFailingTheWriterWhenAsked() throws Exception {
        RefusedPort refused = new RefusedPort(); // until the server comes back on it
        int port = refused.port();
        URI down = URI.create("http://127.0.0.1:" + port + "/events");
        try (refused;
                TrickleServer other = TrickleServer.builder().build().start();
                TrickleSinkWriter<TrickleMessage> writer = writer(Duration.ofMillis(300))) {
            other.createChannel("other", TrickleProtocol.MIME_JSON);
            URI otherChannel = other.channelUri("other");
            writer.write(message(down, "{\"n\":1}"), null); // dropped, and the channel paused
            long t0 = System.nanoTime();
            writer.write(message(down, "{\"n\":2}"), null); // dropped without asking again
            assertThat((System.nanoTime() - t0) / 1_000_000)
                    .as("a paused channel costs its records nothing (ms)")
                    .isLessThan(50);
            // Destinations that are not http(s) URLs (they come with the records): dropped.
            for (String bad : new String[] {"not a url", "file:///etc/passwd", "http:no-host"}) {
                writer.write(new TrickleMessage("k", 0, "{}", bad), null);
            }
            writer.write(message(otherChannel, "{\"other\":1}"), null);
            assertThat(read(otherChannel, 0)).isEqualTo("{\"other\":1}");

            refused.close();
            try (TrickleServer back = TrickleServer.builder().port(port).build()) {
                back.createChannel("events", TrickleProtocol.MIME_JSON);
                back.start();
                Thread.sleep(400); // past the pause
                writer.write(message(down, "{\"n\":3}"), null);
                assertThat(read(down, 0)).as("the channel carries on").isEqualTo("{\"n\":3}");
                // The router ends the channel: it is completed and deleted, the other goes on.
                writer.write(TrickleMessage.endOf("k", down.toString()), null);
                assertThat(back.channelNames()).doesNotContain("events");
                writer.write(message(otherChannel, "{\"other\":2}"), null);
                assertThat(read(otherChannel, 1)).isEqualTo("{\"other\":2}");
            }
        }
    }

    private static TrickleSinkWriter<TrickleMessage> writer(Duration retry) {
        return new TrickleSinkWriter<>(
                new JsonMessageEncoder<>(),
                JsonMessageEncoder.routeByDestination(),
                TrickleProtocol.MIME_JSON,
                QUICK,
                true,
                false,
                retry,
                0,
                UnregisteredMetricsGroup.createSinkWriterMetricGroup());
    }

    private static TrickleMessage message(URI channel, String json) {
        return new TrickleMessage("k", 0, json, channel.toString());
    }

    private static String read(URI channel, long seq) throws Exception {
        try (JsonMessageSubscriber sub =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(channel).startSeq(seq).build(),
                        new ObjectMapper())) {
            return sub.next().orElseThrow().toString();
        }
    }
}
