package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TrickleServerBuilder#sweepSpares}: the idle sweep closes idle channels except the spared
 * ones, which stay however long they idle; a channel no longer spared goes at the next sweep, and a
 * channel written recently is not idle.
 */
class TrickleServerSweepSparesITCase {

    @Test
    void theSweepLeavesSparedChannelsAlone() throws Exception {
        Set<String> spared = ConcurrentHashMap.newKeySet();
        spared.add("live-params");
        try (TrickleServer server =
                TrickleServer.builder()
                        .idleTimeout(Duration.ofMillis(300))
                        .sweepInterval(Duration.ofMillis(50))
                        .sweepSpares(spared::contains)
                        .build()
                        .start()) {
            server.createChannel("live-params", TrickleProtocol.MIME_JSON);
            server.createChannel("left-behind", TrickleProtocol.MIME_JSON);
            server.createChannel("busy", TrickleProtocol.MIME_JSON);
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            for (long seq = 0; System.nanoTime() < deadline; seq++) {
                server.write(
                        "busy",
                        TrickleProtocol.MIME_JSON,
                        seq,
                        "{}".getBytes(StandardCharsets.UTF_8),
                        false);
                Thread.sleep(50);
            }
            assertThat(server.channelNames())
                    .as("1 s later, idle for 1 s with a 300 ms timeout")
                    .containsExactlyInAnyOrder("live-params", "busy");
            spared.clear(); // the stream ended, its channel was left behind
            Thread.sleep(700);
            assertThat(server.channelNames()).isEmpty();
        }
    }
}
