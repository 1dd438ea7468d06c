package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.params.InvalidParamsException;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings are checked in {@code build()} (and devices and params when given). */
class FrameProcessingBuilderTest {

    private static final class Passthrough implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }

    /** Holds a field Java cannot serialize, as a model loaded in the constructor would. */
    private static final class Unserializable implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        private final Object model = new Object();

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return model == null ? null : frame;
        }
    }

    /** A batch processor that returns its frames. */
    private static final class BatchPassthrough implements BatchFrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public List<VideoFrame> processBatch(
                List<VideoFrame> frames, List<ProcessorContext> contexts) {
            return frames;
        }
    }

    @Test
    void batchSettingsDefaultForBatchProcessorsOnly() {
        ProcessingSettings batch =
                FrameProcessing.builder(new BatchPassthrough()).build().settings();
        assertThat(batch.maxBatchSize).isEqualTo(FrameProcessing.DEFAULT_MAX_BATCH_SIZE);
        assertThat(batch.maxBatchDelayNanos)
                .isEqualTo(FrameProcessing.DEFAULT_MAX_BATCH_DELAY.toNanos());
        assertThat(batch.maxInFlightPerStream).as("a stream behind fills a batch").isEqualTo(8);
        assertThat(batch.maxInFlightPerSlot).isEqualTo(16);
        ProcessingSettings big =
                FrameProcessing.builder(new BatchPassthrough())
                        .maxBatchSize(32)
                        .maxBatchDelay(Duration.ofMillis(5))
                        .build()
                        .settings();
        assertThat(big.maxInFlightPerSlot).as("one batch forms while one runs").isEqualTo(64);
        assertThat(big.maxBatchDelayNanos).isEqualTo(Duration.ofMillis(5).toNanos());
        ProcessingSettings single = FrameProcessing.builder(new Passthrough()).build().settings();
        assertThat(single.maxBatchSize).isEqualTo(1);
        assertThat(single.maxInFlightPerStream).isEqualTo(1);
        assertThat(single.maxInFlightPerSlot).isEqualTo(16);
    }

    @Test
    void badBatchSettingsFailWithClearMessages() {
        assertThatThrownBy(() -> FrameProcessing.builder(new Passthrough()).maxBatchSize(4).build())
                .hasMessageContaining("maxBatchSize 4 needs a BatchFrameProcessor");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new BatchPassthrough())
                                        .maxBatchSize(0)
                                        .build())
                .hasMessageContaining("maxBatchSize must be >= 1");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new BatchPassthrough())
                                        .maxBatchDelay(Duration.ZERO)
                                        .build())
                .hasMessageContaining("maxBatchDelay must be positive");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new BatchPassthrough())
                                        .maxBatchSize(8)
                                        .maxInFlightPerStream(1)
                                        .maxInFlightPerSlot(4)
                                        .build())
                .hasMessageContaining("maxInFlightPerSlot must be >= maxBatchSize");
    }

    @Test
    void badSettingsFailWithClearMessages() {
        assertThatThrownBy(
                        () -> FrameProcessing.builder(new Passthrough()).maxFramerate(61).build())
                .hasMessageContaining("maxFramerate must be 0 (off) or 1-60");
        assertThatThrownBy(
                        () -> FrameProcessing.builder(new Passthrough()).maxQueuedFrames(0).build())
                .hasMessageContaining("maxQueuedFrames");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new Passthrough())
                                        .maxInFlightPerStream(8)
                                        .maxInFlightPerSlot(4)
                                        .build())
                .hasMessageContaining("maxInFlightPerSlot must be >= maxInFlightPerStream");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new Passthrough())
                                        .heartbeatInterval(Duration.ZERO)
                                        .build())
                .hasMessageContaining("heartbeatInterval must be positive");
        assertThatThrownBy(() -> FrameProcessing.builder(new Passthrough()).devices(List.of("tpu")))
                .hasMessageContaining("cpu, gpu, gpu:N or cuda:N");
        assertThatThrownBy(
                        () ->
                                FrameProcessing.builder(new Passthrough())
                                        .initialParams("s", Map.of("width", 5)))
                .isInstanceOf(InvalidParamsException.class);
        assertThatThrownBy(() -> FrameProcessing.builder(new Unserializable()).build())
                .hasMessageContaining("must be serializable");
        assertThatThrownBy(() -> FrameProcessing.builder(null)).hasMessageContaining("processor");
    }
}
