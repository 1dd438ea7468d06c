package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.operator.FrameProcessing;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The operator benchmark of issue 5: the per-frame cost of running a passthrough processor through
 * {@link FrameProcessing}'s operator, against calling the same processor directly in a map, in the
 * same kind of job (a source of 512×512 RGB frames → processor → a discarding sink; MiniCluster,
 * parallelism 1, object reuse). Frames are generated as fast as the job takes them; the figures are
 * wall-clock and process CPU time per frame, medians of several runs after warm-up.
 *
 * <p>Run it with {@code ./bin/bench-operator [frames]}.
 */
@Internal
public final class OperatorBenchmark {
    /** The command line ({@link Cli}), parsed on the thread of {@code main}. */
    @Command(
            name = "bin/bench-operator",
            synopsisHeading = "usage: ",
            description = "The FrameProcessing operator's overhead over a direct call.")
    static final class Args implements Cli.Checked {
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Cli.HelpOption help;

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "FRAMES",
                description = "512x512 frames per run, at least 2 (default 3000)")
        int frames = 3000;

        @Override
        public void check() {
            Cli.check(spec, frames >= 2, "FRAMES must be at least 2 but is " + frames);
        }
    }

    private static final int WIDTH = 512;
    private static final int HEIGHT = 512;
    private static final int RUNS = 5;
    private static final int WARMUP_RUNS = 2;

    private OperatorBenchmark() {}

    public static void main(String[] args) throws Exception {
        Args parsed = new Args();
        if (!Cli.parseOrExit(parsed, args)) {
            return;
        }
        int frames = parsed.frames;
        System.out.printf(
                "machine: %d cores; %d frames of %dx%d RGB24 per run, %d runs after %d warm-ups%n",
                Runtime.getRuntime().availableProcessors(),
                frames,
                WIDTH,
                HEIGHT,
                RUNS,
                WARMUP_RUNS);
        double[][] direct = new double[2][RUNS];
        double[][] operator = new double[2][RUNS];
        for (int r = -WARMUP_RUNS; r < RUNS; r++) {
            double[] d = run(frames, false);
            double[] o = run(frames, true);
            if (r >= 0) {
                direct[0][r] = d[0];
                direct[1][r] = d[1];
                operator[0][r] = o[0];
                operator[1][r] = o[1];
            }
        }
        double dWall = median(direct[0]);
        double oWall = median(operator[0]);
        double dCpu = median(direct[1]);
        double oCpu = median(operator[1]);
        System.out.printf(
                "processor called directly in a map:   %7.1f us/frame wall, %7.1f us/frame CPU%n",
                dWall * 1000, dCpu * 1000);
        System.out.printf(
                "processor in the FrameProcessing op:  %7.1f us/frame wall, %7.1f us/frame CPU%n",
                oWall * 1000, oCpu * 1000);
        System.out.printf(
                "operator overhead: %.1f us/frame wall, %.1f us/frame CPU (target < 200 us);"
                        + " ratio operator/direct %.1fx wall, %.1fx CPU%n",
                (oWall - dWall) * 1000,
                (oCpu - dCpu) * 1000,
                oWall / dWall,
                oCpu / Math.max(dCpu, 1e-6));
    }

    /** One job run; returns {wall ms per frame, CPU ms per frame}. */
    private static double[] run(int frames, boolean throughOperator) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        env.getConfig().enableObjectReuse();
        DataStream<Frame> source =
                env.fromSource(
                        new DataGeneratorSource<>(
                                new SyntheticFrames("bench", 1, WIDTH, HEIGHT, 3000),
                                frames,
                                RateLimiterStrategy.noOp(),
                                new FrameTypeInfo()),
                        WatermarkStrategy.noWatermarks(),
                        "frames");
        KeyedStream<Frame, String> keyed =
                DataStreamUtils.reinterpretAsKeyedStream(source, Frame::streamKey, Types.STRING);
        DataStream<Frame> out;
        if (throughOperator) {
            out =
                    FrameProcessing.builder(new Passthrough())
                            .policy(RealTimePolicy.BLOCK) // at full speed nothing may be dropped
                            .maxFramerate(0)
                            .build()
                            .apply(keyed);
        } else {
            out = keyed.map(new Direct()).returns(new FrameTypeInfo());
        }
        Discard.firstNanos = 0;
        Discard.lastNanos = 0;
        out.sinkTo(new Discard(frames));
        env.execute(throughOperator ? "operator" : "direct");
        if (Discard.lastNanos == 0) {
            throw new IllegalStateException("the sink did not see all " + frames + " frames");
        }
        // Between the sink's first and last frame: the job's start and end are not counted.
        long n = frames - 1;
        return new double[] {
            (Discard.lastNanos - Discard.firstNanos) / 1e6 / n,
            (Discard.lastCpuNanos - Discard.firstCpuNanos) / 1e6 / n
        };
    }

    /** The passthrough processor both jobs run. */
    static final class Passthrough implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }

    /** Calls the processor directly, as a job without the operator would. */
    private static final class Direct implements MapFunction<Frame, Frame> {
        private static final long serialVersionUID = 1L;
        private final Passthrough processor = new Passthrough();

        @Override
        public Frame map(Frame frame) {
            return frame.isVideo() ? processor.processVideo((VideoFrame) frame, null) : frame;
        }
    }

    /** Drops frames; notes wall and process CPU time at the first and the last (same JVM). */
    private static final class Discard implements Sink<Frame> {
        private static final long serialVersionUID = 1L;
        static volatile long firstNanos;
        static volatile long firstCpuNanos;
        static volatile long lastNanos;
        static volatile long lastCpuNanos;
        private final int frames;

        Discard(int frames) {
            this.frames = frames;
        }

        @Override
        public SinkWriter<Frame> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                private int seen;

                @Override
                public void write(Frame element, Context ctx) {
                    seen++;
                    if (seen == 1) {
                        firstNanos = System.nanoTime();
                        firstCpuNanos = processCpuNanos();
                    } else if (seen == frames) {
                        lastNanos = System.nanoTime();
                        lastCpuNanos = processCpuNanos();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
