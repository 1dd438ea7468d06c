package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.ChannelFollower;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.jobs.media.LivePacing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What a go-livepeer orchestrator does around a runner, on a real embedded trickle server: channels
 * under {@code /ai/trickle/} created before the start ({@code {id}}, {@code {id}-out}, {@code
 * {id}-control}, {@code {id}-events}, {@code {id}-data}; no autocreate), clip A published in real
 * time (looped) on the input, and the output, events and data channels read to their end.
 */
public final class Orchestrator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The trickle server (a new one after {@link #restartServer}). */
    public volatile TrickleServer server;

    private final List<String> ids = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> publishers = new ArrayList<>();
    private final List<AutoCloseable> closeables = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean closed;

    public Orchestrator() throws Exception {
        server = newServer(0, List.of());
    }

    private static TrickleServer newServer(int port, List<String> streams)
            throws java.io.IOException {
        TrickleServer s =
                TrickleServer.builder()
                        .basePath("/ai/trickle/")
                        .autocreate(false)
                        .retainedSegments(5)
                        .port(port)
                        .build();
        for (String id : streams) {
            createChannels(s, id);
        }
        return s.start();
    }

    private static void createChannels(TrickleServer s, String id) {
        createChannels(s, id, TrickleProtocol.MIME_MPEGTS);
    }

    /** The stream's channels; its input channel with {@code inputMime}, or none if null. */
    private static void createChannels(TrickleServer s, String id, String inputMime) {
        if (inputMime != null) {
            s.createChannel(id, inputMime);
        }
        s.createChannel(id + "-out", TrickleProtocol.MIME_MPEGTS);
        s.createChannel(id + "-control", TrickleProtocol.MIME_JSON);
        s.createChannel(id + "-events", TrickleProtocol.MIME_JSON);
        s.createChannel(id + "-data", "application/jsonl");
    }

    /**
     * The trickle server goes down for {@code down} and comes back on the same port, empty; the
     * orchestrator's streams' channels are created again before it accepts connections.
     */
    public void restartServer(java.time.Duration down) throws Exception {
        int port = server.port();
        server.close();
        Thread.sleep(down.toMillis());
        // Its channels exist before it accepts a connection (a POST must not meet a 404).
        server = newServer(port, new ArrayList<>(ids));
    }

    /** The channels of stream {@code id}, as the orchestrator creates them before a start. */
    public Stream stream(String id) {
        channels(id);
        return new Stream(id);
    }

    /**
     * The channels of stream {@code id} as a misbehaving orchestrator creates them: its input
     * channel with {@code inputMime} (e.g. {@code text/plain}), or none at all if null.
     */
    public Stream stream(String id, String inputMime) {
        ids.add(id);
        createChannels(server, id, inputMime);
        return new Stream(id);
    }

    /** Creates the channels of stream {@code id} only (nothing follows them). */
    public void channels(String id) {
        if (!ids.contains(id)) {
            ids.add(id);
        }
        createChannels(server, id);
    }

    /** One stream's channels and what came out of them. */
    public final class Stream {
        public final String id;
        public final List<byte[]> output = Collections.synchronizedList(new ArrayList<>());

        /** When each output segment's first byte arrived ({@code System.nanoTime()}). */
        public final List<Long> outputNanos = Collections.synchronizedList(new ArrayList<>());

        public final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
        public volatile long firstOutputNanos;
        public volatile boolean outputEnded;
        private TricklePublisher controlPublisher;

        Stream(String id) {
            this.id = id;
            Thread out =
                    ChannelFollower.follow(
                            url("-out"),
                            body -> {
                                int first = body.read();
                                long now = System.nanoTime();
                                if (first >= 0 && firstOutputNanos == 0) {
                                    firstOutputNanos = now;
                                }
                                if (first >= 0) {
                                    outputNanos.add(now);
                                }
                                byte[] rest = body.readAllBytes();
                                byte[] all = new byte[rest.length + (first >= 0 ? 1 : 0)];
                                if (first >= 0) {
                                    all[0] = (byte) first;
                                    System.arraycopy(rest, 0, all, 1, rest.length);
                                }
                                output.add(all);
                            });
            Thread watcher =
                    new Thread(
                            () -> {
                                try {
                                    out.join();
                                    outputEnded = true;
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            });
            watcher.setDaemon(true);
            watcher.start();
            ChannelFollower.follow(url("-events"), body -> events.add(JSON.readTree(body)));
        }

        public URI url(String suffix) {
            return server.channelUri(id + suffix);
        }

        /** The start body go-livepeer sends (BYOC adds data_url). */
        public Map<String, Object> startBody(Map<String, Object> params) {
            return Map.of(
                    "subscribe_url", url("").toString(),
                    "publish_url", url("-out").toString(),
                    "control_url", url("-control").toString(),
                    "events_url", url("-events").toString(),
                    "data_url", url("-data").toString(),
                    "gateway_request_id", id,
                    "manifest_id", id,
                    "stream_id", id,
                    "params", params);
        }

        /** Publishes clip A in real time, looped, until {@link #close()} or the channel ends. */
        public void publishLive() {
            Thread t =
                    new Thread(
                            () -> {
                                try (TricklePublisher in =
                                        TricklePublisher.builder(url(""))
                                                .deleteOnClose(false)
                                                .build()) {
                                    List<Path> clip = TestMedia.clipA();
                                    for (int i = 0; !closed; i++) {
                                        byte[] seg = TestMedia.read(clip.get(i % clip.size()));
                                        LivePacing.publishPaced(
                                                in, seg, LivePacing.segmentDuration(seg));
                                    }
                                } catch (Exception e) {
                                    // the channel was deleted or the test ended
                                }
                            },
                            "orchestrator-input-" + id);
            t.setDaemon(true);
            t.start();
            publishers.add(t);
        }

        /**
         * Sends a control message as the gateway does: one publisher per stream for its whole life,
         * one segment per message (contiguous seqs).
         */
        public synchronized void control(String json) throws Exception {
            if (controlPublisher == null) {
                controlPublisher =
                        TricklePublisher.builder(url("-control"))
                                .startSeq(TrickleProtocol.SEQ_NEXT)
                                .deleteOnClose(false)
                                .build();
                closeables.add(controlPublisher);
            }
            controlPublisher.publish(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        public List<String> eventTypes() {
            List<String> types = new ArrayList<>();
            synchronized (events) {
                for (JsonNode e : events) {
                    types.add(e.path("event").path("type").asText());
                }
            }
            return types;
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        synchronized (closeables) {
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the channel may be gone already
                }
            }
        }
        server.close();
        for (Thread t : publishers) {
            t.join(5000);
        }
    }
}
