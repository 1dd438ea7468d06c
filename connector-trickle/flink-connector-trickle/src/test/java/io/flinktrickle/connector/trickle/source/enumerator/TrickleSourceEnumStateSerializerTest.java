package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleSourceEnumStateSerializer} and {@link KeyGroupSplitAssigner}. */
class TrickleSourceEnumStateSerializerTest {

    @Test
    void roundTripKeepsPendingAndAssigned() throws IOException {
        Map<String, TrickleChannelSplit> pending = new LinkedHashMap<>();
        pending.put("a", new TrickleChannelSplit("a", URI.create("http://h/a"), 3, 1, 10));
        pending.put(
                "b",
                new TrickleChannelSplit(
                        "b", URI.create("http://h/b"), -2, 0, TrickleChannelSplit.NO_STOPPING_SEQ));
        TrickleSourceEnumState state = new TrickleSourceEnumState(pending, Set.of("c", "d"));
        TrickleSourceEnumStateSerializer serializer = new TrickleSourceEnumStateSerializer();
        TrickleSourceEnumState back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
        assertThat(back).isEqualTo(state);
        assertThat(back.pending().keySet()).containsExactly("a", "b");
    }

    @Test
    void roundTripKeepsAnnouncedStreamsAndTheAnnouncementsPosition() throws IOException {
        StreamAnnouncement cam =
                StreamAnnouncement.builder("cam", URI.create("http://o/cam"))
                        .channel("params", URI.create("http://s/cam-params"))
                        .start("params", 0)
                        .attribute("url.publish", "http://o/cam-out")
                        .build();
        Map<String, TrickleChannelSplit> pending = new LinkedHashMap<>();
        pending.put(
                "cam~1",
                new TrickleChannelSplit(
                        "cam~1",
                        URI.create("http://o/cam"),
                        -2,
                        0,
                        TrickleChannelSplit.NO_STOPPING_SEQ,
                        Map.of("width", "256")));
        TrickleSourceEnumState state =
                new TrickleSourceEnumState(pending, Set.of("x#params"), Map.of("cam~1", cam), 17);
        TrickleSourceEnumStateSerializer serializer = new TrickleSourceEnumStateSerializer();
        TrickleSourceEnumState back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
        assertThat(back).isEqualTo(state);
        assertThat(back.streams().get("cam~1").start("params").seq()).isZero();
        assertThat(back.announcementsSeq()).isEqualTo(17);
    }

    @Test
    void version0StateStaysReadable() throws IOException {
        // Version 0: split version 0, no pending split, one assigned key "a".
        byte[] v0 =
                java.util.HexFormat.of().parseHex("00000000" + "00000000" + "00000001" + "000161");
        TrickleSourceEnumState state = new TrickleSourceEnumStateSerializer().deserialize(0, v0);
        assertThat(state.assigned()).containsExactly("a");
        assertThat(state.streams()).isEmpty();
        assertThat(state.announcementsSeq()).isEqualTo(TrickleSourceEnumState.NO_ANNOUNCEMENTS);
    }

    @Test
    void emptyStateAndUnknownVersion() throws IOException {
        TrickleSourceEnumStateSerializer serializer = new TrickleSourceEnumStateSerializer();
        byte[] bytes = serializer.serialize(TrickleSourceEnumState.empty());
        assertThat(serializer.deserialize(serializer.getVersion(), bytes))
                .isEqualTo(TrickleSourceEnumState.empty());
        assertThatThrownBy(() -> serializer.deserialize(9, bytes))
                .hasMessageContaining("version 9");
    }

    @Test
    void ownerFollowsFlinkKeyGroups() {
        int maxParallelism = KeyGroupSplitAssigner.defaultMaxParallelism(4);
        assertThat(maxParallelism).isEqualTo(128);
        for (String key : new String[] {"a", "stream-1", "8c1f00aa", "x-out"}) {
            int expected =
                    org.apache.flink.runtime.state.KeyGroupRangeAssignment
                            .assignKeyToParallelOperator(key, 128, 4);
            assertThat(KeyGroupSplitAssigner.ownerOf(key, 0, 4)).isEqualTo(expected);
            assertThat(KeyGroupSplitAssigner.ownerOf(key, 128, 4)).isEqualTo(expected);
        }
    }
}
