package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.BatchFrameException;
import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link io.flinktrickle.processor.api.BatchFrameProcessor} in the harness. */
class BatchProcessorHarnessTest {

    /**
     * Paints each frame's first pixel with its stream's {@code level} param, counts the batches it
     * is called with per stream; {@code fail: true} fails that stream's frames alone.
     */
    static final class Level implements BatchFrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public List<VideoFrame> processBatch(
                List<VideoFrame> frames, List<ProcessorContext> contexts)
                throws BatchFrameException {
            List<VideoFrame> out = new ArrayList<>();
            Map<Integer, Throwable> failures = new java.util.HashMap<>();
            for (int i = 0; i < frames.size(); i++) {
                ProcessorContext c = contexts.get(i);
                c.state(() -> new int[1])[0]++;
                if (Boolean.TRUE.equals(c.params().get("fail"))) {
                    failures.put(i, new IllegalStateException("no level for " + c.streamKey()));
                    out.add(null);
                    continue;
                }
                byte[] rgb = frames.get(i).rgb().clone();
                rgb[0] = (byte) ((Number) c.params().getOrDefault("level", 0)).intValue();
                out.add(frames.get(i).withPixels(frames.get(i).width(), 2, rgb));
            }
            if (!failures.isEmpty()) {
                throw new BatchFrameException(out, failures);
            }
            return out;
        }
    }

    private static VideoFrame frame(long pts) {
        return VideoFrame.builder(4, 2).fill(1, 2, 3).pts(pts).build();
    }

    @Test
    void aBatchOfSeveralStreamsSeesEachFramesOwnContext() throws Exception {
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new Level()).build()) {
            HarnessStream a = harness.startStream("a", Map.of("level", 10));
            HarnessStream b = harness.startStream("b", Map.of("level", 20));
            List<VideoFrame> out =
                    harness.processBatch(List.of(a, b, a), List.of(frame(0), frame(0), frame(1)));
            assertThat(out).extracting(f -> f.rgb()[0] & 0xff).containsExactly(10, 20, 10);
            assertThat(out).extracting(VideoFrame::pts).containsExactly(0L, 0L, 1L);
            assertThat(a.context().state(() -> new int[1])[0]).isEqualTo(2);
            assertThat(b.context().state(() -> new int[1])[0]).isEqualTo(1);
            assertThat(a.processVideo(frame(2)).rgb()[0])
                    .as("a single frame is a batch of one")
                    .isEqualTo((byte) 10);
        }
    }

    @Test
    void someFramesFailingNameTheirIndexesAndKeepTheOthersResults() throws Exception {
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new Level()).build()) {
            HarnessStream ok = harness.startStream("ok", Map.of("level", 5));
            HarnessStream bad = harness.startStream("bad", Map.of("fail", true));
            assertThatThrownBy(
                            () ->
                                    harness.processBatch(
                                            List.of(ok, bad, ok),
                                            List.of(frame(0), frame(0), frame(1))))
                    .isInstanceOfSatisfying(
                            BatchFrameException.class,
                            e -> {
                                assertThat(e.failures()).containsOnlyKeys(1);
                                assertThat(e.failures().get(1)).hasMessageContaining("bad");
                                assertThat(e.results().get(0).rgb()[0]).isEqualTo((byte) 5);
                                assertThat(e.results().get(1)).isNull();
                                assertThat(e).hasMessage("1 of 3 frames of the batch failed");
                            });
        }
    }

    @Test
    void badBatchesAndBadFailuresAreRefused() throws Exception {
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(new Level()).build()) {
            HarnessStream a = harness.startStream("a");
            assertThatThrownBy(() -> harness.processBatch(List.of(a), List.of()))
                    .hasMessageContaining("one stream per frame");
            a.stop();
            assertThatThrownBy(() -> harness.processBatch(List.of(a), List.of(frame(0))))
                    .hasMessageContaining("stream a is not running");
        }
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(new ProcessorTestHarnessTest.WhiteBox()).build()) {
            HarnessStream a = harness.startStream("a");
            assertThatThrownBy(() -> harness.processBatch(List.of(a), List.of(frame(0))))
                    .hasMessageContaining("is not a BatchFrameProcessor");
        }
        List<VideoFrame> two = Arrays.asList(frame(0), null);
        assertThatThrownBy(() -> new BatchFrameException(two, Map.of()))
                .hasMessageContaining("at least one failed frame");
        assertThatThrownBy(
                        () -> new BatchFrameException(two, Map.of(2, new IllegalStateException())))
                .hasMessageContaining("failed frame 2 is not in a batch of 2");
    }
}
