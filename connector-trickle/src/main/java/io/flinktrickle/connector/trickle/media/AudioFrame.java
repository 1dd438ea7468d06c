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

    /** Samples per channel. */
    public int sampleCount() {
        return samples.length / channels;
    }

    /** Interleaved s16 samples; shared, treat as read-only. */
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
