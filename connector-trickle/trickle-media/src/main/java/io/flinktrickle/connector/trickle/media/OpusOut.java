package io.flinktrickle.connector.trickle.media;

/**
 * Where an {@link OpusTrack}'s audio is encoded: {@link SystemOpus} (the machine's libopus, its
 * packets written into the recorder's audio stream) or {@link RecorderOpus} (the recorder's own
 * encoder, the libopus inside JavaCV's FFmpeg). Both write the same packets, 20 ms of 48 kHz audio
 * each, at the same pts. Mailbox thread only, as the encoder.
 */
interface OpusOut {

    /** The track's first sample is at {@code pts48k} (48 kHz clock); once, before any write. */
    void start(long pts48k) throws Exception;

    /** Appends the first {@code length} interleaved 16-bit samples of {@code samples}. */
    void write(short[] samples, int length, int rate, int channels) throws Exception;

    /** The stream ends: what is buffered is encoded and written (before the recorder stops). */
    void finish() throws Exception;

    /** Frees what this holds (after the recorder stopped or failed); idempotent. */
    void close();
}
