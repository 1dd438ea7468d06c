package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.processor.params.StreamParams;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A sidecar stream as the runner job knows it: the {@link StreamAnnouncement} a start sends (the
 * orchestrator's channels, the sidecar's params and events channels, the frame size and start
 * params as attributes), and the way back: the streams of a runner job's registry, which a
 * restarted sidecar adopts.
 *
 * <p>Stateless.
 */
final class RunnerStreams {

    /** Attributes only the sidecar reads back (adoption). */
    static final String REQUEST_ID = "sidecar.request-id";

    static final String ORCHESTRATOR_EVENTS = "sidecar.events-url";

    /**
     * The sidecar's stream id. The job knows the stream by its run ({@code <id>-<run>}, the name
     * its sidecar channels share): a new run of an id (a retry after a failed start) is a new
     * stream to the job, never mistaken for the old one, which ends with its channels.
     */
    static final String STREAM_ID = StreamLifecycle.PUBLIC_ID;

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String CONTROL = "control";
    private static final String PARAMS = "params";
    private static final String[] ORCHESTRATOR_ROLES = {"subscribe", "publish", CONTROL, "data"};

    private RunnerStreams() {}

    /** The announcement of a stream that starts. */
    static StreamAnnouncement announcement(
            StartRequest r,
            ManagedStream stream,
            Function<String, URI> internal,
            Duration heartbeat) {
        StreamAnnouncement.Builder a =
                StreamAnnouncement.builder(runOf(stream), r.subscribe)
                        // From its first message: updates sent before the job reads it all apply.
                        .channel(PARAMS, internal.apply(stream.paramsChannel))
                        .start(PARAMS, 0)
                        .attribute(StreamLifecycle.WIDTH, Integer.toString(r.width))
                        .attribute(StreamLifecycle.HEIGHT, Integer.toString(r.height))
                        .attribute(StreamLifecycle.PARAMS, StreamParams.toJson(r.params))
                        .attribute(REQUEST_ID, r.requestId)
                        .attribute(STREAM_ID, r.streamId);
        if (r.control != null) {
            a.channel(CONTROL, r.control);
        }
        r.urls()
                .forEach(
                        (role, url) -> {
                            if (!"events".equals(role)) {
                                a.attribute(StreamLifecycle.URL_PREFIX + role, url);
                            }
                        });
        // The job's events go to the sidecar, which relays them to the orchestrator.
        a.attribute(
                StreamLifecycle.URL_PREFIX + "events",
                internal.apply(stream.eventsChannel).toString());
        if (r.events != null) {
            a.attribute(ORCHESTRATOR_EVENTS, r.events.toString());
        }
        return a.build();
    }

    /** A stream of a runner job's registry, as a restarted sidecar adopts it. */
    static final class Adopted {
        final ManagedStream stream;
        final URI orchestratorEvents;

        Adopted(ManagedStream stream, URI orchestratorEvents) {
            this.stream = stream;
            this.orchestratorEvents = orchestratorEvents;
        }
    }

    /**
     * The streams of a registry message ({@code {"streams":[{"stream":…,"announcement":{…}}]}}):
     * those the sidecar can take over (they use its params and events channels).
     */
    static List<Adopted> adoptable(JsonNode registry, String jobId) {
        List<Adopted> adopted = new ArrayList<>();
        for (JsonNode entry : registry.path("streams")) {
            StreamAnnouncement a;
            try {
                a = StreamAnnouncement.fromJson(entry.path("announcement"));
            } catch (IllegalArgumentException e) {
                continue;
            }
            Map<String, String> attrs = a.attributes();
            URI params = a.channels().get(PARAMS);
            String events = attrs.get(StreamLifecycle.URL_PREFIX + "events");
            if (params == null || events == null) {
                continue; // not a sidecar stream
            }
            Map<String, String> urls = new HashMap<>();
            for (String role : ORCHESTRATOR_ROLES) {
                String url = attrs.get(StreamLifecycle.URL_PREFIX + role);
                if (url != null) {
                    urls.put(role, url);
                }
            }
            String orchestratorEvents = attrs.get(ORCHESTRATOR_EVENTS);
            if (orchestratorEvents != null) {
                urls.put("events", orchestratorEvents);
            }
            Map<String, Object> start;
            try {
                start = StreamParams.parse(attrs.getOrDefault(StreamLifecycle.PARAMS, "{}"));
            } catch (RuntimeException e) {
                start = Map.of();
            }
            ManagedStream s =
                    new ManagedStream(
                            attrs.getOrDefault(STREAM_ID, a.id()),
                            attrs.getOrDefault(REQUEST_ID, a.id()),
                            urls,
                            integer(attrs.get(StreamLifecycle.WIDTH)),
                            integer(attrs.get(StreamLifecycle.HEIGHT)),
                            start,
                            lastSegment(params.toString()),
                            lastSegment(events));
            s.jobId = jobId;
            adopted.add(
                    new Adopted(
                            s, orchestratorEvents == null ? null : URI.create(orchestratorEvents)));
        }
        return adopted;
    }

    /** The stream's run as the job knows it: {@code <id>-<run>}, its channels' common name. */
    static String runOf(ManagedStream stream) {
        String params = stream.paramsChannel;
        return params.substring(0, params.length() - StreamChannels.PARAMS_SUFFIX.length());
    }

    private static int integer(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The first registry message on {@code registry}, waiting up to {@code wait}; or empty. */
    static java.util.Optional<JsonNode> read(
            URI registry,
            io.flinktrickle.connector.trickle.protocol.TrickleClientConfig client,
            Duration wait,
            java.util.concurrent.ScheduledExecutorService timer) {
        try (io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber sub =
                new io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber(
                        io.flinktrickle.connector.trickle.protocol.TrickleSubscriber.builder(
                                        registry)
                                .config(client)
                                .startSeq(0)
                                .keepEverySegment(true)
                                .build(),
                        MAPPER)) {
            java.util.concurrent.ScheduledFuture<?> timeout =
                    timer.schedule(
                            sub::close,
                            wait.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                return sub.next();
            } finally {
                timeout.cancel(false);
            }
        } catch (java.io.IOException e) {
            return java.util.Optional.empty(); // timed out (closed), or unreadable
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    static String lastSegment(String url) {
        String path = URI.create(url).getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
