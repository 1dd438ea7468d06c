package io.flinktrickle.jobs.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** What a demo run did, and why frames were lost when they were (from the job's heartbeats). */
final class DemoSummary {
    /** The summary's labels, in order (every summary line is one of them, or blank). */
    static final List<String> LABELS =
            List.of(
                    "input segments published",
                    "output segments received",
                    "output file decodes",
                    "frames dropped",
                    "frames over the fps cap",
                    "processing failures",
                    "latency arrival -> emit",
                    "events / data lines",
                    "output",
                    "log (Flink, FFmpeg)");

    int inputSegments;
    int outputSegments;
    long outputBytes;
    int decodedFrames;
    int outputWidth;
    int outputHeight;
    long framesDropped;

    /** Seconds from the start to the heartbeat that last reported a new drop. */
    long lastDropSeconds;

    /** Drops the last heartbeat reported (0: the drops had stopped by then). */
    long droppedInLastHeartbeat;

    long framesSkippedByFpsCap;
    long processingFailures;
    int maxFramerate;
    double latencyP50;
    double latencyP95;
    double fpsOut;
    int events;
    int dataLines;
    Path output;

    /** The log file, or null when the libraries log to the console ({@code --verbose}). */
    Path log;

    void print(PrintStream out) {
        out.println();
        out.println("summary");
        line(out, 0, "%d", inputSegments);
        line(out, 1, "%d (%,d bytes)", outputSegments, outputBytes);
        line(
                out,
                2,
                "%s: %d video frames, %dx%d",
                decodedFrames > 0 ? "yes" : "NO",
                decodedFrames,
                outputWidth,
                outputHeight);
        line(out, 3, "%d%s", framesDropped, dropReason());
        line(
                out,
                4,
                "%d%s",
                framesSkippedByFpsCap,
                framesSkippedByFpsCap == 0
                        ? ""
                        : " (the input runs above --max-framerate " + maxFramerate + ")");
        line(
                out,
                5,
                "%d%s",
                processingFailures,
                processingFailures == 0 ? "" : " (the processor threw; see the log)");
        line(out, 6, "p50 %.0f ms, p95 %.0f ms (last heartbeat)", latencyP50, latencyP95);
        line(out, 7, "%d / %d", events, dataLines);
        line(out, 8, "%s", output.toAbsolutePath());
        if (log != null) {
            line(out, 9, "%s", log.toAbsolutePath());
        }
    }

    /**
     * Why frames were dropped: the real-time policy dropped the oldest waiting frames (the job fell
     * behind the live input), while the job started or all along.
     */
    String dropReason() {
        if (framesDropped == 0) {
            return "";
        }
        if (droppedInLastHeartbeat == 0) {
            return " (real-time policy: the job fell behind the live input while it started, JIT"
                    + " and model loading; none after "
                    + lastDropSeconds
                    + " s)";
        }
        return " (real-time policy: the job falls behind the live input, "
                + droppedInLastHeartbeat
                + " in the last heartbeat: the processor is slower than real time here)";
    }

    private static void line(PrintStream out, int label, String format, Object... args) {
        out.printf("  %-27s%s%n", LABELS.get(label), String.format(format, args));
    }
}
