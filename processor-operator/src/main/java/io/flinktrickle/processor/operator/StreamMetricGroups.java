package io.flinktrickle.processor.operator;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@link StreamMetrics} of each stream key, registered under the operator's group on the key's
 * first run and kept across its restarts (Flink refuses a second registration under the same name),
 * until the stream ends for good: its group is then closed, so that a long-lived job does not keep
 * the metrics of every stream it ever ran, and a new run registers a new one.
 *
 * <p>Threads: mailbox thread only (the reporters' threads read the registered metrics).
 */
final class StreamMetricGroups {
    private final MetricGroup operatorGroup;
    private final Map<String, StreamMetrics> byKey = new HashMap<>();

    StreamMetricGroups(MetricGroup operatorGroup) {
        this.operatorGroup = operatorGroup;
    }

    /** Stream {@code key}'s metrics (id {@code id}, on {@code device}), registered if new. */
    StreamMetrics of(String key, String id, String device) {
        return byKey.computeIfAbsent(
                key, k -> StreamMetrics.register(operatorGroup, id, k, device));
    }

    /** The stream ended for good: its group closes (its metrics leave the reporters). */
    void close(String key) {
        StreamMetrics metrics = byKey.remove(key);
        if (metrics != null && metrics.group instanceof AbstractMetricGroup) {
            ((AbstractMetricGroup<?>) metrics.group).close();
        }
    }
}
