package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.MpegTsFrameEncoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.sink.ContinuousSegmentOutput;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.SlotContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs a short synthetic stream through the whole path of a slot before it takes real ones, so that
 * a stream's start pays for none of it: frames are encoded to MPEG-TS, decoded, processed and
 * encoded again with the same codecs a live stream uses. That loads FFmpeg's native libraries,
 * opens x264, the H.264 decoder and the scaler once, and lets the JIT compile the frame path (the
 * processor's included), all while the runner still reports LOADING.
 *
 * <p>The processor sees one stream, key {@value #STREAM_KEY}, through its regular calls ({@code
 * onStreamStart}, {@code processVideo}, {@code onStreamStop}); its data and events go nowhere.
 *
 * <p>Runs on the slot's processor thread (the decoder uses a thread of its own), in {@code open}.
 */
final class PathWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(PathWarmUp.class);

    /** The warm-up stream's key, as the processor sees it. */
    static final String STREAM_KEY = "__warm-up__";

    private static final long FRAME_TICKS = Frame.TIME_BASE / 30;
    private static final long RESULT_TIMEOUT_SECONDS = 60;

    private PathWarmUp() {}

    static void run(FrameProcessor processor, SlotContext slot, WarmUpSettings settings)
            throws Exception {
        long started = System.nanoTime();
        byte[] ts = encode(synthetic(settings));
        // In the layout the processor asked for, as its streams' frames will be.
        List<VideoFrame> decoded = decode(ts, settings, processor.pixelFormat());
        Context context = new Context(slot);
        List<Frame> processed = new ArrayList<>(decoded.size());
        processor.onStreamStart(context);
        try {
            for (VideoFrame f : decoded) {
                VideoFrame out =
                        processor
                                .processVideoAsync(f, context)
                                .toCompletableFuture()
                                .get(RESULT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (out != null) {
                    processed.add(out);
                }
            }
        } finally {
            processor.onStreamStop(context);
        }
        encode(processed);
        LOG.info(
                "Slot {} warmed up: {} frames of {}x{} encoded, decoded ({}), processed and"
                        + " encoded again in {} ms",
                slot.subtaskIndex(),
                settings.frames,
                settings.width,
                settings.height,
                decoded.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Moving bars: every frame differs, so the encoder does real work. */
    private static List<Frame> synthetic(WarmUpSettings s) {
        List<Frame> frames = new ArrayList<>(s.frames);
        for (int i = 0; i < s.frames; i++) {
            byte[] rgb = new byte[s.width * s.height * 3];
            for (int y = 0; y < s.height; y++) {
                for (int x = 0; x < s.width; x++) {
                    int p = (y * s.width + x) * 3;
                    rgb[p] = (byte) (x + i * 4);
                    rgb[p + 1] = (byte) (y - i * 2);
                    rgb[p + 2] = (byte) ((x ^ y) + i);
                }
            }
            frames.add(new VideoFrame(STREAM_KEY, i * FRAME_TICKS, 0, s.width, s.height, rgb, 0));
        }
        return frames;
    }

    private static byte[] encode(List<Frame> frames) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ContinuousSegmentOutput out = new ContinuousSegmentOutput(bytes);
        try (SegmentEncoder.ChannelEncoder<Frame> encoder =
                MpegTsFrameEncoder.builder().audio(false).build().open(STREAM_KEY)) {
            for (Frame f : frames) {
                encoder.encode(f, out);
            }
            encoder.finish(out);
        }
        return bytes.toByteArray();
    }

    private static List<VideoFrame> decode(byte[] ts, WarmUpSettings s, PixelFormat format)
            throws IOException {
        List<VideoFrame> frames = new ArrayList<>();
        MpegTsFrameDecoder decoder =
                MpegTsFrameDecoder.builder()
                        .size(s.width, s.height)
                        .pixelFormat(format)
                        .maxFramerate(0)
                        .build();
        try (SegmentDecoder.ChannelDecoder<Frame> channel = decoder.open(STREAM_KEY)) {
            SegmentInfo info =
                    new SegmentInfo(
                            STREAM_KEY, 0, TrickleProtocol.MIME_MPEGTS, System.currentTimeMillis());
            java.util.function.Consumer<Frame> keep =
                    f -> {
                        if (f instanceof VideoFrame) {
                            frames.add((VideoFrame) f);
                        }
                    };
            channel.decode(info, new ByteArrayInputStream(ts), keep);
            channel.endOfStream(keep);
        }
        return frames;
    }

    /** The warm-up stream as the processor sees it: its data and events are discarded. */
    private static final class Context extends SlotBoundContext {
        private final Map<String, Object> state = new HashMap<>();

        Context(SlotContext slot) {
            super(slot);
        }

        @Override
        public String streamKey() {
            return STREAM_KEY;
        }

        @Override
        public Map<String, Object> params() {
            return Map.of();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T state(Supplier<T> initial) {
            return (T) state.computeIfAbsent("state", k -> initial.get());
        }

        @Override
        public void sendData(Object value) {}

        @Override
        public void sendEvent(String type, Map<String, ?> fields) {}
    }
}
