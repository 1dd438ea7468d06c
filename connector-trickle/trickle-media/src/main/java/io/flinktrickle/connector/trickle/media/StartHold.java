package io.flinktrickle.connector.trickle.media;

import java.util.ArrayDeque;

/**
 * What an output stream's encoder holds before its recorder starts: the video that came while it
 * waits to learn whether the stream has audio (up to {@link #AUDIO_WAIT} of pts, or {@link
 * #MAX_VIDEO} frames whatever the pts say), and the audio that came before any video (its last 2 s,
 * at most {@link #MAX_AUDIO} frames). Bounded whatever the input.
 *
 * <p>Mailbox thread only (the sink writer's), through {@link MpegTsChannelEncoder}.
 */
final class StartHold {

    /**
     * How much video an encoder holds at the start of a stream while no audio has come: past it the
     * stream is taken to have no audio, and the output gets no audio track.
     */
    static final long AUDIO_WAIT = Frame.TIME_BASE / 2;

    /**
     * The most video held while waiting for audio, whatever its pts say (pts that do not advance
     * never reach {@link #AUDIO_WAIT}).
     */
    static final int MAX_VIDEO = 64;

    /** The most audio held while no video has come (about 5 s of AAC or Opus). */
    static final int MAX_AUDIO = 256;

    final ArrayDeque<VideoFrame> video = new ArrayDeque<>();
    final ArrayDeque<AudioFrame> audio = new ArrayDeque<>();

    /** Frames dropped by the bounds. */
    long droppedAudio;

    /** Whether the held video has waited long enough for audio (or a jump in its pts came). */
    boolean waitedForAudio() {
        if (video.size() >= MAX_VIDEO) {
            return true;
        }
        long first = video.peekFirst().pts();
        long last = video.peekLast().pts();
        return last - first >= AUDIO_WAIT || last < first;
    }

    /** Holds audio: only the last 2 s of it, and at most {@link #MAX_AUDIO} frames. */
    void holdAudio(AudioFrame a) {
        audio.add(a);
        while (!audio.isEmpty()
                && (a.pts() - audio.peek().pts() > OpusTrack.MAX_AV_DRIFT
                        || audio.size() > MAX_AUDIO)) {
            audio.poll();
            droppedAudio++;
        }
    }

    /** Frames held (video and audio). */
    int size() {
        return video.size() + audio.size();
    }

    /** Drops what is held; returns how many video frames that was. */
    int clear() {
        int v = video.size();
        droppedAudio += audio.size();
        video.clear();
        audio.clear();
        return v;
    }
}
