package io.flinktrickle.connector.trickle.media;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's own libopus ({@code libopus.so.0}, e.g. Debian's {@code libopus0}), bound with JNA.
 * The libopus linked into JavaCV's FFmpeg build costs about three times as much CPU for the same
 * packets (measured with both FFmpeg command lines: 0.0065 against 0.0020 CPU-s per second of audio
 * at complexity 4), so an Opus track uses this one where the machine has it ({@link SystemOpus}).
 *
 * <p>Loaded once, on first use; {@link #get()} is null where the library cannot be loaded (the
 * reason is logged once). An encoder instance is not thread-safe; the binding is.
 */
final class LibOpus {

    private static final Logger LOG = LoggerFactory.getLogger(LibOpus.class);

    /** The library names tried in turn: the unversioned one is a development package's link. */
    private static final String[] NAMES = {"libopus.so.0", "opus"};

    // opus_defines.h
    static final int OPUS_OK = 0;
    static final int OPUS_APPLICATION_AUDIO = 2049;
    static final int OPUS_SET_BITRATE_REQUEST = 4002;
    static final int OPUS_SET_VBR_REQUEST = 4006;
    static final int OPUS_SET_COMPLEXITY_REQUEST = 4010;
    static final int OPUS_SET_VBR_CONSTRAINT_REQUEST = 4020;
    static final int OPUS_GET_LOOKAHEAD_REQUEST = 4027;

    /** The C API used (opus.h); names as in C. */
    interface Api extends Library {
        Pointer opus_encoder_create(int fs, int channels, int application, IntByReference error);

        int opus_encoder_ctl(Pointer st, int request, Object... args);

        int opus_encode(Pointer st, short[] pcm, int frameSize, byte[] data, int maxDataBytes);

        void opus_encoder_destroy(Pointer st);

        String opus_get_version_string();

        String opus_strerror(int error);
    }

    private static final class Holder {
        static final Api API = load();
    }

    private LibOpus() {}

    /** The bound library, or null where the machine has none that loads. */
    static Api get() {
        return Holder.API;
    }

    private static Api load() {
        Throwable last = null;
        for (String name : NAMES) {
            try {
                Api api = Native.load(name, Api.class);
                LOG.info("Opus: the system's {} ({})", name, api.opus_get_version_string());
                return api;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                last = e;
            }
        }
        LOG.info(
                "Opus: no system libopus ({}); the Opus track uses the libopus inside JavaCV's"
                        + " FFmpeg, which costs about 3x the CPU (install libopus0 to avoid it)",
                last == null ? "not found" : last.getMessage());
        return null;
    }
}
