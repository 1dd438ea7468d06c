package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Serializes {@link Frame}s ({@link VideoFrame} and {@link AudioFrame}) without Kryo. Frames are
 * immutable, so copies are the frames themselves; in a chained job with object reuse they never
 * pass through here.
 *
 * <p>Record format, version 1: format version (byte), kind (byte: 1 video, 2 audio), stream key
 * (UTF), pts, arrival millis (longs); video: width, height, skipped (ints), RGB24 bytes; audio:
 * sample rate, channels, sample count (ints), interleaved s16 samples. Version 2 (frames carry
 * their {@link PixelFormat}): as version 1, with the video's pixel format code and flags (bytes;
 * flag 1: input keyframe) after skipped, and the pixels in that format. Version 1 records (RGB24)
 * are still read. Versions are checked on read, so a newer format fails with a clear message
 * instead of garbage.
 */
@Internal
public final class FrameSerializer extends TypeSerializer<Frame> {
    private static final long serialVersionUID = 1L;

    /** Version 1: the format in the class comment. */
    static final byte VERSION_1 = 1;

    /** Version 2: video frames carry their pixel format. */
    static final byte VERSION_2 = 2;

    static final byte CURRENT_VERSION = VERSION_2;

    private static final byte KIND_VIDEO = 1;

    /** Version 2 video flags: the input had a keyframe here. */
    private static final byte FLAG_KEYFRAME = 1;

    private static final byte KIND_AUDIO = 2;

    /** Added in format version 1 without a bump: older readers never saw control frames. */
    private static final byte KIND_CONTROL = 3;

    /** A control frame followed by its source role (UTF); added in version 1 as kind 3 was. */
    private static final byte KIND_CONTROL_WITH_SOURCE = 4;

    public static final FrameSerializer INSTANCE = new FrameSerializer();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public TypeSerializer<Frame> duplicate() {
        return this;
    }

    @Override
    public Frame createInstance() {
        return null;
    }

    @Override
    public Frame copy(Frame from) {
        return from;
    }

    @Override
    public Frame copy(Frame from, Frame reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Frame frame, DataOutputView out) throws IOException {
        out.writeByte(CURRENT_VERSION);
        // A control-channel message keeps kind 3, readable by builds before kind 4 existed.
        boolean withSource =
                frame instanceof ControlFrame
                        && !StreamChannelsDecoder.CONTROL_ROLE.equals(
                                ((ControlFrame) frame).source());
        out.writeByte(
                frame.isVideo()
                        ? KIND_VIDEO
                        : frame.isControl()
                                ? (withSource ? KIND_CONTROL_WITH_SOURCE : KIND_CONTROL)
                                : KIND_AUDIO);
        out.writeUTF(frame.streamKey());
        out.writeLong(frame.pts());
        out.writeLong(frame.arrivalMillis());
        if (frame instanceof VideoFrame) {
            VideoFrame v = (VideoFrame) frame;
            out.writeInt(v.width());
            out.writeInt(v.height());
            out.writeInt(v.skipped());
            out.writeByte(v.format().code());
            out.writeByte(v.keyframe() ? FLAG_KEYFRAME : 0);
            out.write(v.pixels());
        } else if (frame instanceof ControlFrame) {
            byte[] json = ((ControlFrame) frame).json().getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            if (withSource) {
                out.writeUTF(((ControlFrame) frame).source());
            }
        } else {
            AudioFrame a = (AudioFrame) frame;
            out.writeInt(a.sampleRate());
            out.writeInt(a.channels());
            short[] s = a.samples();
            out.writeInt(s.length);
            byte[] bytes = new byte[s.length * 2];
            for (int i = 0; i < s.length; i++) {
                bytes[2 * i] = (byte) (s[i] >> 8);
                bytes[2 * i + 1] = (byte) s[i];
            }
            out.write(bytes);
        }
    }

    @Override
    public Frame deserialize(DataInputView in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION_1 && version != VERSION_2) {
            throw new IOException(
                    "frame format version "
                            + version
                            + " is not readable by this build (reads "
                            + CURRENT_VERSION
                            + ")");
        }
        byte kind = in.readByte();
        String key = in.readUTF();
        long pts = in.readLong();
        long arrival = in.readLong();
        if (kind == KIND_VIDEO) {
            int width = in.readInt();
            int height = in.readInt();
            int skipped = in.readInt();
            PixelFormat format = PixelFormat.RGB24;
            boolean keyframe = false;
            if (version >= VERSION_2) {
                byte code = in.readByte();
                format = PixelFormat.ofCode(code);
                if (format == null) {
                    throw new IOException("unknown pixel format code " + code + " in a frame");
                }
                keyframe = (in.readByte() & FLAG_KEYFRAME) != 0;
            }
            if (width <= 0 || height <= 0) {
                throw new IOException("a frame of size " + width + "x" + height);
            }
            int length;
            try {
                length = format.byteCount(width, height);
            } catch (IllegalArgumentException | ArithmeticException e) {
                // a corrupt record (odd YUV size, overflow): an I/O error as a bad size is
                throw new IOException(
                        "a " + format + " frame of size " + width + "x" + height + ": " + e, e);
            }
            byte[] pixels = new byte[length];
            in.readFully(pixels);
            VideoFrame frame =
                    new VideoFrame(key, pts, arrival, format, width, height, pixels, skipped);
            return keyframe ? frame.withKeyframe(true) : frame;
        }
        if (kind == KIND_AUDIO) {
            int rate = in.readInt();
            int channels = in.readInt();
            int count = in.readInt();
            byte[] bytes = new byte[Math.multiplyExact(count, 2)];
            in.readFully(bytes);
            short[] samples = new short[count];
            for (int i = 0; i < count; i++) {
                samples[i] = (short) ((bytes[2 * i] << 8) | (bytes[2 * i + 1] & 0xff));
            }
            return new AudioFrame(key, pts, arrival, rate, channels, samples);
        }
        if (kind == KIND_CONTROL || kind == KIND_CONTROL_WITH_SOURCE) {
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            String text = new String(json, StandardCharsets.UTF_8);
            return kind == KIND_CONTROL
                    ? new ControlFrame(key, pts, arrival, text)
                    : new ControlFrame(key, pts, arrival, text, in.readUTF());
        }
        throw new IOException("unknown frame kind " + kind);
    }

    @Override
    public Frame deserialize(Frame reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FrameSerializer;
    }

    @Override
    public int hashCode() {
        return FrameSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<Frame> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer's snapshot; the record format carries its own version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Frame> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
