package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.jobs.live.JobArgs;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sidecar's settings as the arguments of the jobs it runs, read back by the job's parser. */
class JobArgumentsTest {

    private static final String STREAM = "id=a,subscribe=http://s/in,publish=http://s/out";

    @Test
    void batchSettingsReachTheJobOnlyWhenSet() throws Exception {
        List<String> plain = JobArguments.settings(SidecarConfig.fromEnvAndArgs(Map.of()));
        assertThat(plain).doesNotContain("--max-batch-size", "--max-batch-delay-ms");
        JobArgs defaults = parse(plain);
        assertThat(defaults.maxBatchSize).isZero();
        assertThat(defaults.maxBatchDelayMillis).isEqualTo(-1);

        SidecarConfig batching =
                SidecarConfig.builder()
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(35))
                        .build();
        JobArgs set = parse(JobArguments.settings(batching));
        assertThat(set.maxBatchSize).isEqualTo(4);
        assertThat(set.maxBatchDelayMillis).isEqualTo(35);
    }

    @Test
    void theSharedSettingsAreTheSidecars() throws Exception {
        SidecarConfig c =
                SidecarConfig.builder()
                        .heartbeatInterval(Duration.ofSeconds(5))
                        .checkpointSeconds(0)
                        .build();
        JobArgs a = parse(JobArguments.settings(c));
        assertThat(a.heartbeatSeconds).isEqualTo(5);
        assertThat(a.checkpointSeconds).isZero();
        assertThat(a.maxRestarts).isEqualTo(JobArguments.MAX_RESTARTS);
        assertThat(a.processorClass).isEqualTo(c.processorClass);
    }

    private static JobArgs parse(List<String> settings) throws JobArgs.UsageException {
        List<String> args = new ArrayList<>(settings);
        args.add("--stream");
        args.add(STREAM);
        return JobArgs.parse((ClassLoader) null, args.toArray(new String[0]));
    }
}
