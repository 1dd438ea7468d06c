package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.jobs.processors.BlurBatchModel;
import io.flinktrickle.jobs.processors.BlurModel;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.operator.FrameProcessing;
import io.flinktrickle.processor.operator.HarnessStream;
import io.flinktrickle.processor.operator.ProcessorTestHarness;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The batching benchmark of issue 17, in two parts.
 *
 * <ol>
 *   <li>The operator: 4 live streams × 30 fps of 256×256 frames on one slot (MiniCluster,
 *       parallelism 1, the default real-time policy: drop oldest), into a {@link
 *       BatchFrameProcessor} whose call costs 8 ms plus 1 ms per frame, for {@code maxBatchSize} 1,
 *       2, 4 and 8: fps out, frames dropped, latency p50/p95 (arrival to the sink). The cost is a
 *       sleep by default (a GPU call, during which the CPU thread waits), or busy CPU work with
 *       {@code --cpu}. One frame at a time costs 9 ms, so 111 fps at most: below the 120 fps in.
 *   <li>The DJL example: {@link BlurModel} one frame at a time against {@link BlurBatchModel} on
 *       batches of 4 and 8 (512×512 frames, DJL's PyTorch engine on the CPU), in frames per
 *       CPU-second of the process (all threads) and frames per wall-second.
 * </ol>
 *
 * <p>Run it with {@code ./bin/bench-batching [--seconds S] [--cpu] [--threads N] [--skip-djl]
 * [--skip-operator]}. PyTorch runs one intra-op thread unless {@code --threads} says otherwise, so
 * that CPU-seconds count work and not OpenMP's spin-waiting. The machine's load average is printed
 * with each figure: another build on a small machine disturbs them.
 */
@Internal
public final class BatchingBenchmark {
    /** The command line ({@link Cli}), parsed on the thread of {@code main}. */
    @Command(
            name = "bin/bench-batching",
            synopsisHeading = "usage: ",
            sortOptions = false,
            description = "A BatchFrameProcessor's batches against one call per frame.")
    static final class Args implements Cli.Checked {
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Cli.HelpOption help;

        @Option(
                names = "--seconds",
                paramLabel = "S",
                description = "seconds of input per batch size (default 15)")
        int seconds = 15;

        @Option(names = "--cpu", description = "the processor's cost is busy CPU work, not a sleep")
        boolean cpu;

        @Option(
                names = "--threads",
                paramLabel = "N",
                description = "PyTorch's intra-op threads in the DJL part (default 1)")
        int threads = 1;

        @Option(names = "--skip-djl", description = "only the operator part")
        boolean skipDjl;

        @Option(names = "--skip-operator", description = "only the DJL part")
        boolean skipOperator;

        @Override
        public void check() {
            Cli.check(
                    spec,
                    seconds > SETTLE_SECONDS,
                    "--seconds must be above " + SETTLE_SECONDS + " but is " + seconds);
            Cli.positive(spec, "--threads", threads);
        }
    }

    private static final int STREAMS = 4;
    private static final int FPS = 30;
    private static final int WIDTH = 256;
    private static final int HEIGHT = 256;
    private static final long CALL_MILLIS = 8;
    private static final long FRAME_MILLIS = 1;
    private static final int[] BATCH_SIZES = {1, 2, 4, 8};
    private static final long PTS_PER_FRAME = 90_000 / FPS;

    /** Seconds of a run's start whose latencies are not counted (the job's warm-up). */
    private static final int SETTLE_SECONDS = 2;

    private static final int DJL_SIZE = 512;
    private static final int DJL_FRAMES = 96;
    private static final int[] DJL_BATCHES = {1, 4, 8};
    private static final int DJL_ROUNDS = 5;
    private static final String TORCH_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private BatchingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Args parsed = new Args();
        if (!Cli.parseOrExit(parsed, args)) {
            return;
        }
        int seconds = parsed.seconds;
        boolean cpu = parsed.cpu;
        int threads = parsed.threads;
        // Before the engine loads. One thread by default: CPU-seconds without OpenMP's spinning.
        System.setProperty(TORCH_THREADS_PROPERTY, Integer.toString(threads));
        System.out.printf(
                "machine: %d cores, load %s%n", Runtime.getRuntime().availableProcessors(), load());
        if (!parsed.skipOperator) {
            runOperator(seconds, cpu);
        }
        if (!parsed.skipDjl) {
            runDjl();
        }
    }

    // ---- part 1: the operator ----

    private static void runOperator(int seconds, boolean cpu) throws Exception {
        System.out.printf(
                "operator: %d streams x %d fps of %dx%d, %d s each; processor cost %d ms per call"
                        + " + %d ms per frame, as %s%n",
                STREAMS,
                FPS,
                WIDTH,
                HEIGHT,
                seconds,
                CALL_MILLIS,
                FRAME_MILLIS,
                cpu ? "busy CPU work" : "a sleep (a GPU call: the CPU thread waits)");
        System.out.println(
                "| maxBatchSize | fps in | fps out | dropped | latency p50 | latency p95 |"
                        + " mean batch | load (1 min) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int size : BATCH_SIZES) {
            runOperator(size, seconds, cpu);
        }
    }

    private static void runOperator(int batchSize, int seconds, boolean cpu) throws Exception {
        int frames = STREAMS * FPS * seconds;
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        env.getConfig().enableObjectReuse();
        DataStream<Frame> source =
                env.fromSource(
                        new DataGeneratorSource<>(
                                new SyntheticFrames(
                                        "stream", STREAMS, WIDTH, HEIGHT, PTS_PER_FRAME),
                                frames,
                                RateLimiterStrategy.perSecond(STREAMS * FPS),
                                new FrameTypeInfo()),
                        WatermarkStrategy.noWatermarks(),
                        "streams");
        FrameProcessing.builder(new Cost(cpu))
                .maxFramerate(0)
                .maxBatchSize(batchSize)
                .build()
                .apply(
                        DataStreamUtils.reinterpretAsKeyedStream(
                                source, Frame::streamKey, Types.STRING))
                .sinkTo(new Latencies());
        Latencies.reset();
        Cost.reset();
        env.execute("batching " + batchSize);
        List<long[]> seen = new ArrayList<>(Latencies.SEEN);
        long first = seen.get(0)[0];
        long last = seen.get(seen.size() - 1)[0];
        long settled = first + TimeUnit.SECONDS.toMillis(SETTLE_SECONDS);
        long[] latencies =
                seen.stream().filter(s -> s[0] >= settled).mapToLong(s -> s[1]).sorted().toArray();
        System.out.printf(
                "| %d | %d | %.1f | %d (%.1f%%) | %d ms | %d ms | %.2f | %s |%n",
                batchSize,
                STREAMS * FPS,
                (seen.size() - 1) * 1000.0 / Math.max(1, last - first),
                frames - seen.size(),
                100.0 * (frames - seen.size()) / frames,
                latencies[latencies.length / 2],
                latencies[(int) (latencies.length * 0.95)],
                (double) Cost.FRAMES.get() / Math.max(1, Cost.CALLS.get()),
                load());
    }

    /** Costs 8 ms per call plus 1 ms per frame (sleep, or busy CPU work); returns the frames. */
    private static final class Cost implements BatchFrameProcessor {
        private static final long serialVersionUID = 1L;
        static final java.util.concurrent.atomic.AtomicLong CALLS =
                new java.util.concurrent.atomic.AtomicLong();
        static final java.util.concurrent.atomic.AtomicLong FRAMES =
                new java.util.concurrent.atomic.AtomicLong();
        private final boolean cpu;

        Cost(boolean cpu) {
            this.cpu = cpu;
        }

        static void reset() {
            CALLS.set(0);
            FRAMES.set(0);
        }

        @Override
        public List<VideoFrame> processBatch(
                List<VideoFrame> frames, List<ProcessorContext> contexts)
                throws InterruptedException {
            CALLS.incrementAndGet();
            FRAMES.addAndGet(frames.size());
            long nanos = TimeUnit.MILLISECONDS.toNanos(CALL_MILLIS + FRAME_MILLIS * frames.size());
            if (cpu) {
                long end = System.nanoTime() + nanos;
                long x = 0;
                while (System.nanoTime() < end) {
                    x += x * 31 + 7; // work the JIT cannot drop: the result is used below
                }
                if (x == 42) {
                    Thread.yield();
                }
            } else {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
            return frames;
        }
    }

    /** Notes each video frame's emission time and latency (same JVM). */
    private static final class Latencies implements Sink<Frame> {
        private static final long serialVersionUID = 1L;
        static final ConcurrentLinkedQueue<long[]> SEEN = new ConcurrentLinkedQueue<>();

        static void reset() {
            SEEN.clear();
        }

        @Override
        public SinkWriter<Frame> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Frame f, Context ctx) {
                    if (f.isVideo()) {
                        long now = System.currentTimeMillis();
                        SEEN.add(new long[] {now, now - f.arrivalMillis()});
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    // ---- part 2: the DJL example ----

    private static void runDjl() throws Exception {
        System.out.printf(
                "%nDJL example: %dx%d frames, medians of %d rounds of %d (after one warm-up"
                        + " round), PyTorch on the CPU with %s intra-op thread(s)%n",
                DJL_SIZE,
                DJL_SIZE,
                DJL_ROUNDS,
                DJL_FRAMES,
                System.getProperty(TORCH_THREADS_PROPERTY));
        System.out.println(
                "| processor | frames per call | frames per CPU-second | frames per wall-second |"
                        + " load (1 min) |");
        System.out.println("|---|---|---|---|---|");
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < DJL_FRAMES; i++) {
            byte[] rgb = new byte[DJL_SIZE * DJL_SIZE * 3];
            for (int p = 0; p < rgb.length; p++) {
                rgb[p] = (byte) (p * 7 + i * 13);
            }
            frames.add(
                    new VideoFrame(
                            "s" + (i % STREAMS), i * PTS_PER_FRAME, 0, DJL_SIZE, DJL_SIZE, rgb, 0));
        }
        for (int batch : DJL_BATCHES) {
            try (ProcessorTestHarness harness =
                    ProcessorTestHarness.builder(
                                    batch == 1 ? new BlurModel() : new BlurBatchModel())
                            .callTimeout(Duration.ofMinutes(2))
                            .build()) {
                List<HarnessStream> streams = new ArrayList<>();
                for (int s = 0; s < STREAMS; s++) {
                    streams.add(harness.startStream("s" + s));
                }
                djlRound(harness, streams, frames, batch); // warm-up
                double[] perCpuSecond = new double[DJL_ROUNDS];
                double[] perWallSecond = new double[DJL_ROUNDS];
                for (int r = 0; r < DJL_ROUNDS; r++) {
                    long cpu0 = processCpuNanos();
                    long wall0 = System.nanoTime();
                    djlRound(harness, streams, frames, batch);
                    perCpuSecond[r] = frames.size() / ((processCpuNanos() - cpu0) / 1e9);
                    perWallSecond[r] = frames.size() / ((System.nanoTime() - wall0) / 1e9);
                }
                System.out.printf(
                        "| %s | %d | %.1f | %.1f | %s |%n",
                        batch == 1 ? "BlurModel" : "BlurBatchModel",
                        batch,
                        median(perCpuSecond),
                        median(perWallSecond),
                        load());
            }
        }
    }

    private static void djlRound(
            ProcessorTestHarness harness,
            List<HarnessStream> streams,
            List<VideoFrame> frames,
            int batch)
            throws Exception {
        for (int i = 0; i < frames.size(); i += batch) {
            if (batch == 1) {
                streams.get(i % STREAMS).processVideo(frames.get(i));
                continue;
            }
            List<HarnessStream> owners = new ArrayList<>();
            for (int j = i; j < i + batch; j++) {
                owners.add(streams.get(j % STREAMS));
            }
            harness.processBatch(owners, frames.subList(i, i + batch));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The 1-minute load average ({@code /proc/loadavg}), or "?" where there is none. */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
