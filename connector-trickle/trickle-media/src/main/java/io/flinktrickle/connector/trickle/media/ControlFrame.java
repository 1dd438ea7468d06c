package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * A control message of a stream (one JSON message from its control channel), carried in band with
 * the stream's video and audio frames: a source that reads a stream's video and control channels
 * emits both, keyed by the stream, so that the processing operator receives params updates in order
 * with the frames, chained to the source (see {@link StreamChannelsDecoder}). {@link #pts()} is the
 * control segment's sequence number, and {@link #source()} the role of the channel it came from
 * ({@code control}: the orchestrator's control channel; {@code params}: a control-api sidecar's),
 * so that a reply can name the message it answers.
 */
@PublicEvolving
public final class ControlFrame extends Frame {

    private final String json;
    private final String source;

    /** A message from the stream's {@link StreamChannelsDecoder#CONTROL_ROLE} channel. */
    public ControlFrame(String streamKey, long seq, long arrivalMillis, String json) {
        this(streamKey, seq, arrivalMillis, json, StreamChannelsDecoder.CONTROL_ROLE);
    }

    public ControlFrame(
            String streamKey, long seq, long arrivalMillis, String json, String source) {
        super(streamKey, seq, arrivalMillis);
        this.json = Objects.requireNonNull(json, "json");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The role of the channel the message came from ({@code control}, {@code params}). */
    public String source() {
        return source;
    }

    /** The message's JSON text. */
    public String json() {
        return json;
    }

    @Override
    public boolean isVideo() {
        return false;
    }

    @Override
    public boolean isControl() {
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ControlFrame)) {
            return false;
        }
        ControlFrame c = (ControlFrame) o;
        return streamKey().equals(c.streamKey())
                && pts() == c.pts()
                && json.equals(c.json)
                && source.equals(c.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamKey(), pts(), json, source);
    }

    @Override
    public String toString() {
        return "ControlFrame{" + streamKey() + ", " + source + " seq " + pts() + ", " + json + "}";
    }
}
