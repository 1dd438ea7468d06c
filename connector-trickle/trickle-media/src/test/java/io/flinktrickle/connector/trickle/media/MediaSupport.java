package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.sink.SegmentEncoder;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.TestMedia;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Helpers of the media integration tests: our decoder and encoder run over whole segments, and
 * FFmpeg (JavaCV) read independently of them, to know what the input and output really hold.
 */
final class MediaSupport {

    private MediaSupport() {}

    /** The segment files of a clip, as bytes. */
    static List<byte[]> clip(String prefix) {
        List<byte[]> segments = new ArrayList<>();
        for (Path p : TestMedia.segments(prefix)) {
            segments.add(TestMedia.read(p));
        }
        return segments;
    }

    static byte[] concat(List<byte[]> segments) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        segments.forEach(all::writeBytes);
        return all.toByteArray();
    }

    /** Our decoder over the segments as one live stream, then its end. */
    static List<Frame> decode(MpegTsFrameDecoder decoder, List<byte[]> segments)
            throws IOException {
        List<Frame> frames = new ArrayList<>();
        decode(decoder, segments, frames::add);
        return frames;
    }

    static void decode(MpegTsFrameDecoder decoder, List<byte[]> segments, Consumer<Frame> out)
            throws IOException {
        try (SegmentDecoder.ChannelDecoder<Frame> d = decoder.open("s")) {
            for (int i = 0; i < segments.size(); i++) {
                d.decode(
                        new SegmentInfo("s", i, "video/MP2T", 0),
                        new ByteArrayInputStream(segments.get(i)),
                        out);
            }
            d.endOfStream(out);
        }
    }

    /** Every frame (no fps cap) at 512 × 512 in {@code format}. */
    static MpegTsFrameDecoder decoder(PixelFormat format) {
        return MpegTsFrameDecoder.builder().maxFramerate(0).pixelFormat(format).build();
    }

    static List<VideoFrame> video(List<Frame> frames) {
        List<VideoFrame> v = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                v.add((VideoFrame) f);
            }
        }
        return v;
    }

    static List<AudioFrame> audio(List<Frame> frames) {
        List<AudioFrame> a = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof AudioFrame) {
                a.add((AudioFrame) f);
            }
        }
        return a;
    }

    /** Our encoder over the frames, then its end: the output segments. */
    static List<byte[]> encode(List<? extends Frame> frames, MpegTsFrameEncoder encoder)
            throws IOException {
        Segments out = new Segments();
        try (SegmentEncoder.ChannelEncoder<Frame> e = encoder.open("s-out")) {
            for (Frame f : frames) {
                e.encode(f, out);
            }
            e.finish(out);
            out.endSegment();
        }
        List<byte[]> result = new ArrayList<>();
        out.done.forEach(b -> result.add(b.toByteArray()));
        return result;
    }

    /**
     * Collects segments in memory. Like the sink's segment writer, a segment that has ended takes
     * no more bytes: a late write fails (bytes written after the cut would be lost on the wire).
     */
    static final class Segments implements SegmentEncoder.SegmentOutput {
        final List<ByteArrayOutputStream> done = new ArrayList<>();
        ByteArrayOutputStream open;

        @Override
        public OutputStream startSegment() {
            endSegment();
            ByteArrayOutputStream segment = new ByteArrayOutputStream();
            open = segment;
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (open != segment) {
                        throw new IOException("the segment has ended");
                    }
                    segment.write(b, off, len);
                }
            };
        }

        @Override
        public OutputStream segment() {
            throw new UnsupportedOperationException("the encoder starts its segments");
        }

        @Override
        public void endSegment() {
            if (open != null) {
                done.add(open);
                open = null;
            }
        }

        @Override
        public boolean hasOpenSegment() {
            return open != null;
        }
    }

    /**
     * What FFmpeg's demuxer finds in an MPEG-TS byte stream, packet by packet (no decoding): the
     * streams, and each packet's pts in the stream's 90 kHz time base, in stream order.
     */
    static final class Probe {
        int streams;
        String videoCodec;
        String audioCodec;
        final List<Long> videoPts = new ArrayList<>();
        final List<Boolean> videoKey = new ArrayList<>();
        final List<Long> audioPts = new ArrayList<>();

        /** The video pts in presentation order. */
        List<Long> sortedVideoPts() {
            List<Long> sorted = new ArrayList<>(videoPts);
            sorted.sort(null);
            return sorted;
        }

        long firstVideoPts() {
            return videoPts.stream().mapToLong(Long::longValue).min().orElseThrow();
        }

        /**
         * The pts of the first key packet (in a segment of an open GOP, leading pictures come after
         * it in the stream but before it on screen).
         */
        long firstKeyPts() {
            return videoPts.get(videoKey.indexOf(true));
        }

        long firstAudioPts() {
            return audioPts.stream().mapToLong(Long::longValue).min().orElseThrow();
        }
    }

    static Probe probe(byte[] ts) throws IOException {
        Probe p = new Probe();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(ts), 0)) {
            g.setFormat("mpegts");
            g.start();
            p.streams = g.getFormatContext().nb_streams();
            int vs = g.getVideoStream();
            int as = g.getAudioStream();
            p.videoCodec = vs >= 0 ? g.getVideoCodecName() : null;
            p.audioCodec = as >= 0 ? g.getAudioCodecName() : null;
            AVPacket pkt;
            while ((pkt = g.grabPacket()) != null) {
                if (pkt.stream_index() == vs && vs >= 0) {
                    p.videoPts.add(pkt.pts());
                    p.videoKey.add((pkt.flags() & avcodec.AV_PKT_FLAG_KEY) != 0);
                } else if (pkt.stream_index() == as && as >= 0) {
                    p.audioPts.add(pkt.pts());
                }
            }
        }
        return p;
    }

    /** A picture FFmpeg decoded, read with a grabber of its own (no conversion, RAW mode). */
    static final class Picture {
        final long pts;
        final int width;
        final int height;

        /** Packed YUV420P: Y, then U, then V, rows without padding. */
        final byte[] yuv;

        Picture(long pts, int width, int height, byte[] yuv) {
            this.pts = pts;
            this.width = width;
            this.height = height;
            this.yuv = yuv;
        }
    }

    /**
     * FFmpeg's own decoded pictures of a stream, in presentation order, handed to {@code out} one
     * at a time (so a whole clip need not be held).
     */
    static void pictures(byte[] ts, Consumer<Picture> out) throws IOException {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(new ByteArrayInputStream(ts), 0)) {
            g.setFormat("mpegts");
            g.setImageMode(FrameGrabber.ImageMode.RAW);
            g.start();
            org.bytedeco.javacv.Frame f;
            while ((f = g.grabImage()) != null) {
                AVFrame av = (AVFrame) f.opaque;
                int w = av.width();
                int h = av.height();
                byte[] yuv = new byte[w * h * 3 / 2];
                copyPlane(av.data(0), av.linesize(0), w, h, yuv, 0);
                copyPlane(av.data(1), av.linesize(1), w / 2, h / 2, yuv, w * h);
                copyPlane(av.data(2), av.linesize(2), w / 2, h / 2, yuv, w * h + w * h / 4);
                out.accept(new Picture(av.best_effort_timestamp(), w, h, yuv));
            }
        }
    }

    private static void copyPlane(
            BytePointer plane, int stride, int w, int h, byte[] out, int offset) {
        ByteBuffer b = plane.capacity((long) stride * h).asByteBuffer();
        for (int y = 0; y < h; y++) {
            b.position(y * stride);
            b.get(out, offset + y * w, w);
        }
    }

    /** BT.601 limited range YUV → RGB of pixel (x, y) of a packed YUV420P picture. */
    static int[] rgbOf(byte[] yuv, int w, int h, int x, int y) {
        int luma = yuv[y * w + x] & 0xff;
        int c = (y / 2) * (w / 2) + x / 2;
        int u = (yuv[w * h + c] & 0xff) - 128;
        int v = (yuv[w * h + w * h / 4 + c] & 0xff) - 128;
        double l = 1.164 * (luma - 16);
        return new int[] {
            clamp(l + 1.596 * v), clamp(l - 0.392 * u - 0.813 * v), clamp(l + 2.017 * u)
        };
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** Mean absolute difference of two arrays of unsigned bytes, over {@code [from, to)}. */
    static double meanAbsDiff(byte[] a, byte[] b, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / (to - from);
    }

    static double mean(byte[] a, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += a[i] & 0xff;
        }
        return (double) sum / (to - from);
    }
}
