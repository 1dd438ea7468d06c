package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.config.SidecarConfigBuilder;
import io.flinktrickle.controlapi.stream.SidecarChannelLimits;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar's own trickle server with the embedded MiniCluster, locked down: it listens on
 * loopback only; every request needs the sidecar's secret (a request without it, or with a wrong
 * one, is refused with 401 and changes nothing: the stream's params stay, its params channel is not
 * deleted); only the sidecar creates channels; a message is at most 1 MiB; channels of no live
 * stream are swept when idle, a live stream's never, however long they idle.
 */
class SidecarChannelsITCase {
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void embeddedChannelsListenOnLoopbackOnly() throws Exception {
        List<InetAddress> others = nonLoopbackAddresses();
        Assumptions.assumeFalse(
                others.isEmpty(),
                "this machine has no non-loopback address to try the sidecar's trickle server on");
        try (Sidecar sidecar = Sidecar.create(config().build(), Optional.empty())) {
            sidecar.startServices();
            int port = sidecar.trickleServer().port();
            assertThat(sidecar.channelAccess().bindHost()).isEqualTo("127.0.0.1");
            try (Socket loopback = new Socket()) {
                loopback.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
            for (InetAddress address : others) {
                try (Socket s = new Socket()) {
                    assertThatThrownBy(() -> s.connect(new InetSocketAddress(address, port), 2000))
                            .as("the trickle server on " + address.getHostAddress())
                            .isInstanceOf(ConnectException.class);
                }
            }
            System.out.println(
                    "sidecar trickle server: reachable on 127.0.0.1, refused on " + others);
        }
    }

    @Test
    void channelsWantTheSecretAreTheSidecarsAreCappedAndIdleOnesGo() throws Exception {
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config().build(), Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            Orchestrator.Stream s = orch.stream("lock0001");
            s.publishLive();
            assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
            Await.until(() -> s.output.size() >= 1, 60, "output");
            String params = channel(sidecar, "lock0001-", "-params");
            String events = channel(sidecar, "lock0001-", "-events");
            URI base = URI.create("http://127.0.0.1:" + sidecar.trickleServer().port() + "/");
            String secret = sidecar.channelAccess().secret();
            String good = "Bearer " + secret;
            String wrong = "Bearer " + secret.substring(1) + "x";

            // Without the secret, or with a wrong one: 401, nothing happens.
            long edge = latest(base, params, good);
            for (String auth : new String[] {null, wrong}) {
                assertThat(send("GET", base.resolve(params + "/0"), auth, null)).isEqualTo(401);
                assertThat(send("GET", base.resolve(events + "/next"), auth, null)).isEqualTo(401);
                byte[] update = "{\"max_framerate\":5}".getBytes();
                assertThat(send("POST", base.resolve(params + "/" + edge), auth, update))
                        .as("a params update into the stream")
                        .isEqualTo(401);
                assertThat(send("DELETE", base.resolve(params), auth, null))
                        .as("deleting the params channel (which would stop the stream)")
                        .isEqualTo(401);
                assertThat(send("POST", base.resolve("made-up"), auth, null)).isEqualTo(401);
            }
            assertThat(latest(base, params, good))
                    .as("the params channel unchanged")
                    .isEqualTo(edge);
            int before = s.output.size();
            Await.until(() -> s.output.size() > before, 10, "the stream goes on");
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(api.get("/stream/status").body.path("current_params").toString())
                    .doesNotContain("max_framerate\":5");

            // With the secret: no channel is created by a request (only the sidecar creates).
            assertThat(send("POST", base.resolve("made-up"), good, null)).isEqualTo(404);
            assertThat(send("POST", base.resolve("made-up/0"), good, "{}".getBytes()))
                    .isEqualTo(404);
            assertThat(sidecar.trickleServer().channelNames()).doesNotContain("made-up");

            // A message is at most 1 MiB (a channel left behind: it goes when idle).
            String scratch = "left-behind-events";
            sidecar.trickleServer().createChannel(scratch, TrickleProtocol.MIME_JSON);
            int max = (int) SidecarChannelLimits.MESSAGE_BYTES;
            assertThat(send("POST", base.resolve(scratch + "/0"), good, new byte[max]))
                    .isEqualTo(200);
            assertThat(send("POST", base.resolve(scratch + "/1"), good, new byte[max + 1]))
                    .isEqualTo(413);
            assertThat(latest(base, scratch, good)).isEqualTo(1);

            // The idle sweep: the left-behind channel goes; the stream's params channel, silent
            // since the start, and the runner's channels stay.
            Set<String> live =
                    sidecar.trickleServer().channelNames().stream()
                            .filter(n -> !n.equals(scratch))
                            .collect(Collectors.toSet());
            Await.until(
                    () -> !sidecar.trickleServer().channelNames().contains(scratch),
                    10,
                    "the idle left-behind channel is swept");
            Thread.sleep(IDLE.multipliedBy(2).toMillis());
            assertThat(sidecar.trickleServer().channelNames())
                    .as(
                            "a live stream's channels and the runner's, idle for "
                                    + IDLE.multipliedBy(3))
                    .containsAll(live)
                    .contains(params, events);
            assertThat(api.post("/stream/params", Map.of("max_framerate", 12)).status)
                    .isEqualTo(200);
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            assertThat(sidecar.trickleServer().channelNames()).doesNotContain(params, events);
        }
    }

    private static SidecarConfigBuilder config() {
        return SidecarConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .capacity(1)
                .channelIdleTimeout(IDLE);
    }

    private static String channel(Sidecar sidecar, String prefix, String suffix) {
        return sidecar.trickleServer().channelNames().stream()
                .filter(n -> n.startsWith(prefix) && n.endsWith(suffix))
                .findFirst()
                .orElseThrow(() -> new AssertionError(prefix + "…" + suffix + " not found"));
    }

    private static long latest(URI base, String channel, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(channel + "/next"));
        b.header("Authorization", auth);
        HttpResponse<Void> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isEqualTo(200);
        return Long.parseLong(r.headers().firstValue(TrickleProtocol.HEADER_LATEST).orElseThrow());
    }

    private static int send(String method, URI uri, String auth, byte[] body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new AssertionError(method + " " + uri + ": " + e, e);
        }
    }

    /** This machine's addresses other than loopback (and link-local, which needs a scope). */
    static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> found = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    found.add(a);
                }
            }
        }
        return found;
    }
}
