package io.flinktrickle.processor.operator;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A batching slot's metrics ({@link BatchFormer}): the sizes of the batches it sent (a histogram
 * metric, and exact counts per size for the heartbeats) and how long each batch's first frame
 * waited for more ({@code maxBatchDelay} bounds it while the processor is free). Registered once
 * per slot on the operator's metric group; updated and read on the mailbox thread.
 */
final class BatchMetrics {
    private static final int HISTOGRAM_WINDOW = 1000;
    private static final double NANOS_PER_MILLI = 1e6;

    final Counter batches;
    final Histogram size;
    final Histogram waitMillis;

    /** Batches sent, by size (index 0 unused): the heartbeats' histogram. */
    private final long[] sizeCounts;

    BatchMetrics(MetricGroup group, int maxBatchSize) {
        batches = group.counter("batches");
        size = group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        waitMillis =
                group.histogram(
                        "batchWaitMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        sizeCounts = new long[maxBatchSize + 1];
    }

    /** A batch of {@code frames} leaves after its first frame waited {@code waitNanos}. */
    void sent(int frames, long waitNanos) {
        batches.inc();
        size.update(frames);
        waitMillis.update(Math.round(waitNanos / NANOS_PER_MILLI));
        sizeCounts[frames]++;
    }

    /**
     * The heartbeat's {@code batch} object: batches sent, their size (mean, p50, and the count per
     * size since the slot opened) and the first frame's wait for more (p50, p95, ms).
     */
    void report(ObjectNode heartbeat) {
        ObjectNode batch = heartbeat.putObject("batch");
        batch.put("batches", batches.getCount());
        batch.put("size_mean", Math.round(size.getStatistics().getMean() * 100) / 100.0);
        batch.put("size_p50", size.getStatistics().getQuantile(0.5));
        ObjectNode counts = batch.putObject("size_counts");
        for (int i = 1; i < sizeCounts.length; i++) {
            if (sizeCounts[i] > 0) {
                counts.put(Integer.toString(i), sizeCounts[i]);
            }
        }
        batch.put("wait_ms_p50", waitMillis.getStatistics().getQuantile(0.5));
        batch.put("wait_ms_p95", waitMillis.getStatistics().getQuantile(0.95));
    }
}
