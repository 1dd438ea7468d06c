package io.flinktrickle.connector.trickle.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.lang.reflect.Field;
import java.nio.ShortBuffer;

/**
 * Opus by the recorder's own encoder (the libopus inside JavaCV's FFmpeg), where the machine has no
 * libopus of its own. JavaCV times audio by counting samples from the pts of its private audio
 * {@code AVFrame}, which is set once to the first sample's pts (by reflection: JavaCV has no
 * setter); the recorder's resampler converts the samples, and its {@code stop} flushes the encoder.
 * Mailbox thread only.
 */
final class RecorderOpus implements OpusOut {

    private static final Field AUDIO_FRAME = MpegTsRecorders.privateField("frame");

    private final FFmpegFrameRecorder recorder;

    RecorderOpus(FFmpegFrameRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void start(long pts48k) throws Exception {
        ((AVFrame) AUDIO_FRAME.get(recorder)).pts(pts48k);
    }

    @Override
    public void write(short[] samples, int length, int rate, int channels) throws Exception {
        recorder.recordSamples(rate, channels, ShortBuffer.wrap(samples, 0, length));
    }

    @Override
    public void finish() {
        // recorder.stop() flushes the encoder
    }

    @Override
    public void close() {
        // the recorder owns the encoder
    }
}
