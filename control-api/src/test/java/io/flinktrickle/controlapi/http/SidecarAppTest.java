package io.flinktrickle.controlapi.http;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.Sidecar;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.hardware.GpuInfo;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.Sidecars;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Request;
import io.javalin.testtools.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route of the API with {@code JavalinTest}: happy paths, each validation error, auth,
 * oversized bodies, unknown routes and wrong content types. The app runs against a real sidecar (an
 * embedded MiniCluster and trickle servers); a started stream is a real job waiting for input.
 */
class SidecarAppTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Orchestrator orch;
    private static Sidecar sidecar;

    @BeforeAll
    static void startSidecar() throws Exception {
        orch = new Orchestrator();
        sidecar =
                Sidecar.create(
                                Sidecars.local()
                                        .capacity(1)
                                        .maxBodyBytes(64 * 1024)
                                        .modelId("noop")
                                        .build(),
                                Optional.empty())
                        .startServices();
        Await.until(() -> sidecar.manager().isReady(), 60, "the runner ready");
    }

    @AfterAll
    static void stop() throws Exception {
        sidecar.close();
        orch.close();
    }

    private static Javalin app() {
        return SidecarApp.create(sidecar.manager(), new GpuInfo(List.of("no-such-nvidia-smi")));
    }

    @Test
    void infoRoutes() {
        JavalinTest.test(
                app(),
                (server, client) -> {
                    assertThat(json(client.get("/health"))).isEqualTo(obj("{\"status\":\"IDLE\"}"));
                    JsonNode v = json(client.get("/version"));
                    assertThat(v.path("pipeline").asText()).isEqualTo("byoc");
                    assertThat(v.path("model_id").asText()).isEqualTo("noop");
                    assertThat(v.path("version").asText()).isNotEmpty();
                    assertThat(json(client.get("/app-version")).path("version").asText())
                            .isNotEmpty();
                    JsonNode info = json(client.get("/hardware/info"));
                    assertThat(info.path("gpu_info").isObject()).isTrue();
                    assertThat(info.path("gpu_info").size()).as("no nvidia-smi: {}").isZero();
                    assertThat(json(client.get("/hardware/stats")).path("gpu_stats").size())
                            .isZero();
                    for (String prefix : List.of("", "/api")) {
                        JsonNode s = json(client.get(prefix + "/stream/status"));
                        assertThat(s.path("status").asText()).isEqualTo("IDLE");
                        assertThat(s.path("client_running").asBoolean()).isFalse();
                        assertThat(s.path("fps").path("egress_video_fps").asDouble()).isZero();
                        assertThat(s.has("pipeline_ready")).isTrue();
                    }
                });
    }

    @Test
    void startValidation() {
        JavalinTest.test(
                app(),
                (server, client) -> {
                    Orchestrator.Stream s = orch.stream("val00001");
                    Map<String, Object> good = s.startBody(Map.of());
                    expect(send(client, "/stream/start", "text/plain", "{}"), 400, "content type");
                    expect(
                            send(client, "/stream/start", "application/json", "{nope"),
                            400,
                            "not valid JSON");
                    expect(send(client, "/stream/start", "application/json", ""), 400, "empty");
                    expect(
                            send(client, "/stream/start", "application/json", "[1]"),
                            400,
                            "JSON object");
                    expect(
                            post(client, "/stream/start", without(good, "gateway_request_id")),
                            400,
                            "gateway_request_id is required");
                    expect(
                            post(client, "/stream/start", without(good, "subscribe_url")),
                            400,
                            "subscribe_url is required");
                    expect(
                            post(client, "/stream/start", with(good, "publish_url", "ftp://x/y")),
                            400,
                            "http(s) URL");
                    expect(
                            post(client, "/stream/start", with(good, "publish_url", 7)),
                            400,
                            "string URL");
                    expect(
                            post(
                                    client,
                                    "/stream/start",
                                    with(good, "params", Map.of("width", 256))),
                            400,
                            "width");
                    expect(
                            post(
                                    client,
                                    "/stream/start",
                                    with(good, "params", Map.of("max_framerate", 61))),
                            400,
                            "max_framerate");
                    expect(
                            post(
                                    client,
                                    "/stream/start",
                                    with(good, "params", Map.of("max_framerate", 0))),
                            400,
                            "max_framerate");
                    expect(
                            post(
                                    client,
                                    "/stream/start",
                                    with(good, "params", Map.of("width", -5, "height", 5))),
                            400,
                            "width");
                    expect(
                            post(
                                    client,
                                    "/stream/start",
                                    with(good, "params", Map.of("detect_out_resolution", "maybe"))),
                            400,
                            "detect_out_resolution");
                    expect(
                            post(client, "/stream/start", with(good, "params", "x")),
                            400,
                            "params must be a JSON object");
                    expect(
                            post(client, "/stream/start", with(good, "gateway_request_id", "a/b")),
                            400,
                            "stream id");
                    expect(
                            post(client, "/live-video-to-video", with(good, "model_id", "other")),
                            400,
                            "model_id");
                    assertThat(json(client.get("/health")).path("status").asText())
                            .as("refused starts leave the runner IDLE, not ERROR")
                            .isEqualTo("IDLE");
                });
    }

    @Test
    void startParamsStopHappyPathAndStreamErrors() {
        JavalinTest.test(
                app(),
                (server, client) -> {
                    expect(
                            post(client, "/stream/params", Map.of("max_framerate", 10)),
                            400,
                            "No active stream to update");
                    expect(post(client, "/stream/stop", Map.of()), 400, "No active stream to stop");
                    Orchestrator.Stream s = orch.stream("ok000001");
                    Map<String, Object> body =
                            s.startBody(Map.of("width", "256", "height", "256", "foo", "bar"));
                    body = with(body, "unknown_key", 1);
                    Response started = post(client, "/api/stream/start", body);
                    JsonNode r = json(started);
                    assertThat(started.code()).as(r.toString()).isEqualTo(200);
                    assertThat(r.path("status").asText()).isEqualTo("success");
                    assertThat(r.path("message").asText()).isEqualTo("Stream started successfully");
                    assertThat(r.path("request_id").asText()).isEqualTo("ok000001");
                    assertThat(r.path("current_state").path("status").asText()).isEqualTo("OK");
                    expect(
                            post(client, "/stream/start", s.startBody(Map.of())),
                            400,
                            "already running");
                    Orchestrator.Stream other = orch.stream("ok000002");
                    expect(
                            post(client, "/stream/start", other.startBody(Map.of())),
                            503,
                            "Pipeline is still in use");
                    expect(
                            post(client, "/live-video-to-video", other.startBody(Map.of())),
                            500,
                            "Pipeline is still in use");
                    JsonNode status = json(client.get("/stream/status"));
                    assertThat(status.path("current_params").path("gateway_request_id").asText())
                            .isEqualTo("ok000001");
                    assertThat(status.path("current_params").path("params").path("width").asInt())
                            .isEqualTo(256);
                    assertThat(status.path("current_params").path("params").path("foo").asText())
                            .isEqualTo("bar");
                    assertThat(status.path("client_running").asBoolean()).isTrue();
                    expect(
                            post(client, "/stream/params", Map.of("max_framerate", 61)),
                            400,
                            "max_framerate");
                    expect(post(client, "/stream/params", Map.of("height", 5)), 400, "width");
                    expect(
                            send(client, "/stream/params", "application/json", "[1,2]"),
                            400,
                            "JSON object");
                    expect(send(client, "/stream/params", "text/plain", "{}"), 400, "content type");
                    assertThat(post(client, "/stream/params", Map.of("keep", "alive")).code())
                            .isEqualTo(200);
                    Response unknown =
                            request(client, "/stream/status", null, null, "X-Stream-Id", "nope");
                    assertThat(unknown.code()).isEqualTo(404);
                    Response stopped = post(client, "/stream/stop", Map.of());
                    assertThat(stopped.code()).as(stopped.body().string()).isEqualTo(200);
                    assertThat(json(stopped).path("message").asText())
                            .isEqualTo("Stream stopped successfully");
                    assertThat(json(client.get("/health")).path("status").asText())
                            .isEqualTo("IDLE");
                });
    }

    @Test
    void unknownRoutesWrongMethodsAndOversizedBodies() {
        JavalinTest.test(
                app(),
                (server, client) -> {
                    Response missing = client.get("/no/such/route");
                    assertThat(missing.code()).isEqualTo(404);
                    assertThat(json(missing).path("detail").path("msg").asText())
                            .containsIgnoringCase("not found");
                    Response wrongMethod = client.get("/stream/start");
                    assertThat(wrongMethod.code()).isEqualTo(405);
                    assertThat(json(wrongMethod).path("status").asText()).isEqualTo("error");
                    String big = "{\"params\":{\"prompt\":\"" + "x".repeat(100 * 1024) + "\"}}";
                    Response tooBig = send(client, "/stream/start", "application/json", big);
                    assertThat(tooBig.code()).isEqualTo(413);
                    assertThat(json(tooBig).path("detail").path("msg").asText()).isNotEmpty();
                });
    }

    @Test
    void bearerTokenWhenConfigured() throws Exception {
        try (Sidecar secured =
                Sidecar.create(
                        SidecarConfig.builder()
                                .host("127.0.0.1")
                                .port(0)
                                .authToken("s3cret")
                                .build(),
                        Optional.empty())) {
            JavalinTest.test(
                    secured.app(),
                    (server, client) -> {
                        Map<String, Object> body = orch.stream("auth0001").startBody(Map.of());
                        for (String path :
                                List.of(
                                        "/stream/start",
                                        "/live-video-to-video",
                                        "/api/stream/stop")) {
                            Response none = post(client, path, body);
                            assertThat(none.code()).as(path).isEqualTo(401);
                            assertThat(json(none).path("detail").path("msg").asText())
                                    .contains("token");
                            assertThat(
                                            request(
                                                            client,
                                                            path,
                                                            "application/json",
                                                            JSON.writeValueAsString(body),
                                                            "Authorization",
                                                            "Bearer wrong")
                                                    .code())
                                    .isEqualTo(401);
                        }
                        assertThat(
                                        request(
                                                        client,
                                                        "/stream/status",
                                                        null,
                                                        null,
                                                        "Authorization",
                                                        "Bearer s3cret")
                                                .code())
                                .isEqualTo(200);
                        assertThat(client.get("/stream/status").code()).isEqualTo(401);
                        assertThat(client.get("/health").code())
                                .as("health stays open")
                                .isEqualTo(200);
                        assertThat(json(client.get("/health")).path("status").asText())
                                .isEqualTo("LOADING");
                        Response loading =
                                request(
                                        client,
                                        "/stream/start",
                                        "application/json",
                                        JSON.writeValueAsString(body),
                                        "Authorization",
                                        "Bearer s3cret");
                        assertThat(loading.code())
                                .as("authorized, but the sidecar is not started: LOADING")
                                .isEqualTo(503);
                        assertThat(json(loading).path("message").asText()).contains("initializing");
                    });
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void expect(Response r, int status, String messagePart) {
        JsonNode body = json(r);
        assertThat(r.code()).as(String.valueOf(body)).isEqualTo(status);
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("message").asText()).containsIgnoringCase(messagePart);
        assertThat(body.path("detail").path("msg").asText())
                .isEqualTo(body.path("message").asText());
    }

    private static Response post(HttpClient client, String path, Object body) throws Exception {
        return send(client, path, "application/json", JSON.writeValueAsString(body));
    }

    private static Response send(HttpClient client, String path, String type, String body) {
        return request(client, path, type, body);
    }

    private static Response request(
            HttpClient client, String path, String type, String body, String... headers) {
        Request.Builder b = new Request.Builder().url(client.getOrigin() + path);
        if (body == null) {
            b.get();
        } else {
            b.post(HttpRequest.BodyPublishers.ofString(body));
            b.header("Content-Type", type);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.request(b.build());
    }

    private static Map<String, Object> with(Map<String, Object> m, String key, Object value) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
        copy.put(key, value);
        return copy;
    }

    private static Map<String, Object> without(Map<String, Object> m, String key) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
        copy.remove(key);
        return copy;
    }

    private static JsonNode json(Response r) {
        try {
            return JSON.readTree(r.body().string());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body().string(), e);
        }
    }

    private static JsonNode obj(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
