package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.source.enumerator.KeyGroupSplitAssigner;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A stream's control channel decodes to in-band {@link ControlFrame}s of that stream. */
class StreamChannelsDecoderTest {

    @Test
    void controlChannelMessagesBecomeControlFramesOfTheStream() throws Exception {
        StreamChannelsDecoder decoder =
                new StreamChannelsDecoder(MpegTsFrameDecoder.builder().build());
        String key = StreamChannelsDecoder.controlChannelKey("abc");
        assertThat(key).isEqualTo("abc#control");
        assertThat(StreamChannelsDecoder.isControlChannel(key)).isTrue();
        assertThat(StreamChannelsDecoder.isControlChannel("abc")).isFalse();
        List<Frame> out = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open(key)) {
            d.decode(
                    new SegmentInfo(key, 3, "application/json", 1234),
                    new ByteArrayInputStream(
                            "{ \"max_framerate\": 10 }".getBytes(StandardCharsets.UTF_8)),
                    out::add);
            d.decode(
                    new SegmentInfo(key, 4, "application/json", 1235),
                    new ByteArrayInputStream("not json".getBytes(StandardCharsets.UTF_8)),
                    out::add);
        }
        assertThat(out).containsExactly(new ControlFrame("abc", 3, 1234, "{\"max_framerate\":10}"));
        assertThat(out.get(0).arrivalMillis()).isEqualTo(1234);
    }

    @Test
    void aSidecarsParamsChannelIsAControlChannelTooAndNamesItsSource() throws Exception {
        StreamChannelsDecoder decoder =
                new StreamChannelsDecoder(MpegTsFrameDecoder.builder().build());
        String key = StreamChannelsDecoder.paramsChannelKey("abc");
        assertThat(key).isEqualTo("abc#params");
        assertThat(StreamChannelsDecoder.isControlChannel(key)).isTrue();
        List<Frame> out = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open(key)) {
            d.decode(
                    new SegmentInfo(key, 0, "application/json", 77),
                    new ByteArrayInputStream("{\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8)),
                    out::add);
        }
        assertThat(out)
                .containsExactly(new ControlFrame("abc", 0, 77, "{\"prompt\":\"x\"}", "params"));
        assertThat(((ControlFrame) out.get(0)).source())
                .isEqualTo(StreamChannelsDecoder.PARAMS_ROLE);
    }

    @Test
    void messageChannelsKeepEverySegmentAndMediaJumpsToTheLiveEdge() {
        StreamChannelsDecoder decoder =
                new StreamChannelsDecoder(MpegTsFrameDecoder.builder().build());
        assertThat(decoder.keepsEverySegment(StreamChannelsDecoder.controlChannelKey("abc")))
                .isTrue();
        assertThat(decoder.keepsEverySegment(StreamChannelsDecoder.paramsChannelKey("abc")))
                .isTrue();
        assertThat(decoder.keepsEverySegment("abc")).isFalse();
    }

    @Test
    void aStreamsChannelsAreAssignedByTheStreamKey() {
        assertThat(KeyGroupSplitAssigner.streamKeyOf("abc#control")).isEqualTo("abc");
        assertThat(KeyGroupSplitAssigner.streamKeyOf("abc")).isEqualTo("abc");
        for (int p = 1; p <= 8; p++) {
            for (String stream : List.of("a", "stream-17", "0f3c9e")) {
                assertThat(KeyGroupSplitAssigner.ownerOf(stream + "#control", 0, p))
                        .isEqualTo(KeyGroupSplitAssigner.ownerOf(stream, 0, p));
            }
        }
    }
}
