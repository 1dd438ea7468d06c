package io.flinktrickle.connector.trickle.media;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Opus by the machine's own libopus ({@link LibOpus}), its packets written into the audio stream
 * the recorder set up for its own Opus encoder (which then gets no samples): the same settings as
 * that encoder (48 kHz, the output's channels, {@code audio} application, VBR, the bitrate and
 * complexity asked for), the same 20 ms packets at the same pts (the first sample's less libopus's
 * lookahead, as FFmpeg writes them), the same lookahead (checked against the stream's initial
 * padding), and at the end the same flush (silence until the lookahead is out). Samples at another
 * rate or channel count are converted as the recorder would ({@link PcmConverter}).
 *
 * <p>Why reflection: JavaCV's recorder writes packets it did not encode only when remuxing from an
 * input it opened ({@code recordPacket}); its packet writer ({@code writePacket}, which keeps the
 * muxer's interleaving) and its audio stream are private.
 *
 * <p>Mailbox thread only, as the encoder.
 */
final class SystemOpus implements OpusOut {

    private static final Logger LOG = LoggerFactory.getLogger(SystemOpus.class);

    static final int RATE = MpegTsRecorders.OPUS_RATE;

    /** Samples per packet (per channel): 20 ms, FFmpeg's default for libopus. */
    static final int FRAME = RATE / 50;

    /** libopus's recommended packet buffer: larger than any packet it makes. */
    private static final int MAX_PACKET_BYTES = 4000;

    private static final java.lang.reflect.Field AUDIO_STREAM =
            MpegTsRecorders.privateField("audio_st");
    private static final Method WRITE_PACKET = writePacket();

    private final LibOpus.Api opus;
    private final Pointer encoder;
    private final FFmpegFrameRecorder recorder;
    private final AVStream stream;
    private final int channels;
    private final int lookahead;
    private final PcmConverter converter;
    private final AVRational opusTimeBase = avutil.av_make_q(1, RATE);
    private final AVPacket packet = avcodec.av_packet_alloc();
    private final byte[] packetBytes = new byte[MAX_PACKET_BYTES];

    /** Samples waiting for a whole packet (interleaved). */
    private final short[] pending;

    private int pendingSamples;

    /** Samples (per channel) taken in, and encoded (in whole packets, padding included). */
    private long samplesIn;

    private long samplesEncoded;

    /** The pts (48 kHz) of the track's first sample; set by {@link #start}. */
    private long origin = Long.MIN_VALUE;

    private boolean closed;

    private SystemOpus(
            LibOpus.Api opus,
            Pointer encoder,
            FFmpegFrameRecorder recorder,
            AVStream stream,
            int channels,
            int lookahead) {
        this.opus = opus;
        this.encoder = encoder;
        this.recorder = recorder;
        this.stream = stream;
        this.channels = channels;
        this.lookahead = lookahead;
        this.converter = new PcmConverter(RATE, channels);
        this.pending = new short[FRAME * channels];
    }

    /**
     * An encoder for {@code recorder}'s audio stream, or null where the machine has no libopus or
     * it would not write what the recorder's encoder writes (the reason is logged).
     */
    static SystemOpus open(
            FFmpegFrameRecorder recorder, MpegTsFrameEncoder settings, String channel)
            throws IllegalAccessException {
        LibOpus.Api opus = LibOpus.get();
        AVStream stream = (AVStream) AUDIO_STREAM.get(recorder);
        if (opus == null || stream == null || WRITE_PACKET == null) {
            return null;
        }
        IntByReference error = new IntByReference();
        Pointer encoder =
                opus.opus_encoder_create(
                        RATE, settings.audioChannels, LibOpus.OPUS_APPLICATION_AUDIO, error);
        if (encoder == null || error.getValue() != LibOpus.OPUS_OK) {
            LOG.warn(
                    "stream {}: the system's libopus refused an encoder ({}); using JavaCV's",
                    channel,
                    opus.opus_strerror(error.getValue()));
            return null;
        }
        IntByReference lookahead = new IntByReference();
        int initialPadding = stream.codecpar().initial_padding();
        if (opus.opus_encoder_ctl(encoder, LibOpus.OPUS_SET_BITRATE_REQUEST, settings.audioBitrate)
                        != LibOpus.OPUS_OK
                || opus.opus_encoder_ctl(
                                encoder,
                                LibOpus.OPUS_SET_COMPLEXITY_REQUEST,
                                settings.opusComplexity)
                        != LibOpus.OPUS_OK
                || opus.opus_encoder_ctl(encoder, LibOpus.OPUS_SET_VBR_REQUEST, 1)
                        != LibOpus.OPUS_OK
                || opus.opus_encoder_ctl(encoder, LibOpus.OPUS_SET_VBR_CONSTRAINT_REQUEST, 0)
                        != LibOpus.OPUS_OK
                || opus.opus_encoder_ctl(encoder, LibOpus.OPUS_GET_LOOKAHEAD_REQUEST, lookahead)
                        != LibOpus.OPUS_OK
                || lookahead.getValue() != initialPadding) {
            LOG.warn(
                    "stream {}: the system's libopus does not match the stream's settings"
                            + " (lookahead {}, the stream's {}); using JavaCV's",
                    channel,
                    lookahead.getValue(),
                    initialPadding);
            opus.opus_encoder_destroy(encoder);
            return null;
        }
        return new SystemOpus(
                opus, encoder, recorder, stream, settings.audioChannels, lookahead.getValue());
    }

    @Override
    public void start(long pts48k) {
        origin = pts48k;
    }

    @Override
    public void write(short[] samples, int length, int rate, int inChannels) throws Exception {
        if (rate == RATE && inChannels == channels) {
            append(samples, length / channels);
        } else {
            short[] converted = converter.convert(samples, length, rate, inChannels);
            append(converted, converter.samples());
        }
    }

    @Override
    public void finish() throws Exception {
        if (origin == Long.MIN_VALUE) {
            return; // no audio was ever written: nothing to flush
        }
        short[] tail = converter.drain();
        if (tail != null) {
            append(tail, converter.samples());
        }
        // What libopus still holds (its lookahead) comes out behind silence, as FFmpeg flushes.
        long wanted = samplesIn + lookahead;
        while (samplesEncoded < wanted) {
            Arrays.fill(pending, pendingSamples * channels, pending.length, (short) 0);
            pendingSamples = FRAME;
            encodePending();
        }
    }

    private void append(short[] samples, int count) throws Exception {
        samplesIn += count;
        int at = 0;
        while (at < count) {
            int n = Math.min(count - at, FRAME - pendingSamples);
            System.arraycopy(
                    samples, at * channels, pending, pendingSamples * channels, n * channels);
            pendingSamples += n;
            at += n;
            if (pendingSamples == FRAME) {
                encodePending();
            }
        }
    }

    private void encodePending() throws Exception {
        int bytes = opus.opus_encode(encoder, pending, FRAME, packetBytes, packetBytes.length);
        if (bytes < 0) {
            throw new IllegalStateException("libopus: " + opus.opus_strerror(bytes));
        }
        long pts = origin + samplesEncoded - lookahead;
        samplesEncoded += FRAME;
        pendingSamples = 0;
        if (avcodec.av_new_packet(packet, bytes) < 0) {
            throw new OutOfMemoryError("av_new_packet(" + bytes + ")");
        }
        packet.data().capacity(bytes).put(packetBytes, 0, bytes);
        packet.pts(avutil.av_rescale_q(pts, opusTimeBase, stream.time_base()));
        packet.dts(packet.pts());
        packet.duration(avutil.av_rescale_q(FRAME, opusTimeBase, stream.time_base()));
        packet.flags(avcodec.AV_PKT_FLAG_KEY);
        packet.stream_index(stream.index());
        try {
            WRITE_PACKET.invoke(recorder, avutil.AVMEDIA_TYPE_AUDIO, packet); // unrefs it
        } catch (InvocationTargetException e) {
            avcodec.av_packet_unref(packet);
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        opus.opus_encoder_destroy(encoder);
        avcodec.av_packet_free(packet);
        opusTimeBase.close();
        converter.close();
    }

    private static Method writePacket() {
        try {
            Method m =
                    FFmpegFrameRecorder.class.getDeclaredMethod(
                            "writePacket", int.class, AVPacket.class);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("this JavaCV has no writePacket(int, AVPacket): Opus by JavaCV's libopus", e);
            return null;
        }
    }
}
