package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sizes behind {@link SidecarChannelLimits}: a registry entry of a stream whose URLs and ids
 * are at their bounds fits {@link SidecarChannelLimits#REGISTRY_ENTRY_BYTES}; a registry of a full
 * sidecar fits its segment limit; requests past the bounds are refused.
 */
class SidecarChannelLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_STREAM_ID = 128;
    private static final int MAX_HOST = 253;

    @Test
    void aWorstCaseRegistryEntryFitsItsBound() {
        int worst = entryBytes(worstCase(), "s".repeat(MAX_STREAM_ID), "h".repeat(MAX_HOST));
        int typical = entryBytes(typical(), null, "sidecar");
        System.out.printf(
                "registry entry: worst case %d bytes (bound %d), go-livepeer-like %d bytes%n",
                worst, SidecarChannelLimits.REGISTRY_ENTRY_BYTES, typical);
        assertThat(worst).isLessThanOrEqualTo(SidecarChannelLimits.REGISTRY_ENTRY_BYTES);
        // 1 MiB holds the registry of the largest sidecar whose entries are all worst cases.
        int fullAtOneMiB =
                (int)
                        ((SidecarChannelLimits.MESSAGE_BYTES
                                        - SidecarChannelLimits.REGISTRY_OVERHEAD_BYTES)
                                / SidecarChannelLimits.REGISTRY_ENTRY_BYTES);
        assertThat(fullAtOneMiB).isEqualTo(85);
        assertThat(SidecarChannelLimits.segmentBytes(1))
                .isEqualTo(SidecarChannelLimits.MESSAGE_BYTES);
        assertThat(SidecarChannelLimits.segmentBytes(85))
                .isEqualTo(SidecarChannelLimits.MESSAGE_BYTES);
        assertThat(SidecarChannelLimits.segmentBytes(1024))
                .isGreaterThanOrEqualTo(
                        1024L * worst + SidecarChannelLimits.REGISTRY_OVERHEAD_BYTES);
    }

    @Test
    void requestsPastTheBoundsAreRefused() {
        Map<String, Object> body = new LinkedHashMap<>(typical());
        body.put("subscribe_url", "http://o:8935/ai/trickle/" + "a".repeat(1024));
        assertThatThrownBy(() -> StartRequest.parse(JSON.valueToTree(body), null))
                .hasMessageContaining("subscribe_url must be at most 1024 bytes");
        Map<String, Object> id = new LinkedHashMap<>(typical());
        id.put("gateway_request_id", "r".repeat(257));
        assertThatThrownBy(() -> StartRequest.parse(JSON.valueToTree(id), null))
                .hasMessageContaining("gateway_request_id must be at most 256 bytes");
        Map<String, Object> params = new LinkedHashMap<>(typical());
        params.put("params", Map.of("prompt", "x".repeat(SidecarChannelLimits.MAX_PARAMS_BYTES)));
        assertThatThrownBy(() -> StartRequest.parse(JSON.valueToTree(params), "s1"))
                .hasMessageContaining("params are too large");
        Map<String, Object> fits = new LinkedHashMap<>(typical());
        fits.put(
                "params",
                Map.of("prompt", "x".repeat(SidecarChannelLimits.MAX_PARAMS_BYTES - 100)));
        assertThat(StartRequest.parse(JSON.valueToTree(fits), "s1").params).containsKey("prompt");
    }

    /** Every URL at 1024 bytes, the request id of control characters (escaped 6-fold in JSON). */
    private static Map<String, Object> worstCase() {
        Map<String, Object> body = new LinkedHashMap<>();
        for (String field :
                new String[] {
                    "subscribe_url", "publish_url", "control_url", "events_url", "data_url"
                }) {
            String prefix = "https://orchestrator.example:8935/ai/trickle/" + field + "/";
            body.put(
                    field,
                    prefix + "a".repeat(SidecarChannelLimits.MAX_URL_BYTES - prefix.length()));
        }
        body.put("gateway_request_id", "\u0001".repeat(SidecarChannelLimits.MAX_REQUEST_ID_BYTES));
        body.put("params", Map.of("width", 1024, "height", 1024));
        return body;
    }

    /** As go-livepeer's orchestrator names a stream's channels. */
    private static Map<String, Object> typical() {
        String base = "https://orchestrator.example:8935/ai/trickle/3f9c2a61b7d04e58";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscribe_url", base);
        body.put("publish_url", base + "-out");
        body.put("control_url", base + "-control");
        body.put("events_url", base + "-events");
        body.put("data_url", base + "-data");
        body.put("gateway_request_id", "3f9c2a61");
        body.put("params", Map.of("prompt", "a short prompt"));
        return body;
    }

    /** The entry as the runner job's registry lists it (without the start params). */
    private static int entryBytes(
            Map<String, Object> body, String streamId, String advertisedHost) {
        StartRequest r = StartRequest.parse(JSON.valueToTree(body), streamId);
        String[] names = ManagedStream.newChannels(r.streamId);
        ManagedStream stream =
                new ManagedStream(
                        r.streamId,
                        r.requestId,
                        r.urls(),
                        r.width,
                        r.height,
                        r.params,
                        names[0],
                        names[1]);
        StreamAnnouncement a =
                RunnerStreams.announcement(
                        r,
                        stream,
                        name -> URI.create("http://" + advertisedHost + ":65535/" + name),
                        Duration.ofSeconds(10));
        try {
            ObjectNode announcement = (ObjectNode) JSON.readTree(a.toJson());
            ((ObjectNode) announcement.path("attributes")).remove(StreamLifecycle.PARAMS);
            ObjectNode entry = JSON.createObjectNode();
            entry.put("stream", a.id());
            entry.put("key", StreamAnnouncement.keyFor(a.id(), Integer.MAX_VALUE));
            entry.put("subtask", Integer.MAX_VALUE);
            entry.set("announcement", announcement);
            JsonNode check = JSON.readTree(JSON.writeValueAsString(entry));
            assertThat(check.path("announcement").path("attributes").has("url.publish")).isTrue();
            return JSON.writeValueAsString(entry).getBytes(StandardCharsets.UTF_8).length + 1;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
