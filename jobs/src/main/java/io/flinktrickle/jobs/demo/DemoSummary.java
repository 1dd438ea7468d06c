package io.flinktrickle.jobs.demo;

import java.io.PrintStream;
import java.nio.file.Path;

/** What a demo run did. */
final class DemoSummary {
    int inputSegments;
    int outputSegments;
    long outputBytes;
    int decodedFrames;
    int outputWidth;
    int outputHeight;
    long framesDropped;
    double latencyP50;
    double latencyP95;
    double fpsOut;
    int events;
    int dataLines;
    Path output;

    void print(PrintStream out) {
        out.println();
        out.println("summary");
        out.printf("  input segments published   %d%n", inputSegments);
        out.printf("  output segments received   %d (%,d bytes)%n", outputSegments, outputBytes);
        out.printf(
                "  output file decodes        %s: %d video frames, %dx%d%n",
                decodedFrames > 0 ? "yes" : "NO", decodedFrames, outputWidth, outputHeight);
        out.printf("  frames dropped             %d%n", framesDropped);
        out.printf(
                "  latency arrival -> emit    p50 %.0f ms, p95 %.0f ms (last heartbeat)%n",
                latencyP50, latencyP95);
        out.printf("  events / data lines        %d / %d%n", events, dataLines);
        out.printf("  output                     %s%n", output.toAbsolutePath());
    }
}
