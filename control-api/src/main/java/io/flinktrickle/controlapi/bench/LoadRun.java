package io.flinktrickle.controlapi.bench;

import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.jobs.media.LivePacing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What an orchestrator does for one benchmark stream, on an in-process trickle server: go-livepeer
 * shaped channels, clip A published in real time (looped), the output and events channels read on
 * threads of their own, recording when each input and output segment's first byte passed.
 *
 * <p>Threads: one publisher, one output reader and one events reader per stream; the lists are
 * concurrent.
 */
final class LoadRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String id;
    final List<Long> inputStarts = new CopyOnWriteArrayList<>();
    final List<Long> outputStarts = new CopyOnWriteArrayList<>();
    volatile JsonNode lastHeartbeat;
    volatile long startNanos;
    private final TrickleServer server;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    LoadRun(TrickleServer server, String id) {
        this.server = server;
        this.id = id;
        server.createChannel(id, TrickleProtocol.MIME_MPEGTS);
        server.createChannel(id + "-out", TrickleProtocol.MIME_MPEGTS);
        server.createChannel(id + "-control", TrickleProtocol.MIME_JSON);
        server.createChannel(id + "-events", TrickleProtocol.MIME_JSON);
    }

    /** Starts publishing {@code segments} in real time, looped, and reading the outputs. */
    void begin(List<byte[]> segments) {
        thread(
                "publish-" + id,
                () -> {
                    try (TricklePublisher in =
                            TricklePublisher.builder(server.channelUri(id))
                                    .deleteOnClose(false)
                                    .build()) {
                        for (int i = 0; !stopped; i++) {
                            byte[] seg = segments.get(i % segments.size());
                            inputStarts.add(System.nanoTime());
                            LivePacing.publishPaced(in, seg, LivePacing.segmentDuration(seg));
                        }
                    }
                });
        thread(
                "output-" + id,
                () -> {
                    try (TrickleSubscriber out =
                            TrickleSubscriber.builder(server.channelUri(id + "-out"))
                                    .startSeq(TrickleProtocol.SEQ_NEXT)
                                    .build()) {
                        byte[] buffer = new byte[64 * 1024];
                        while (!stopped) {
                            var next = out.next();
                            if (next.isEmpty()) {
                                return;
                            }
                            try (TrickleSegment s = next.get()) {
                                InputStream body = s.body();
                                if (body.read() >= 0) {
                                    outputStarts.add(System.nanoTime());
                                }
                                while (body.read(buffer) >= 0) {
                                    // drain: a real gateway reads every byte
                                }
                            }
                        }
                    }
                });
        thread(
                "events-" + id,
                () -> {
                    try (JsonMessageSubscriber events =
                            new JsonMessageSubscriber(
                                    TrickleSubscriber.builder(server.channelUri(id + "-events"))
                                            .startSeq(TrickleProtocol.SEQ_NEXT)
                                            .build(),
                                    JSON)) {
                        while (!stopped) {
                            var next = events.next();
                            if (next.isEmpty()) {
                                return;
                            }
                            JsonNode e = next.get().path("event");
                            if ("heartbeat".equals(e.path("type").asText())
                                    && e.has("frames_dropped")) {
                                lastHeartbeat = e;
                            }
                        }
                    }
                });
    }

    /** The start body go-livepeer sends; output at the input's 30 fps (PyTrickle caps at 24). */
    String startBody() throws Exception {
        return JSON.writeValueAsString(
                Map.of(
                        "subscribe_url", server.channelUri(id).toString(),
                        "publish_url", server.channelUri(id + "-out").toString(),
                        "control_url", server.channelUri(id + "-control").toString(),
                        "events_url", server.channelUri(id + "-events").toString(),
                        "gateway_request_id", id,
                        "params", Map.of("max_framerate", 30)));
    }

    static int post(HttpClient http, URI uri, String body) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(uri)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .timeout(Duration.ofSeconds(60))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    /** Input-segment first byte → the matching output segment's first byte, in the window. */
    List<Long> segmentLatenciesMillis(long fromNanos, long toNanos) {
        List<Long> latencies = new ArrayList<>();
        for (long out : outputStarts) {
            if (out < fromNanos || out > toNanos) {
                continue;
            }
            long matching = Long.MIN_VALUE;
            for (long in : inputStarts) {
                if (in <= out && in > matching) {
                    matching = in;
                }
            }
            if (matching != Long.MIN_VALUE) {
                latencies.add((out - matching) / 1_000_000);
            }
        }
        return latencies;
    }

    long firstOutputMillis() {
        return outputStarts.isEmpty() ? -1 : (outputStarts.get(0) - startNanos) / 1_000_000;
    }

    void stop() throws InterruptedException {
        stopped = true;
        server.deleteChannel(id);
        for (Thread t : threads) {
            t.interrupt();
            t.join(5000);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private void thread(String name, Body body) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                body.run();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (Exception e) {
                                if (!stopped) {
                                    System.err.println(name + ": " + e);
                                }
                            }
                        },
                        name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }
}
