package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A processor that asks for a pixel format and reports, on the data channel, the format and size of
 * every frame it gets ({@code pts}, {@code format}, {@code bytes}); frames pass through as they
 * came.
 */
public abstract class FormatProbe implements FrameProcessor {
    private static final long serialVersionUID = 1L;

    @Override
    public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("pts", frame.pts());
        item.put("format", frame.format().name());
        item.put("width", frame.width());
        item.put("height", frame.height());
        item.put("bytes", frame.pixels().length);
        context.sendData(item);
        return frame;
    }

    /** Asks for YUV420P. */
    public static final class Yuv extends FormatProbe {
        private static final long serialVersionUID = 1L;

        @Override
        public PixelFormat pixelFormat() {
            return PixelFormat.YUV420P;
        }
    }

    /** Asks for GRAY8: what it returns is encoded grey. */
    public static final class Gray extends FormatProbe {
        private static final long serialVersionUID = 1L;

        @Override
        public PixelFormat pixelFormat() {
            return PixelFormat.GRAY8;
        }
    }
}
