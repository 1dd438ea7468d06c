package io.flinktrickle.controlapi.bench;

import io.flinktrickle.jobs.bench.FfmpegCli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One N's figures: our run's, and the ffmpeg floor's at the same N.
 *
 * <p>Filled and printed by the benchmark's main thread.
 */
final class RunResult {
    final int streams;
    double cpuPerVideoSecond;
    double rssMb;
    double rssPerStreamMb;
    boolean realTime;
    final List<Long> latencies = new ArrayList<>();
    final List<Long> firstBytes = new ArrayList<>();
    final List<Double> fps = new ArrayList<>();
    final List<Long> drops = new ArrayList<>();
    final List<Double> frameP50 = new ArrayList<>();
    final List<Double> frameP95 = new ArrayList<>();
    Map<String, Double> threadCpu = Map.of();
    double processCpuSeconds;

    /** The thread name of the benchmark's own trickle server (the orchestrator's). */
    static final String ORCHESTRATOR_THREADS = "bench-orchestrator";

    /**
     * Thread groups that are the benchmark, not the runner: the orchestrator's trickle server and,
     * per stream, its publisher and its output and events readers ({@link LoadRun}). The HTTP
     * client threads they share with the runner stay counted as the runner's.
     */
    private static final List<String> HARNESS_THREADS =
            List.of(ORCHESTRATOR_THREADS + "-", "publish-", "output-", "events-");

    /** CPU-seconds of the benchmark's own threads (see {@link #HARNESS_THREADS}). */
    double harnessCpuSeconds() {
        return threadCpu.entrySet().stream()
                .filter(e -> HARNESS_THREADS.stream().anyMatch(h -> e.getKey().startsWith(h)))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }

    /** Ours without the benchmark's own threads, per stream and video second. */
    double runnerCpuPerVideoSecond() {
        return processCpuSeconds <= 0
                ? cpuPerVideoSecond
                : cpuPerVideoSecond * (processCpuSeconds - harnessCpuSeconds()) / processCpuSeconds;
    }

    /** The floor at this N (N ffmpeg processes side by side). */
    FfmpegCli.Concurrent floor;

    /** The target for ours / the floor: 1.2 for passthrough, 1.3 for an RGB processor. */
    double targetRatio = 1.2;

    RunResult(int streams) {
        this.streams = streams;
    }

    /** Prints the run; {@code profile}: also the CPU per thread group. */
    void print(int seconds, boolean profile) {
        List<Long> l = new ArrayList<>(latencies);
        Collections.sort(l);
        List<Long> fb = new ArrayList<>(firstBytes);
        Collections.sort(fb);
        System.out.printf(
                "N=%-2d cpu %.3f CPU-s/video-s/stream, floor %.3f (%s), ratio %.2f (target <="
                        + " %.2f) | runner only %.3f, ratio %.2f (the benchmark's trickle"
                        + " server, publishers and readers: %.0f%% of the process)"
                        + " | segment latency p50 %s p95 %s p99 %s ms (%d segments)"
                        + " | frame latency p50 %.0f p95 %.0f ms | out fps %s drops %s"
                        + " | RSS %.0f MB, %.0f MB/stream | start->first byte median %s ms"
                        + " | %s%n",
                streams,
                cpuPerVideoSecond,
                floor.cpuPerVideoSecond,
                floor.realTime(seconds)
                        ? "ffmpeg real time"
                        : String.format(
                                "ffmpeg NOT real time: %.2fx wall", floor.worstWallPerVideoSecond),
                cpuPerVideoSecond / floor.cpuPerVideoSecond,
                targetRatio,
                runnerCpuPerVideoSecond(),
                runnerCpuPerVideoSecond() / floor.cpuPerVideoSecond,
                processCpuSeconds <= 0 ? 0 : harnessCpuSeconds() * 100 / processCpuSeconds,
                pct(l, 0.50),
                pct(l, 0.95),
                pct(l, 0.99),
                l.size(),
                avg(frameP50),
                avg(frameP95),
                fps,
                drops,
                rssMb,
                rssPerStreamMb,
                fb.isEmpty() ? "-" : fb.get(fb.size() / 2),
                realTime ? "real time" : "NOT real time");
        if (profile) {
            double threads = threadCpu.values().stream().mapToDouble(Double::doubleValue).sum();
            double total = processCpuSeconds;
            System.out.printf(
                    "    %5.1f%% JVM threads outside Java's thread list (GC, JIT)%n",
                    (total - threads) * 100 / total);
            threadCpu.entrySet().stream()
                    .limit(12)
                    .forEach(
                            e ->
                                    System.out.printf(
                                            "    %5.1f%% %s%n",
                                            e.getValue() * 100 / total, e.getKey()));
        }
    }

    private static String pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return "-";
        }
        return Long.toString(sorted.get(Math.min(sorted.size() - 1, (int) (q * sorted.size()))));
    }

    private static double avg(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
