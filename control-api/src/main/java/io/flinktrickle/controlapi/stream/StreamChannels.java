package io.flinktrickle.controlapi.stream;

import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.controlapi.config.ChannelAccess;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.events.EventsRelay;
import io.flinktrickle.controlapi.events.SidecarEvents;
import io.flinktrickle.processor.params.StreamParams;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A stream's channels on the sidecar's own trickle server: {@code <id>-params} (the sidecar
 * publishes HTTP params updates; the job reads it as a second control channel, and deleting it ends
 * the stream) and {@code <id>-events} (the job publishes its events; an {@link EventsRelay}
 * forwards them). Also deletes a cancelled job's output channels on the orchestrator, which the job
 * could not do itself.
 *
 * <p>Threads: called by the {@link StreamManager} on request and worker threads; the trickle server
 * is thread-safe.
 */
final class StreamChannels {
    private static final Logger LOG = LoggerFactory.getLogger(StreamChannels.class);

    private static final String LOOPBACK = "127.0.0.1";

    static final String PARAMS_SUFFIX = "-params";
    static final String EVENTS_SUFFIX = "-events";

    private static final byte[] KEEP_ALIVE =
            "{\"keep\":\"alive\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final SidecarConfig config;
    private final TrickleServer trickle;
    private final ScheduledExecutorService scheduler;
    private final ChannelAccess access;
    private final ObjectMapper mapper = new ObjectMapper();

    /** The sidecar's own client settings for its server (with the secret); made once known. */
    private volatile TrickleClientConfig client;

    StreamChannels(
            SidecarConfig config,
            TrickleServer trickle,
            ScheduledExecutorService scheduler,
            ChannelAccess access) {
        this.config = config;
        this.trickle = trickle;
        this.scheduler = scheduler;
        this.access = access;
    }

    /**
     * The client settings of the sidecar's own publishers and subscribers of its server: they
     * present the secret to it (and to no other server).
     */
    TrickleClientConfig client() {
        TrickleClientConfig c = client;
        if (c == null) {
            c =
                    TrickleClientConfig.builder()
                            .accessToken(access.tokenFor(access.localBase(port())))
                            .build();
            client = c;
        }
        return c;
    }

    /**
     * The job arguments that give a job the secret for this server ({@code --sidecar-url}, {@code
     * --sidecar-token}); program arguments, never labels (Flink's REST API shows those).
     */
    List<String> accessArguments() {
        return List.of(
                "--sidecar-url", internal("").toString(), "--sidecar-token", access.secret());
    }

    /**
     * Creates the stream's channels, its params publisher and its events relay (which sends the
     * first heartbeat at once).
     *
     * @param eventsFrom where the relay starts reading the job's events (0: a new job)
     */
    void open(ManagedStream stream, URI orchestratorEvents, long eventsFrom) {
        trickle.createChannel(stream.paramsChannel, TrickleProtocol.MIME_JSON);
        trickle.createChannel(stream.eventsChannel, TrickleProtocol.MIME_JSON);
        boolean adopted = eventsFrom != 0;
        long firstSeq = 0;
        if (adopted) {
            // An adopted job reads this channel at a seq the new channel does not know. Its live
            // edge is set far ahead of any seq the job can be at (a clock in ms), in-process before
            // the server serves, so that the job's reader, seeing an edge past its position, jumps
            // to it at once (a reader ahead of the edge would wait a refresh interval).
            long edge = System.currentTimeMillis();
            trickle.write(stream.paramsChannel, TrickleProtocol.MIME_JSON, edge, KEEP_ALIVE, true);
            firstSeq = edge + 1;
        }
        stream.paramsPublisher =
                new JsonMessagePublisher(
                        TricklePublisher.builder(local(stream.paramsChannel))
                                .config(client())
                                .contentType(TrickleProtocol.MIME_JSON)
                                .startSeq(firstSeq)
                                .deleteOnClose(false)
                                .build(),
                        mapper);
        stream.relay =
                new EventsRelay(
                        stream.id,
                        local(stream.eventsChannel),
                        client(),
                        eventsFrom,
                        orchestratorEvents,
                        stream.urls,
                        () ->
                                SidecarEvents.heartbeat(
                                        stream.urls,
                                        stream.width,
                                        stream.height,
                                        stream.phase.name().toLowerCase(Locale.ROOT)),
                        params ->
                                stream.params =
                                        Collections.unmodifiableMap(
                                                new LinkedHashMap<>(
                                                        StreamParams.parse(params.toString()))),
                        config.heartbeatInterval);
        stream.relay.start(scheduler);
    }

    /** Ends the stream in its job: the job's source ends it when its params channel goes away. */
    void endInJob(ManagedStream stream) {
        trickle.deleteChannel(stream.paramsChannel);
    }

    /** Deletes the stream's sidecar channels (after its job ended). */
    void close(ManagedStream stream) {
        if (stream.paramsPublisher != null) {
            try {
                stream.paramsPublisher.close();
            } catch (java.io.IOException | RuntimeException e) {
                LOG.debug("Stream {}: closing the params publisher: {}", stream.id, e.toString());
            }
        }
        trickle.deleteChannel(stream.paramsChannel);
        trickle.deleteChannel(stream.eventsChannel);
    }

    /** A cancelled job does not delete its output channels: do it for it. */
    void deleteOutputs(ManagedStream stream) {
        for (String role : new String[] {"publish", "data"}) {
            String url = stream.urls.get(role);
            if (url != null) {
                try (TricklePublisher p = TricklePublisher.builder(URI.create(url)).build()) {
                    p.close(true);
                } catch (Exception e) {
                    LOG.debug("Stream {}: deleting {}: {}", stream.id, url, e.toString());
                }
            }
        }
    }

    /** {@code name}'s URL as a job reaches it: the advertised host and the server's port. */
    URI internal(String name) {
        String host = config.isRemote() ? config.advertisedHost : LOOPBACK;
        return URI.create("http://" + host + ":" + port() + "/" + name);
    }

    /**
     * {@code name}'s URL as the sidecar reaches it: the address its server binds. Known before the
     * server serves (a fixed port): adopted streams get their channels before their jobs can reach
     * them.
     */
    URI local(String name) {
        return access.localBase(port()).resolve(name);
    }

    private int port() {
        return config.tricklePort != 0 ? config.tricklePort : trickle.port();
    }
}
