package io.flinktrickle.connector.trickle.testutils;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The Flink MiniCluster the integration tests of every module share: one TaskManager with a given
 * number of slots, started once per test class ({@code @RegisterExtension static}).
 */
public final class TestClusters {
    private TestClusters() {}

    /** A MiniCluster of one TaskManager with {@code slots} slots. */
    public static MiniClusterExtension miniCluster(int slots) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }
}
