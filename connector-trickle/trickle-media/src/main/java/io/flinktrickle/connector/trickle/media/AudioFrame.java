package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Arrays;
import java.util.Objects;

/**
 * An audio frame as signed 16-bit samples, interleaved ({@code L R L R …} for stereo); decoders
 * convert whatever the codec produces to this at the edge, encoders convert from it.
 */
@PublicEvolving
public final class AudioFrame extends Frame {

    private final int sampleRate;
    private final int channels;
    private final short[] samples;

    /** Prefer {@link #builder(int, int)}, whose fields are named. */
    public AudioFrame(
            String streamKey,
            long pts,
            long arrivalMillis,
            int sampleRate,
            int channels,
            short[] samples) {
        super(streamKey, pts, arrivalMillis);
        if (sampleRate <= 0 || channels <= 0) {
            throw new IllegalArgumentException("sample rate and channels must be positive");
        }
        Objects.requireNonNull(samples, "samples");
        if (samples.length % channels != 0) {
            throw new IllegalArgumentException(
                    samples.length + " samples do not divide into " + channels + " channels");
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.samples = samples;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    /** "mono", "stereo" or "N channels". */
    public String layout() {
        return channels == 1 ? "mono" : channels == 2 ? "stereo" : channels + " channels";
    }

    /**
     * A builder of an audio frame at {@code sampleRate} Hz with {@code channels} channels: 1024
     * samples per channel of silence, stream {@code "stream"}, pts 0.
     */
    public static Builder builder(int sampleRate, int channels) {
        return new Builder(sampleRate, channels);
    }

    /** Builds an {@link AudioFrame} from named fields; checked in {@link #build()}. */
    @PublicEvolving
    public static final class Builder {
        private static final int DEFAULT_SAMPLES_PER_CHANNEL = 1024;

        private final int sampleRate;
        private final int channels;
        private String streamKey = "stream";
        private long pts;
        private long arrivalMillis;
        private short[] samples;

        private Builder(int sampleRate, int channels) {
            this.sampleRate = sampleRate;
            this.channels = channels;
        }

        /** The stream the frame belongs to (default {@code "stream"}). */
        public Builder streamKey(String streamKey) {
            this.streamKey = streamKey;
            return this;
        }

        /** Presentation timestamp in the 90 kHz time base (default 0). */
        public Builder pts(long pts) {
            this.pts = pts;
            return this;
        }

        /** Wall-clock arrival time in ms (default 0). */
        public Builder arrivalMillis(long arrivalMillis) {
            this.arrivalMillis = arrivalMillis;
            return this;
        }

        /** Interleaved signed 16-bit samples ({@code L R L R …}; taken, not copied). */
        public Builder samples(short[] samples) {
            this.samples = samples;
            return this;
        }

        /** The frame; the samples must divide into the channels. */
        public AudioFrame build() {
            if (streamKey == null) {
                throw new IllegalArgumentException("a frame needs a stream key");
            }
            short[] s = samples;
            if (s == null && channels > 0) {
                s = new short[DEFAULT_SAMPLES_PER_CHANNEL * channels];
            }
            return new AudioFrame(streamKey, pts, arrivalMillis, sampleRate, channels, s);
        }
    }

    /** Samples per channel. */
    public int sampleCount() {
        return samples.length / channels;
    }

    /**
     * Interleaved s16 samples; shared, not copied: read-only (return a new frame with new samples
     * to change them), as {@link VideoFrame#rgb()}.
     */
    public short[] samples() {
        return samples;
    }

    /** The same frame (stream, timing, format) with other samples. */
    public AudioFrame withSamples(short[] samples) {
        return new AudioFrame(streamKey(), pts(), arrivalMillis(), sampleRate, channels, samples);
    }

    public AudioFrame withPts(long pts) {
        return new AudioFrame(streamKey(), pts, arrivalMillis(), sampleRate, channels, samples);
    }

    @Override
    public boolean isVideo() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AudioFrame)) {
            return false;
        }
        AudioFrame f = (AudioFrame) o;
        return pts() == f.pts()
                && arrivalMillis() == f.arrivalMillis()
                && sampleRate == f.sampleRate
                && channels == f.channels
                && Objects.equals(streamKey(), f.streamKey())
                && Arrays.equals(samples, f.samples);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamKey(), pts(), sampleRate, channels);
    }

    @Override
    public String toString() {
        return "AudioFrame{"
                + streamKey()
                + " pts="
                + pts()
                + " "
                + sampleRate
                + " Hz "
                + layout()
                + " "
                + sampleCount()
                + " samples}";
    }
}
