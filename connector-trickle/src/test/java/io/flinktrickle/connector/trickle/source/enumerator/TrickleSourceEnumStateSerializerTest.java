package io.flinktrickle.connector.trickle.source.enumerator;

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
    void emptyStateAndUnknownVersion() throws IOException {
        TrickleSourceEnumStateSerializer serializer = new TrickleSourceEnumStateSerializer();
        byte[] bytes = serializer.serialize(TrickleSourceEnumState.empty());
        assertThat(serializer.deserialize(0, bytes)).isEqualTo(TrickleSourceEnumState.empty());
        assertThatThrownBy(() -> serializer.deserialize(1, bytes))
                .hasMessageContaining("version 1");
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
