package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.AudioFrame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.AsyncFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.api.SlotContext;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessorTestHarnessTest {

    /** Paints a white box of {@code size} (param) in the top-left corner; reports as it goes. */
    static final class WhiteBox implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        transient List<String> calls;

        @Override
        public void open(SlotContext slot) {
            calls = new ArrayList<>();
            calls.add("open " + slot.device() + " on " + Thread.currentThread().getName());
        }

        @Override
        public void onStreamStart(ProcessorContext context) {
            calls.add("start " + context.streamKey() + " " + context.params());
        }

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            int size = ((Number) context.params().getOrDefault("size", 2)).intValue();
            byte[] out = frame.rgb().clone();
            for (int y = 0; y < Math.min(size, frame.height()); y++) {
                for (int x = 0; x < Math.min(size, frame.width()); x++) {
                    int i = frame.indexOf(x, y);
                    out[i] = out[i + 1] = out[i + 2] = (byte) 255;
                }
            }
            int n = context.state(() -> new int[1])[0]++;
            context.sendData(Map.of("frame", n));
            if (n == 0) {
                context.sendEvent("first_box", Map.of("size", size));
            }
            return frame.withPixels(frame.width(), frame.height(), out);
        }

        @Override
        public List<AudioFrame> processAudio(AudioFrame frame, ProcessorContext context) {
            return List.of(); // withholds audio
        }

        @Override
        public void updateParams(Map<String, Object> update, ProcessorContext context) {
            if (((Number) context.params().getOrDefault("size", 2)).intValue() > 32) {
                throw new IllegalArgumentException("size must be at most 32");
            }
        }

        @Override
        public void onStreamStop(ProcessorContext context) {
            calls.add("stop " + context.streamKey());
            context.sendData(Map.of("bye", true));
        }
    }

    @Test
    void runsAProcessorAsTheOperatorDoesWithoutFlink() throws Exception {
        WhiteBox box = new WhiteBox();
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(box)
                        .dataFlushInterval(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofSeconds(1))
                        .build()) {
            assertThat(harness.slot().device()).isEqualTo(Device.cpu());
            assertThat(box.calls.get(0)).startsWith("open cpu() on frame-processor");
            HarnessStream s = harness.startStream("s1", Map.of("size", 3));
            assertThat(box.calls).contains("start s1 {size=3}");

            VideoFrame in = VideoFrame.builder(8, 4).fill(10, 20, 30).pts(3000).build();
            VideoFrame out = s.processVideo(in);
            assertThat(out.pts()).isEqualTo(3000);
            assertThat(out.rgb()[out.indexOf(2, 2)]).isEqualTo((byte) 255);
            assertThat(out.rgb()[out.indexOf(3, 0)]).isEqualTo((byte) 10);
            assertThat(in.rgb()[in.indexOf(0, 0)]).as("input untouched").isEqualTo((byte) 10);
            assertThat(s.processAudio(AudioFrame.builder(48_000, 2).build())).isEmpty();

            // Params: merged; a processor's refusal keeps the previous ones; invalid is refused
            // before the processor is asked.
            assertThat(s.updateParams(Map.of("size", 1))).containsEntry("size", 1);
            assertThat(s.processVideo(in).rgb()[in.indexOf(1, 1)]).isEqualTo((byte) 10);
            assertThatThrownBy(() -> s.updateParams(Map.of("size", 64)))
                    .hasMessageContaining("at most 32");
            assertThat(s.params()).containsEntry("size", 1);
            assertThatThrownBy(() -> s.updateParams(Map.of("max_framerate", "fast")))
                    .isInstanceOf(IllegalArgumentException.class);

            // Events at once; data lines on the flush interval; heartbeats on theirs.
            assertThat(s.events()).hasSize(1);
            assertThat(s.events().get(0))
                    .containsEntry("type", "first_box")
                    .containsEntry("size", 3)
                    .containsKey("timestamp");
            assertThat(s.dataLines()).isEmpty();
            harness.advance(Duration.ofMillis(200));
            assertThat(s.dataLines()).containsExactly("[{\"frame\":0},{\"frame\":1}]\n");
            assertThat(s.heartbeats()).isEmpty();
            harness.advance(Duration.ofMillis(800));
            assertThat(s.heartbeats()).hasSize(1);
            Map<String, Object> heartbeat = s.heartbeats().get(0);
            assertThat(heartbeat).containsEntry("type", "heartbeat").containsEntry("device", "cpu");
            assertThat(heartbeat.get("dimensions")).isEqualTo(Map.of("width", 8, "height", 4));
            assertThat(((Map<?, ?>) heartbeat.get("fps")).get("ingress_video_fps"))
                    .isEqualTo(2.0); // 2 frames in the heartbeat's 1 s

            s.stop();
            assertThat(box.calls).contains("stop s1");
            assertThat(s.data())
                    .containsExactly(Map.of("frame", 0), Map.of("frame", 1), Map.of("bye", true));
            assertThatThrownBy(() -> s.processVideo(in)).hasMessageContaining("stopped");

            // A new run of the id starts afresh (its own state).
            HarnessStream again = harness.startStream("s1");
            again.processVideo(in);
            assertThat(again.events()).hasSize(1);
        }
        assertThat(box.calls).contains("stop s1").last().isEqualTo("stop s1");
    }

    @Test
    void failuresReachTheTestAndBadSetupIsRefused() throws Exception {
        FrameProcessor failing =
                (FrameProcessor & java.io.Serializable)
                        (frame, context) -> {
                            throw new IllegalStateException("model exploded");
                        };
        try (ProcessorTestHarness harness = ProcessorTestHarness.builder(failing).build()) {
            HarnessStream s = harness.startStream("s");
            assertThatThrownBy(() -> s.processVideo(VideoFrame.builder(2, 2).build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("model exploded");
            assertThatThrownBy(() -> harness.startStream("s"))
                    .hasMessageContaining("running already");
            assertThatThrownBy(() -> harness.startStream("t", Map.of("max_framerate", 0)))
                    .hasMessageContaining("invalid start params");
        }
        FrameProcessor cannotOpen = new CannotOpen();
        assertThatThrownBy(() -> ProcessorTestHarness.builder(cannotOpen).build())
                .hasMessageContaining("no weights");
        assertThatThrownBy(() -> ProcessorTestHarness.builder(new NotSerializable()).build())
                .hasMessageContaining("must be serializable");
        assertThatThrownBy(() -> ProcessorTestHarness.builder(failing).device("tpu:7").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void asyncProcessorsAreAwaitedAndTimeOut() throws Exception {
        AsyncFrameProcessor never = new FirstFrameOnly();
        try (ProcessorTestHarness harness =
                ProcessorTestHarness.builder(never).callTimeout(Duration.ofMillis(300)).build()) {
            HarnessStream s = harness.startStream("a");
            assertThat(s.processVideo(VideoFrame.builder(2, 2).build()).pts()).isEqualTo(42);
            assertThatThrownBy(() -> s.processVideo(VideoFrame.builder(2, 2).pts(1).build()))
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("callTimeout");
        }
    }

    /** Holds a thread: a job could not ship it. */
    static final class NotSerializable implements FrameProcessor {
        private static final long serialVersionUID = 1L;
        private final Object lock = new Thread();

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }

    static final class CannotOpen implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public void open(SlotContext slot) {
            throw new IllegalStateException("no weights");
        }

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }

    /** Answers the frame at pts 0 (on another thread), never any other. */
    static final class FirstFrameOnly implements AsyncFrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public CompletionStage<VideoFrame> processVideoAsync(
                VideoFrame frame, ProcessorContext context) {
            if (frame.pts() == 0) {
                return CompletableFuture.supplyAsync(() -> frame.withPts(42));
            }
            return new CompletableFuture<>();
        }
    }
}
