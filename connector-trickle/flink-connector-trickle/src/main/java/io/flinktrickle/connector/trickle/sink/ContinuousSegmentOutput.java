package io.flinktrickle.connector.trickle.sink;

import org.apache.flink.annotation.Internal;

import java.io.OutputStream;

/**
 * A {@link SegmentEncoder.SegmentOutput} that writes every segment into one stream, one after the
 * other (they concatenate into one MPEG-TS stream): for running an encoder outside a sink, e.g. to
 * warm it up or to measure it.
 */
@Internal
public final class ContinuousSegmentOutput implements SegmentEncoder.SegmentOutput {
    private final OutputStream out;
    private boolean open;

    public ContinuousSegmentOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public OutputStream startSegment() {
        open = true;
        return out;
    }

    @Override
    public OutputStream segment() {
        open = true;
        return out;
    }

    @Override
    public void endSegment() {
        open = false;
    }

    @Override
    public boolean hasOpenSegment() {
        return open;
    }
}
