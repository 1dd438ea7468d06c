package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link StreamPlacement}. */
class StreamPlacementTest {

    @Test
    void streamsFillSubtasksEvenlyWhateverTheirIdsHashTo() {
        for (int parallelism : new int[] {1, 2, 3, 8}) {
            Set<String> keys = new HashSet<>();
            List<Integer> owners = new ArrayList<>();
            for (int i = 0; i < 4 * parallelism; i++) {
                String id = "same-prefix-" + i;
                int target = StreamPlacement.leastLoaded(keys, 0, parallelism);
                String key = StreamPlacement.keyFor(id, target, keys, 0, parallelism);
                assertThat(StreamAnnouncement.idOf(key)).isEqualTo(id);
                assertThat(KeyGroupSplitAssigner.ownerOf(key, 0, parallelism)).isEqualTo(target);
                keys.add(key);
                owners.add(target);
            }
            for (int subtask = 0; subtask < parallelism; subtask++) {
                int s = subtask;
                assertThat(owners.stream().filter(o -> o == s).count())
                        .as("streams on subtask %d of %d", s, parallelism)
                        .isEqualTo(4);
            }
        }
    }

    @Test
    void aKeyInUseIsNotHandedOutAgain() {
        Set<String> taken = new HashSet<>();
        String first = StreamPlacement.keyFor("cam", 0, taken, 0, 1);
        assertThat(first).isEqualTo("cam");
        taken.add(first);
        String second = StreamPlacement.keyFor("cam", 0, taken, 0, 1);
        assertThat(second).isEqualTo("cam~1");
    }

    @Test
    void theLowestIndexWinsATie() {
        assertThat(StreamPlacement.leastLoaded(Set.of(), 0, 4)).isZero();
    }
}
