package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/** Decodes output segments with the project's real decoder. */
public final class Frames {
    private Frames() {}

    /** The video frames of one MPEG-TS segment decoded on its own. */
    public static List<VideoFrame> videoOf(byte[] segment) throws Exception {
        return videoOfAll(List.of(segment));
    }

    /** The video frames of a channel's segments, decoded in order as one stream. */
    public static List<VideoFrame> videoOfAll(List<byte[]> segments) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                MpegTsFrameDecoder.builder().maxFramerate(0).build().open("out")) {
            int seq = 0;
            for (byte[] segment : List.copyOf(segments)) {
                d.decode(
                        new SegmentInfo("out", seq++, "video/MP2T", 0),
                        new ByteArrayInputStream(segment),
                        frames::add);
            }
            d.endOfStream(frames::add);
        }
        List<VideoFrame> video = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                video.add((VideoFrame) f);
            }
        }
        return video;
    }
}
