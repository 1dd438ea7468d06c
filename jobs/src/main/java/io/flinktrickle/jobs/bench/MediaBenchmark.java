package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.MpegTsFrameEncoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.sink.ContinuousSegmentOutput;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.jobs.media.ClipFiles;
import io.flinktrickle.processor.tensor.FrameTensors;

import org.apache.flink.annotation.Internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.Loader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The media benchmark of issue 4: in one run on one machine, our decoder and encoder on clip A, for
 * each {@link PixelFormat} a processor can ask for, against the {@code ffmpeg} command line doing
 * the same work (decode, the same pixel-format conversions, x264 + Opus with our encoder's
 * settings: see {@link FfmpegCli}). Per format it prints decode fps, encode fps and CPU-seconds per
 * second of video for the whole decode → frames → encode path (audio included), with ffmpeg's
 * figure and the ratio; then frame → tensor → frame ms. For reference it also runs the commands
 * with the FFmpeg build our path links (JavaCV's), which separates what our Java code costs from
 * what the FFmpeg build costs.
 *
 * <p>The formats are measured interleaved (one run of each, {@value #RUNS} times), so that load
 * from elsewhere on the machine shifts them alike. Run it with {@code ./bin/bench-media} (which
 * installs Debian's ffmpeg if it is missing).
 */
@Internal
public final class MediaBenchmark {

    private static final double CLIP_SECONDS = FfmpegCli.CLIP_SECONDS;
    private static final int RUNS = 5;

    /** The formats measured: NONE is a processor's request, delivered as YUV420P. */
    private static final List<PixelFormat> FORMATS =
            List.of(PixelFormat.YUV420P, PixelFormat.NONE, PixelFormat.RGB24, PixelFormat.GRAY8);

    /**
     * Warm-up ends once a round (one run of every format) makes the JIT compile for less than this
     * long per format (a live stream runs for hours: its steady state counts, and compiling is a
     * one-off cost like process start-up, which the ffmpeg figure does not include either).
     */
    private static final long SETTLED_COMPILE_MILLIS_PER_RUN = 1;

    /** The command line ({@link Cli}), parsed on the thread of {@code main}. */
    @Command(
            name = "bin/bench-media",
            synopsisHeading = "usage: ",
            description = "Decoding and encoding throughput and CPU, against the ffmpeg command.")
    static final class Args {
        @Mixin Cli.HelpOption help;

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "MEDIA_DIR",
                description = "the folder with clip A (default media/)")
        Path media;
    }

    private static final int MIN_WARMUP_ROUNDS = 3;
    private static final int MAX_WARMUP_ROUNDS = 12;

    private MediaBenchmark() {}

    /** One format's figures, a value per measured run. */
    private static final class Figures {
        final double[] decodeFps = new double[RUNS];
        final double[] encodeFps = new double[RUNS];
        final double[] pipelineCpu = new double[RUNS];
    }

    public static void main(String[] args) throws Exception {
        Args parsed = new Args();
        if (!Cli.parseOrExit(parsed, args)) {
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        // FFmpeg's own log (probing notes, "Packet corrupt" at each segment's cut, x264's
        // statistics per encoder) would bury the table: only fatal errors.
        avutil.av_log_set_level(avutil.AV_LOG_FATAL);
        Path media = parsed.media != null ? parsed.media : ClipFiles.findMediaDir();
        List<byte[]> segments = new ArrayList<>();
        for (Path f : ClipFiles.segments(media, "clip-a-512-h264-aac")) {
            segments.add(Files.readAllBytes(f));
        }
        System.out.printf(
                "machine: %d cores, %s; clip A: %d segments, %.0f s of 512x512@30 H.264 + AAC%n",
                Runtime.getRuntime().availableProcessors(),
                cpuModel(),
                segments.size(),
                CLIP_SECONDS);

        MpegTsFrameEncoder encoder = MpegTsFrameEncoder.builder().build();
        Map<PixelFormat, MpegTsFrameDecoder> decoders = new EnumMap<>(PixelFormat.class);
        Map<PixelFormat, Figures> figures = new EnumMap<>(PixelFormat.class);
        for (PixelFormat f : FORMATS) {
            decoders.put(f, MpegTsFrameDecoder.builder().maxFramerate(0).pixelFormat(f).build());
            figures.put(f, new Figures());
        }
        long videoFrames =
                decode(decoders.get(PixelFormat.RGB24), segments).stream()
                        .filter(Frame::isVideo)
                        .count();

        // Warm up the JIT and the natives until the JIT has settled, then measure.
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int rounds = 0;
        long compiled;
        do {
            long before = jit.getTotalCompilationTime();
            for (PixelFormat f : FORMATS) {
                measure(decoders.get(f), encoder, segments, videoFrames, new Figures(), 0);
            }
            compiled = jit.getTotalCompilationTime() - before;
            rounds++;
        } while (rounds < MAX_WARMUP_ROUNDS
                && (rounds < MIN_WARMUP_ROUNDS
                        || compiled >= SETTLED_COMPILE_MILLIS_PER_RUN * FORMATS.size()));
        for (int r = 0; r < RUNS; r++) {
            for (PixelFormat f : FORMATS) {
                measure(decoders.get(f), encoder, segments, videoFrames, figures.get(f), r);
            }
        }
        VideoFrame rgb =
                (VideoFrame)
                        decode(decoders.get(PixelFormat.RGB24), segments).stream()
                                .filter(Frame::isVideo)
                                .findFirst()
                                .get();
        double tensorMs = tensorRoundTripMillis(rgb);

        // The baselines: one ffmpeg command per distinct work (YUV420P and NONE share one).
        Path input = FfmpegCli.clipFile(media);
        String bundled = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Map<List<String>, Double> debian = new LinkedHashMap<>();
        Map<List<String>, Double> javacv = new LinkedHashMap<>();
        double opusDebian;
        double opusBundled;
        try {
            for (PixelFormat f : FORMATS) {
                List<String> work = FfmpegCli.work(f);
                if (!debian.containsKey(work)) {
                    debian.put(work, median(cpu(FfmpegCli.DEBIAN, input, work)));
                }
            }
            for (PixelFormat f : List.of(PixelFormat.YUV420P, PixelFormat.RGB24)) {
                javacv.put(FfmpegCli.work(f), median(cpu(bundled, input, FfmpegCli.work(f))));
            }
            opusDebian = median(cpu(FfmpegCli.DEBIAN, input, FfmpegCli.AUDIO_ONLY));
            opusBundled = median(cpu(bundled, input, FfmpegCli.AUDIO_ONLY));
        } finally {
            Files.deleteIfExists(input);
        }

        System.out.printf(
                "warm-up: %d rounds of all formats, the JIT compiled for %d ms in the last (%s)%n",
                rounds,
                compiled,
                compiled < SETTLED_COMPILE_MILLIS_PER_RUN * FORMATS.size()
                        ? "settled"
                        : "not settled, stopped at " + MAX_WARMUP_ROUNDS + " rounds");
        System.out.printf(
                "frame -> tensor [1,512,512,3] float32 -> frame (DJL PyTorch CPU): %.2f ms%n",
                tensorMs);
        System.out.printf(
                "decode (H.264 + AAC -> frames) -> encode (x264 superfast zerolatency 1024k + Opus"
                        + " 64k mono MPEG-TS), median of %d; CPU-s per video-s (target ratio"
                        + " <= 1.15):%n",
                RUNS);
        System.out.printf(
                "%-8s %10s %10s %13s %12s %6s  %s%n",
                "format",
                "decode fps",
                "encode fps",
                "flink-trickle",
                "ffmpeg -t 1",
                "ratio",
                "ffmpeg's work");
        for (PixelFormat f : FORMATS) {
            Figures g = figures.get(f);
            double ours = median(g.pipelineCpu);
            double theirs = debian.get(FfmpegCli.work(f));
            System.out.printf(
                    "%-8s %10.0f %10.0f %13.3f %12.3f %6.2f  %s%n",
                    f,
                    median(g.decodeFps),
                    median(g.encodeFps),
                    ours,
                    theirs,
                    ours / theirs,
                    FfmpegCli.describe(f));
        }
        double bareJavacv = javacv.get(FfmpegCli.work(PixelFormat.YUV420P));
        double rgbJavacv = javacv.get(FfmpegCli.work(PixelFormat.RGB24));
        System.out.printf(
                "JavaCV's FFmpeg %s CLI -threads 1 (the libraries we link; its CLI runs threaded):"
                        + " bare %.3f (YUV420P ratio %.2f), RGB24 round trip %.3f (RGB24 ratio"
                        + " %.2f)%n",
                avutil.av_version_info().getString(),
                bareJavacv,
                median(figures.get(PixelFormat.YUV420P).pipelineCpu) / bareJavacv,
                rgbJavacv,
                median(figures.get(PixelFormat.RGB24).pipelineCpu) / rgbJavacv);
        System.out.printf(
                "  of which AAC -> Opus alone: Debian's ffmpeg %.3f, JavaCV's FFmpeg %.3f%n",
                opusDebian, opusBundled);
        System.out.println("ffmpeg commands (CPU from -benchmark, user + system):");
        for (List<String> work : debian.keySet()) {
            System.out.println(
                    "  "
                            + FfmpegCli.shellLine(
                                    FfmpegCli.command(
                                            FfmpegCli.DEBIAN,
                                            List.of(),
                                            Path.of("clip-a.ts"),
                                            work,
                                            List.of())));
        }
    }

    /**
     * One run of a format: decode fps, encode fps of the decoded frames, and the CPU of the chained
     * decode → encode path, into {@code g}'s slot {@code r}.
     */
    private static void measure(
            MpegTsFrameDecoder decoder,
            MpegTsFrameEncoder encoder,
            List<byte[]> segments,
            long videoFrames,
            Figures g,
            int r)
            throws IOException {
        long t0 = System.nanoTime();
        List<Frame> decoded = decode(decoder, segments);
        g.decodeFps[r] = videoFrames / ((System.nanoTime() - t0) / 1e9);
        long t1 = System.nanoTime();
        encode(encoder, decoded);
        g.encodeFps[r] = videoFrames / ((System.nanoTime() - t1) / 1e9);
        decoded = null; // not live during the pipeline run
        long cpu0 = processCpuNanos();
        pipeline(decoder, encoder, segments);
        g.pipelineCpu[r] = (processCpuNanos() - cpu0) / 1e9 / CLIP_SECONDS;
    }

    private static double[] cpu(String ffmpeg, Path input, List<String> work)
            throws IOException, InterruptedException {
        return FfmpegCli.cpuPerVideoSecond(ffmpeg, input, work, RUNS);
    }

    private static List<Frame> decode(MpegTsFrameDecoder decoder, List<byte[]> segments)
            throws IOException {
        List<Frame> frames = new ArrayList<>(600);
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open("bench")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("bench", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        return frames;
    }

    /**
     * Decode → frames → encode as a chained job runs it: each frame goes to the encoder as soon as
     * it is decoded, so frames die young (as in a chained Flink task with object reuse).
     */
    private static void pipeline(
            MpegTsFrameDecoder decoder, MpegTsFrameEncoder encoder, List<byte[]> segments)
            throws IOException {
        CountingStream counted = new CountingStream();
        ContinuousSegmentOutput out = new ContinuousSegmentOutput(counted);
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open("bench");
                SegmentEncoder.ChannelEncoder<Frame> e = encoder.open("bench-out")) {
            IOException[] failure = {null};
            java.util.function.Consumer<Frame> toEncoder =
                    f -> {
                        try {
                            e.encode(f, out);
                        } catch (IOException ex) {
                            failure[0] = ex;
                        }
                    };
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("bench", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        toEncoder);
            }
            d.endOfStream(toEncoder);
            e.finish(out);
            if (failure[0] != null) {
                throw failure[0];
            }
        }
    }

    /** Segments that are thrown away (their bytes counted only). */
    private static final class CountingStream extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /** Encodes into segments that are thrown away (counted only). */
    private static long encode(MpegTsFrameEncoder encoder, List<Frame> frames) throws IOException {
        CountingStream counted = new CountingStream();
        ContinuousSegmentOutput out = new ContinuousSegmentOutput(counted);
        try (SegmentEncoder.ChannelEncoder<Frame> e = encoder.open("bench-out")) {
            for (Frame f : frames) {
                e.encode(f, out);
            }
            e.finish(out);
        }
        return counted.bytes;
    }

    private static double tensorRoundTripMillis(VideoFrame frame) {
        double[] ms = new double[100];
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int i = 0; i < 20; i++) {
                try (NDArray t = FrameTensors.toTensor(frame, manager)) {
                    FrameTensors.toFrame(frame, t);
                }
            }
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                try (NDArray t = FrameTensors.toTensor(frame, manager)) {
                    FrameTensors.toFrame(frame, t);
                }
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return median(ms);
    }

    /** This process's CPU time (all threads, natives included). */
    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** The CPU model from /proc/cpuinfo. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return "unknown CPU";
    }
}
