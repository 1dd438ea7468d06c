package io.flinktrickle.connector.trickle;

import io.flinktrickle.connector.trickle.protocol.JdkTrickleHttp;
import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.connector.trickle.protocol.SegmentWriter;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;
import io.flinktrickle.connector.trickle.protocol.TrickleHttp;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.sink.JsonMessageEncoder;
import io.flinktrickle.connector.trickle.sink.RawSegmentEncoder;
import io.flinktrickle.connector.trickle.sink.TrickleSink;
import io.flinktrickle.connector.trickle.source.JsonMessageDecoder;
import io.flinktrickle.connector.trickle.source.RawSegmentDecoder;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.source.TrickleSegmentRecord;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.split.StartPosition;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Jobs {@code TrickleSource → TrickleSink} on a MiniCluster and the real embedded server. */
class TrickleSourceSinkITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(4);

    private static final TrickleClientConfig FAST_RETRY =
            TrickleClientConfig.builder()
                    .initialBackoff(Duration.ofMillis(100))
                    .maxBackoff(Duration.ofMillis(500))
                    .maxAttempts(40)
                    .build();

    private TrickleServer server;
    private final ExecutorService readers = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server =
                TrickleServer.builder()
                        .basePath("/ai/trickle/")
                        .retainedSegments(64)
                        .build()
                        .start();
    }

    @AfterEach
    void stop() {
        readers.shutdownNow();
        server.close();
    }

    /** The video path of a live job: source → keyed operator (reinterpreted) → sink. */
    private static DataStream<TrickleSegmentRecord> relay(
            StreamExecutionEnvironment env, TrickleSource<TrickleSegmentRecord> source) {
        DataStream<TrickleSegmentRecord> in =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "trickle-in");
        return DataStreamUtils.reinterpretAsKeyedStream(in, r -> r.channel, Types.STRING)
                .process(new CountPerStream())
                .name("per-stream");
    }

    /** Keeps a per-stream count in keyed state and passes segments on unchanged. */
    private static final class CountPerStream
            extends KeyedProcessFunction<String, TrickleSegmentRecord, TrickleSegmentRecord> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(
                TrickleSegmentRecord r, Context ctx, Collector<TrickleSegmentRecord> out)
                throws IOException {
            Long c = count.value();
            count.update(c == null ? 1 : c + 1);
            out.collect(r);
        }
    }

    /** Republishes each segment on {@code <its channel>-out}. */
    private TrickleSink<TrickleSegmentRecord> toOutChannels() {
        return TrickleSink.<TrickleSegmentRecord>builder()
                .router(RawSegmentEncoder.routeByChannel(server.baseUri().toString(), "-out"))
                .encoder(new RawSegmentEncoder())
                .setOption(TrickleOptions.INITIAL_BACKOFF, Duration.ofMillis(100))
                .setOption(TrickleOptions.MAX_ATTEMPTS, 40)
                .build();
    }

    private Future<List<byte[]>> readAll(URI channel) {
        return readAll(channel, Collections.synchronizedList(new ArrayList<>()));
    }

    /** Reads a channel from seq 0 to its end into {@code out} (visible while it reads). */
    private Future<List<byte[]>> readAll(URI channel, List<byte[]> out) {
        return readAll(channel, out, TrickleProtocol.SUBSCRIBER_REFRESH);
    }

    private Future<List<byte[]>> readAll(URI channel, List<byte[]> out, Duration refresh) {
        TrickleSubscriber sub =
                TrickleSubscriber.builder(channel)
                        .startSeq(0)
                        .config(
                                TrickleClientConfig.builder()
                                        .initialBackoff(Duration.ofMillis(100))
                                        .maxBackoff(Duration.ofMillis(500))
                                        .maxAttempts(40)
                                        .refreshInterval(refresh)
                                        .build())
                        .awaitChannel(Duration.ofSeconds(60))
                        .build();
        return readers.submit(
                () -> {
                    try (sub) {
                        Optional<TrickleSegment> s;
                        while ((s = sub.next()).isPresent()) {
                            try (TrickleSegment seg = s.get()) {
                                out.add(seg.body().readAllBytes());
                            }
                        }
                    }
                    return out;
                });
    }

    @Test
    void clipAIsRepublishedByteIdenticalThroughOneChainedTask() throws Exception {
        List<Path> files = TestMedia.clipA();
        server.createChannel("in", TrickleProtocol.MIME_MPEGTS);
        server.createChannel("in-out", TrickleProtocol.MIME_MPEGTS); // as the orchestrator does
        try (TricklePublisher pub = TricklePublisher.builder(server.channelUri("in")).build()) {
            for (Path f : files) {
                pub.publish(TestMedia.read(f));
            }
            Future<List<byte[]>> out = readAll(server.channelUri("in-out"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            TrickleSource<TrickleSegmentRecord> source =
                    TrickleSource.<TrickleSegmentRecord>builder()
                            .channels(server.baseUri(), "in")
                            .startPosition(StartPosition.fromSeq(0))
                            .decoder(new RawSegmentDecoder())
                            .build();
            relay(env, source).sinkTo(toOutChannels()).name("trickle-out");
            JobGraph graph = env.getStreamGraph(false).getJobGraph();
            assertThat(graph.getNumberOfVertices())
                    .as("source, keyed operator and sink chain into one task")
                    .isEqualTo(1);

            JobClient job = env.executeAsync("relay clip A");
            // Let the job read everything, then end the input stream: the job finishes and the
            // sink completes and DELETEs its channel, which ends our reader.
            waitForChannel("in-out", files.size());
            pub.close();
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            List<byte[]> got = out.get(30, TimeUnit.SECONDS);
            assertThat(got).hasSize(files.size());
            for (int i = 0; i < files.size(); i++) {
                assertThat(got.get(i)).as("segment %d", i).isEqualTo(TestMedia.read(files.get(i)));
            }
        }
    }

    @Test
    void jsonMessagesAreRepublished() throws Exception {
        server.createChannel("ctl", TrickleProtocol.MIME_JSON);
        server.createChannel("ctl-copy", TrickleProtocol.MIME_JSON);
        ObjectMapper json = new ObjectMapper();
        try (JsonMessagePublisher pub =
                new JsonMessagePublisher(
                        TricklePublisher.builder(server.channelUri("ctl"))
                                .contentType(TrickleProtocol.MIME_JSON)
                                .build(),
                        json)) {
            Future<List<byte[]>> out = readAll(server.channelUri("ctl-copy"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.fromSource(
                            TrickleSource.<TrickleMessage>builder()
                                    .channels(server.baseUri(), "ctl")
                                    .startPosition(StartPosition.fromSeq(0))
                                    .decoder(new JsonMessageDecoder())
                                    .build(),
                            WatermarkStrategy.noWatermarks(),
                            "control")
                    .sinkTo(
                            TrickleSink.<TrickleMessage>builder()
                                    .channel(server.channelUri("ctl-copy"))
                                    .contentType(TrickleProtocol.MIME_JSON)
                                    .encoder(new JsonMessageEncoder<>())
                                    .build());
            JobClient job = env.executeAsync("json relay");
            for (int i = 0; i < 4; i++) {
                pub.publish(Map.of("prompt", "p" + i, "strength", i / 10.0));
            }
            // A message that is not JSON is skipped, the channel goes on.
            pub.publisher().publish("not json".getBytes(StandardCharsets.UTF_8));
            pub.publish(Map.of("keep", "alive"));
            waitForChannel("ctl-copy", 5);
            pub.close();
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            List<String> got = new ArrayList<>();
            for (byte[] b : out.get(30, TimeUnit.SECONDS)) {
                got.add(new String(b, StandardCharsets.UTF_8));
            }
            assertThat(got).hasSize(5);
            assertThat(json.readTree(got.get(2)).get("prompt").asText()).isEqualTo("p2");
            assertThat(json.readTree(got.get(4)).get("keep").asText()).isEqualTo("alive");
        }
    }

    @Test
    void aChannelDeletedMidJobFinishesItsSplitAndTheOthersGoOn() throws Exception {
        server.createChannel("a", "text/plain");
        server.createChannel("b", "text/plain");
        server.createChannel("a-out", TrickleProtocol.MIME_MPEGTS);
        server.createChannel("b-out", TrickleProtocol.MIME_MPEGTS);
        try (TricklePublisher a = TricklePublisher.builder(server.channelUri("a")).build();
                TricklePublisher b = TricklePublisher.builder(server.channelUri("b")).build()) {
            Future<List<byte[]>> outA = readAll(server.channelUri("a-out"));
            Future<List<byte[]>> outB = readAll(server.channelUri("b-out"));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            relay(
                            env,
                            TrickleSource.<TrickleSegmentRecord>builder()
                                    .channels(server.baseUri(), "a", "b")
                                    .startPosition(StartPosition.fromSeq(0))
                                    .decoder(new RawSegmentDecoder())
                                    .build())
                    .sinkTo(toOutChannels());
            JobClient job = env.executeAsync("two channels");
            a.publish(bytes("a0"));
            b.publish(bytes("b0"));
            waitForChannel("a-out", 1);
            a.close(); // channel a ends: its reader (subtask) ends, which closes a-out too
            assertThat(outA.get(30, TimeUnit.SECONDS)).hasSize(1);
            assertThat(job.getJobStatus().get().isTerminalState()).isFalse();
            b.publish(bytes("b1"));
            waitForChannel("b-out", 2);
            b.close(); // the last channel ends: the job finishes
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            assertThat(outB.get(30, TimeUnit.SECONDS))
                    .extracting(x -> new String(x, StandardCharsets.UTF_8))
                    .containsExactly("b0", "b1");
        }
    }

    @Test
    void aServerRestartMidJobIsSurvived() throws Exception {
        int port = server.port();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        relay(
                        env,
                        TrickleSource.<TrickleSegmentRecord>builder()
                                .channels(server.baseUri(), "live")
                                .startPosition(StartPosition.fromSeq(0))
                                .decoder(new RawSegmentDecoder())
                                .setOption(TrickleOptions.AWAIT_CHANNEL, Duration.ofSeconds(30))
                                .setOption(TrickleOptions.INITIAL_BACKOFF, Duration.ofMillis(100))
                                .setOption(TrickleOptions.MAX_ATTEMPTS, 40)
                                .build())
                .sinkTo(toOutChannels());
        JobClient job = env.executeAsync("restart");
        TricklePublisher pub =
                TricklePublisher.builder(server.channelUri("live")).config(FAST_RETRY).build();
        pub.publish(bytes("before-0"));
        pub.publish(bytes("before-1"));
        waitForChannel("live-out", 2);

        server.close();
        Thread.sleep(1_000);
        server =
                TrickleServer.builder()
                        .basePath("/ai/trickle/")
                        .retainedSegments(64)
                        .port(port)
                        .build()
                        .start();
        // The orchestrator re-creates the output channel; the input comes back with its first POST.
        server.createChannel("live-out", TrickleProtocol.MIME_MPEGTS);
        List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
        // The sink resumes at its own seq (2) on the fresh channel: the reader waiting on seq 0
        // finds out through /next when its long poll is refreshed (every second here).
        Future<List<byte[]>> out =
                readAll(server.channelUri("live-out"), received, Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            pub.publish(bytes("after-" + i));
            Thread.sleep(200);
        }
        Await.until(
                () ->
                        received.stream()
                                .anyMatch(
                                        b ->
                                                new String(b, StandardCharsets.UTF_8)
                                                        .equals("after-2")),
                30,
                "after-2 read from live-out");
        pub.close();
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        List<String> got = new ArrayList<>();
        for (byte[] b : out.get(30, TimeUnit.SECONDS)) {
            got.add(new String(b, StandardCharsets.UTF_8));
        }
        assertThat(got).isNotEmpty().allMatch(s -> s.startsWith("after-"));
        assertThat(got).contains("after-2");
    }

    @Test
    void perSegmentOverheadOfTheJobOverTheRawClient() throws Exception {
        server.createChannel("bench", TrickleProtocol.MIME_MPEGTS);
        server.createChannel("direct", TrickleProtocol.MIME_MPEGTS);
        byte[] payload = TestMedia.read(TestMedia.clipA().get(0));
        int rounds = 40;
        double direct =
                medianFirstByteMillis(
                        server.channelUri("direct"), server.channelUri("direct"), payload, rounds);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        relay(
                        env,
                        TrickleSource.<TrickleSegmentRecord>builder()
                                .channels(server.baseUri(), "bench")
                                .startPosition(StartPosition.fromSeq(0))
                                .decoder(new RawSegmentDecoder())
                                .build())
                .sinkTo(toOutChannels());
        JobClient job = env.executeAsync("bench");
        server.createChannel("bench-out", TrickleProtocol.MIME_MPEGTS);
        double viaJob =
                medianFirstByteMillis(
                        server.channelUri("bench"),
                        server.channelUri("bench-out"),
                        payload,
                        rounds);
        job.cancel().get(30, TimeUnit.SECONDS);
        System.out.printf(
                "per-segment latency (publish of a %d-byte clip A segment -> first byte at a"
                        + " subscriber), median of %d: raw protocol client %.2f ms, through the"
                        + " TrickleSource -> TrickleSink job %.2f ms, overhead %.2f ms%n",
                payload.length, rounds, direct, viaJob, viaJob - direct);
        assertThat(viaJob).isLessThan(1_000);
    }

    /** Publishes whole segments to {@code in} and times the first byte of each at {@code out}. */
    private double medianFirstByteMillis(URI in, URI out, byte[] payload, int rounds)
            throws Exception {
        double[] millis = new double[rounds];
        try (TricklePublisher pub = TricklePublisher.builder(in).deleteOnClose(false).build();
                // Seq 0 of a fresh channel, not -1: a GET for -1 that reaches the server after the
                // publish began waits for the segment after it (a race of the test, not a delay).
                TrickleSubscriber sub = TrickleSubscriber.builder(out).startSeq(0).build()) {
            for (int i = 0; i < rounds; i++) {
                CompletableFuture<Long> firstByte =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try (TrickleSegment s = sub.next().orElseThrow()) {
                                        s.body().read();
                                        long at = System.nanoTime();
                                        s.body().readAllBytes();
                                        return at;
                                    } catch (IOException | InterruptedException e) {
                                        throw new IllegalStateException(e);
                                    }
                                },
                                readers);
                Thread.sleep(20); // the long polls settle, as in steady state
                long start = System.nanoTime();
                try (SegmentWriter w = pub.next()) {
                    w.write(payload);
                }
                millis[i] = (firstByte.get(10, TimeUnit.SECONDS) - start) / 1e6;
            }
        }
        Arrays.sort(millis);
        return millis[rounds / 2];
    }

    private void waitForChannel(String channel, long segments) throws InterruptedException {
        Await.until(
                () -> server.channelNames().contains(channel) && nextWrite(channel) >= segments,
                30,
                channel + " reaching " + segments + " segments");
    }

    /** The channel's {@code nextWrite} ({@code GET /{ch}/next}), 0 when it does not exist. */
    private long nextWrite(String channel) {
        try (TrickleHttp http = JdkTrickleHttp.shared(TrickleClientConfig.defaults());
                TrickleHttp.Response r =
                        http.get(
                                        URI.create(server.channelUri(channel) + "/next"),
                                        Duration.ofSeconds(5))
                                .get(5, TimeUnit.SECONDS)) {
            return r.status() == 200
                    ? Long.parseLong(
                            new String(r.body().readAllBytes(), StandardCharsets.US_ASCII).trim())
                    : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
