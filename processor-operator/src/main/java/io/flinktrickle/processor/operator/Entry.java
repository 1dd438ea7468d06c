package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import java.util.List;
import java.util.Map;

/**
 * One item of a stream's ordered queue: a frame, or a lifecycle step or params update that must run
 * in order with the frames. Created and read on the mailbox thread; the processor thread only runs
 * the work, whose result re-enters through the mailbox.
 */
final class Entry {
    enum Kind {
        VIDEO,
        AUDIO,
        START,
        PARAMS,
        STOP
    }

    final Kind kind;
    final Frame frame;
    final long receivedNanos;

    /** PARAMS: the update as received. */
    final Map<String, Object> update;

    /** PARAMS: the params it leads to, merged on the processor thread when it runs. */
    volatile Map<String, Object> merged;

    /** PARAMS: the fps cap before the update (applied on arrival; restored if rejected). */
    int previousFps;

    /** PARAMS: the control message it came from (channel role and segment seq), for the reply. */
    String source;

    long seq;

    /**
     * VIDEO: whether the output starts a GOP here: the input's keyframe mark, or that of a frame
     * dropped just before this one (the fps cap, the real-time policy), so that the encoder can
     * still cut its segments where the input's start.
     */
    boolean keyframe;

    boolean done;
    long submittedNanos;

    /** The frames to emit (empty to withhold). */
    List<? extends Frame> output = List.of();

    private Entry(Kind kind, Frame frame, long receivedNanos, Map<String, Object> update) {
        this.kind = kind;
        this.frame = frame;
        this.receivedNanos = receivedNanos;
        this.update = update;
    }

    static Entry frame(Frame frame, long now) {
        Entry e = new Entry(frame.isVideo() ? Kind.VIDEO : Kind.AUDIO, frame, now, null);
        e.keyframe = frame instanceof VideoFrame && ((VideoFrame) frame).keyframe();
        return e;
    }

    static Entry lifecycle(Kind kind, long now) {
        return new Entry(kind, null, now, null);
    }

    static Entry params(
            Map<String, Object> update, int previousFps, long now, String source, long seq) {
        Entry e = new Entry(Kind.PARAMS, null, now, update);
        e.previousFps = previousFps;
        e.source = source;
        e.seq = seq;
        return e;
    }

    /** Steps that wait for everything before them to complete (barriers). */
    boolean isBarrier() {
        return kind == Kind.START || kind == Kind.PARAMS || kind == Kind.STOP;
    }
}
