package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;

import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * Creates {@link FrameProcessorOperator}s with the task's mailbox executor. The operator chains to
 * the source before it (a keyed stream reinterpreted in place) and to the sinks after it.
 */
final class FrameProcessorOperatorFactory extends AbstractStreamOperatorFactory<Frame>
        implements OneInputStreamOperatorFactory<Frame, Frame> {
    private static final long serialVersionUID = 1L;

    private final ProcessingSettings settings;

    FrameProcessorOperatorFactory(ProcessingSettings settings) {
        this.settings = settings;
        this.chainingStrategy = ChainingStrategy.ALWAYS;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<Frame>> T createStreamOperator(
            StreamOperatorParameters<Frame> parameters) {
        return (T) new FrameProcessorOperator(parameters, settings);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return FrameProcessorOperator.class;
    }
}
