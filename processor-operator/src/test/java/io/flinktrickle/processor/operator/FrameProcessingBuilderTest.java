package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.params.InvalidParamsException;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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
