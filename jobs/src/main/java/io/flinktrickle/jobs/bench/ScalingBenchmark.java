package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.operator.FrameProcessing;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scaling through parallelism (issue 8): the same load, a CPU-bound processor on several streams in
 * one job, at parallelism 1 and 2 on a MiniCluster. The processor is a box blur in plain Java (one
 * thread per call, as a model on a CPU slot would be); 512×512 frames are generated as fast as the
 * job takes them (the operator's {@code BLOCK} policy passes backpressure on), each subtask
 * generating only the streams it owns, so nothing is shuffled or serialized. Prints frames per
 * second, the real-time streams that makes at 30 fps, and the ratio between the two parallelisms.
 *
 * <p>Run it with {@code ./bin/bench-scaling [streams] [seconds]}, or against a session cluster
 * (e.g. {@code bin/cluster start --taskmanagers 2 --slots 1}) with {@code ./bin/bench-scaling
 * --cluster 127.0.0.1:PORT jobs/target/jobs-*-job.jar [streams] [seconds]}. Main thread only; the
 * work runs in the MiniCluster's task threads and the operator's processor threads.
 */
@Internal
public final class ScalingBenchmark {
    /** The command line ({@link Cli}), parsed on the thread of {@code main}. */
    @Command(
            name = "bin/bench-scaling",
            synopsisHeading = "usage: ",
            description = "Frames per second of one job at parallelism 1 and 2.")
    static final class Args implements Cli.Checked {
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Cli.HelpOption help;

        @Option(
                names = "--cluster",
                arity = "2",
                paramLabel = "HOST:REST_PORT JOB_JAR",
                description = "run on a session cluster with this job jar (default: a MiniCluster)")
        List<String> cluster;

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "STREAMS",
                description = "streams in the job, at least 2 (default 4)")
        int streams = 4;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "SECONDS",
                description = "seconds measured per run, at least 1 (default 20)")
        int seconds = 20;

        @Override
        public void check() {
            Cli.check(spec, streams >= 2, "STREAMS must be at least 2 but is " + streams);
            Cli.check(spec, seconds >= 1, "SECONDS must be at least 1 but is " + seconds);
        }
    }

    private static final int WIDTH = 512;
    private static final int HEIGHT = 512;
    private static final int FPS = 30;
    private static final long WARMUP_MILLIS = 5_000;

    private ScalingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Args parsed = new Args();
        if (!Cli.parseOrExit(parsed, args)) {
            return;
        }
        String cluster = parsed.cluster == null ? null : parsed.cluster.get(0);
        String jar = parsed.cluster == null ? null : parsed.cluster.get(1);
        int streams = parsed.streams;
        int seconds = parsed.seconds;
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                "machine: %d cores, %s; %d streams of %dx%d RGB24 in one job, box blur (plain"
                        + " Java), %s%n",
                cores,
                MediaBenchmark.cpuModel(),
                streams,
                WIDTH,
                HEIGHT,
                cluster == null
                        ? String.format(
                                "MiniCluster, %d s measured after %d s warm-up",
                                seconds, WARMUP_MILLIS / 1000)
                        : String.format(
                                "session cluster at %s, a bounded run of about %d s each, timed by"
                                        + " the job's net runtime",
                                cluster, seconds));
        double[] fps = new double[2];
        for (int p = 1; p <= 2; p++) {
            double[] r =
                    cluster == null
                            ? run(p, streams, seconds)
                            : runOnCluster(cluster, jar, p, streams, seconds);
            fps[p - 1] = r[0];
            System.out.printf(
                    "parallelism %d: %7.1f frames/s (%.1f real-time streams at %d fps)%s%n",
                    p,
                    r[0],
                    r[0] / FPS,
                    FPS,
                    cluster == null
                            ? String.format(
                                    ", %.2f CPU cores busy, %.2f ms CPU per frame",
                                    r[1], r[1] * 1000 / r[0])
                            : "");
        }
        System.out.printf(
                "scaling from parallelism 1 to 2: %.2fx (ideal on %d cores: %.1fx)%n",
                fps[1] / fps[0], cores, Math.min(2.0, cores));
    }

    /**
     * One bounded job at {@code parallelism} on a session cluster (its TaskManagers are other
     * processes, so frames are counted by the job itself): {@code seconds} worth of frames at the
     * MiniCluster's rate of parallelism 1 per subtask, timed by the job's net runtime (which
     * includes deployment; about a second). Returns {frames per second}.
     */
    private static double[] runOnCluster(
            String cluster, String jar, int parallelism, int streams, int seconds)
            throws Exception {
        String[] hostPort = cluster.split(":");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createRemoteEnvironment(
                        hostPort[0], Integer.parseInt(hostPort[1]), jar);
        env.setParallelism(parallelism);
        env.getConfig().enableObjectReuse();
        long frames = 250L * seconds * parallelism; // about 4 ms of CPU each
        blurred(env, streams, frames)
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        long millis =
                env.execute("scaling-cluster-p" + parallelism)
                        .getNetRuntime(java.util.concurrent.TimeUnit.MILLISECONDS);
        return new double[] {frames * 1000.0 / millis};
    }

    /**
     * {@code frames} generated frames of {@code streams} streams through the box blur, keyed
     * without a shuffle (each source subtask generates the streams its operator subtask owns).
     */
    private static DataStream<Frame> blurred(
            StreamExecutionEnvironment env, int streams, long frames) {
        DataStream<Frame> source =
                env.fromSource(
                        new DataGeneratorSource<>(
                                new Frames(streams),
                                frames,
                                RateLimiterStrategy.noOp(),
                                new FrameTypeInfo()),
                        WatermarkStrategy.noWatermarks(),
                        "frames");
        return FrameProcessing.builder(new BoxBlur())
                .policy(RealTimePolicy.BLOCK) // at full speed nothing may be dropped
                .maxFramerate(0)
                .build()
                .apply(
                        DataStreamUtils.reinterpretAsKeyedStream(
                                source, Frame::streamKey, Types.STRING));
    }

    /** One job at {@code parallelism}; returns {frames per second, CPU cores busy}. */
    private static double[] run(int parallelism, int streams, int seconds) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration());
        env.getConfig().enableObjectReuse();
        Count.frames.set(0);
        blurred(env, streams, Long.MAX_VALUE).sinkTo(new Count());
        JobClient job = env.executeAsync("scaling-p" + parallelism);
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (Count.frames.get() == 0) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no frame came out within 60 s");
                }
                Thread.sleep(50);
            }
            Thread.sleep(WARMUP_MILLIS);
            long f0 = Count.frames.get();
            long t0 = System.nanoTime();
            long c0 = MediaBenchmark.processCpuNanos();
            Thread.sleep(seconds * 1000L);
            long f1 = Count.frames.get();
            long t1 = System.nanoTime();
            long c1 = MediaBenchmark.processCpuNanos();
            double wall = (t1 - t0) / 1e9;
            return new double[] {(f1 - f0) / wall, (c1 - c0) / 1e9 / wall};
        } finally {
            job.cancel().get();
        }
    }

    /**
     * A 5×5 box blur of each RGB channel, separable, in plain Java: about as much CPU per frame as
     * a small model on a CPU slot, on the processor's one thread.
     */
    static final class BoxBlur implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        private static final int RADIUS = 2;

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            int w = frame.width();
            int h = frame.height();
            byte[] in = frame.rgb();
            int[] row = new int[w * 3];
            byte[] tmp = new byte[in.length];
            byte[] out = new byte[in.length];
            int span = 2 * RADIUS + 1;
            for (int y = 0; y < h; y++) {
                int base = y * w * 3;
                for (int x = 0; x < w * 3; x++) {
                    row[x] = in[base + x] & 0xff;
                }
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        int sum = 0;
                        for (int k = -RADIUS; k <= RADIUS; k++) {
                            int xx = Math.min(w - 1, Math.max(0, x + k));
                            sum += row[xx * 3 + c];
                        }
                        tmp[base + x * 3 + c] = (byte) (sum / span);
                    }
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w * 3; x++) {
                    int sum = 0;
                    for (int k = -RADIUS; k <= RADIUS; k++) {
                        int yy = Math.min(h - 1, Math.max(0, y + k));
                        sum += tmp[yy * w * 3 + x] & 0xff;
                    }
                    out[y * w * 3 + x] = (byte) (sum / span);
                }
            }
            return frame.withPixels(w, h, out);
        }
    }

    /**
     * Frames of the streams this source subtask owns (the operator's key groups), round robin, with
     * 30 fps timestamps per stream; the pixels are shared (immutable).
     */
    private static final class Frames implements GeneratorFunction<Long, Frame> {
        private static final long serialVersionUID = 1L;
        private final int streams;
        private transient byte[] rgb;
        private transient List<String> owned;
        private transient long[] next;

        Frames(int streams) {
            this.streams = streams;
        }

        @Override
        public void open(SourceReaderContext context) {
            rgb = new byte[WIDTH * HEIGHT * 3];
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (byte) (i * 31);
            }
            owned = ownedStreams(context.getIndexOfSubtask(), context.currentParallelism());
            next = new long[owned.size()];
        }

        /** Streams named so that each subtask owns the same number of them. */
        private List<String> ownedStreams(int subtask, int parallelism) {
            int[] perSubtask = new int[parallelism];
            List<String> mine = new ArrayList<>();
            int assigned = 0;
            for (int i = 0; assigned < streams; i++) {
                String name = "bench-" + i;
                int owner = KeyGroupSplitAssigner.ownerOf(name, 0, parallelism);
                if (perSubtask[owner] < (streams + parallelism - 1 - owner) / parallelism) {
                    perSubtask[owner]++;
                    assigned++;
                    if (owner == subtask) {
                        mine.add(name);
                    }
                }
            }
            return mine;
        }

        @Override
        public Frame map(Long i) {
            int s = (int) (i % owned.size());
            long n = next[s]++;
            return new VideoFrame(
                    owned.get(s),
                    n * (Frame.TIME_BASE / FPS),
                    System.currentTimeMillis(),
                    WIDTH,
                    HEIGHT,
                    rgb,
                    0);
        }
    }

    /** Counts frames across subtasks (same JVM). */
    private static final class Count implements Sink<Frame> {
        private static final long serialVersionUID = 1L;
        static final AtomicLong frames = new AtomicLong();

        @Override
        public SinkWriter<Frame> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Frame element, Context ctx) {
                    if (element.isVideo()) {
                        frames.incrementAndGet();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
