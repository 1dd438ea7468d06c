package io.flinktrickle.processor.operator;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceSelectorTest {

    /** What Flink's GPU driver hands out: one info per GPU with an "index" property. */
    private static ExternalResourceInfo gpu(String index) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String key) {
                return "index".equals(key) ? Optional.of(index) : Optional.empty();
            }

            @Override
            public Collection<String> getKeys() {
                return Set.of("index");
            }
        };
    }

    @TempDir Path leases;

    @Test
    void slotsOfATaskManagerFillEveryGpuBeforeSharingOne() throws Exception {
        List<ExternalResourceInfo> gpus = List.of(gpu("1"), gpu("0"));
        List<DeviceSelector.Choice> slots = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            slots.add(DeviceSelector.select(gpus, List.of("cpu"), leases));
        }
        assertThat(slots.stream().map(c -> c.device))
                .containsExactly(Device.gpu(0), Device.gpu(1), Device.gpu(0), Device.gpu(1));
        // A slot that closes frees its GPU; the next slot takes it, not the busier one.
        slots.get(1).close();
        DeviceSelector.Choice next = DeviceSelector.select(gpus, List.of(), leases);
        assertThat(next.device).isEqualTo(Device.gpu(1));
        next.close();
        next.close(); // closing twice is harmless
        slots.forEach(DeviceSelector.Choice::close);
    }

    @Test
    void leasesAreSharedAcrossSelectorsOfOneDirectory() throws Exception {
        // Two jobs of one TaskManager (two class loaders) meet in the same lease files.
        List<String> devices = List.of("gpu:0", "gpu:1");
        try (DeviceSelector.Choice a = DeviceSelector.select(List.of(), devices, leases);
                DeviceSelector.Choice b = DeviceSelector.select(List.of(), devices, leases)) {
            assertThat(List.of(a.device, b.device)).containsExactly(Device.gpu(0), Device.gpu(1));
        }
    }

    @Test
    void aSeatHeldInThisJvmStaysLockedForOtherProcesses() throws Exception {
        // A second slot looking at a held seat must not open its file: closing that channel
        // would drop the holder's lock for every other process (POSIX record locks).
        List<String> one = List.of("gpu:0");
        Path seat0 = leases.resolve("gpu-0.0.lock");
        try (DeviceSelector.Choice a = DeviceSelector.select(List.of(), one, leases);
                DeviceSelector.Choice b = DeviceSelector.select(List.of(), one, leases)) {
            assertThat(a.source).endsWith("seat 0");
            assertThat(b.source).endsWith("seat 1");
            assertThat(otherProcessLocks(seat0)).as("seat 0 locked for other processes").isFalse();
        }
        assertThat(otherProcessLocks(seat0)).as("seat 0 free after close").isTrue();
    }

    /** Whether a separate JVM can lock {@code file} ({@link LockProbe}). */
    private static boolean otherProcessLocks(Path file) throws Exception {
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                LockProbe.class.getName(),
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(out).isZero();
        return Boolean.parseBoolean(out);
    }

    /** Prints whether it could lock the file given (another process's view). */
    public static final class LockProbe {
        public static void main(String[] args) throws Exception {
            try (java.nio.channels.FileChannel c =
                    java.nio.channels.FileChannel.open(
                            Path.of(args[0]), java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock lock = c.tryLock();
                System.out.println(lock != null);
            }
        }
    }

    @Test
    void fallsBackToConfiguredDevicesThenCpu() throws Exception {
        try (DeviceSelector.Choice c = DeviceSelector.select(List.of(), List.of("cpu"), leases)) {
            assertThat(c.device).isEqualTo(Device.cpu());
        }
        try (DeviceSelector.Choice c = DeviceSelector.select(List.of(), List.of("gpu:2"), leases)) {
            assertThat(c.device).isEqualTo(Device.gpu(2));
        }
        try (DeviceSelector.Choice c = DeviceSelector.select(List.of(), List.of(), leases)) {
            assertThat(c.device).isEqualTo(Device.cpu());
        }
    }

    @Test
    void parsesDeviceNames() {
        assertThat(DeviceSelector.parse("cuda:3")).isEqualTo(Device.gpu(3));
        assertThat(DeviceSelector.parse("GPU1")).isEqualTo(Device.gpu(1));
        assertThat(DeviceSelector.describe(Device.gpu(1))).isEqualTo("gpu:1");
        assertThatThrownBy(() -> DeviceSelector.parse("tpu:0"))
                .hasMessageContaining("cpu, gpu, gpu:N or cuda:N");
    }
}
