package io.flinktrickle.controlapi.http;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.hardware.GpuInfo;
import io.flinktrickle.controlapi.stream.ManagedStream;
import io.flinktrickle.controlapi.stream.ParamsUpdates;
import io.flinktrickle.controlapi.stream.StartRequest;
import io.flinktrickle.controlapi.stream.StreamException;
import io.flinktrickle.controlapi.stream.StreamManager;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sidecar's HTTP API, PyTrickle's contract (docs: README "Control API"). {@link #create} builds
 * the Javalin app without starting it, as Javalin's samples do, so tests drive it with {@code
 * JavalinTest} and the main class starts it.
 *
 * <p>Status codes, per route: validation errors 400 (PyTrickle answers 500 for params; the gateway
 * shows 400 as the caller's fault); no stream 400; a params update the processor refused 422 (never
 * 200); a params update not confirmed within the timeout 202; at capacity or still LOADING: 503 on
 * {@code /stream/start} (BYOC passes it to the gateway, as PyTrickle's) and 500 on {@code
 * /live-video-to-video}, whose caller, go-livepeer's worker, only treats 400/401/422/500 as
 * failures; Flink unreachable 500; bad token 401; body too large 413; unknown route 404.
 *
 * <p>Error bodies carry only messages written for the client. An unexpected exception answers 500
 * with a generic message and a random error id ({@code error_id}, also in the message), never the
 * exception's text; the log has the same id with the stack trace, so an operator can match them.
 *
 * <p>Threads: handlers run on Jetty's request threads; slow work (job submission) happens in the
 * {@link StreamManager}'s threads, so a start answers at once.
 */
@Internal
public final class SidecarApp {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarApp.class);
    private static final String JSON = "application/json";
    static final String STREAM_ID_HEADER = "X-Stream-Id";

    /** The body field with the error id of an unexpected failure. */
    static final String ERROR_ID_FIELD = "error_id";

    /** Hex digits of an error id: 48 random bits, unique enough to find one failure in a log. */
    private static final int ERROR_ID_HEX_DIGITS = 12;

    private static final long ERROR_ID_MASK = (1L << (4 * ERROR_ID_HEX_DIGITS)) - 1;
    private static final String ERROR_ID_FORMAT = "%0" + ERROR_ID_HEX_DIGITS + "x";

    /** The route of a request that no route matched (one label value for every such path). */
    public static final String UNMATCHED_ROUTE = "unmatched";

    private static final double MILLIS_PER_SECOND = 1000.0;

    private final StreamManager manager;
    private final SidecarConfig config;
    private final GpuInfo gpus;
    private final ApiObserver observer;
    private final ObjectMapper mapper = new ObjectMapper();

    private SidecarApp(StreamManager manager, GpuInfo gpus, ApiObserver observer) {
        this.manager = manager;
        this.config = manager.config();
        this.gpus = gpus;
        this.observer = observer;
    }

    /** The app with every route; not started. */
    public static Javalin create(StreamManager manager, GpuInfo gpus) {
        return create(manager, gpus, ApiObserver.NONE);
    }

    /** The app with every route, telling {@code observer} what it answers; not started. */
    public static Javalin create(StreamManager manager, GpuInfo gpus, ApiObserver observer) {
        SidecarApp api = new SidecarApp(manager, gpus, observer);
        return Javalin.create(api::configure);
    }

    private void configure(JavalinConfig cfg) {
        cfg.startup.showJavalinBanner = false;
        cfg.http.maxRequestSize = config.maxBodyBytes;
        cfg.http.prefer405over404 = true;
        cfg.jsonMapper(new JavalinJackson(mapper, false));
        cfg.requestLogger.http(
                (ctx, millis) ->
                        observer.request(
                                ctx.method().name(),
                                route(ctx),
                                ctx.statusCode(),
                                millis / MILLIS_PER_SECOND));
        for (String prefix : prefixes()) {
            cfg.routes.before(prefix + "/stream/*", this::authorize);
            cfg.routes.post(prefix + "/stream/start", ctx -> start(ctx, false));
            cfg.routes.post(prefix + "/stream/params", this::params);
            cfg.routes.post(prefix + "/stream/stop", this::stop);
            cfg.routes.get(prefix + "/stream/status", this::status);
        }
        cfg.routes.before("/live-video-to-video", this::authorize);
        cfg.routes.post("/live-video-to-video", ctx -> start(ctx, true));
        cfg.routes.get("/health", this::health);
        cfg.routes.get("/version", this::version);
        cfg.routes.get("/app-version", ctx -> ctx.json(Map.of("version", config.appVersion)));
        cfg.routes.get("/hardware/info", ctx -> hardware(ctx, "gpu_info", gpus.info()));
        cfg.routes.get("/hardware/stats", ctx -> hardware(ctx, "gpu_stats", gpus.stats()));
        cfg.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status).json(e.body));
        cfg.routes.exception(
                HttpResponseException.class,
                (e, ctx) -> ctx.status(e.getStatus()).json(ApiResponses.error(e.getMessage())));
        cfg.routes.exception(Exception.class, SidecarApp::internalError);
        notFound(cfg, 404, "Not found");
        notFound(cfg, 405, "Method not allowed");
        notFound(cfg, 413, "Request body too large (limit " + config.maxBodyBytes + " bytes)");
    }

    /**
     * An unexpected failure: a generic answer with a new error id, and the id with the stack trace
     * in the log. The exception's text (a library's message, paths, hosts) never reaches the
     * client.
     */
    static void internalError(Exception e, Context ctx) {
        String id = newErrorId();
        LOG.error("{} {} failed (error id {})", ctx.method(), ctx.path(), id, e);
        Map<String, Object> body =
                ApiResponses.error(
                        "Internal error (error id " + id + "); the sidecar's log has the details");
        body.put(ERROR_ID_FIELD, id);
        ctx.status(500).json(body);
    }

    /** A random id of {@link #ERROR_ID_HEX_DIGITS} hex digits. */
    static String newErrorId() {
        long bits = ThreadLocalRandom.current().nextLong() & ERROR_ID_MASK;
        return String.format(ERROR_ID_FORMAT, bits);
    }

    private void notFound(JavalinConfig cfg, int status, String message) {
        Handler h =
                ctx -> {
                    if (ctx.result() == null || !ctx.result().contains("\"detail\"")) {
                        ctx.json(
                                ApiResponses.error(
                                        message + ": " + ctx.method() + " " + ctx.path()));
                    }
                };
        cfg.routes.error(status, h);
    }

    /** The matched route's path, so that the label values stay few whatever paths are asked. */
    private static String route(Context ctx) {
        io.javalin.router.Endpoint e = ctx.endpoints().matchedHttpEndpoint();
        return e == null ? UNMATCHED_ROUTE : e.path;
    }

    private String[] prefixes() {
        String p = "/".equals(config.routePrefix) ? "" : config.routePrefix;
        return distinct(p, "/api");
    }

    private static String[] distinct(String a, String b) {
        return a.equals(b) ? new String[] {a} : new String[] {a, b};
    }

    // ---------------------------------------------------------------- routes

    private void start(Context ctx, boolean managedAlias) {
        try {
            startStream(ctx, managedAlias);
            observer.start("accepted");
        } catch (StreamException e) {
            observer.start(outcome(e));
            throw e;
        } catch (ApiError e) {
            observer.start(e.outcome);
            throw e;
        } catch (RuntimeException e) {
            observer.start("error"); // answered 500 with an error id
            throw e;
        }
    }

    private void startStream(Context ctx, boolean managedAlias) {
        String prefix = "Error starting stream: ";
        JsonNode body = jsonBody(ctx, prefix);
        if (managedAlias) {
            String model = body.path("model_id").asText("");
            if (!model.isEmpty() && !model.equals(config.modelId)) {
                throw new ApiError(
                        400,
                        prefix + "model_id " + model + " is not this runner's " + config.modelId);
            }
        }
        ManagedStream s;
        try {
            s = manager.start(StartRequest.parse(body, ctx.header(STREAM_ID_HEADER)));
        } catch (StreamException e) {
            throw refused(e, prefix, managedAlias);
        }
        Map<String, Object> out = ApiResponses.success("Stream started successfully");
        out.put("request_id", s.requestId);
        out.put("stream_id", s.id);
        out.put("current_state", ApiResponses.pipelineState(manager));
        if (managedAlias) { // ai-runner's answer; go-livepeer does not use the URLs
            out.put("publish_url", "");
            out.put("subscribe_url", "");
            out.put("control_url", "");
        }
        ctx.json(out);
    }

    private void params(Context ctx) throws InterruptedException {
        try {
            String outcome = updateParams(ctx);
            observer.params(outcome);
        } catch (StreamException e) {
            observer.params(outcome(e));
            throw e;
        } catch (ApiError e) {
            observer.params(e.outcome);
            throw e;
        } catch (RuntimeException e) {
            observer.params("error"); // answered 500 with an error id
            throw e;
        }
    }

    /** Answers a params update; returns its outcome. */
    private String updateParams(Context ctx) throws InterruptedException {
        String prefix = "Parameter update failed: ";
        JsonNode body = jsonBody(ctx, prefix);
        ParamsUpdates.Outcome outcome;
        try {
            outcome = manager.params(ctx.header(STREAM_ID_HEADER), body);
        } catch (StreamException e) {
            throw refused(e, "", false);
        }
        switch (outcome) {
            case APPLIED:
                ctx.json(ApiResponses.success("Parameters updated successfully"));
                break;
            case IGNORED:
                ctx.json(ApiResponses.success("Keep-alive ignored"));
                break;
            default:
                Map<String, Object> queued = new LinkedHashMap<>();
                queued.put("status", "accepted");
                queued.put(
                        "message",
                        "Parameters sent to the stream; the processor has not confirmed them"
                                + " yet");
                ctx.status(202).json(queued);
        }
        return outcome.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void stop(Context ctx) throws InterruptedException {
        ManagedStream s;
        try {
            s = manager.stop(ctx.header(STREAM_ID_HEADER));
        } catch (StreamException e) {
            throw refused(e, "", false);
        }
        Map<String, Object> out = ApiResponses.success("Stream stopped successfully");
        out.put("stream_id", s.id);
        out.put("stream", ApiResponses.stream(s));
        out.put("current_state", ApiResponses.pipelineState(manager));
        ctx.json(out);
    }

    private void status(Context ctx) {
        String id = ctx.header(STREAM_ID_HEADER);
        ManagedStream chosen = manager.find(id);
        if (id != null && chosen == null) {
            throw new ApiError(404, "Unknown stream " + id);
        }
        ctx.json(ApiResponses.streamStatus(manager, chosen));
    }

    private void health(Context ctx) {
        try {
            ctx.json(Map.of("status", manager.state().name()));
        } catch (RuntimeException e) {
            LOG.warn("health failed", e);
            ctx.status(500)
                    .json(Map.of("detail", Map.of("msg", "Failed to retrieve pipeline status.")));
        }
    }

    private void version(Context ctx) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("pipeline", config.pipeline);
        v.put("model_id", config.modelId);
        v.put("version", config.appVersion);
        ctx.json(v);
    }

    private void hardware(Context ctx, String field, Map<String, ?> gpus) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pipeline", config.pipeline);
        out.put("model_id", config.modelId);
        out.put(field, gpus);
        ctx.json(out);
    }

    // ---------------------------------------------------------------- helpers

    private void authorize(Context ctx) {
        if (config.authToken == null) {
            return;
        }
        String given = ctx.header("Authorization");
        byte[] expected = ("Bearer " + config.authToken).getBytes(StandardCharsets.UTF_8);
        if (given == null
                || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "Invalid or missing bearer token");
        }
    }

    private JsonNode jsonBody(Context ctx, String prefix) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith(JSON)) {
            throw new ApiError(
                    400, prefix + "Unknown content type " + type + ": send application/json");
        }
        try {
            JsonNode node = mapper.readTree(ctx.bodyAsBytes());
            if (node == null || node.isMissingNode()) {
                throw new ApiError(400, prefix + "the body is empty: send a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw new ApiError(
                    400, prefix + "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            LOG.warn("{} {}: the body could not be read", ctx.method(), ctx.path(), e);
            throw new ApiError(400, prefix + "the body could not be read");
        }
    }

    private static String outcome(StreamException e) {
        return e.reason().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static ApiError refused(StreamException e, String prefix, boolean managedAlias) {
        int status;
        switch (e.reason()) {
            case BUSY:
            case NOT_READY:
                status = managedAlias ? 500 : 503;
                break;
            case REJECTED:
                status = 422;
                break;
            case FAILED:
                status = 500;
                break;
            default:
                status = 400;
        }
        return new ApiError(status, prefix + e.getMessage(), outcome(e));
    }

    /** An error answer: status and PyTrickle/go-livepeer body. */
    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final transient Map<String, Object> body;

        /** What a start or params metric calls it: the refusal's reason, else by status. */
        final String outcome;

        ApiError(int status, String message) {
            this(status, message, "bad_request");
        }

        ApiError(int status, String message, String outcome) {
            super(message);
            this.status = status;
            this.body = ApiResponses.error(message);
            this.outcome = outcome;
        }
    }
}
