package io.flinktrickle.jobs.testutils;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link TsTimestamps}: a shifted segment decodes to the same frames, later by the shift. */
class TsTimestampsTest {

    @Test
    void shiftedSegmentDecodesToTheSameFramesLater() throws Exception {
        byte[] segment = TestMedia.read(TestMedia.clipA().get(1));
        long shift = 900_000;
        List<Frame> original = decode(segment);
        List<Frame> moved = decode(TsTimestamps.shifted(segment, shift));
        assertThat(original).hasSizeGreaterThan(60);
        assertThat(moved).hasSameSizeAs(original);
        for (int i = 0; i < original.size(); i++) {
            assertThat(moved.get(i).isVideo()).isEqualTo(original.get(i).isVideo());
            assertThat(moved.get(i).pts()).isEqualTo(original.get(i).pts() + shift);
        }
        assertThat(TsTimestamps.shifted(segment, 0)).isEqualTo(segment);
    }

    private static List<Frame> decode(byte[] ts) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().size(64, 64).maxFramerate(0).build().open("s")) {
            d.decode(
                    new SegmentInfo("s", 0, "video/MP2T", 0),
                    new ByteArrayInputStream(ts),
                    frames::add);
            d.endOfStream(frames::add);
        }
        return frames;
    }
}
