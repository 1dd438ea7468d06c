package io.flinktrickle.processor.operator;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics of one stream key, in the group {@code stream/<id>/run/<key>} (the stream's id, as
 * its sidecar and orchestrator know it, and its key in the job: {@code <id>-<run>} in runner mode,
 * else the id), registered once per operator instance and kept across the stream's restarts (Flink
 * refuses a second registration under the same name, so a new set would never be reported), until
 * the stream ends for good: its group is then closed, and a new run registers a new one. A reporter
 * with labels (Prometheus) turns the id, the key and the slot's device ({@code
 * …/device/<device>/info} = 1) into labels: {@code stream}, {@code run}, {@code device}. Mailbox
 * thread.
 */
final class StreamMetrics {
    private static final int HISTOGRAM_WINDOW = 1000;

    /** The group keys: the stream's id, its key in the job, its slot's device. */
    static final String STREAM_GROUP = "stream";

    static final String RUN_GROUP = "run";
    static final String DEVICE_GROUP = "device";

    final MetricGroup group;
    final Counter videoIn;
    final Counter audioIn;
    final Counter videoOut;
    final Counter audioOut;
    final Counter dropped;
    final Counter skipped;
    final Counter failures;
    final Histogram processingMillis;
    final Histogram endToEndMillis;

    /**
     * Registers the metrics of stream {@code key} (id {@code id}) under {@code operatorGroup}, on
     * {@code device} ({@code cpu}, {@code gpu:0}).
     */
    static StreamMetrics register(MetricGroup operatorGroup, String id, String key, String device) {
        return new StreamMetrics(
                operatorGroup.addGroup(STREAM_GROUP, id).addGroup(RUN_GROUP, key), device);
    }

    private StreamMetrics(MetricGroup group, String device) {
        this.group = group;
        group.addGroup(DEVICE_GROUP, device).gauge("info", () -> 1);
        videoIn = group.counter("videoFramesIn");
        audioIn = group.counter("audioFramesIn");
        videoOut = group.counter("videoFramesOut");
        audioOut = group.counter("audioFramesOut");
        dropped = group.counter("framesDropped");
        skipped = group.counter("framesSkippedByFpsCap");
        failures = group.counter("processingFailures");
        group.meter("fpsIn", new MeterView(videoIn));
        group.meter("fpsOut", new MeterView(videoOut));
        processingMillis =
                group.histogram(
                        "processingLatencyMs",
                        new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        endToEndMillis =
                group.histogram(
                        "endToEndLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }
}
