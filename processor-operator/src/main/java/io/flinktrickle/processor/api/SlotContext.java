package io.flinktrickle.processor.api;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.metrics.MetricGroup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/** What a processor knows about its slot: the device it is pinned to and where to allocate. */
@PublicEvolving
public interface SlotContext {

    /** The slot's device: a GPU chosen for this subtask, or the CPU. */
    Device device();

    /**
     * An {@link NDManager} on {@link #device()}, created on first use and closed by the operator
     * after {@link FrameProcessor#close()}. Close per-frame tensors (or a sub-manager) yourself.
     */
    NDManager ndManager();

    /** This parallel instance's index. */
    int subtaskIndex();

    /** The operator's metric group, for the processor's own metrics. */
    MetricGroup metricGroup();
}
