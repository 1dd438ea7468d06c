package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;

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

    /** PARAMS: the update as received, and the merged params it leads to. */
    final Map<String, Object> update;

    final Map<String, Object> merged;

    boolean submitted;
    boolean done;
    long submittedNanos;

    /** The frames to emit (empty to withhold). */
    List<? extends Frame> output = List.of();

    Throwable failure;

    private Entry(
            Kind kind,
            Frame frame,
            long receivedNanos,
            Map<String, Object> update,
            Map<String, Object> merged) {
        this.kind = kind;
        this.frame = frame;
        this.receivedNanos = receivedNanos;
        this.update = update;
        this.merged = merged;
    }

    static Entry frame(Frame frame, long now) {
        return new Entry(frame.isVideo() ? Kind.VIDEO : Kind.AUDIO, frame, now, null, null);
    }

    static Entry lifecycle(Kind kind, long now) {
        return new Entry(kind, null, now, null, null);
    }

    static Entry params(Map<String, Object> update, Map<String, Object> merged, long now) {
        return new Entry(Kind.PARAMS, null, now, update, merged);
    }

    /** Steps that wait for everything before them to complete (barriers). */
    boolean isBarrier() {
        return kind == Kind.START || kind == Kind.PARAMS || kind == Kind.STOP;
    }
}
