package io.flinktrickle.processor.operator;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics of one stream key ({@code stream/<key>}), registered once per operator instance and
 * kept across the stream's restarts (Flink refuses a second registration under the same name, so a
 * new set would never be reported), until the stream ends for good: its group is then closed, and a
 * new run of the key registers a new one. Mailbox thread.
 */
final class StreamMetrics {
    private static final int HISTOGRAM_WINDOW = 1000;

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

    StreamMetrics(MetricGroup group) {
        this.group = group;
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
