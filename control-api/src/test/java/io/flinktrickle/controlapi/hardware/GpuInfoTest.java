package io.flinktrickle.controlapi.hardware;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** Tests for {@link GpuInfo}: parsing nvidia-smi's CSV and running it (through fake scripts). */
class GpuInfoTest {

    private static final long MIB = 1024L * 1024L;
    private static final long POLL_MILLIS = 20;

    private static final String TWO_GPUS =
            "0, NVIDIA GeForce RTX 3090, 24576, 23811, 7, 2, 8.6,"
                    + " GPU-5c3e5a1b-8f0e-4c5e-9d9e-2f6d1f0a7b11\n"
                    + "1, NVIDIA H100 80GB HBM3, 81559, 80000, 100, 45, 9.0,"
                    + " GPU-0b9f7a52-11aa-4d3c-8e7f-6a5b4c3d2e1f\n";

    @Test
    void parsesTwoGpus() {
        List<GpuInfo.Gpu> gpus = GpuInfo.parse(TWO_GPUS);

        assertThat(gpus)
                .containsExactly(
                        new GpuInfo.Gpu(
                                0,
                                "NVIDIA GeForce RTX 3090",
                                "GPU-5c3e5a1b-8f0e-4c5e-9d9e-2f6d1f0a7b11",
                                24576 * MIB,
                                23811 * MIB,
                                7,
                                2,
                                8,
                                6),
                        new GpuInfo.Gpu(
                                1,
                                "NVIDIA H100 80GB HBM3",
                                "GPU-0b9f7a52-11aa-4d3c-8e7f-6a5b4c3d2e1f",
                                81559 * MIB,
                                80000 * MIB,
                                100,
                                45,
                                9,
                                0));
    }

    @Test
    void skipsMalformedLinesAndKeepsCommasInNames() {
        String csv =
                "garbage\n"
                        + "\n"
                        + "x, Tesla T4, 15360, 15000, 0, 0, 7.5, GPU-a\n"
                        + "0, Tesla T4, lots, 15000, 0, 0, 7.5, GPU-b\n"
                        + "0, Tesla T4, 15360, 15000, 0, 0, 75, GPU-c\n"
                        + "0, Tesla T4, 15360, 15000, 0, 0, 7.5\n"
                        + "3, Vendor, Model X, 1024, 512, 1, 2, 8.9, GPU-d\r\n";

        assertThat(GpuInfo.parse(csv))
                .containsExactly(
                        new GpuInfo.Gpu(
                                3, "Vendor, Model X", "GPU-d", 1024 * MIB, 512 * MIB, 1, 2, 8, 9));
    }

    @Test
    void notAvailableValuesAreNull() {
        List<GpuInfo.Gpu> gpus =
                GpuInfo.parse(
                        "0, NVIDIA A10G, [N/A], 22000, [Not Supported], [N/A], [N/A], [N/A]\n");

        assertThat(gpus)
                .containsExactly(
                        new GpuInfo.Gpu(
                                0, "NVIDIA A10G", null, null, 22000 * MIB, null, null, null, null));
    }

    @Test
    void missingBinaryGivesEmptyMaps() {
        GpuInfo gpuInfo = new GpuInfo(List.of("/nonexistent/nvidia-smi-" + System.nanoTime()));

        assertThat(gpuInfo.info()).isEmpty();
        assertThat(gpuInfo.stats()).isEmpty();
    }

    @Test
    void failingCommandGivesEmptyMaps(@TempDir Path dir) throws IOException {
        Path script = script(dir, "printf '%s' '" + TWO_GPUS + "'; exit 9");

        assertThat(new GpuInfo(List.of(script.toString())).info()).isEmpty();
    }

    @Test
    void runsAFakeNvidiaSmiEndToEnd(@TempDir Path dir) throws IOException {
        Path script = script(dir, "printf '%s' '" + TWO_GPUS + "'");
        GpuInfo gpuInfo = new GpuInfo(List.of(script.toString()));

        Map<String, Map<String, Object>> info = gpuInfo.info();
        assertThat(info).containsOnlyKeys("0", "1");
        assertThat(info.get("0"))
                .containsExactly(
                        entry("id", "GPU-5c3e5a1b-8f0e-4c5e-9d9e-2f6d1f0a7b11"),
                        entry("name", "NVIDIA GeForce RTX 3090"),
                        entry("memory_total", 24576 * MIB),
                        entry("memory_free", 23811 * MIB),
                        entry("major", 8),
                        entry("minor", 6));

        Map<String, Map<String, Object>> stats = gpuInfo.stats();
        assertThat(stats).containsOnlyKeys("0", "1");
        assertThat(stats.get("1"))
                .containsExactly(
                        entry("id", "GPU-0b9f7a52-11aa-4d3c-8e7f-6a5b4c3d2e1f"),
                        entry("name", "NVIDIA H100 80GB HBM3"),
                        entry("memory_total", 81559 * MIB),
                        entry("memory_free", 80000 * MIB),
                        entry("utilization_compute", 100),
                        entry("utilization_memory", 45));
    }

    @Test
    void idFallsBackToTheIndexWithoutUuid(@TempDir Path dir) throws IOException {
        Path script = script(dir, "echo '2, Tesla T4, 15360, 15000, 0, 0, 7.5, [N/A]'");

        assertThat(new GpuInfo(List.of(script.toString())).info().get("2"))
                .containsEntry("id", "2");
    }

    @Test
    void hangingCommandTimesOutAndIsKilled(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path script = script(dir, "sleep 10; printf '%s' '" + TWO_GPUS + "'");
        GpuInfo gpuInfo = new GpuInfo(List.of(script.toString()));

        long start = System.nanoTime();
        Map<String, Map<String, Object>> info = gpuInfo.info();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(info).isEmpty();
        assertThat(took).isLessThan(Duration.ofSeconds(3));
        assertThat(noChildProcessLeft()).as("the script and its sleep are killed").isTrue();
    }

    private static boolean noChildProcessLeft() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive)) {
                return true;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return false;
    }

    private static Path script(Path dir, String body) throws IOException {
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
