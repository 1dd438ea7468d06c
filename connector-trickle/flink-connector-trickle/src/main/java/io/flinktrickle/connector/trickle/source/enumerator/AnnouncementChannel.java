package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.protocol.SegmentTooLargeException;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The enumerator's link to a controller: it reads stream announcements from a trickle channel (a
 * long-poll, so a new stream reaches the source as soon as it is written: no poll interval) and
 * publishes the registry of active streams to another one.
 *
 * <p>A controller may go away and come back (a restarted sidecar re-creates its channels): reading
 * never gives up, it resumes at the next seq after a pause (250 ms, doubling to 5 s, jittered:
 * {@link RetryBackoff}), and a registry that could not be published is published again with the
 * next change or request. Neither fails the job.
 *
 * <p>Threads: one reader thread ({@code trickle-announcements}) hands each message with its seq to
 * the handler (the enumerator, which moves it to its coordinator thread); one publisher thread
 * ({@code trickle-registry}) sends the newest registry. {@link #close()} from any thread.
 */
@Internal
final class AnnouncementChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnnouncementChannel.class);

    private static final long MAX_MESSAGE_BYTES = 1024 * 1024;
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);
    private static final RetryBackoff PAUSES = new RetryBackoff(FIRST_PAUSE, MAX_PAUSE);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Receives each announcement message (reader thread). */
    interface Handler {
        void onMessage(JsonNode message, long seq);
    }

    private final URI announcements;
    private final URI registry;
    private final TrickleClientConfig config;
    private final Handler handler;
    private final Thread reader;
    private final ExecutorService publishing;
    private final AtomicReference<String> newestRegistry = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile TrickleSubscriber subscriber;
    private long nextSeq;

    /** The publisher of the registry being sent (publisher thread only). */
    private TricklePublisher publisher;

    private boolean publishFailing;

    AnnouncementChannel(
            URI announcements,
            URI registry,
            long fromSeq,
            TrickleClientConfig config,
            Handler handler) {
        this.announcements = announcements;
        this.registry = registry;
        this.nextSeq = fromSeq;
        this.config = config;
        this.handler = handler;
        this.reader = new Thread(this::read, "trickle-announcements");
        this.reader.setDaemon(true);
        this.publishing =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "trickle-registry");
                            t.setDaemon(true);
                            return t;
                        });
    }

    void start() {
        reader.start();
    }

    private void read() {
        int failures = 0; // consecutive reads that ended or failed without a message
        boolean failing = false;
        while (running) {
            try (TrickleSubscriber sub =
                    TrickleSubscriber.builder(announcements)
                            .startSeq(nextSeq)
                            .config(config)
                            .keepEverySegment(true) // every announcement counts
                            .build()) {
                subscriber = sub;
                while (running) {
                    Optional<TrickleSegment> next = sub.next();
                    if (next.isEmpty()) {
                        if (!failing) {
                            LOG.warn(
                                    "announcements channel {} ended; waiting for its controller",
                                    announcements);
                        }
                        failing = true;
                        break;
                    }
                    if (failing) {
                        LOG.info("announcements channel {} is back", announcements);
                        failing = false;
                    }
                    failures = 0;
                    deliver(next.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    LOG.warn(
                            "announcements channel {} failed; trying again: {}",
                            announcements,
                            e.toString());
                }
                failing = true;
            }
            try {
                PAUSES.sleep(++failures);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void deliver(TrickleSegment segment) throws IOException {
        try (segment) {
            long seq = segment.seq();
            JsonNode message;
            try {
                message = MAPPER.readTree(segment.readAll(MAX_MESSAGE_BYTES));
            } catch (SegmentTooLargeException | JacksonException e) {
                nextSeq = seq + 1;
                LOG.warn("announcement {} skipped: {}", seq, e.getMessage());
                return;
            }
            // Only now: a body cut short (the controller went away) is read again from its seq.
            nextSeq = seq + 1;
            if (message == null || !message.isObject()) {
                LOG.warn("announcement {} skipped: not a JSON object", seq);
                return;
            }
            handler.onMessage(message, seq);
        }
    }

    /** Publishes {@code json} to the registry channel soon; a newer one replaces it unsent. */
    void publishRegistry(String json) {
        if (registry == null || !running) {
            return;
        }
        if (newestRegistry.getAndSet(json) == null) {
            publishing.execute(this::sendNewest);
        }
    }

    /** Publisher thread. */
    private void sendNewest() {
        String json = newestRegistry.getAndSet(null);
        if (json == null) {
            return;
        }
        try {
            // A publisher per registry: each asks the channel's /next, so a registry channel that
            // a restarted controller created afresh gets it at its first seq. (A publisher kept
            // open would go on at its own next seq, which the new channel's readers wait for in
            // vain; the registry is published rarely: on changes and requests.)
            publisher =
                    TricklePublisher.builder(registry)
                            .contentType(TrickleProtocol.MIME_JSON)
                            .startSeq(TrickleProtocol.SEQ_NEXT)
                            .deleteOnClose(false)
                            // Closed after one message: no empty segment after it, so a reader
                            // joining at the current segment reads the newest registry.
                            .preconnect(false)
                            .config(config)
                            .build();
            publisher.publish(json.getBytes(StandardCharsets.UTF_8));
            closePublisher();
            if (publishFailing) {
                LOG.info("registry channel {} takes the registry again", registry);
            }
            publishFailing = false;
        } catch (IOException | RuntimeException e) {
            if (!publishFailing) {
                LOG.warn(
                        "registry channel {}: the registry could not be published (again with the"
                                + " next change): {}",
                        registry,
                        e.toString());
            }
            publishFailing = true;
            closePublisher();
        }
    }

    private void closePublisher() {
        if (publisher != null) {
            try {
                publisher.close(false);
            } catch (IOException | RuntimeException ignored) {
                // Dropped: the next registry opens a new one.
            }
            publisher = null;
        }
    }

    @Override
    public void close() {
        running = false;
        TrickleSubscriber sub = subscriber;
        if (sub != null) {
            sub.close();
        }
        reader.interrupt();
        publishing.execute(this::closePublisher);
        publishing.shutdown();
        try {
            reader.join(5_000);
            publishing.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
