package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameEncoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.jobs.media.ClipFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the demo publishes: the segments of a recorded clip (clip A from {@code media/} by default,
 * or a given {@code .ts} file, one segment), or, when no clip is there, 10 s of a generated moving
 * test pattern encoded with the project's own encoder.
 */
final class DemoInput {
    final List<byte[]> segments;
    final String description;

    private DemoInput(List<byte[]> segments, String description) {
        this.segments = segments;
        this.description = description;
    }

    static DemoInput load(Path input, int width, int height) throws IOException {
        if (input != null) {
            if (Files.isDirectory(input)) {
                return clip(input);
            }
            return new DemoInput(List.of(Files.readAllBytes(input)), input.toString());
        }
        try {
            return clip(ClipFiles.findMediaDir());
        } catch (IllegalArgumentException noMedia) {
            return testPattern(width, height, 10);
        }
    }

    private static DemoInput clip(Path dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (Path p : ClipFiles.segments(dir, "clip-a-512-h264-aac")) {
            out.add(Files.readAllBytes(p));
        }
        return new DemoInput(out, "clip A (" + dir + ", " + out.size() + " segments)");
    }

    /** A moving colour gradient, encoded as 2 s MPEG-TS segments. */
    static DemoInput testPattern(int width, int height, int seconds) throws IOException {
        List<byte[]> segments = new ArrayList<>();
        Collector out = new Collector(segments);
        try (SegmentEncoder.ChannelEncoder<Frame> e =
                MpegTsFrameEncoder.builder().audio(false).build().open("pattern")) {
            for (int i = 0; i < seconds * 30; i++) {
                byte[] rgb = new byte[width * height * 3];
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int o = (y * width + x) * 3;
                        rgb[o] = (byte) (x + i * 4);
                        rgb[o + 1] = (byte) (y + i * 2);
                        rgb[o + 2] = (byte) (128 + (x ^ y));
                    }
                }
                e.encode(new VideoFrame("pattern", i * 3000L, 0, width, height, rgb, 0), out);
            }
            e.finish(out);
        }
        out.endSegment(); // the tail: a sink completes the open segment at the end
        return new DemoInput(
                segments, "a generated test pattern (" + segments.size() + " segments)");
    }

    /** Collects each encoded segment into a byte array. */
    private static final class Collector implements SegmentEncoder.SegmentOutput {
        private final List<byte[]> segments;
        private ByteArrayOutputStream current;

        Collector(List<byte[]> segments) {
            this.segments = segments;
        }

        @Override
        public OutputStream startSegment() {
            endSegment();
            current = new ByteArrayOutputStream();
            return current;
        }

        @Override
        public OutputStream segment() {
            return current != null ? current : startSegment();
        }

        @Override
        public void endSegment() {
            if (current != null) {
                segments.add(current.toByteArray());
                current = null;
            }
        }

        @Override
        public boolean hasOpenSegment() {
            return current != null;
        }
    }
}
