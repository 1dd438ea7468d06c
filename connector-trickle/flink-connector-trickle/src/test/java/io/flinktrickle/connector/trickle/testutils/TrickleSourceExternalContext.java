package io.flinktrickle.connector.trickle.testutils;

import io.flinktrickle.connector.trickle.TrickleOptions;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.ChannelDiscovery;
import io.flinktrickle.connector.trickle.source.TextLineDecoder;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.TrickleSourceBuilder;
import io.flinktrickle.connector.trickle.source.split.StartPosition;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.ExternalSystemSplitDataWriter;
import org.apache.flink.connector.testframe.external.source.DataStreamSourceExternalContext;
import org.apache.flink.connector.testframe.external.source.TestingSourceSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The trickle source's external context for Flink's {@code SourceTestSuiteBase}: each split is a
 * channel on the {@link SharedTrickleServer}; each {@code writeRecords} call publishes one segment
 * with the records as lines, read back with {@link TextLineDecoder}. The source finds the context's
 * channels through a {@link ChannelDiscovery} hook, as they are created after it.
 */
public final class TrickleSourceExternalContext implements DataStreamSourceExternalContext<String> {

    /** Channels created by each context (discovery runs in the same JVM: MiniCluster). */
    private static final Map<String, Map<String, URI>> CHANNELS = new ConcurrentHashMap<>();

    private static final AtomicInteger CONTEXTS = new AtomicInteger();

    private final String id;
    private final TrickleServer server;
    private final List<TricklePublisher> publishers = new ArrayList<>();

    public TrickleSourceExternalContext() {
        this.id = "src" + CONTEXTS.incrementAndGet();
        this.server = SharedTrickleServer.get();
        CHANNELS.put(id, new LinkedHashMap<>());
    }

    /** The factory the suite's {@code @TestContext} field holds. */
    public static ExternalContextFactory<TrickleSourceExternalContext> factory() {
        return testName -> new TrickleSourceExternalContext();
    }

    /** Discovery of this context's channels; serializable (captures only the id). */
    private static final class ContextChannels implements ChannelDiscovery {
        private static final long serialVersionUID = 1L;
        private final String id;

        ContextChannels(String id) {
            this.id = id;
        }

        @Override
        public Map<String, URI> discover() {
            synchronized (CHANNELS.get(id)) {
                return new LinkedHashMap<>(CHANNELS.get(id));
            }
        }
    }

    @Override
    public Source<String, ?, ?> createSource(TestingSourceSettings settings) {
        TrickleSourceBuilder<String> b =
                TrickleSource.<String>builder()
                        .discovery(new ContextChannels(id))
                        .startPosition(StartPosition.fromSeq(0))
                        .decoder(new TextLineDecoder())
                        .setOption(TrickleOptions.DISCOVERY_INTERVAL, Duration.ofMillis(200))
                        .setOption(TrickleOptions.READ_IDLE_TIMEOUT, Duration.ZERO);
        if (settings.getBoundedness() == Boundedness.BOUNDED) {
            b.bounded();
        }
        return b.build();
    }

    @Override
    public ExternalSystemSplitDataWriter<String> createSourceSplitDataWriter(
            TestingSourceSettings settings) {
        Map<String, URI> channels = CHANNELS.get(id);
        String name;
        URI uri;
        synchronized (channels) {
            name = id + "-split" + channels.size();
            server.createChannel(name, "text/plain");
            uri = server.channelUri(name);
            channels.put(name, uri);
        }
        TricklePublisher publisher =
                TricklePublisher.builder(uri)
                        .contentType("text/plain")
                        .deleteOnClose(false)
                        .build();
        publishers.add(publisher);
        return new ExternalSystemSplitDataWriter<>() {
            @Override
            public void writeRecords(List<String> records) {
                try {
                    publisher.publish(String.join("\n", records).getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public List<String> generateTestData(
            TestingSourceSettings settings, int splitIndex, long seed) {
        Random random = new Random(seed);
        int count = 10 + random.nextInt(90);
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            sb.append(splitIndex).append('-').append(i).append('-');
            int len = 1 + random.nextInt(40);
            for (int c = 0; c < len; c++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            records.add(sb.toString());
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
    public void close() throws IOException {
        for (TricklePublisher p : publishers) {
            p.close();
        }
        for (String name : CHANNELS.remove(id).keySet()) {
            server.deleteChannel(name);
        }
    }
}
