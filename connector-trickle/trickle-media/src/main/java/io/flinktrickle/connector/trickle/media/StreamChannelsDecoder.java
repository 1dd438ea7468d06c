package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.JsonMessageDecoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Decodes all channels of a stream in one source: a channel keyed {@code <stream>#control} (see
 * {@link #controlChannelKey}) or {@code <stream>#params} (see {@link #paramsChannelKey}: the params
 * that a control-api sidecar publishes next to the orchestrator's control channel) is read as JSON
 * control messages, each emitted as a {@link ControlFrame} of stream {@code <stream>}; every other
 * channel is MPEG-TS video and audio for the given frame decoder. The source assigns a stream's
 * channels to the same subtask, so control messages reach the operator in order with the frames and
 * the whole path stays one chained task. A stream's start and end are emitted in band as {@link
 * StreamLifecycle} frames; the attributes of the stream's main channel reach the media decoder
 * (e.g. a frame size of its own).
 *
 * <p>Threads: as the decoders it wraps (each channel's decoder on that channel's I/O thread).
 */
@PublicEvolving
public final class StreamChannelsDecoder implements SegmentDecoder<Frame> {
    private static final long serialVersionUID = 1L;

    /** The role suffix of control channel keys. */
    public static final String CONTROL_ROLE = "control";

    /** The role suffix of params channel keys (a sidecar's control channel). */
    public static final String PARAMS_ROLE = "params";

    private final SegmentDecoder<Frame> media;
    private final JsonMessageDecoder control;

    public StreamChannelsDecoder(SegmentDecoder<Frame> media) {
        this(media, new JsonMessageDecoder());
    }

    public StreamChannelsDecoder(SegmentDecoder<Frame> media, JsonMessageDecoder control) {
        this.media = Objects.requireNonNull(media, "media");
        this.control = Objects.requireNonNull(control, "control");
    }

    /** The source key of stream {@code streamKey}'s control channel: {@code <stream>#control}. */
    public static String controlChannelKey(String streamKey) {
        return streamKey + KeyGroupSplitAssigner.ROLE_SEPARATOR + CONTROL_ROLE;
    }

    /** The source key of stream {@code streamKey}'s params channel: {@code <stream>#params}. */
    public static String paramsChannelKey(String streamKey) {
        return streamKey + KeyGroupSplitAssigner.ROLE_SEPARATOR + PARAMS_ROLE;
    }

    /** Whether the channel carries control messages (role {@code control} or {@code params}). */
    public static boolean isControlChannel(String channelKey) {
        return roleOf(channelKey) != null;
    }

    private static String roleOf(String channelKey) {
        for (String role : new String[] {CONTROL_ROLE, PARAMS_ROLE}) {
            if (channelKey.endsWith(KeyGroupSplitAssigner.ROLE_SEPARATOR + role)) {
                return role;
            }
        }
        return null;
    }

    @Override
    public boolean keepsEverySegment(String channelKey) {
        return isControlChannel(channelKey) || media.keepsEverySegment(channelKey);
    }

    @Override
    public void streamStarted(
            String streamKey, Map<String, String> attributes, Consumer<Frame> out) {
        out.accept(StreamLifecycle.start(streamKey, attributes));
    }

    @Override
    public void streamEnded(String streamKey, String failure, Consumer<Frame> out) {
        out.accept(StreamLifecycle.end(streamKey, failure));
    }

    @Override
    public ChannelDecoder<Frame> open(String channelKey) throws IOException {
        return open(channelKey, Map.of());
    }

    @Override
    public ChannelDecoder<Frame> open(String channelKey, Map<String, String> attributes)
            throws IOException {
        if (!isControlChannel(channelKey)) {
            return media.open(channelKey, attributes);
        }
        String stream = KeyGroupSplitAssigner.streamKeyOf(channelKey);
        String role = roleOf(channelKey);
        ChannelDecoder<io.flinktrickle.connector.trickle.source.TrickleMessage> json =
                control.open(channelKey);
        return new ChannelDecoder<>() {
            @Override
            public void decode(SegmentInfo segment, InputStream body, Consumer<Frame> out)
                    throws IOException {
                json.decode(
                        segment,
                        body,
                        m ->
                                out.accept(
                                        new ControlFrame(
                                                stream,
                                                m.seq,
                                                segment.arrivalTimeMillis(),
                                                m.json,
                                                role)));
            }

            @Override
            public void close() throws IOException {
                json.close();
            }
        };
    }

    @Override
    public TypeInformation<Frame> getProducedType() {
        return new FrameTypeInfo();
    }
}
