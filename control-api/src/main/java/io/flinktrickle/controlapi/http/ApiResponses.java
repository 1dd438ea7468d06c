package io.flinktrickle.controlapi.http;

import io.flinktrickle.controlapi.stream.ManagedStream;
import io.flinktrickle.controlapi.stream.StreamManager;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Response bodies in PyTrickle's shapes. Every error body carries both PyTrickle's {@code
 * {"status":"error","message":…}} and the {@code {"detail":{"msg":…}}} that go-livepeer's worker
 * reads, so one body serves both callers.
 *
 * <p>Stateless; called on request threads.
 */
final class ApiResponses {
    private static final String[] FPS_FIELDS = {
        "ingress_video_fps", "ingress_audio_fps", "egress_video_fps", "egress_audio_fps"
    };

    private ApiResponses() {}

    static Map<String, Object> success(String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "success");
        body.put("message", message);
        return body;
    }

    static Map<String, Object> error(String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "error");
        body.put("message", message);
        body.put("detail", Map.of("msg", message));
        return body;
    }

    /**
     * PyTrickle's pipeline-state object ({@code current_state}, base of {@code /stream/status}).
     */
    static Map<String, Object> pipelineState(StreamManager manager) {
        String status = manager.state().name();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", status);
        state.put("state", status);
        state.put("error_message", manager.errorMessage());
        state.put("pipeline_ready", manager.isReady());
        state.put("active_streams", manager.activeCount());
        state.put("startup_complete", manager.isReady());
        state.put("pipeline_state", status);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("flink", manager.target().describe());
        info.put("capacity", manager.config().capacity);
        state.put("additional_info", info);
        return state;
    }

    /** {@code /stream/status}: the state, the chosen stream's fps and params, and all streams. */
    static Map<String, Object> streamStatus(StreamManager manager, ManagedStream chosen) {
        Map<String, Object> body = pipelineState(manager);
        body.put("client_active", chosen != null);
        body.put("client_running", chosen != null && chosen.phase().isActive());
        body.put("fps", fps(chosen));
        Map<String, Object> current = new LinkedHashMap<>();
        if (chosen != null) {
            current.put("subscribe_url", chosen.urls.get("subscribe"));
            current.put("publish_url", chosen.urls.get("publish"));
            current.put("gateway_request_id", chosen.requestId);
            current.put("params", chosen.params());
        }
        body.put("current_params", current);
        List<Map<String, Object>> streams = new ArrayList<>();
        for (ManagedStream s : manager.streams()) {
            streams.add(stream(s));
        }
        body.put("streams", streams);
        return body;
    }

    static Map<String, Object> stream(ManagedStream s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stream_id", s.id);
        m.put("request_id", s.requestId);
        m.put("state", s.phase().name());
        m.put("job_id", s.jobId());
        m.put("error", s.error());
        m.put("accepted_at", s.acceptedMillis);
        m.put("ended_at", s.endedMillis() == 0 ? null : s.endedMillis());
        m.put("start_ms", s.startMillis() < 0 ? null : s.startMillis());
        m.put("adopted", s.adopted());
        m.put("fps", fps(s));
        m.put("urls", s.urls);
        m.put("params", s.params());
        return m;
    }

    private static Map<String, Object> fps(ManagedStream s) {
        Map<String, Object> fps = new LinkedHashMap<>();
        JsonNode heartbeat = s == null || !s.phase().isActive() ? null : s.lastHeartbeat();
        for (String f : FPS_FIELDS) {
            fps.put(f, heartbeat == null ? 0.0 : heartbeat.path("fps").path(f).asDouble(0.0));
        }
        return fps;
    }
}
