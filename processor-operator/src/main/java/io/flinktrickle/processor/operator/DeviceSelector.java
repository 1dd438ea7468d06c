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
 * TaskManager sees all of its GPUs, so the subtask index chooses), else one of the configured
 * devices, else the CPU. Stateless.
 */
final class DeviceSelector {
    /** The external resource name Flink's GPU driver is configured under. */
    static final String GPU_RESOURCE = "gpu";

    private static final String INDEX_PROPERTY = "index";

    private DeviceSelector() {}

    /** The choice and where it came from, for the log and the metrics. */
    static final class Choice {
        final Device device;
        final String source;

        Choice(Device device, String source) {
            this.device = device;
            this.source = source;
        }
    }

    static Choice select(
            Collection<ExternalResourceInfo> gpus, List<String> configured, int subtaskIndex) {
        List<Integer> indexes = new ArrayList<>();
        for (ExternalResourceInfo info : gpus) {
            Optional<String> index = info.getProperty(INDEX_PROPERTY);
            if (index.isPresent()) {
                indexes.add(Integer.parseInt(index.get().trim()));
            }
        }
        if (!indexes.isEmpty()) {
            indexes.sort(Comparator.naturalOrder());
            return new Choice(
                    Device.gpu(indexes.get(subtaskIndex % indexes.size())),
                    "external resource gpu " + indexes);
        }
        if (!configured.isEmpty()) {
            return new Choice(
                    parse(configured.get(subtaskIndex % configured.size())),
                    "configured devices " + configured);
        }
        return new Choice(Device.cpu(), "no GPU found or configured");
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
