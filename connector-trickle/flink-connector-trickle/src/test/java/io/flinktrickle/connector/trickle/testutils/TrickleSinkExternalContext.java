package io.flinktrickle.connector.trickle.testutils;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.sink.JsonMessageEncoder;
import io.flinktrickle.connector.trickle.sink.TrickleSink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;
import org.apache.flink.connector.testframe.external.sink.DataStreamSinkV2ExternalContext;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The trickle sink's external context for Flink's {@code SinkTestSuiteBase}: the sink writes one
 * message segment per record to a channel per subtask on the {@link SharedTrickleServer} (one
 * publisher per channel, as trickle requires); the reader subscribes to every channel of the
 * context from seq 0 and returns each segment as a record.
 */
public final class TrickleSinkExternalContext implements DataStreamSinkV2ExternalContext<String> {

    private static final AtomicInteger CONTEXTS = new AtomicInteger();

    private final String id;
    private final TrickleServer server;
    private final List<Reader> readers = new ArrayList<>();

    public TrickleSinkExternalContext() {
        this.id = "sink" + CONTEXTS.incrementAndGet();
        this.server = SharedTrickleServer.get();
    }

    public static ExternalContextFactory<TrickleSinkExternalContext> factory() {
        return testName -> new TrickleSinkExternalContext();
    }

    @Override
    public Sink<String> createSink(TestingSinkSettings settings) {
        String base = server.baseUri().toString() + id + "-";
        return TrickleSink.<String>builder()
                .router((record, subtask) -> URI.create(base + subtask))
                .encoder(new JsonMessageEncoder<>())
                .contentType("text/plain")
                // Keep the channels after the job so that the reader can read them.
                .setOption(TrickleOptions.DELETE_ON_END_OF_INPUT, false)
                .build();
    }

    @Override
    public ExternalSystemDataReader<String> createSinkDataReader(TestingSinkSettings settings) {
        Reader reader = new Reader();
        readers.add(reader);
        return reader;
    }

    /** Reads every channel of this context, each on its own thread, into one queue. */
    private final class Reader implements ExternalSystemDataReader<String> {
        private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final Map<String, TrickleSubscriber> subscribers = new HashMap<>();
        private final List<Thread> threads = new ArrayList<>();

        @Override
        public List<String> poll(Duration timeout) {
            for (String name : server.channelNames()) {
                if (name.startsWith(id + "-") && !subscribers.containsKey(name)) {
                    follow(name);
                }
            }
            List<String> out = new ArrayList<>();
            try {
                String first = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    out.add(first);
                    received.drainTo(out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }

        private void follow(String name) {
            TrickleSubscriber sub =
                    TrickleSubscriber.builder(server.channelUri(name)).startSeq(0).build();
            subscribers.put(name, sub);
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    Optional<TrickleSegment> s;
                                    while ((s = sub.next()).isPresent()) {
                                        try (TrickleSegment segment = s.get()) {
                                            received.add(
                                                    new String(
                                                            segment.body().readAllBytes(),
                                                            StandardCharsets.UTF_8));
                                        }
                                    }
                                } catch (IOException | InterruptedException e) {
                                    // Closed by close(), or the channel ended.
                                }
                            },
                            "sink-reader-" + name);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }

        @Override
        public void close() {
            subscribers.values().forEach(TrickleSubscriber::close);
        }
    }

    @Override
    public List<String> generateTestData(TestingSinkSettings settings, long seed) {
        Random random = new Random(seed);
        int count = 20 + random.nextInt(80);
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add("record-" + i + "-" + Long.toHexString(random.nextLong()));
        }
        return records;
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    @Override
    public List<URL> getConnectorJarPaths() {
        return List.of();
    }

    @Override
    public void close() {
        readers.forEach(Reader::close);
        for (String name : server.channelNames()) {
            if (name.startsWith(id + "-")) {
                server.deleteChannel(name);
            }
        }
    }
}
