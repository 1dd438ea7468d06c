package io.flinktrickle.controlapi.flink;

import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.controlapi.Sidecar;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Orchestrator;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sidecar that stops while a stream runs through its embedded MiniCluster: its runner job is
 * cancelled and ends CANCELED before the cluster closes, instead of failing under a closing
 * TaskExecutor (a WARN with a stack trace per task at every stop).
 */
class EmbeddedFlinkTargetCloseITCase {

    @Test
    void aStopCancelsTheRunningJobsBeforeTheClusterCloses() throws Exception {
        SidecarConfig config =
                SidecarConfig.builder().host("127.0.0.1").port(0).capacity(2).build();
        EmbeddedFlinkTarget target =
                EmbeddedFlinkTarget.builder()
                        .slots(config.embeddedSlots())
                        .configuration(new Configuration())
                        .build();
        String jobId;
        long closeMillis;
        try (Orchestrator orch = new Orchestrator()) {
            Sidecar sidecar = Sidecar.create(config, target);
            try {
                sidecar.start();
                Api api = new Api(sidecar.baseUri());
                api.awaitHealth("IDLE", Duration.ofSeconds(60));
                Orchestrator.Stream s = orch.stream("0badc0de");
                s.publishLive();
                assertThat(api.post("/stream/start", s.startBody(Map.of())).status).isEqualTo(200);
                Await.until(() -> !s.output.isEmpty(), 60, "an output segment");
                assertThat(target.list()).hasSize(1);
                jobId = target.list().get(0).id;
                assertThat(target.status(jobId)).contains(JobStatus.RUNNING);
            } finally {
                long t0 = System.nanoTime();
                sidecar.close();
                closeMillis = (System.nanoTime() - t0) / 1_000_000;
            }
        }
        assertThat(target.cancelledAtClose())
                .as("the jobs the stop cancelled, and how they ended")
                .containsExactly(Map.entry(jobId, JobStatus.CANCELED));
        // The cancel itself takes under a second; the bound only says that the stop never hangs.
        assertThat(closeMillis)
                .as("the stop (ms), cancelling included")
                .isLessThan((EmbeddedFlinkTarget.CANCEL_WAIT_SECONDS + 10) * 1000);
        assertThat(target.isReachable()).isFalse();
    }
}
