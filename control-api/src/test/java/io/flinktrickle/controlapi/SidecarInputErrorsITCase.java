package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.Sidecars;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs a stream cannot use, through the sidecar over HTTP (runner mode, embedded MiniCluster, a
 * real orchestrator trickle server without autocreate, real FFmpeg): the reason reaches {@code
 * /stream/status} and the orchestrator's events channel as an {@code error} event.
 */
class SidecarInputErrorsITCase {

    private static Orchestrator orch;
    private static Sidecar sidecar;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        orch = new Orchestrator();
        sidecar =
                Sidecar.create(
                                Sidecars.local()
                                        .capacity(2)
                                        .heartbeatInterval(Duration.ofSeconds(2))
                                        .inputWait(Duration.ofSeconds(2))
                                        .build(),
                                Optional.empty())
                        .start();
        api = new Api(sidecar.baseUri());
        api.awaitHealth("IDLE", Duration.ofSeconds(60));
    }

    /** Each test's stream goes, whatever happened to it: the next test starts from IDLE. */
    @AfterEach
    void stopStreams() throws Exception {
        for (String id : List.of("nochan01", "textin01", "audio001")) {
            api.post("/stream/stop", null, "X-Stream-Id", id);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        if (orch != null) {
            orch.close();
        }
    }

    @Test
    void aStreamWhoseInputChannelNeverExistsFailsNamingIt() throws Exception {
        Orchestrator.Stream s = orch.stream("nochan01", null); // every channel but the input
        long started = System.nanoTime();
        assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
        String reason = "input channel " + s.url("") + " not found after 2 s";

        JsonNode stream = awaitState(s.id, "FAILED");
        assertThat((System.nanoTime() - started) / 1_000_000)
                .as("the input channel was waited for (ms)")
                .isGreaterThanOrEqualTo(1_800);
        assertThat(stream.path("error").asText()).isEqualTo(reason);
        JsonNode status = api.get("/stream/status").body;
        assertThat(status.path("error_message").asText())
                .as("the runner's error names the stream and why")
                .isEqualTo("stream " + s.id + ": " + reason);
        assertThat(api.get("/health").body.path("status").asText()).isEqualTo("ERROR");
        Await.until(
                () -> !errors(s).isEmpty(),
                10,
                "an error event on the orchestrator's events channel",
                () -> s.events.toString());
        assertThat(errors(s))
                .as("one error event with the reason (the sidecar does not repeat the job's)")
                .containsExactly(reason);

        assertThat(api.post("/stream/stop", null, "X-Stream-Id", s.id).status).isEqualTo(200);
        api.awaitHealth("IDLE", Duration.ofSeconds(10));
    }

    @Test
    void aStreamWhoseInputIsNotMpegTsFailsSayingSo() throws Exception {
        Orchestrator.Stream s = orch.stream("textin01", "text/plain");
        assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
        awaitState(s.id, "RUNNING");
        try (TricklePublisher in =
                TricklePublisher.builder(s.url(""))
                        .contentType("text/plain")
                        .deleteOnClose(false)
                        .build()) {
            // A few, a little apart: the job's reader joins at the segment being written.
            for (int i = 0; i < 5; i++) {
                in.publish("not video at all".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(300);
            }
        }
        String reason =
                "input channel "
                        + s.url("")
                        + " refused: its content type is 'text/plain', not MPEG-TS (video/MP2T)";

        JsonNode stream = awaitState(s.id, "FAILED");
        assertThat(stream.path("error").asText()).isEqualTo(reason);
        Await.until(
                () -> errors(s).contains(reason), 10, "the error event", () -> s.events.toString());
        assertThat(s.output).as("nothing was decoded, nothing came out").isEmpty();

        assertThat(api.post("/stream/stop", null, "X-Stream-Id", s.id).status).isEqualTo(200);
        api.awaitHealth("IDLE", Duration.ofSeconds(10));
    }

    @Test
    void aStreamWithoutVideoKeepsRunningAndSaysWhyItHasNoOutput() throws Exception {
        Orchestrator.Stream s = orch.stream("audio001");
        assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
        awaitState(s.id, "RUNNING");
        List<Path> audioOnly = TestMedia.segments("clip-e-aac-only");
        try (TricklePublisher in =
                TricklePublisher.builder(s.url("")).deleteOnClose(false).build()) {
            // More than the decoder's error budget (5 segments in a row), a little apart: a
            // reader that fell behind would skip to the live edge.
            for (int i = 0; i < 8; i++) {
                in.publish(TestMedia.read(audioOnly.get(i % audioOnly.size())));
                Thread.sleep(300);
            }
        }
        Await.until(
                () -> errors(s).stream().anyMatch(e -> e.contains("no video stream")),
                30,
                "an error event saying the input has no video",
                () -> s.events.toString());
        JsonNode stream = stream(s.id);
        assertThat(stream.path("state").asText())
                .as("a live input may still recover: the stream goes on")
                .isEqualTo("RUNNING");
        assertThat(stream.path("error").asText())
                .startsWith("the input could not be decoded: 5 segments in a row failed")
                .contains("the input has no video stream");
        assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");

        assertThat(api.post("/stream/stop", null, "X-Stream-Id", s.id).status).isEqualTo(200);
        JsonNode ended = stream(s.id);
        assertThat(ended.path("state").asText()).isEqualTo("ENDED");
        assertThat(ended.path("error").isNull()).as("a regular stop: " + ended).isTrue();
        api.awaitHealth("IDLE", Duration.ofSeconds(10));
    }

    /** Polls {@code /stream/status} until stream {@code id} is in {@code state}; returns it. */
    private static JsonNode awaitState(String id, String state) throws Exception {
        JsonNode[] last = new JsonNode[1];
        Await.until(
                () -> {
                    try {
                        last[0] = stream(id);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return last[0] != null && state.equals(last[0].path("state").asText());
                },
                30,
                "stream " + id + " " + state,
                () -> String.valueOf(last[0]));
        return last[0];
    }

    private static JsonNode stream(String id) throws Exception {
        for (JsonNode s : api.get("/stream/status").body.path("streams")) {
            if (id.equals(s.path("stream_id").asText())) {
                return s;
            }
        }
        return null;
    }

    /** The messages of the error events on the stream's orchestrator events channel. */
    private static List<String> errors(Orchestrator.Stream s) {
        List<String> messages = new ArrayList<>();
        synchronized (s.events) {
            for (JsonNode e : s.events) {
                if ("error".equals(e.path("event").path("type").asText())) {
                    messages.add(e.path("event").path("message").asText());
                }
            }
        }
        return messages;
    }
}
