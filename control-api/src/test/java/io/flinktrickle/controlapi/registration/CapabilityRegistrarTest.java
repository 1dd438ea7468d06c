package io.flinktrickle.controlapi.registration;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;
import io.flinktrickle.controlapi.registration.CapabilityRegistrar.Outcome;
import io.flinktrickle.controlapi.registration.CapabilityRegistrar.Result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link CapabilityRegistrar} against a fake orchestrator (the JDK's HTTP server). */
class CapabilityRegistrarTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "orch-secret";
    private static final Duration SHORT_DELAY = Duration.ofMillis(20);

    /** One request the fake orchestrator received. */
    private record Received(
            String method, String path, String authorization, String contentType, String body) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();

    /** Statuses to answer with, in order; 200 once empty. */
    private final Deque<Integer> statuses = new ArrayDeque<>();

    private ExecutorService executor;
    private HttpServer server;
    private volatile long answerDelayMillis;

    @BeforeEach
    void startOrchestrator() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/capability/", this::handle);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.start();
    }

    @AfterEach
    void stopOrchestrator() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(
                new Received(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        body));
        try {
            Thread.sleep(answerDelayMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Integer status;
        synchronized (statuses) {
            status = statuses.poll();
        }
        byte[] answer =
                (status == null ? "ok" : "status " + status).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status == null ? 200 : status, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    private String orchUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private CapabilityRegistrar.Builder registrar() {
        return CapabilityRegistrar.builder()
                .orchUrl(URI.create(orchUrl() + "/"))
                .secret(SECRET)
                .name("flink-video")
                .description("Flink video worker")
                .url("https://worker.example:8000/")
                .capacity(4)
                .pricePerUnit(1200)
                .priceScaling(1000)
                .retryDelay(SHORT_DELAY);
    }

    @Test
    void registersWithTheRawSecretAndTheCapabilityJson() throws IOException {
        Result result = registrar().currency("wei").token("back-token").build().register();

        assertThat(result).isEqualTo(new Result(Outcome.REGISTERED, 1, 200, "ok"));
        assertThat(result.registered()).isTrue();
        assertThat(received).hasSize(1);
        Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/capability/register");
        assertThat(request.authorization()).isEqualTo(SECRET);
        assertThat(request.contentType()).isEqualTo("application/json");
        assertThat(JSON.readTree(request.body()))
                .isEqualTo(
                        JSON.readTree(
                                "{\"name\":\"flink-video\",\"description\":\"Flink video worker\","
                                        + "\"url\":\"https://worker.example:8000\",\"capacity\":4,"
                                        + "\"price_per_unit\":1200,\"price_scaling\":1000,"
                                        + "\"currency\":\"wei\",\"token\":\"back-token\"}"));
    }

    @Test
    void omitsCurrencyAndTokenWhenUnset() throws IOException {
        registrar().build().register();

        JsonNode body = JSON.readTree(received.get(0).body());
        assertThat(body.fieldNames())
                .toIterable()
                .containsExactly(
                        "name",
                        "description",
                        "url",
                        "capacity",
                        "price_per_unit",
                        "price_scaling");
    }

    @Test
    void retriesAfterServerErrors() {
        statuses.addAll(List.of(503, 503));

        Result result = registrar().build().register();

        assertThat(result.outcome()).isEqualTo(Outcome.REGISTERED);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(received).hasSize(3);
    }

    @Test
    void givesUpAfterTheLastAttempt() {
        statuses.addAll(List.of(503, 502, 500, 500));

        Result result = registrar().attempts(3).build().register();

        assertThat(result).isEqualTo(new Result(Outcome.FAILED, 3, 500, "status 500"));
        assertThat(received).hasSize(3);
    }

    @Test
    void badRequestIsNotRetried() {
        statuses.add(400);

        Result result = registrar().build().register();

        assertThat(result).isEqualTo(new Result(Outcome.REJECTED, 1, 400, "status 400"));
        assertThat(received).hasSize(1);
    }

    @Test
    void timeoutsAreRetried() {
        answerDelayMillis = 1_000;

        Result result = registrar().timeout(Duration.ofMillis(200)).attempts(2).build().register();

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.status()).isEqualTo(CapabilityRegistrar.NO_STATUS);
        assertThat(result.detail()).contains("HttpTimeoutException");
        assertThat(received).hasSize(2);
    }

    @Test
    void connectionRefusedFailsAfterAllAttemptsWithoutThrowing() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        CapabilityRegistrar registrar =
                registrar()
                        .orchUrl(URI.create("http://127.0.0.1:" + closedPort))
                        .attempts(4)
                        .build();

        long start = System.nanoTime();
        Result result = registrar.register();

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.registered()).isFalse();
        assertThat(result.attempts()).isEqualTo(4);
        assertThat(result.status()).isEqualTo(CapabilityRegistrar.NO_STATUS);
        assertThat(result.detail()).contains("ConnectException");
        // Three waits, doubling from the retry delay, each at least half its cap: 10 + 20 + 40 ms.
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(SHORT_DELAY.multipliedBy(1 + 2 + 4).dividedBy(2));
        assertThat(registrar.unregister()).isFalse();
    }

    @Test
    void retryDelayIsTheInitialWaitDoublingToTheMaximumWithTheDocumentedWorstCase() {
        RetryBackoff waits = CapabilityRegistrar.backoff(CapabilityRegistrar.DEFAULT_RETRY_DELAY);
        assertThat(waits.cap(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(waits.cap(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(waits.cap(5)).isEqualTo(CapabilityRegistrar.MAX_RETRY_DELAY);
        assertThat(waits.cap(1000)).isEqualTo(CapabilityRegistrar.MAX_RETRY_DELAY);
        for (int failures = 1; failures <= 6; failures++) {
            assertThat(waits.delay(failures))
                    .isBetween(waits.cap(failures).dividedBy(2), waits.cap(failures));
        }
        // The class javadoc's worst case for the defaults: 3 × 1.5 s + 2 s + 4 s.
        Duration worst =
                CapabilityRegistrar.DEFAULT_TIMEOUT.multipliedBy(
                        CapabilityRegistrar.DEFAULT_ATTEMPTS);
        for (int failures = 1; failures < CapabilityRegistrar.DEFAULT_ATTEMPTS; failures++) {
            worst = worst.plus(waits.cap(failures));
        }
        assertThat(worst).isEqualTo(Duration.ofMillis(10_500));
        // A retry delay above the maximum is kept as it is; zero means no waits.
        assertThat(CapabilityRegistrar.backoff(Duration.ofMinutes(1)).cap(3))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(CapabilityRegistrar.backoff(Duration.ZERO).delay(2)).isZero();
    }

    @Test
    void unregisterPostsTheNameOnce() {
        assertThat(registrar().build().unregister()).isTrue();
        statuses.add(500);
        assertThat(registrar().build().unregister()).isFalse();

        assertThat(received).hasSize(2);
        assertThat(received.get(0))
                .isEqualTo(
                        new Received(
                                "POST",
                                "/capability/unregister",
                                SECRET,
                                "text/plain; charset=utf-8",
                                "flink-video"));
    }

    @Test
    void interruptedRegistrationStops() {
        statuses.add(503);
        Thread.currentThread().interrupt();
        try {
            Result result = registrar().retryDelay(Duration.ofSeconds(30)).build().register();

            assertThat(result.outcome()).isEqualTo(Outcome.INTERRUPTED);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void fromEnvIsEmptyWithoutOrchestratorUrlOrSecret() {
        assertThat(CapabilityRegistrar.fromEnv(Map.of(), "http://localhost:8000")).isEmpty();
        assertThat(CapabilityRegistrar.fromEnv(Map.of("ORCH_URL", orchUrl()), "http://x:1"))
                .isEmpty();
        assertThat(CapabilityRegistrar.fromEnv(Map.of("ORCH_SECRET", SECRET), "http://x:1"))
                .isEmpty();
        assertThat(
                        CapabilityRegistrar.fromEnv(
                                Map.of("ORCH_URL", " ", "ORCH_SECRET", SECRET), "http://x:1"))
                .isEmpty();
    }

    @Test
    void fromEnvUsesPyTrickleDefaults() throws IOException {
        CapabilityRegistrar registrar =
                CapabilityRegistrar.fromEnv(
                                Map.of("ORCH_URL", orchUrl(), "ORCH_SECRET", SECRET),
                                "http://sidecar:8000")
                        .orElseThrow();

        assertThat(registrar.register().registered()).isTrue();
        assertThat(registrar.name()).isEqualTo(CapabilityRegistrar.DEFAULT_NAME);
        assertThat(JSON.readTree(received.get(0).body()))
                .isEqualTo(
                        JSON.readTree(
                                "{\"name\":\"pytrickle-worker\",\"description\":\""
                                        + CapabilityRegistrar.DEFAULT_DESCRIPTION
                                        + "\",\"url\":\"http://sidecar:8000\",\"capacity\":1,"
                                        + "\"price_per_unit\":0,\"price_scaling\":1}"));
    }

    @Test
    void fromEnvReadsEveryVariable() throws IOException {
        Map<String, String> env =
                Map.ofEntries(
                        Map.entry("ORCH_URL", orchUrl()),
                        Map.entry("ORCH_SECRET", SECRET),
                        Map.entry("CAPABILITY_NAME", "comfy"),
                        Map.entry("CAPABILITY_DESCRIPTION", "ComfyUI on Flink"),
                        Map.entry("CAPABILITY_URL", "https://public.example:9000"),
                        Map.entry("CAPABILITY_CAPACITY", "2"),
                        Map.entry("CAPABILITY_PRICE_PER_UNIT", "5"),
                        Map.entry("CAPABILITY_PRICE_SCALING", "7"),
                        Map.entry("CAPABILITY_CURRENCY", "wei"),
                        Map.entry("CAPABILITY_TOKEN", "tkn"));

        assertThat(CapabilityRegistrar.fromEnv(env, "http://ignored:1").orElseThrow().register())
                .extracting(Result::outcome)
                .isEqualTo(Outcome.REGISTERED);
        assertThat(received.get(0).authorization()).isEqualTo(SECRET);
        assertThat(JSON.readTree(received.get(0).body()))
                .isEqualTo(
                        JSON.readTree(
                                "{\"name\":\"comfy\",\"description\":\"ComfyUI on Flink\","
                                        + "\"url\":\"https://public.example:9000\",\"capacity\":2,"
                                        + "\"price_per_unit\":5,\"price_scaling\":7,"
                                        + "\"currency\":\"wei\",\"token\":\"tkn\"}"));
    }

    @Test
    void fromEnvNamesTheBadVariable() {
        Map<String, String> base = Map.of("ORCH_URL", orchUrl(), "ORCH_SECRET", SECRET);

        assertThatThrownBy(() -> fromEnvWith(base, "CAPABILITY_CAPACITY", "many"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CAPABILITY_CAPACITY");
        assertThatThrownBy(() -> fromEnvWith(base, "CAPABILITY_CAPACITY", "0"))
                .hasMessageContaining("CAPABILITY_CAPACITY");
        assertThatThrownBy(() -> fromEnvWith(base, "CAPABILITY_PRICE_PER_UNIT", "-1"))
                .hasMessageContaining("CAPABILITY_PRICE_PER_UNIT");
        assertThatThrownBy(() -> fromEnvWith(base, "CAPABILITY_PRICE_SCALING", "1.5"))
                .hasMessageContaining("CAPABILITY_PRICE_SCALING");
        assertThatThrownBy(() -> fromEnvWith(base, "CAPABILITY_URL", "not a url"))
                .hasMessageContaining("CAPABILITY_URL");
        assertThatThrownBy(() -> fromEnvWith(base, "ORCH_URL", "orchestrator:8935"))
                .hasMessageContaining("ORCH_URL");
        assertThatThrownBy(() -> CapabilityRegistrar.fromEnv(base, null))
                .hasMessageContaining("CAPABILITY_URL");
    }

    private static void fromEnvWith(Map<String, String> base, String name, String value) {
        Map<String, String> env = new HashMap<>(base);
        env.put(name, value);
        CapabilityRegistrar.fromEnv(env, "http://sidecar:8000");
    }

    @Test
    void buildValidatesSettings() {
        assertThatThrownBy(() -> registrar().orchUrl(null).build()).hasMessageContaining("orchUrl");
        assertThatThrownBy(() -> registrar().secret(" ").build()).hasMessageContaining("secret");
        assertThatThrownBy(() -> registrar().name(null).build()).hasMessageContaining("name");
        assertThatThrownBy(() -> registrar().url("ftp://x").build()).hasMessageContaining("url");
        assertThatThrownBy(() -> registrar().capacity(0).build()).hasMessageContaining("capacity");
        assertThatThrownBy(() -> registrar().pricePerUnit(-1).build())
                .hasMessageContaining("pricePerUnit");
        assertThatThrownBy(() -> registrar().priceScaling(0).build())
                .hasMessageContaining("priceScaling");
        assertThatThrownBy(() -> registrar().attempts(0).build()).hasMessageContaining("attempts");
        assertThatThrownBy(() -> registrar().retryDelay(Duration.ofMillis(-1)).build())
                .hasMessageContaining("retryDelay");
        assertThatThrownBy(() -> registrar().timeout(Duration.ZERO).build())
                .hasMessageContaining("timeout");
    }
}
