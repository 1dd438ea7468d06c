package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.MpegTsFrameEncoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.sink.ContinuousSegmentOutput;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.jobs.media.ClipFiles;
import io.flinktrickle.processor.tensor.FrameTensors;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.Loader;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The media benchmark of issue 4: in one run on one machine, our decoder and encoder on clip A
 * against the {@code ffmpeg} command line doing the same work (decode, RGB24 and back, x264 + Opus
 * with the same settings). Prints decode fps, encode fps, frame → tensor → frame ms, and
 * CPU-seconds per second of video for the whole decode → RGB → encode path, with the ratio. For
 * reference it also runs the same command with the FFmpeg build our path links (JavaCV's), which
 * separates what our Java code costs from what the FFmpeg build costs.
 *
 * <p>Run it with {@code ./bin/bench-media} (which installs Debian's ffmpeg if it is missing).
 */
public final class MediaBenchmark {

    private static final double CLIP_SECONDS = 10.0;
    private static final int RUNS = 5;

    /** The baseline: Debian's {@code ffmpeg} on the PATH. */
    private static final String DEBIAN_FFMPEG = "ffmpeg";

    private static final List<String> OPUS =
            List.of("-c:a", "libopus", "-ac", "1", "-ar", "48000", "-b:a", "64k");

    /** Our path's work as ffmpeg arguments: decode, RGB24 and back, x264 and Opus. */
    private static final List<String> WHOLE_PATH =
            concat(
                    List.of(
                            "-vf",
                            "format=rgb24,format=yuv420p",
                            "-c:v",
                            "libx264",
                            "-preset",
                            "superfast",
                            "-tune",
                            "zerolatency",
                            "-bf",
                            "0",
                            "-b:v",
                            "1500k",
                            "-g",
                            "60"),
                    OPUS);

    /** Only AAC → Opus: where the two FFmpeg builds differ most. */
    private static final List<String> AUDIO_ONLY = concat(List.of("-vn"), OPUS);

    /**
     * Warm-up ends once a run makes the JIT compile for less than this long (a live stream runs for
     * hours: its steady state counts, and compiling is a one-off cost like process start-up, which
     * the ffmpeg figure does not include either).
     */
    private static final long SETTLED_COMPILE_MILLIS = 1;

    static final String USAGE =
            "usage: bin/bench-media [MEDIA_DIR]   (the folder with clip A; default media/)";

    private static final int MIN_WARMUP_RUNS = 3;
    private static final int MAX_WARMUP_RUNS = 60;

    private MediaBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        Path media = args.length > 0 ? Path.of(args[0]) : ClipFiles.findMediaDir();
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

        MpegTsFrameDecoder decoder = MpegTsFrameDecoder.builder().maxFramerate(0).build();
        MpegTsFrameEncoder encoder = MpegTsFrameEncoder.builder().build();

        // Warm up the JIT and the natives until the JIT has settled, then measure.
        List<Frame> frames = decode(decoder, segments);
        int warmupRuns = warmUp(decoder, encoder, segments, frames);

        double[] decodeFps = new double[RUNS];
        double[] encodeFps = new double[RUNS];
        double[] pipelineCpu = new double[RUNS];
        long videoFrames = frames.stream().filter(Frame::isVideo).count();
        for (int r = 0; r < RUNS; r++) {
            long t0 = System.nanoTime();
            List<Frame> decoded = decode(decoder, segments);
            decodeFps[r] = videoFrames / ((System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            encode(encoder, decoded);
            encodeFps[r] = videoFrames / ((System.nanoTime() - t1) / 1e9);

            long cpu0 = processCpuNanos();
            pipeline(decoder, encoder, segments);
            pipelineCpu[r] = (processCpuNanos() - cpu0) / 1e9 / CLIP_SECONDS;
        }
        double tensorMs =
                tensorRoundTripMillis(
                        (VideoFrame) frames.stream().filter(Frame::isVideo).findFirst().get());

        Path input = Files.createTempFile("clip-a", ".ts");
        try (OutputStream out = Files.newOutputStream(input)) {
            for (byte[] s : segments) {
                out.write(s);
            }
        }
        double ffmpeg1 = median(ffmpegCpu(DEBIAN_FFMPEG, input, true, WHOLE_PATH));
        double ffmpegN = median(ffmpegCpu(DEBIAN_FFMPEG, input, false, WHOLE_PATH));
        // The FFmpeg we link (JavaCV's build) run as a command: the same libraries as our path.
        String bundled = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        double bundled1 = median(ffmpegCpu(bundled, input, true, WHOLE_PATH));
        double opusDebian = median(ffmpegCpu(DEBIAN_FFMPEG, input, true, AUDIO_ONLY));
        double opusBundled = median(ffmpegCpu(bundled, input, true, AUDIO_ONLY));
        Files.deleteIfExists(input);

        double ours = median(pipelineCpu);
        System.out.printf("warm-up: %d runs until the JIT settled%n", warmupRuns);
        System.out.printf(
                "decode (H.264+AAC -> RGB24 512x512 frames): %.0f fps (median of %d)%n",
                median(decodeFps), RUNS);
        System.out.printf(
                "encode (RGB24 frames -> x264 superfast zerolatency + Opus MPEG-TS): %.0f fps%n",
                median(encodeFps));
        System.out.printf(
                "frame -> tensor [1,512,512,3] float32 -> frame (DJL PyTorch CPU): %.2f ms%n",
                tensorMs);
        System.out.printf("decode -> RGB -> encode, CPU-s per video-s: flink-trickle %.3f%n", ours);
        System.out.printf(
                "                                           ffmpeg CLI -threads 1 %.3f, default"
                        + " threads %.3f%n",
                ffmpeg1, ffmpegN);
        System.out.printf(
                "                                           JavaCV's FFmpeg %s CLI -threads 1 %.3f"
                        + " (its CLI runs threaded)%n",
                avutil.av_version_info().getString(), bundled1);
        System.out.printf(
                "  of which AAC -> Opus alone: Debian's ffmpeg %.3f, JavaCV's FFmpeg %.3f%n",
                opusDebian, opusBundled);
        System.out.printf(
                "ratio flink-trickle / ffmpeg -threads 1: %.2f (target <= 1.15); / JavaCV's FFmpeg"
                        + " CLI: %.2f%n",
                ours / ffmpeg1, ours / bundled1);
    }

    /** Runs the paths until a run compiles almost nothing; returns the number of runs. */
    private static int warmUp(
            MpegTsFrameDecoder decoder,
            MpegTsFrameEncoder encoder,
            List<byte[]> segments,
            List<Frame> frames)
            throws IOException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int runs = 0;
        long compiled;
        do {
            long before = jit.getTotalCompilationTime();
            decode(decoder, segments);
            encode(encoder, frames);
            pipeline(decoder, encoder, segments);
            compiled = jit.getTotalCompilationTime() - before;
            runs++;
        } while (runs < MAX_WARMUP_RUNS
                && (runs < MIN_WARMUP_RUNS || compiled >= SETTLED_COMPILE_MILLIS));
        return runs;
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
     * Decode → RGB frames → encode as a chained job runs it: each frame goes to the encoder as soon
     * as it is decoded, so frames die young (as in a chained Flink task with object reuse).
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

    /**
     * The floor other benchmarks compare with: CPU-seconds per video-second of Debian's {@code
     * ffmpeg -threads 1} doing our path's work (decode, RGB24 round trip, x264 and Opus with our
     * settings) on clip A (median of {@value #RUNS} runs).
     */
    public static double ffmpegFloor(Path media) throws IOException, InterruptedException {
        Path input = Files.createTempFile("clip-a", ".ts");
        try {
            try (OutputStream out = Files.newOutputStream(input)) {
                for (Path f : ClipFiles.segments(media, "clip-a-512-h264-aac")) {
                    out.write(Files.readAllBytes(f));
                }
            }
            return median(ffmpegCpu(DEBIAN_FFMPEG, input, true, WHOLE_PATH));
        } finally {
            Files.deleteIfExists(input);
        }
    }

    /** CPU-seconds per video-second of the ffmpeg CLI doing our work, from its -benchmark line. */
    private static double[] ffmpegCpu(
            String ffmpeg, Path input, boolean oneThread, List<String> work)
            throws IOException, InterruptedException {
        double[] cpu = new double[RUNS];
        for (int r = 0; r < RUNS; r++) {
            List<String> cmd =
                    new ArrayList<>(List.of(ffmpeg, "-hide_banner", "-nostdin", "-benchmark"));
            if (oneThread) {
                cmd.addAll(List.of("-threads", "1"));
            }
            cmd.addAll(List.of("-i", input.toString()));
            cmd.addAll(work);
            if (oneThread) {
                cmd.addAll(List.of("-threads", "1", "-filter_threads", "1"));
            }
            cmd.addAll(List.of("-f", "mpegts", "-y", "/dev/null"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("ffmpeg failed:\n" + log);
            }
            Matcher m = Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s").matcher(log);
            if (!m.find()) {
                throw new IOException("no -benchmark line in ffmpeg's output:\n" + log);
            }
            cpu[r] =
                    (Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2)))
                            / CLIP_SECONDS;
        }
        return cpu;
    }

    /** This process's CPU time (all threads, natives included). */
    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
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
