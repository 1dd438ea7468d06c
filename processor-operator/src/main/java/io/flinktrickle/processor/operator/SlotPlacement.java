package io.flinktrickle.processor.operator;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Places a subtask's processor: picks its device ({@link DeviceSelector}: the GPU Flink assigned,
 * else the configured devices, else the CPU), logs it, reports it as the operator's {@code device}
 * and {@code deviceIndex} gauges, and creates the {@link ProcessorSlot} pinned to it (not opened
 * yet: the operator owns it from here, so that it is closed even if opening fails).
 *
 * <p>Threads: called once, on the mailbox thread, in the operator's {@code open}; the gauges are
 * read by the metric reporters' threads (they only read final values).
 */
final class SlotPlacement {
    private static final Logger LOG = LoggerFactory.getLogger(SlotPlacement.class);

    private SlotPlacement() {}

    /** The subtask's slot, on its device, its gauges registered under {@code operatorGroup}. */
    static ProcessorSlot create(
            StreamingRuntimeContext context, MetricGroup operatorGroup, ProcessingSettings settings)
            throws IOException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        DeviceSelector.Choice choice =
                DeviceSelector.select(
                        context.getExternalResourceInfos(DeviceSelector.GPU_RESOURCE),
                        settings.devices);
        String device = DeviceSelector.describe(choice.device);
        LOG.info("Frame processor subtask {} runs on {} ({})", subtask, device, choice.source);
        operatorGroup.gauge("device", () -> device);
        operatorGroup.gauge(
                "deviceIndex", () -> choice.device.isGpu() ? choice.device.getDeviceId() : -1);
        return new ProcessorSlot(
                settings,
                choice,
                subtask,
                operatorGroup,
                "frame-processor-" + context.getTaskInfo().getTaskNameWithSubtasks());
    }
}
