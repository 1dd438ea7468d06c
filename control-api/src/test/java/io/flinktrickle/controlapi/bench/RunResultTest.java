package io.flinktrickle.controlapi.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link RunResult}'s split of the process's CPU into the benchmark's and the runner's.
 */
class RunResultTest {

    @Test
    void theBenchmarksOwnThreadsAreLeftOutOfTheRunnersFigure() {
        RunResult r = new RunResult(2);
        Map<String, Double> groups = new LinkedHashMap<>();
        groups.put("Source: trickle-in -> frame-processor (task)", 3.0);
        groups.put("mpegts-decoder-bench###-#", 1.0);
        groups.put("trickle-server-#", 0.2); // the sidecar's own server: the runner's
        groups.put("HttpClient-#-SelectorManager", 0.3); // shared with the runner: the runner's
        groups.put(RunResult.ORCHESTRATOR_THREADS + "-#", 1.5);
        groups.put(RunResult.ORCHESTRATOR_THREADS + "-scheduler-#", 0.1);
        groups.put("publish-bench###", 0.6);
        groups.put("output-bench###", 0.2);
        groups.put("events-bench###", 0.1);
        r.threadCpu = groups;
        r.processCpuSeconds = 8.0; // 0.8 s outside Java's thread list (GC, JIT): the runner's
        r.cpuPerVideoSecond = 0.2;

        assertThat(r.harnessCpuSeconds()).isCloseTo(2.5, within(1e-9));
        assertThat(r.runnerCpuPerVideoSecond()).isCloseTo(0.2 * 5.5 / 8.0, within(1e-9));
    }

    @Test
    void withoutAProcessFigureTheRunnerIsTheWholeProcess() {
        RunResult r = new RunResult(1);
        r.cpuPerVideoSecond = 0.13;
        assertThat(r.runnerCpuPerVideoSecond()).isEqualTo(0.13);
    }
}
