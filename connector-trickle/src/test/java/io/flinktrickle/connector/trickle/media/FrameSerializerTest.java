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
}
