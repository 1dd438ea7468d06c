package io.flinktrickle.controlapi.bench;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.controlapi.Sidecar;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.jobs.media.ClipFiles;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The soak (issue 8, not in CI): {@code --streams} (4) real-time streams through the sidecar for
 * {@code --minutes} (10), sampling every 10 s this process's RSS, heap after the last GC, live
 * threads, open files and direct memory, then comparing the last samples with the ones after
 * warm-up: they must be flat. Main thread only.
 *
 * <p>Run it with {@code ./bin/soak [--streams 4] [--minutes 10]}.
 */
@Internal
public final class Soak {
    /** The command line ({@link Cli}), parsed on the thread of {@code main}. */
    @Command(
            name = "bin/soak",
            synopsisHeading = "usage: ",
            description = "Streams through a sidecar for a long time, sampling CPU and memory.")
    static final class Args implements Cli.Checked {
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Mixin Cli.HelpOption help;

        @Option(names = "--streams", paramLabel = "N", description = "streams at once (default 4)")
        int streams = 4;

        @Option(names = "--minutes", paramLabel = "N", description = "how long (default 10)")
        int minutes = 10;

        @Override
        public void check() {
            Cli.positive(spec, "--streams", streams);
            Cli.positive(spec, "--minutes", minutes);
        }
    }

    private static final Duration SAMPLE = Duration.ofSeconds(10);
    private static final int WARMUP_SAMPLES = 3;

    private Soak() {}

    public static void main(String[] args) throws Exception {
        Args parsed = new Args();
        if (!Cli.parseOrExit(parsed, args)) {
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        int streams = parsed.streams;
        int minutes = parsed.minutes;
        List<byte[]> segments = new ArrayList<>();
        for (Path f : ClipFiles.segments(ClipFiles.findMediaDir(), "clip-a-512-h264-aac")) {
            segments.add(Files.readAllBytes(f));
        }
        SidecarConfig config =
                SidecarConfig.builder().host("127.0.0.1").port(0).capacity(streams).build();
        List<long[]> samples = new ArrayList<>();
        try (TrickleServer orchestrator =
                        TrickleServer.builder().basePath("/ai/trickle/").build().start();
                Sidecar sidecar = Sidecar.create(config, Optional.empty()).start()) {
            while (!sidecar.manager().isReady()) {
                Thread.sleep(20);
            }
            HttpClient http = HttpClient.newHttpClient();
            List<LoadRun> runs = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                LoadRun run = new LoadRun(orchestrator, String.format("soak%03d", i));
                run.begin(segments);
                int status =
                        LoadRun.post(
                                http, sidecar.baseUri().resolve("/stream/start"), run.startBody());
                if (status != 200) {
                    throw new IllegalStateException("start answered " + status);
                }
                runs.add(run);
            }
            System.out.printf(
                    "soak: %d streams of clip A in real time for %d min; sample every %d s%n",
                    streams, minutes, SAMPLE.toSeconds());
            System.out.println(
                    "   t(s)  RSS(MB)  heap-after-GC(MB)  threads  open-files  direct(MB)"
                            + "  out-segments  fps-out");
            long end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                Thread.sleep(SAMPLE.toMillis());
                long[] s = sample();
                samples.add(s);
                int out = runs.stream().mapToInt(r -> r.outputStarts.size()).sum();
                double fps =
                        runs.stream()
                                .filter(r -> r.lastHeartbeat != null)
                                .mapToDouble(
                                        r ->
                                                r.lastHeartbeat
                                                        .path("fps")
                                                        .path("egress_video_fps")
                                                        .asDouble())
                                .sum();
                System.out.printf(
                        "  %5d  %7.0f  %17.0f  %7d  %10d  %10.1f  %12d  %7.1f%n",
                        (System.nanoTime() - t0) / 1_000_000_000L,
                        s[0] / 1e6,
                        s[1] / 1e6,
                        s[2],
                        s[3],
                        s[4] / 1e6,
                        out,
                        fps);
            }
            for (LoadRun run : runs) {
                run.stop();
            }
        }
        if (samples.size() > WARMUP_SAMPLES + 2) {
            long[] first = samples.get(WARMUP_SAMPLES);
            long[] last = samples.get(samples.size() - 1);
            System.out.printf(
                    "after warm-up -> end: RSS %+.0f MB, heap %+.0f MB, threads %+d, open files"
                            + " %+d, direct %+.1f MB%n",
                    (last[0] - first[0]) / 1e6,
                    (last[1] - first[1]) / 1e6,
                    last[2] - first[2],
                    last[3] - first[3],
                    (last[4] - first[4]) / 1e6);
        }
        System.exit(0);
    }

    /** RSS, heap used after the last GC, live threads, open files, direct buffers. */
    private static long[] sample() throws Exception {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                direct = pool.getMemoryUsed();
            }
        }
        long files;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            files = fds.count();
        }
        return new long[] {
            EndToEndBenchmark.rssBytes(),
            heap,
            ManagementFactory.getThreadMXBean().getThreadCount(),
            files,
            direct
        };
    }
}
