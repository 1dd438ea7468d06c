package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.sink.SegmentEncoder;

import org.apache.flink.annotation.PublicEvolving;

import org.bytedeco.ffmpeg.global.avcodec;

/**
 * Encodes a stream's frames into MPEG-TS segments for {@code TrickleSink}: H.264 with libx264
 * ({@code preset superfast}, {@code tune zerolatency}, no B-frames, an IDR every {@code gopSeconds}
 * of pts) and Opus audio, one segment per GOP, streamed to the publisher while it is muxed (a
 * segment's first bytes leave before its last frame is encoded).
 *
 * <pre>{@code
 * TrickleSink.<Frame>builder()
 *         .router((frame, subtask) -> URI.create(base + frame.streamKey() + "-out"))
 *         .encoder(MpegTsFrameEncoder.builder().videoBitrate(1_500_000).build())
 *         .build();
 * }</pre>
 *
 * <ul>
 *   <li>One encoder and one muxer per channel run for the whole stream; the byte stream is cut
 *       right before each forced keyframe, where FFmpeg's muxer writes PAT/PMT, so every segment
 *       starts with PAT/PMT and an IDR and the segments concatenate into one valid stream.
 *   <li>The output size follows the first frame; frames of another size (or format) are scaled and
 *       converted; YUV420P frames go to x264 as they are. Timestamps are the input's own (the
 *       frames' pts), re-timed only across a discontinuity; segments start at the input's
 *       keyframes, so output segments pair with input segments.
 *   <li>An input without audio gives an output without an audio track.
 *   <li>Audio (Opus, 48 kHz, mono by default, resampled and downmixed as needed) is held until the
 *       first video frame; audio more than 2 s away from the video is dropped (PyTrickle's rules).
 *   <li>The GPL FFmpeg build with libx264 is required: without it, encoding refuses to start with a
 *       clear message instead of FFmpeg's silent fallback to MPEG-2 video.
 * </ul>
 */
@PublicEvolving
public final class MpegTsFrameEncoder implements SegmentEncoder<Frame> {
    private static final long serialVersionUID = 1L;

    final double gopSeconds;
    final int videoBitrate;
    final String preset;
    final boolean audio;
    final int audioChannels;
    final int audioBitrate;
    final int opusComplexity;
    final boolean systemLibopus;
    final int nominalFramerate;

    private MpegTsFrameEncoder(Builder b) {
        this.gopSeconds = b.gopSeconds;
        this.videoBitrate = b.videoBitrate;
        this.preset = b.preset;
        this.audio = b.audio;
        this.audioChannels = b.audioChannels;
        this.audioBitrate = b.audioBitrate;
        this.opusComplexity = b.opusComplexity;
        this.systemLibopus = b.systemLibopus;
        this.nominalFramerate = b.nominalFramerate;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChannelEncoder<Frame> open(String channel) {
        checkLibx264();
        return new MpegTsChannelEncoder(channel, this);
    }

    /** Fails unless FFmpeg has libx264 (the GPL build); FFmpeg would silently use MPEG-2. */
    static void checkLibx264() {
        if (avcodec.avcodec_find_encoder_by_name("libx264") == null) {
            throw new IllegalStateException(
                    "FFmpeg has no libx264 encoder: put org.bytedeco:ffmpeg with the"
                            + " linux-x86_64-gpl classifier on the classpath (the LGPL build would"
                            + " silently encode MPEG-2)");
        }
    }

    /** Settings of {@link MpegTsFrameEncoder}; {@link #build()} validates. */
    @PublicEvolving
    public static final class Builder {
        private double gopSeconds = 2.0;

        /** PyTrickle's (PyAV's default bit_rate): the same quality, the same x264 work. */
        private int videoBitrate = 1_024_000;

        private String preset = "superfast";
        private boolean audio = true;
        private int audioChannels = 1;
        private int audioBitrate = 64_000;

        /**
         * Measured on clip A (64 kbit/s mono, the FFmpeg build JavaCV ships): 0.0167 CPU-s per
         * second of audio at 10 (libopus's default), 0.0134 at 5, 0.0085 at 4.
         */
        private int opusComplexity = 4;

        private boolean systemLibopus = true;

        private int nominalFramerate = 30;

        private static final java.util.List<String> X264_PRESETS =
                java.util.List.of(
                        "ultrafast",
                        "superfast",
                        "veryfast",
                        "faster",
                        "fast",
                        "medium",
                        "slow",
                        "slower",
                        "veryslow",
                        "placebo");

        private Builder() {}

        /**
         * The frame rate the bitrate is budgeted for (x264's rate control). Timestamps and
         * keyframes follow the frames' own pts whatever this is. Default 30.
         */
        public Builder nominalFramerate(int nominalFramerate) {
            this.nominalFramerate = nominalFramerate;
            return this;
        }

        /** Seconds of pts between IDR frames, i.e. per segment. Default 2 (PyTrickle's GOP). */
        public Builder gopSeconds(double gopSeconds) {
            this.gopSeconds = gopSeconds;
            return this;
        }

        /** Target video bitrate in bit/s. Default 1024 kbit/s, as PyTrickle's output. */
        public Builder videoBitrate(int videoBitrate) {
            this.videoBitrate = videoBitrate;
            return this;
        }

        /** x264 preset. Default {@code superfast}. */
        public Builder preset(String preset) {
            this.preset = preset;
            return this;
        }

        /** Whether an Opus audio stream is written. Default true. */
        public Builder audio(boolean audio) {
            this.audio = audio;
            return this;
        }

        /** Output audio channels: 1 (default) or 2. */
        public Builder audioChannels(int audioChannels) {
            this.audioChannels = audioChannels;
            return this;
        }

        /** Opus bitrate in bit/s. Default 64 kbit/s. */
        public Builder audioBitrate(int audioBitrate) {
            this.audioBitrate = audioBitrate;
            return this;
        }

        /**
         * libopus's complexity, 0–10 (its {@code compression_level}). Default 4: half the CPU of 10
         * (libopus's own default); above 4 libopus adds signal analysis that matters little at 64
         * kbit/s. Raise it where audio quality at low bitrates matters more than CPU.
         */
        public Builder opusComplexity(int opusComplexity) {
            this.opusComplexity = opusComplexity;
            return this;
        }

        /**
         * Whether Opus is encoded by the machine's own libopus ({@code libopus.so.0}, Debian's
         * {@code libopus0}) where it has one: the same packets for about a third of the CPU of the
         * libopus inside JavaCV's FFmpeg, which encodes where the machine has none or this is
         * false. Default true.
         */
        public Builder systemLibopus(boolean systemLibopus) {
            this.systemLibopus = systemLibopus;
            return this;
        }

        public MpegTsFrameEncoder build() {
            if (!(gopSeconds >= 0.2 && gopSeconds <= 20)) {
                throw new IllegalArgumentException(
                        "gopSeconds must be 0.2..20 but is " + gopSeconds);
            }
            if (videoBitrate < 50_000) {
                throw new IllegalArgumentException("videoBitrate must be at least 50 kbit/s");
            }
            if (audioChannels != 1 && audioChannels != 2) {
                throw new IllegalArgumentException(
                        "audioChannels must be 1 or 2 but is " + audioChannels);
            }
            if (audioBitrate < 6_000) {
                throw new IllegalArgumentException("audioBitrate must be at least 6 kbit/s");
            }
            if (opusComplexity < 0 || opusComplexity > 10) {
                throw new IllegalArgumentException(
                        "opusComplexity must be 0..10 but is " + opusComplexity);
            }
            if (nominalFramerate < 1 || nominalFramerate > 120) {
                throw new IllegalArgumentException(
                        "nominalFramerate must be 1..120 but is " + nominalFramerate);
            }
            if (!X264_PRESETS.contains(preset)) {
                throw new IllegalArgumentException(
                        "preset must be one of " + X264_PRESETS + " but is " + preset);
            }
            return new MpegTsFrameEncoder(this);
        }
    }
}
