package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner job of an embedded sidecar (one long-running job, two slots): streams are added to and
 * removed from it while it runs without disturbing the others, fill its slots evenly, and get a
 * device each when the sidecar has devices.
 */
class SidecarRunnerITCase {

    @Test
    void streamsComeAndGoOnTheRunningJobWithoutStallingTheOthers() throws Exception {
        SidecarConfig config =
                SidecarConfig.builder().host("127.0.0.1").port(0).capacity(4).slots(2).build();
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config, Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            List<Orchestrator.Stream> first = new ArrayList<>();
            for (String id : List.of("live0001", "live0002", "live0003")) {
                Orchestrator.Stream s = orch.stream(id);
                s.publishLive();
                Api.Answer started =
                        api.post("/stream/start", s.startBody(Map.of()), "X-Stream-Id", id);
                assertThat(started.status).as(started.toString()).isEqualTo(200);
                first.add(s);
            }
            for (Orchestrator.Stream s : first) {
                Await.until(() -> s.output.size() >= 2, 30, s.id + " output");
            }
            // One runner job serves them all; the first two take one slot each.
            Set<String> jobs = new HashSet<>();
            for (JsonNode s : api.get("/stream/status").body.path("streams")) {
                jobs.add(s.path("job_id").asText());
            }
            assertThat(jobs).hasSize(1);
            assertThat(List.of(subtask(first.get(0)), subtask(first.get(1))))
                    .containsExactlyInAnyOrder(0, 1);

            // Stop the middle one, start another: the others never stall.
            long t0 = System.nanoTime();
            Orchestrator.Stream middle = first.get(1);
            Api.Answer stopped = api.post("/stream/stop", null, "X-Stream-Id", middle.id);
            assertThat(stopped.status).as(stopped.toString()).isEqualTo(200);
            Await.until(() -> middle.outputEnded, 10, "the stopped stream's output ends");
            Orchestrator.Stream next = orch.stream("live0004");
            next.publishLive();
            assertThat(
                            api.post(
                                            "/stream/start",
                                            next.startBody(Map.of()),
                                            "X-Stream-Id",
                                            next.id)
                                    .status)
                    .isEqualTo(200);
            Await.until(() -> next.output.size() >= 2, 30, "the new stream's output");
            assertThat(subtask(next))
                    .as("the new stream takes the freed slot")
                    .isEqualTo(subtask(middle));
            Thread.sleep(4000);
            for (Orchestrator.Stream s : List.of(first.get(0), first.get(2))) {
                List<Long> arrivals = new ArrayList<>(s.outputNanos);
                long maxGapMillis = 0;
                for (int i = 1; i < arrivals.size(); i++) {
                    if (arrivals.get(i) > t0 - 3_000_000_000L) {
                        maxGapMillis =
                                Math.max(
                                        maxGapMillis,
                                        (arrivals.get(i) - arrivals.get(i - 1)) / 1_000_000);
                    }
                }
                assertThat(maxGapMillis)
                        .as(
                                s.id
                                        + ": the longest gap between 2 s output segments around the"
                                        + " changes (ms)")
                        .isLessThan(3000);
                assertThat(s.outputEnded).isFalse();
            }
            assertThat(api.get("/health").body.path("status").asText()).isEqualTo("OK");
            assertThat(sidecar.manager().activeCount()).isEqualTo(3);
        }
    }

    @Test
    void eachSlotLeasesItsOwnDeviceAndStreamsSpreadOverThem() throws Exception {
        SidecarConfig config =
                SidecarConfig.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .capacity(4)
                        .devices("gpu:0,gpu:1") // the processor never allocates: no GPU needed
                        .build();
        assertThat(config.runnerSlots()).as("a slot per device").isEqualTo(2);
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config, Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(60));
            List<Orchestrator.Stream> streams = new ArrayList<>();
            for (String id : List.of("dev00001", "dev00002", "dev00003", "dev00004")) {
                Orchestrator.Stream s = orch.stream(id);
                s.publishLive();
                assertThat(
                                api.post("/stream/start", s.startBody(Map.of()), "X-Stream-Id", id)
                                        .status)
                        .isEqualTo(200);
                streams.add(s);
            }
            List<String> devices = new ArrayList<>();
            for (Orchestrator.Stream s : streams) {
                Await.until(() -> startedEvent(s) != null, 30, s.id + " started");
                devices.add(startedEvent(s).path("device").asText());
            }
            assertThat(devices).containsExactlyInAnyOrder("gpu:0", "gpu:0", "gpu:1", "gpu:1");
        }
    }

    private static JsonNode startedEvent(Orchestrator.Stream s) {
        synchronized (s.events) {
            for (JsonNode e : s.events) {
                if ("stream_started".equals(e.path("event").path("type").asText())) {
                    return e.path("event");
                }
            }
        }
        return null;
    }

    private static int subtask(Orchestrator.Stream s) throws Exception {
        Await.until(() -> startedEvent(s) != null, 30, s.id + " started");
        return startedEvent(s).path("subtask").asInt();
    }
}
