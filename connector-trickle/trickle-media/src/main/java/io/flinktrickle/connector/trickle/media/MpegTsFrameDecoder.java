package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import java.io.IOException;
import java.util.Locale;

/**
 * Decodes a channel's MPEG-TS segments into {@link VideoFrame}s and {@link AudioFrame}s with FFmpeg
 * (JavaCV), as one continuous live stream: H.264 (and HEVC) video, AAC, Opus or MP3 audio.
 *
 * <pre>{@code
 * TrickleSource.<Frame>builder()
 *         .channel("abc", URI.create("https://orch/ai/trickle/abc"))
 *         .decoder(MpegTsFrameDecoder.builder().size(512, 512).maxFramerate(24).build())
 *         .build();
 * }</pre>
 *
 * <ul>
 *   <li>Frames leave as soon as FFmpeg produces them (tuned probing, no frame threading); a demuxer
 *       keeps the last frame of a segment until the next segment's bytes arrive, and the tail of
 *       the stream is flushed when the channel ends.
 *   <li>Video is scaled keeping its aspect ratio, then centre-cropped, to {@code width × height}
 *       (default 512 × 512), in the {@link PixelFormat} asked for (default packed RGB24; YUV420P
 *       and GRAY8 of the right size are copied out of FFmpeg without a conversion); the frame rate
 *       is capped by timestamps (default 24; 0 turns the cap off). Audio passes through as
 *       interleaved s16 with its rate and channels. Frames keep the input's timestamps.
 *   <li>After a jump or a reconnect the decoder starts afresh at the next segment (segments start
 *       with PAT/PMT and a keyframe), so no garbage frames appear.
 *   <li>A segment that fails to decode is counted and skipped, the next one starts a fresh decoder;
 *       {@code errorBudget} failures in a row (e.g. noise, or an input without a video stream) are
 *       reported in band, as a {@link StreamLifecycle#error} frame that names the last failure (the
 *       decoder keeps trying: a live stream may recover). A channel whose content type is not
 *       MPEG-TS is refused ({@link
 *       io.flinktrickle.connector.trickle.source.InputRefusedException}): its stream ends with the
 *       reason.
 * </ul>
 */
@PublicEvolving
public final class MpegTsFrameDecoder implements SegmentDecoder<Frame> {
    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;
    private final PixelFormat pixelFormat;
    private final int maxFramerate;
    private final boolean audio;
    private final int errorBudget;

    private MpegTsFrameDecoder(Builder b) {
        this.width = b.width;
        this.height = b.height;
        this.pixelFormat = b.pixelFormat;
        this.maxFramerate = b.maxFramerate;
        this.audio = b.audio;
        this.errorBudget = b.errorBudget;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChannelDecoder<Frame> open(String channelKey) {
        return new MpegTsChannelDecoder(
                channelKey, width, height, pixelFormat, maxFramerate, audio, errorBudget);
    }

    /**
     * A channel whose attributes give a frame size of its own ({@link StreamLifecycle#WIDTH},
     * {@link StreamLifecycle#HEIGHT}) is decoded at that size.
     *
     * @throws IOException when the size attributes are not an even size in 2..8192
     */
    @Override
    public ChannelDecoder<Frame> open(String channelKey, java.util.Map<String, String> attributes)
            throws IOException {
        int w = size(attributes, StreamLifecycle.WIDTH, width);
        int h = size(attributes, StreamLifecycle.HEIGHT, height);
        return new MpegTsChannelDecoder(
                channelKey, w, h, pixelFormat, maxFramerate, audio, errorBudget);
    }

    private static int size(java.util.Map<String, String> attributes, String name, int fallback)
            throws IOException {
        String v = attributes.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 2 && n <= 8192 && n % 2 == 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(name + " must be an even number in 2..8192 but is '" + v + "'");
    }

    @Override
    public TypeInformation<Frame> getProducedType() {
        return FrameTypeInfo.INSTANCE;
    }

    /** Whether a channel's mime type can carry MPEG-TS ({@code video/MP2T}; empty is accepted). */
    static boolean isMpegTs(String contentType) {
        if (contentType == null || contentType.isEmpty()) {
            return true;
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("video/mp2t")
                || t.startsWith("video/mpegts")
                || t.startsWith("application/octet-stream");
    }

    /** Settings of {@link MpegTsFrameDecoder}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private int width = 512;
        private int height = 512;
        private PixelFormat pixelFormat = PixelFormat.RGB24;
        private int maxFramerate = 24;
        private boolean audio = true;
        private int errorBudget = 5;

        private Builder() {}

        /** Output frame size (aspect-preserving scale, then centre crop). Default 512 × 512. */
        public Builder size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * The pixel layout frames carry (default RGB24): what the stream's processor asks for.
         * {@link PixelFormat#NONE} gives the decoder's own (YUV420P), with no conversion.
         */
        public Builder pixelFormat(PixelFormat pixelFormat) {
            this.pixelFormat = pixelFormat;
            return this;
        }

        /** Frame rate cap by timestamps, 1–60; 0 turns it off. Default 24 (PyTrickle's). */
        public Builder maxFramerate(int maxFramerate) {
            this.maxFramerate = maxFramerate;
            return this;
        }

        /** Whether audio frames are emitted. Default true. */
        public Builder audio(boolean audio) {
            this.audio = audio;
            return this;
        }

        /**
         * Consecutive failed segments before the stream's input is reported as broken (in band, a
         * {@link StreamLifecycle#error} frame). Default 5.
         */
        public Builder errorBudget(int errorBudget) {
            this.errorBudget = errorBudget;
            return this;
        }

        public MpegTsFrameDecoder build() {
            if (width < 2
                    || height < 2
                    || width > 8192
                    || height > 8192
                    || width % 2 != 0
                    || height % 2 != 0) {
                throw new IllegalArgumentException(
                        "size must be even and 2..8192 but is " + width + "x" + height);
            }
            if (pixelFormat == null) {
                throw new IllegalArgumentException("pixelFormat must be set (RGB24 by default)");
            }
            if (maxFramerate != 0 && (maxFramerate < 1 || maxFramerate > 60)) {
                throw new IllegalArgumentException(
                        "maxFramerate must be 1..60 (or 0 for no cap) but is " + maxFramerate);
            }
            if (errorBudget < 1) {
                throw new IllegalArgumentException("errorBudget must be at least 1");
            }
            return new MpegTsFrameDecoder(this);
        }
    }

    static IOException wrongContentType(String contentType) {
        return new io.flinktrickle.connector.trickle.source.InputRefusedException(
                "its content type is '" + contentType + "', not MPEG-TS (video/MP2T)");
    }
}
