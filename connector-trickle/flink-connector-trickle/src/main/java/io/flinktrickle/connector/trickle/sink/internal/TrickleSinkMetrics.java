package io.flinktrickle.connector.trickle.sink.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * The sink writer's metrics: Flink's standard {@code numRecordsSend}, {@code numBytesSend} and
 * {@code numRecordsSendErrors}, plus {@code trickleSegmentsOut} and {@code tricklePublishErrors}
 * (segments dropped because publishing them failed). Mailbox thread only.
 */
@Internal
final class TrickleSinkMetrics {
    final Counter records;
    final Counter bytes;
    final Counter recordErrors;
    final Counter segments;
    final Counter publishErrors;

    TrickleSinkMetrics(SinkWriterMetricGroup group) {
        this.records = group.getNumRecordsSendCounter();
        this.bytes = group.getNumBytesSendCounter();
        this.recordErrors = group.getNumRecordsSendErrorsCounter();
        this.segments = group.counter("trickleSegmentsOut");
        this.publishErrors = group.counter("tricklePublishErrors");
    }
}
