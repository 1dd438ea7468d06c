package io.flinktrickle.connector.trickle.source.split;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleChannelSplitSerializer}. */
class TrickleChannelSplitSerializerTest {

    private static final TrickleChannelSplitSerializer SERIALIZER =
            TrickleChannelSplitSerializer.INSTANCE;

    @Test
    void roundTripKeepsEveryField() throws IOException {
        for (TrickleChannelSplit split :
                new TrickleChannelSplit[] {
                    new TrickleChannelSplit(
                            "abc",
                            URI.create("https://orch:8935/ai/trickle/abc"),
                            -2,
                            0,
                            TrickleChannelSplit.NO_STOPPING_SEQ),
                    new TrickleChannelSplit(
                            "ümlaut key", URI.create("http://127.0.0.1:1/x%20y"), 42, 17, 50),
                    new TrickleChannelSplit(
                            "cam~3",
                            URI.create("http://o/cam"),
                            -2,
                            0,
                            TrickleChannelSplit.NO_STOPPING_SEQ,
                            java.util.Map.of(
                                    "width",
                                    "512",
                                    "params",
                                    "{\"x\":\"" + "é".repeat(40_000) + "\"}")),
                }) {
            byte[] bytes = SERIALIZER.serialize(split);
            assertThat(SERIALIZER.deserialize(SERIALIZER.getVersion(), bytes)).isEqualTo(split);
        }
    }

    @Test
    void version0BytesStayReadable() throws IOException {
        // Written by version 0 of this serializer; must stay readable by every later version.
        byte[] v0 =
                HexFormat.of()
                        .parseHex(
                                "0003616263001868747470733a2f2f6f2f61692f747269636b6c652f616263"
                                        + "000000000000000700000000000000028000000000000000");
        TrickleChannelSplit split =
                SERIALIZER.deserialize(TrickleChannelSplitSerializer.VERSION_0, v0);
        assertThat(split)
                .isEqualTo(
                        new TrickleChannelSplit(
                                "abc",
                                URI.create("https://o/ai/trickle/abc"),
                                7,
                                2,
                                TrickleChannelSplit.NO_STOPPING_SEQ));
        assertThat(split.attributes()).isEmpty();
        // Written again, it is version 1: the same fields and an empty attribute list.
        byte[] v1 = SERIALIZER.serialize(split);
        assertThat(SERIALIZER.getVersion()).isEqualTo(TrickleChannelSplitSerializer.VERSION_1);
        assertThat(Arrays.copyOf(v1, v0.length)).isEqualTo(v0);
        assertThat(v1).hasSize(v0.length + 4);
        assertThat(SERIALIZER.deserialize(TrickleChannelSplitSerializer.VERSION_1, v1))
                .isEqualTo(split);
    }

    @Test
    void attributesSurviveTheStateOfAReadSplit() {
        TrickleChannelSplit split =
                new TrickleChannelSplit(
                        "k", URI.create("http://h/k"), -2, 0, 9, java.util.Map.of("a", "1"));
        TrickleChannelSplitState state = new TrickleChannelSplitState(split);
        state.recordEmitted(4, 3);
        assertThat(state.toSplit().attributes()).containsEntry("a", "1");
        assertThat(state.toSplit()).isNotEqualTo(split.withPosition(4, 2));
    }

    @Test
    void unknownVersionAndTrailingBytesAreRejected() throws IOException {
        byte[] bytes =
                SERIALIZER.serialize(
                        new TrickleChannelSplit("k", URI.create("http://h/k"), 0, 0, 5));
        assertThatThrownBy(() -> SERIALIZER.deserialize(99, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 99");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> SERIALIZER.deserialize(SERIALIZER.getVersion(), longer))
                .hasMessageContaining("trailing bytes");
    }

    @Test
    void stateAdvancesByRecord() {
        TrickleChannelSplitState state =
                new TrickleChannelSplitState(
                        new TrickleChannelSplit("k", URI.create("http://h/k"), -2, 0, 9));
        state.recordEmitted(4, 3);
        assertThat(state.toSplit().nextSeq()).isEqualTo(4);
        assertThat(state.toSplit().recordsToSkip()).isEqualTo(3);
        state.recordEmitted(6, 1);
        assertThat(state.toSplit().nextSeq()).isEqualTo(6);
        assertThat(state.toSplit().recordsToSkip()).isEqualTo(1);
        assertThat(state.toSplit().stoppingSeq()).isEqualTo(9);
    }
}
