package io.flinktrickle.connector.trickle.media;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.io.OutputStream;

/**
 * Starts the recorder of one output stream: libx264 (PyTrickle's settings: {@code superfast},
 * {@code zerolatency}, no B-frames, IDR only when forced, one slice thread) and optionally Opus,
 * into an MPEG-TS muxer that keeps the frames' timestamps and writes each packet at once.
 */
final class MpegTsRecorders {

    /** Video time base: the 90 kHz clock, so frame pts pass through exactly. */
    private static final int VIDEO_TIME_BASE = (int) Frame.TIME_BASE;

    static final int OPUS_RATE = 48_000;

    private MpegTsRecorders() {}

    /**
     * A private field of JavaCV's recorder, made accessible (see {@link MpegTsChannelEncoder} for
     * why); fails class initialization if this JavaCV has no such field.
     */
    static java.lang.reflect.Field privateField(String name) {
        try {
            java.lang.reflect.Field f = FFmpegFrameRecorder.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A started recorder writing to {@code out}, with an Opus track if {@code withAudio}.
     *
     * @throws IllegalStateException if FFmpeg refuses the configuration (the writer fails rather
     *     than retrying every frame)
     */
    static FFmpegFrameRecorder start(
            OutputStream out, int width, int height, MpegTsFrameEncoder settings, boolean withAudio)
            throws FFmpegFrameRecorder.Exception {
        FFmpegFrameRecorder r =
                new FFmpegFrameRecorder(out, width, height, withAudio ? settings.audioChannels : 0);
        try {
            r.setFormat("mpegts");
            r.setInterleaved(false); // write each packet at once, so a cut never splits a frame
            r.setOption("flush_packets", "1");
            // The input's timestamps as they are: without this the muxer adds its delay (0.7 s).
            r.setOption("mpegts_copyts", "1");
            r.setOption("pes_payload_size", "0"); // no audio held back in the muxer across a cut
            r.setVideoCodecName("libx264");
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            r.setFrameRate(VIDEO_TIME_BASE);
            r.setGopSize(1_000_000); // keyframes come when forced (one per segment), not by count
            r.setVideoBitrate(settings.videoBitrate);
            r.setVideoOption("preset", settings.preset);
            r.setVideoOption("tune", "zerolatency");
            r.setVideoOption("bf", "0");
            r.setVideoOption("forced-idr", "1");
            r.setVideoOption("sc_threshold", "0");
            r.setVideoOption("threads", "1");
            // The codec clock is 90 kHz (exact pts); x264's rate control would read that as
            // 90 000 fps and give each frame a few bits. It gets the stream's nominal rate.
            r.setVideoOption("x264-params", "fps=" + settings.nominalFramerate);
            if (withAudio) {
                r.setAudioCodecName("libopus");
                r.setSampleRate(OPUS_RATE);
                r.setAudioBitrate(settings.audioBitrate);
                r.setAudioOption("compression_level", String.valueOf(settings.opusComplexity));
            }
            r.start();
            return r;
        } catch (Exception e) {
            r.release();
            throw new IllegalStateException("cannot start the encoder: " + e.getMessage(), e);
        }
    }
}
