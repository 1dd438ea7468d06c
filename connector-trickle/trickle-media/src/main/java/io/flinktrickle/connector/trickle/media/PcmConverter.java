package io.flinktrickle.connector.trickle.media;

import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

import java.util.Arrays;

/**
 * Interleaved 16-bit audio to one rate and channel count with FFmpeg's swresample, as JavaCV's
 * recorder converts it (the default layout of each channel count, swresample's default mixing). A
 * change of input rate or channels drains the old converter into the next result and opens a new
 * one. Not thread-safe; {@link #close} frees the native buffers.
 */
final class PcmConverter implements AutoCloseable {

    private final int outRate;
    private final int outChannels;

    private SwrContext swr;
    private int inRate;
    private int inChannels;
    private ShortPointer in;
    private ShortPointer out;
    private final PointerPointer<Pointer> inPlanes = new PointerPointer<>(1);
    private final PointerPointer<Pointer> outPlanes = new PointerPointer<>(1);
    private short[] result = new short[0];
    private int samples;

    PcmConverter(int outRate, int outChannels) {
        this.outRate = outRate;
        this.outChannels = outChannels;
    }

    /**
     * The first {@code length} samples of {@code pcm} converted: the result's first {@link
     * #samples()} × out channels values (the array is reused by the next call).
     */
    short[] convert(short[] pcm, int length, int rate, int channels) {
        int count = length / channels;
        short[] tail = null; // what the converter of the previous format still held
        if (swr != null && (rate != inRate || channels != inChannels)) {
            if (drain() != null) {
                tail = Arrays.copyOf(result, samples * outChannels);
            }
            free();
        }
        if (swr == null) {
            open(rate, channels);
        }
        if (in == null || in.capacity() < length) {
            if (in != null) {
                in.close();
            }
            in = new ShortPointer(length);
            inPlanes.put(0, in);
        }
        in.position(0).put(pcm, 0, length);
        int produced = run(count);
        if (tail != null) {
            short[] both = new short[tail.length + produced * outChannels];
            System.arraycopy(tail, 0, both, 0, tail.length);
            System.arraycopy(result, 0, both, tail.length, produced * outChannels);
            result = both;
            produced += tail.length / outChannels;
        }
        samples = produced;
        return result;
    }

    /**
     * What the converter still holds (its resampling delay), or null; then see {@link #samples}.
     */
    short[] drain() {
        if (swr == null) {
            return null;
        }
        samples = run(0);
        return samples > 0 ? result : null;
    }

    /** Samples per channel in the last result. */
    int samples() {
        return samples;
    }

    /** Runs swresample on {@code count} input samples (0: flush), into {@link #result}. */
    private int run(int count) {
        int room = swresample.swr_get_out_samples(swr, count) + 32;
        if (out == null || out.capacity() < (long) room * outChannels) {
            if (out != null) {
                out.close();
            }
            out = new ShortPointer((long) room * outChannels);
            outPlanes.put(0, out);
        }
        int produced =
                swresample.swr_convert(swr, outPlanes, room, count == 0 ? null : inPlanes, count);
        if (produced < 0) {
            throw new IllegalStateException("swresample: error " + produced);
        }
        if (result.length < produced * outChannels) {
            result = new short[produced * outChannels];
        }
        out.position(0).get(result, 0, produced * outChannels);
        return produced;
    }

    private void open(int rate, int channels) {
        try (AVChannelLayout inLayout = new AVChannelLayout();
                AVChannelLayout outLayout = new AVChannelLayout()) {
            avutil.av_channel_layout_default(inLayout, channels);
            avutil.av_channel_layout_default(outLayout, outChannels);
            SwrContext s = swresample.swr_alloc();
            if (s == null) {
                throw new OutOfMemoryError("swr_alloc");
            }
            int err =
                    swresample.swr_alloc_set_opts2(
                            s,
                            outLayout,
                            avutil.AV_SAMPLE_FMT_S16,
                            outRate,
                            inLayout,
                            avutil.AV_SAMPLE_FMT_S16,
                            rate,
                            0,
                            null);
            if (err < 0 || swresample.swr_init(s) < 0) {
                swresample.swr_free(s);
                throw new IllegalStateException(
                        "swresample cannot convert "
                                + channels
                                + " channels at "
                                + rate
                                + " Hz to "
                                + outChannels
                                + " at "
                                + outRate);
            }
            swr = s;
            inRate = rate;
            inChannels = channels;
        }
    }

    private void free() {
        if (swr != null) {
            swresample.swr_free(swr);
            swr = null;
        }
    }

    @Override
    public void close() {
        free();
        if (in != null) {
            in.close();
            in = null;
        }
        if (out != null) {
            out.close();
            out = null;
        }
        inPlanes.close();
        outPlanes.close();
    }
}
