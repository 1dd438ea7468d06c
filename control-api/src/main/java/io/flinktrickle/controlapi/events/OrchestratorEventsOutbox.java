package io.flinktrickle.controlapi.events;

import io.flinktrickle.connector.trickle.protocol.ChannelNotFoundException;
import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stream's events on their way to the orchestrator's {@code events_url}: a bounded queue that
 * never blocks whoever adds to it (the oldest event is dropped when the orchestrator's channel is
 * slower than the events), and one sender that publishes them in order (a trickle channel is
 * sequential). A channel that is gone stops the events; other failures are logged once per run of
 * failures and skipped: they never stop the stream.
 *
 * <p>Threads: {@link #offer} from any thread; one sender thread ({@code events-out-<stream>})
 * publishes; {@link #start} and {@link #shutdown} from the relay's owner. The publisher is written
 * under this object's lock and read by the sender (volatile).
 */
@Internal
final class OrchestratorEventsOutbox {
    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorEventsOutbox.class);
    private static final int CAPACITY = 256;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int DROPS_PER_WARNING = 100;

    private final String stream;
    private final URI events;
    private final boolean adopted;
    private final BlockingQueue<JsonNode> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean accepting = true;
    private volatile JsonMessagePublisher publisher;
    private Thread sender;

    /**
     * @param events the orchestrator's events channel
     * @param adopted whether the stream was adopted: its channel has segments already
     */
    OrchestratorEventsOutbox(String stream, URI events, boolean adopted) {
        this.stream = stream;
        this.events = events;
        this.adopted = adopted;
    }

    /** Opens the orchestrator's channel and starts the sender thread. */
    synchronized void start() {
        publisher =
                new JsonMessagePublisher(
                        TricklePublisher.builder(events)
                                .contentType(TrickleProtocol.MIME_JSON)
                                // An adopted stream's channel has segments already: go on
                                // after them (with Lp-Trickle-Reset), as a restarted publisher.
                                .startSeq(adopted ? TrickleProtocol.SEQ_NEXT : 0)
                                .build(),
                        SidecarEvents.MAPPER);
        sender = new Thread(this::sendLoop, "events-out-" + stream);
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues an event; never blocks (the oldest is dropped when full), ignored once shut down. */
    void offer(JsonNode envelope) {
        if (!accepting) {
            return;
        }
        while (!queue.offer(envelope)) {
            if (queue.poll() != null && dropped.getAndIncrement() % DROPS_PER_WARNING == 0) {
                LOG.warn(
                        "Stream {}: the events channel is slow; dropped {} events",
                        stream,
                        dropped.get());
            }
        }
    }

    /**
     * Takes no more events, waits up to {@code drain} for the queued ones to go out, and closes the
     * orchestrator's channel, deleting it when {@code deleteChannel}.
     */
    void shutdown(Duration drain, boolean deleteChannel) {
        accepting = false;
        Thread s;
        synchronized (this) {
            s = sender;
        }
        if (s != null) {
            try {
                s.join(Math.max(1, drain.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.interrupt();
        }
        closePublisher(deleteChannel);
    }

    /** The sender thread: posts queued events one by one until shut down and drained. */
    private void sendLoop() {
        boolean failing = false;
        while (true) {
            JsonNode envelope;
            try {
                envelope = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (envelope == null) {
                if (!accepting) {
                    return; // drained after shutdown
                }
                continue;
            }
            JsonMessagePublisher p = publisher;
            if (p == null) {
                continue;
            }
            try {
                p.publish(envelope);
                failing = false;
            } catch (ChannelNotFoundException e) {
                LOG.warn(
                        "Stream {}: events channel is gone; events stop: {}",
                        stream,
                        e.getMessage());
                closePublisher(false);
            } catch (IOException | RuntimeException e) {
                if (!failing) {
                    LOG.warn("Stream {}: an event could not be sent: {}", stream, e.toString());
                }
                failing = true;
            }
        }
    }

    private synchronized void closePublisher(boolean delete) {
        if (publisher != null) {
            try {
                publisher.publisher().close(delete);
            } catch (IOException | RuntimeException e) {
                LOG.debug("Stream {}: closing the events channel: {}", stream, e.toString());
            }
            publisher = null;
        }
    }
}
