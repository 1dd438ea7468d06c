package io.flinktrickle.connector.trickle.media;

import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audio track of one output stream, on the output clock next to the video. The Opus encoder
 * ({@link OpusOut}: the machine's libopus where it has one, else the recorder's) times audio by
 * counting samples from the first audio frame's pts, so the audio written so far ends at {@code
 * audioEnd}: a frame that overlaps it is dropped, a hole before it (up to {@link #MAX_SILENCE}) is
 * filled with silence, and audio more than 2 s from the video is dropped (PyTrickle's rule).
 *
 * <p>Mailbox thread only (the sink writer's), through {@link MpegTsChannelEncoder}.
 */
final class OpusTrack {

    private static final Logger LOG = LoggerFactory.getLogger(OpusTrack.class);

    /** Audio further than this from the video is dropped. */
    static final long MAX_AV_DRIFT = 2 * Frame.TIME_BASE;

    /**
     * The longest hole in the audio that is filled with silence (audio lost while the video went
     * on); a longer one comes with a video jump, which moves both streams' clock.
     */
    private static final long MAX_SILENCE = 10 * Frame.TIME_BASE;

    /** Audio this close to where it belongs is written as it is (20 ms). */
    private static final long AUDIO_TOLERANCE = Frame.TIME_BASE / 50;

    /**
     * Audio before this pts is not written: the Opus encoder's priming (6.5 ms) would put the first
     * packet below 0, where the 33-bit MPEG-TS clock wraps.
     */
    private static final long MIN_AUDIO_PTS = Frame.TIME_BASE / 50;

    private static final int OPUS_RATE = MpegTsRecorders.OPUS_RATE;
    private static final int SILENCE_CHUNK = 1024;
    private static final int WARN_EVERY = 100;

    private final String channel;
    private final OpusOut out;

    /** Where the track's clock started (output pts of its first sample), once it has. */
    private long origin = Long.MIN_VALUE;

    private long samplesWritten;

    /** What {@link #samplesWritten} left out: input samples × 48 000 modulo their rate. */
    private long sampleRemainder;

    private long dropped;

    /** A track in {@code recorder}'s audio stream, by the system's libopus if asked and there. */
    OpusTrack(String channel, FFmpegFrameRecorder recorder, MpegTsFrameEncoder settings)
            throws IllegalAccessException {
        this.channel = channel;
        OpusOut system = null;
        if (settings.systemLibopus) {
            try {
                system = SystemOpus.open(recorder, settings, channel);
            } catch (LinkageError e) { // JNA not on the classpath (a cluster without it in lib/)
                LOG.debug("stream {}: no JNA for the system's libopus: {}", channel, e.toString());
            }
        }
        this.out = system != null ? system : new RecorderOpus(recorder);
    }

    /** Whether the machine's libopus encodes this track (else the one inside JavaCV's FFmpeg). */
    boolean systemLibopus() {
        return out instanceof SystemOpus;
    }

    /** The stream ends: buffered audio is written (before the recorder stops). */
    void finish() throws Exception {
        out.finish();
    }

    /** Frees the encoder (after the recorder stopped or failed). */
    void close() {
        out.close();
    }

    /** Writes an audio frame at output pts {@code outPts}, the video being at {@code videoPts}. */
    void write(AudioFrame a, long outPts, long videoPts) throws Exception {
        if (origin == Long.MIN_VALUE) {
            if (outPts < MIN_AUDIO_PTS || Math.abs(outPts - videoPts) > MAX_AV_DRIFT) {
                dropped++;
                return;
            }
            origin = outPts;
            out.start(outPts * OPUS_RATE / Frame.TIME_BASE);
        }
        long audioEnd = origin + samplesWritten * Frame.TIME_BASE / OPUS_RATE;
        long gap = outPts - audioEnd;
        if (Math.abs(outPts - videoPts) > MAX_AV_DRIFT
                || gap < -AUDIO_TOLERANCE
                || gap > MAX_SILENCE) {
            if (dropped++ % WARN_EVERY == 0) {
                LOG.warn(
                        "stream {}: audio at {} is out of place (audio written to {}, video at {}),"
                                + " dropped",
                        channel,
                        outPts,
                        audioEnd,
                        videoPts);
            }
            return;
        }
        if (gap > AUDIO_TOLERANCE) {
            writeSilence(gap * a.sampleRate() / Frame.TIME_BASE, a.sampleRate(), a.channels());
        }
        out.write(a.samples(), a.samples().length, a.sampleRate(), a.channels());
        countSamples(a.sampleCount(), a.sampleRate());
    }

    /** Audio frames dropped so far (out of place). */
    long dropped() {
        return dropped;
    }

    private void writeSilence(long samples, int rate, int channels) throws Exception {
        short[] quiet = new short[SILENCE_CHUNK * channels];
        while (samples > 0) {
            int n = (int) Math.min(SILENCE_CHUNK, samples);
            out.write(quiet, n * channels, rate, channels);
            countSamples(n, rate);
            samples -= n;
        }
    }

    /**
     * Counts samples written at {@code rate} in 48 kHz samples (what the recorder's resampler makes
     * of them), keeping the remainder: 44.1 kHz audio would otherwise lose half a sample a frame,
     * and its clock drift by 20 ms in 40 s.
     */
    private void countSamples(long samples, int rate) {
        long scaled = samples * OPUS_RATE + sampleRemainder;
        samplesWritten += scaled / rate;
        sampleRemainder = scaled % rate;
    }
}
