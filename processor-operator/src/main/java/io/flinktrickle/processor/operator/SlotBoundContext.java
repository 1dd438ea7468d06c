package io.flinktrickle.processor.operator;

import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

import org.apache.flink.metrics.MetricGroup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * A stream's {@link ProcessorContext} whose slot half (device, NDManager, subtask, metrics) is the
 * slot's own. Its methods may be called from any thread, as the slot's.
 */
abstract class SlotBoundContext implements ProcessorContext {
    protected final SlotContext slot;

    SlotBoundContext(SlotContext slot) {
        this.slot = slot;
    }

    @Override
    public final Device device() {
        return slot.device();
    }

    @Override
    public final NDManager ndManager() {
        return slot.ndManager();
    }

    @Override
    public final int subtaskIndex() {
        return slot.subtaskIndex();
    }

    @Override
    public final MetricGroup metricGroup() {
        return slot.metricGroup();
    }
}
