package io.flinktrickle.processor.operator;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

import ai.djl.Device;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks the slot's device: one GPU of Flink's {@code gpu} external resource (every subtask of a
 * TaskManager sees all of its GPUs), else one of the configured devices, else the CPU. Among
 * several, the slot leases the least-used one TaskManager-wide ({@link DeviceLease}): not by
 * subtask index, which says nothing about which slots share a TaskManager. Stateless.
 */
final class DeviceSelector {
    /** The external resource name Flink's GPU driver is configured under. */
    static final String GPU_RESOURCE = "gpu";

    private static final String INDEX_PROPERTY = "index";

    private DeviceSelector() {}

    /** The choice, where it came from (for the log and the metrics), and its lease. */
    static final class Choice implements AutoCloseable {
        final Device device;
        final String source;
        private final DeviceLease lease;

        Choice(Device device, String source, DeviceLease lease) {
            this.device = device;
            this.source = source;
            this.lease = lease;
        }

        /** Gives the device back (the slot closed). */
        @Override
        public void close() {
            if (lease != null) {
                lease.close();
            }
        }
    }

    static Choice select(Collection<ExternalResourceInfo> gpus, List<String> configured)
            throws java.io.IOException {
        return select(
                gpus,
                configured,
                java.nio.file.Path.of(
                        System.getProperty("java.io.tmpdir"),
                        // per user: another user's lock files cannot be opened for writing
                        DeviceLease.DIRECTORY + "-" + System.getProperty("user.name", "any")));
    }

    /** {@link #select(Collection, List)} with the leases kept in {@code leases}. */
    static Choice select(
            Collection<ExternalResourceInfo> gpus,
            List<String> configured,
            java.nio.file.Path leases)
            throws java.io.IOException {
        List<Integer> indexes = new ArrayList<>();
        for (ExternalResourceInfo info : gpus) {
            Optional<String> index = info.getProperty(INDEX_PROPERTY);
            if (index.isPresent()) {
                indexes.add(Integer.parseInt(index.get().trim()));
            }
        }
        List<Device> candidates = new ArrayList<>();
        String source;
        if (!indexes.isEmpty()) {
            indexes.sort(Comparator.naturalOrder());
            indexes.forEach(i -> candidates.add(Device.gpu(i)));
            source = "external resource gpu " + indexes;
        } else if (!configured.isEmpty()) {
            configured.forEach(d -> candidates.add(parse(d)));
            source = "configured devices " + configured;
        } else {
            return new Choice(Device.cpu(), "no GPU found or configured", null);
        }
        if (candidates.stream().noneMatch(Device::isGpu)) {
            return new Choice(candidates.get(0), source, null); // CPUs are not leased
        }
        DeviceLease lease = DeviceLease.acquire(candidates, leases);
        return new Choice(lease.device, source + ", seat " + lease.seat, lease);
    }

    /** {@code cpu}, {@code gpu}, {@code gpu:N}, {@code gpuN} or {@code cuda:N}. */
    static Device parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        for (String prefix : new String[] {"gpu:", "cuda:", "gpu"}) {
            if (n.startsWith(prefix)) {
                String rest = n.substring(prefix.length());
                if (rest.isEmpty()) {
                    return Device.gpu();
                }
                try {
                    int index = Integer.parseInt(rest);
                    if (index >= 0) {
                        return Device.gpu(index);
                    }
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException(
                "device must be cpu, gpu, gpu:N or cuda:N but is '" + name + "'");
    }

    /** The device as the metrics and events show it: {@code cpu} or {@code gpu:N}. */
    static String describe(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }
}
