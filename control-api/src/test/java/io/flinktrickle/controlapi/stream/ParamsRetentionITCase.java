package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.Sidecar;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.config.SidecarConfigBuilder;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.SlowParamsProcessor;
import io.flinktrickle.controlapi.testutils.StallingParamsProcessor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the params channel's retention ({@link SidecarChannelLimits#RETAINED_MESSAGES}) must hold,
 * measured: clients send params updates over HTTP as fast as the sidecar answers them, from the
 * moment a stream is accepted (its job is not reading yet: runner mode announces it, per-stream
 * mode submits a job) until it has run for a while, and with a processor whose updates are slow.
 * The lag is the number of updates published on the params channel whose verdict the job has not
 * sent yet: an upper bound of how far the job's reader is behind the channel's live edge (what the
 * ring must hold). Printed on every run; no update may be lost.
 *
 * <p>Each client waits for its update's verdict (at most {@code PARAMS_TIMEOUT_MS}, 2 s) before it
 * sends the next, as an HTTP caller of {@code /stream/params} does: while the job does not read, a
 * client adds one update per 2 s, so the lag is about clients × outage / 2 s, plus a few.
 */
class ParamsRetentionITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One measurement. */
    private static final class Result {
        final String name;
        final int clients;
        long published;
        long maxLag;
        long lost;
        int ok;
        int queued;
        long runningAfterMillis;

        Result(String name, int clients) {
            this.name = name;
            this.clients = clients;
        }

        @Override
        public String toString() {
            return String.format(
                    "%-34s clients %2d | job reads after %5d ms | updates %5d (200: %5d, 202: %3d)"
                            + " | max lag %3d | lost %d",
                    name, clients, runningAfterMillis, published, ok, queued, maxLag, lost);
        }
    }

    @Test
    void burstsOfParamsUpdatesStayWithinTheRetainedMessages() throws Exception {
        List<Result> results = new ArrayList<>();
        try (Orchestrator orch = new Orchestrator()) {
            for (SidecarConfig.JobMode mode : SidecarConfig.JobMode.values()) {
                try (Sidecar sidecar = sidecar(mode, null)) {
                    Api api = new Api(sidecar.baseUri());
                    api.awaitHealth("IDLE", Duration.ofSeconds(60));
                    String m = mode.name().toLowerCase().replace('_', '-');
                    for (int clients : new int[] {4, 16}) {
                        results.add(
                                burst(
                                        sidecar,
                                        api,
                                        orch,
                                        "start, " + m,
                                        clients,
                                        Duration.ofSeconds(2)));
                    }
                }
            }
            try (Sidecar sidecar =
                    sidecar(SidecarConfig.JobMode.RUNNER, SlowParamsProcessor.class.getName())) {
                Api api = new Api(sidecar.baseUri());
                api.awaitHealth("IDLE", Duration.ofSeconds(60));
                results.add(
                        burst(
                                sidecar,
                                api,
                                orch,
                                "slow updates (100 ms), runner",
                                16,
                                Duration.ofSeconds(10)));
            }
            for (int clients : new int[] {4, 8}) {
                try (Sidecar sidecar =
                        sidecar(
                                SidecarConfig.JobMode.RUNNER,
                                StallingParamsProcessor.class.getName())) {
                    Api api = new Api(sidecar.baseUri());
                    api.awaitHealth("IDLE", Duration.ofSeconds(60));
                    results.add(
                            burst(
                                    sidecar,
                                    api,
                                    orch,
                                    "reader stalled 6 s, runner",
                                    clients,
                                    Duration.ofSeconds(10)));
                }
            }
        }
        System.out.println(
                "params channel retention (retained: "
                        + SidecarChannelLimits.RETAINED_MESSAGES
                        + ")");
        results.forEach(r -> System.out.println("  " + r));
        for (Result r : results) {
            assertThat(r.lost).as(r.toString()).isZero();
            assertThat(r.maxLag)
                    .as(r.toString())
                    .isLessThan(SidecarChannelLimits.RETAINED_MESSAGES);
        }
    }

    private static Sidecar sidecar(SidecarConfig.JobMode mode, String processor) throws Exception {
        SidecarConfigBuilder b =
                SidecarConfig.builder().host("127.0.0.1").port(0).capacity(1).jobMode(mode);
        if (processor != null) {
            b.processorClass(processor);
        }
        return Sidecar.create(b.build(), Optional.empty()).start();
    }

    /**
     * Starts a stream and sends updates from {@code clients} threads from then until the job has
     * run for {@code afterRunning}; then waits for the last verdicts and stops the stream.
     */
    private static Result burst(
            Sidecar sidecar,
            Api api,
            Orchestrator orch,
            String name,
            int clients,
            Duration afterRunning)
            throws Exception {
        Result result = new Result(name, clients);
        String id = "burst" + clients + Long.toHexString(System.nanoTime() & 0xffff);
        Orchestrator.Stream s = orch.stream(id);
        s.publishLive();
        long t0 = System.nanoTime();
        assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
        ManagedStream stream = sidecar.manager().find(id);
        StreamChannels channels = sidecar.manager().channels();
        AtomicLong verdict = new AtomicLong(-1);
        Set<Long> answered = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger queued = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        JsonMessageSubscriber events =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(channels.local(stream.eventsChannel))
                                .config(channels.client())
                                .startSeq(0)
                                .keepEverySegment(true)
                                .build(),
                        JSON);
        threads.add(
                daemon(
                        () -> {
                            try {
                                Optional<JsonNode> m;
                                while ((m = events.next()).isPresent()) {
                                    JsonNode e = m.get().path("event");
                                    if ("params_updated".equals(e.path("type").asText())
                                            && "params".equals(e.path("source").asText())) {
                                        long seq = e.path("seq").asLong();
                                        answered.add(seq);
                                        verdict.accumulateAndGet(seq, Math::max);
                                    }
                                }
                            } catch (Exception e) {
                                // closed
                            }
                        }));
        threads.add(
                daemon(
                        () -> {
                            while (!stop.get()) {
                                long published = stream.paramsPublisher.publisher().nextSeq();
                                long lag = published - (verdict.get() + 1);
                                result.maxLag = Math.max(result.maxLag, lag);
                                sleep(2);
                            }
                        }));
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(
                    daemon(
                            () -> {
                                for (int n = 0; !stop.get(); n++) {
                                    try {
                                        int status =
                                                api.post(
                                                                "/stream/params",
                                                                Map.of("client", client, "step", n),
                                                                "X-Stream-Id",
                                                                id)
                                                        .status;
                                        (status == 200 ? ok : queued).incrementAndGet();
                                    } catch (Exception e) {
                                        return;
                                    }
                                }
                            }));
        }
        Await.until(
                () -> stream.phase() == ManagedStream.Phase.RUNNING,
                60,
                "the stream runs: " + name);
        result.runningAfterMillis = (System.nanoTime() - t0) / 1_000_000;
        Thread.sleep(afterRunning.toMillis());
        stop.set(true);
        for (Thread t : threads.subList(1, threads.size())) {
            t.join(10_000);
        }
        result.published = stream.paramsPublisher.publisher().nextSeq();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (answered.size() < result.published && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        result.lost = result.published - answered.size();
        result.ok = ok.get();
        result.queued = queued.get();
        events.close();
        assertThat(api.post("/stream/stop", null, "X-Stream-Id", id).status).isEqualTo(200);
        api.awaitHealth("IDLE", Duration.ofSeconds(20));
        System.out.println(result);
        return result;
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "params-burst");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
