package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.jobs.media.ClipFiles;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ffmpeg} command line as the benchmarks' baseline: for each {@link PixelFormat} our
 * path can run in, the command that does the same work on clip A, with our encoder's settings
 * ({@code MpegTsFrameEncoder}'s defaults: x264 {@code superfast}, {@code zerolatency}, no B-frames,
 * 1024 kbit/s, a keyframe every 60 frames (2 s at 30 fps) and no scene-cut keyframes; Opus 64
 * kbit/s mono 48 kHz), single-threaded ({@code -threads 1 -filter_threads 1}), into MPEG-TS thrown
 * away. CPU time is ffmpeg's own {@code -benchmark} line (user + system).
 *
 * <ul>
 *   <li>{@link PixelFormat#YUV420P} and {@link PixelFormat#NONE}: decode → encode, no {@code -vf}
 *       (the decoder's YUV goes to x264 as it is, as ours does).
 *   <li>{@link PixelFormat#RGB24}: {@code -vf format=rgb24,format=yuv420p} (into RGB and back).
 *   <li>{@link PixelFormat#GRAY8}: {@code -vf format=gray,format=yuv420p} (the Y plane, then
 *       neutral chroma).
 * </ul>
 *
 * <p>Stateless; any thread.
 */
@Internal
public final class FfmpegCli {
    /** The baseline: Debian's {@code ffmpeg} on the PATH. */
    public static final String DEBIAN = "ffmpeg";

    /** Seconds of video in clip A. */
    public static final double CLIP_SECONDS = 10.0;

    private static final List<String> OPUS =
            List.of("-c:a", "libopus", "-ac", "1", "-ar", "48000", "-b:a", "64k");

    /** Our encoder's settings as ffmpeg output options. */
    private static final List<String> ENCODE =
            concat(
                    List.of(
                            "-c:v",
                            "libx264",
                            "-preset",
                            "superfast",
                            "-tune",
                            "zerolatency",
                            "-bf",
                            "0",
                            "-b:v",
                            "1024k",
                            "-g",
                            "60",
                            "-sc_threshold",
                            "0"),
                    OPUS);

    /** Only AAC → Opus: where Debian's and JavaCV's FFmpeg builds differ most. */
    public static final List<String> AUDIO_ONLY = concat(List.of("-vn"), OPUS);

    private static final Pattern BENCH =
            Pattern.compile("bench: utime=([0-9.]+)s stime=([0-9.]+)s rtime=([0-9.]+)s");

    private FfmpegCli() {}

    /** The {@code -vf} that does what our decoder and encoder do for this format (none: empty). */
    public static List<String> filter(PixelFormat format) {
        switch (format) {
            case RGB24:
                return List.of("-vf", "format=rgb24,format=yuv420p");
            case GRAY8:
                return List.of("-vf", "format=gray,format=yuv420p");
            default:
                return List.of();
        }
    }

    /** The filter in words, for tables. */
    public static String describe(PixelFormat format) {
        List<String> f = filter(format);
        return f.isEmpty() ? "bare (no -vf)" : String.join(" ", f);
    }

    /** Our path's work for this format as ffmpeg output options: the filter, x264 and Opus. */
    public static List<String> work(PixelFormat format) {
        return concat(filter(format), ENCODE);
    }

    /** Clip A's segments in one temporary file (the caller deletes it). */
    public static Path clipFile(Path media) throws IOException {
        Path input = Files.createTempFile("clip-a", ".ts");
        try (OutputStream out = Files.newOutputStream(input)) {
            for (Path f : ClipFiles.segments(media, "clip-a-512-h264-aac")) {
                out.write(Files.readAllBytes(f));
            }
        }
        return input;
    }

    /**
     * The single-threaded command: {@code inputOptions} go before {@code -i}, {@code outputOptions}
     * (e.g. {@code -t}) after the work.
     */
    public static List<String> command(
            String ffmpeg,
            List<String> inputOptions,
            Path input,
            List<String> work,
            List<String> outputOptions) {
        List<String> cmd =
                new ArrayList<>(
                        List.of(ffmpeg, "-hide_banner", "-nostdin", "-benchmark", "-threads", "1"));
        cmd.addAll(inputOptions);
        cmd.addAll(List.of("-i", input.toString()));
        cmd.addAll(work);
        cmd.addAll(List.of("-threads", "1", "-filter_threads", "1"));
        cmd.addAll(outputOptions);
        cmd.addAll(List.of("-f", "mpegts", "-y", "/dev/null"));
        return cmd;
    }

    /** The command as a shell line, for the report. */
    public static String shellLine(List<String> cmd) {
        List<String> quoted = new ArrayList<>();
        for (String a : cmd) {
            quoted.add(a.matches("[A-Za-z0-9_./:=,+-]+") ? a : "'" + a + "'");
        }
        return String.join(" ", quoted);
    }

    /**
     * CPU-seconds per video-second of {@code runs} runs of {@code ffmpeg} doing {@code work} on the
     * whole clip as fast as it can, one after the other.
     */
    public static double[] cpuPerVideoSecond(String ffmpeg, Path input, List<String> work, int runs)
            throws IOException, InterruptedException {
        double[] cpu = new double[runs];
        for (int r = 0; r < runs; r++) {
            Process p = start(command(ffmpeg, List.of(), input, work, List.of()));
            cpu[r] = finish(p)[0] / CLIP_SECONDS;
        }
        return cpu;
    }

    /** What {@code n} ffmpeg processes did side by side, each with a real-time input. */
    public static final class Concurrent {
        /** CPU-seconds per video-second per stream (the mean of the processes). */
        public final double cpuPerVideoSecond;

        /** The slowest process's wall time over its video's duration (≤ ~1: it kept real time). */
        public final double worstWallPerVideoSecond;

        Concurrent(double cpuPerVideoSecond, double worstWallPerVideoSecond) {
            this.cpuPerVideoSecond = cpuPerVideoSecond;
            this.worstWallPerVideoSecond = worstWallPerVideoSecond;
        }

        /** Every process finished within 5 % (plus a second of start-up) of its video's time. */
        public boolean realTime(int seconds) {
            return worstWallPerVideoSecond * seconds <= seconds * 1.05 + 1;
        }
    }

    /**
     * {@code n} {@code ffmpeg -threads 1} processes at once (what the end-to-end benchmark compares
     * N streams with), each reading clip A looped (the concat demuxer: {@code -stream_loop} loses
     * the video after the first pass of an MPEG-TS input) in real time ({@code -re}) and doing
     * {@code work} on {@code seconds} of it.
     */
    public static Concurrent concurrent(Path input, int n, int seconds, List<String> work)
            throws IOException, InterruptedException {
        Path list = loopList(input, seconds);
        List<Process> ps = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ps.add(start(concurrentCommand(list, seconds, work)));
            }
            double cpu = 0;
            double worst = 0;
            for (Process p : ps) {
                double[] f = finish(p);
                cpu += f[0];
                worst = Math.max(worst, f[1] / seconds);
            }
            return new Concurrent(cpu / seconds / n, worst);
        } finally {
            for (Process p : ps) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(list);
        }
    }

    /** A concat demuxer list that repeats {@code input} for at least {@code seconds}. */
    public static Path loopList(Path input, int seconds) throws IOException {
        Path list = Files.createTempFile("clip-a-loop", ".txt");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i <= seconds / CLIP_SECONDS + 1; i++) {
            s.append("file '").append(input.toAbsolutePath()).append("'\n");
        }
        Files.writeString(list, s.toString());
        return list;
    }

    /** One of {@link #concurrent}'s commands, on a {@link #loopList}. */
    public static List<String> concurrentCommand(Path loopList, int seconds, List<String> work) {
        return command(
                DEBIAN,
                List.of("-re", "-f", "concat", "-safe", "0"),
                loopList,
                work,
                List.of("-t", Integer.toString(seconds)));
    }

    private static Process start(List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Waits for {@code p}: {user + system CPU-seconds, wall seconds} from its -benchmark line. */
    private static double[] finish(Process p) throws IOException, InterruptedException {
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("ffmpeg failed:\n" + log);
        }
        Matcher m = BENCH.matcher(log);
        if (!m.find()) {
            throw new IOException("no -benchmark line in ffmpeg's output:\n" + log);
        }
        return new double[] {
            Double.parseDouble(m.group(1)) + Double.parseDouble(m.group(2)),
            Double.parseDouble(m.group(3))
        };
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
