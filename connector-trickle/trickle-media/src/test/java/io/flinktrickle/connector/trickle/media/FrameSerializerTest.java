package io.flinktrickle.connector.trickle.media;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link FrameSerializer} and the frame types. */
class FrameSerializerTest {

    private static Frame roundTrip(Frame f) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        FrameSerializer.INSTANCE.serialize(f, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        Frame back = FrameSerializer.INSTANCE.deserialize(in);
        assertThat(in.available()).isZero();
        return back;
    }

    @Test
    void videoAndAudioFramesRoundTrip() throws IOException {
        byte[] rgb = new byte[4 * 2 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 37);
        }
        VideoFrame v = new VideoFrame("stream-1", 123_456, 1_700_000_000_000L, 4, 2, rgb, 3);
        assertThat(roundTrip(v)).isEqualTo(v);
        AudioFrame a =
                new AudioFrame(
                        "stream-1",
                        99,
                        5,
                        48_000,
                        2,
                        new short[] {-32768, 32767, 0, -1, 12345, -12345});
        assertThat(roundTrip(a)).isEqualTo(a);
    }

    @Test
    void controlFramesRoundTripAndAreNeitherVideoNorAudio() throws IOException {
        ControlFrame c = new ControlFrame("stream-1", 7, 42, "{\"prompt\":\"caf\u00e9\"}");
        Frame back = roundTrip(c);
        assertThat(back).isEqualTo(c);
        assertThat(back.isControl()).isTrue();
        assertThat(back.isVideo()).isFalse();
        assertThat(back.isAudio()).isFalse();
        assertThat(((ControlFrame) back).json()).isEqualTo(c.json());
    }

    @Test
    void aControlFramesSourceRoundTripsAndTheOlderControlRecordStillReads() throws IOException {
        ControlFrame params = new ControlFrame("s", 3, 9, "{\"a\":1}", "params");
        ControlFrame back = (ControlFrame) roundTrip(params);
        assertThat(back).isEqualTo(params);
        assertThat(back.source()).isEqualTo("params");
        // A record written before the source was added (kind 3): read as the control channel's.
        DataOutputSerializer old = new DataOutputSerializer(64);
        old.writeByte(1);
        old.writeByte(3);
        old.writeUTF("s");
        old.writeLong(3);
        old.writeLong(9);
        byte[] json = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        old.writeInt(json.length);
        old.write(json);
        Frame read =
                FrameSerializer.INSTANCE.deserialize(
                        new DataInputDeserializer(old.getCopyOfBuffer()));
        assertThat(read).isEqualTo(new ControlFrame("s", 3, 9, "{\"a\":1}"));
        assertThat(((ControlFrame) read).source()).isEqualTo("control");
    }

    @Test
    void unknownFormatVersionIsRejected() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {9, 1});
        assertThatThrownBy(() -> FrameSerializer.INSTANCE.deserialize(in))
                .hasMessageContaining("version 9");
    }

    @Test
    void framesValidateTheirShapeAndCopyMetadata() {
        assertThatThrownBy(() -> new VideoFrame("s", 0, 0, 4, 4, new byte[10], 0))
                .hasMessageContaining("48 bytes");
        assertThatThrownBy(() -> new AudioFrame("s", 0, 0, 48_000, 2, new short[3]))
                .hasMessageContaining("2 channels");
        VideoFrame v = new VideoFrame("s", 7, 8, 2, 2, new byte[12], 1);
        VideoFrame bigger = v.withPixels(4, 2, new byte[24]);
        assertThat(bigger.pts()).isEqualTo(7);
        assertThat(bigger.arrivalMillis()).isEqualTo(8);
        assertThat(bigger.width()).isEqualTo(4);
        assertThat(new AudioFrame("s", 0, 0, 48_000, 2, new short[8]).sampleCount()).isEqualTo(4);
        assertThat(FrameTypeInfo.INSTANCE.createSerializer(null))
                .isSameAs(FrameSerializer.INSTANCE);
    }

    @Test
    void videoFramesOfEveryFormatRoundTripWithTheirKeyframeFlag() throws IOException {
        for (PixelFormat format :
                new PixelFormat[] {PixelFormat.RGB24, PixelFormat.YUV420P, PixelFormat.GRAY8}) {
            byte[] pixels = new byte[format.byteCount(6, 4)];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) (i * 31 + 7);
            }
            for (boolean keyframe : new boolean[] {false, true}) {
                VideoFrame v =
                        VideoFrame.builder(6, 4)
                                .streamKey("cam")
                                .pts(8_589_934_592L + 3000) // past 33 bits
                                .arrivalMillis(1_700_000_000_123L)
                                .skipped(2)
                                .pixels(format, pixels)
                                .keyframe(keyframe)
                                .build();
                DataOutputSerializer out = new DataOutputSerializer(64);
                FrameSerializer.INSTANCE.serialize(v, out);
                byte[] bytes = out.getCopyOfBuffer();
                assertThat(bytes[0]).as("version").isEqualTo((byte) 2);
                VideoFrame back = (VideoFrame) roundTrip(v);
                assertThat(back).isEqualTo(v);
                assertThat(back.format()).isEqualTo(format);
                assertThat(back.keyframe()).isEqualTo(keyframe);
                assertThat(back.pixels()).isEqualTo(pixels);
                assertThat(back.skipped()).isEqualTo(2);
            }
        }
    }

    /** A video record as version 1 wrote it: no format code, no flags, RGB24 bytes. */
    private static byte[] version1Video(String key, long pts, long arrival, int w, int h, int skip)
            throws IOException {
        DataOutputSerializer old = new DataOutputSerializer(64);
        old.writeByte(1); // version
        old.writeByte(1); // kind: video
        old.writeUTF(key);
        old.writeLong(pts);
        old.writeLong(arrival);
        old.writeInt(w);
        old.writeInt(h);
        old.writeInt(skip);
        for (int i = 0; i < w * h * 3; i++) {
            old.writeByte(i % 251);
        }
        return old.getCopyOfBuffer();
    }

    @Test
    void aVersion1VideoRecordStillReadsAsAnRgb24Frame() throws IOException {
        byte[] record = version1Video("old", 123_456, 1_600_000_000_000L, 4, 2, 5);
        DataInputDeserializer in = new DataInputDeserializer(record);
        VideoFrame v = (VideoFrame) FrameSerializer.INSTANCE.deserialize(in);
        assertThat(in.available()).isZero();
        byte[] rgb = new byte[24];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i % 251);
        }
        assertThat(v).isEqualTo(new VideoFrame("old", 123_456, 1_600_000_000_000L, 4, 2, rgb, 5));
        assertThat(v.format()).isEqualTo(PixelFormat.RGB24);
        assertThat(v.keyframe()).isFalse();
        assertThat(v.rgb()).isEqualTo(rgb);
        // Copying a version 1 record writes it as version 2, which reads back the same.
        DataOutputSerializer copy = new DataOutputSerializer(64);
        FrameSerializer.INSTANCE.copy(new DataInputDeserializer(record), copy);
        byte[] copied = copy.getCopyOfBuffer();
        assertThat(copied[0]).isEqualTo((byte) 2);
        assertThat(copied).hasSize(record.length + 2); // format code and flags
        assertThat(FrameSerializer.INSTANCE.deserialize(new DataInputDeserializer(copied)))
                .isEqualTo(v);
    }

    @Test
    void anUnknownPixelFormatCodeIsRejectedClearly() throws IOException {
        for (byte code : new byte[] {0, 4, 99, -1}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            out.writeByte(2);
            out.writeByte(1);
            out.writeUTF("s");
            out.writeLong(1);
            out.writeLong(2);
            out.writeInt(2);
            out.writeInt(2);
            out.writeInt(0);
            out.writeByte(code);
            out.writeByte(0);
            out.write(new byte[12]);
            DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
            assertThatThrownBy(() -> FrameSerializer.INSTANCE.deserialize(in))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("unknown pixel format code " + code);
        }
    }

    @Test
    void aYuvRecordOfOddSizeIsRejectedAsIOException() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(2);
        out.writeByte(1);
        out.writeUTF("s");
        out.writeLong(1);
        out.writeLong(2);
        out.writeInt(3);
        out.writeInt(3);
        out.writeInt(0);
        out.writeByte(PixelFormat.YUV420P.code());
        out.writeByte(0);
        out.write(new byte[14]);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThatThrownBy(() -> FrameSerializer.INSTANCE.deserialize(in))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("3x3");
    }
}
