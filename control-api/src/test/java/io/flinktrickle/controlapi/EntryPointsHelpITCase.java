package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.server.TrickleServerMain;
import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.controlapi.bench.EndToEndBenchmark;
import io.flinktrickle.controlapi.bench.Soak;
import io.flinktrickle.jobs.bench.BatchingBenchmark;
import io.flinktrickle.jobs.bench.MediaBenchmark;
import io.flinktrickle.jobs.bench.OperatorBenchmark;
import io.flinktrickle.jobs.bench.ScalingBenchmark;
import io.flinktrickle.jobs.demo.LiveVideoDemo;
import io.flinktrickle.jobs.demo.TrickleRelayDemo;
import io.flinktrickle.jobs.scaffold.NewProcessor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --help} on every program in {@code bin/} prints its usage on standard output and exits 0,
 * starting nothing: the Java entry points the scripts run, each in a JVM of its own, and {@code
 * bin/cluster}, which is a shell script throughout.
 */
class EntryPointsHelpITCase {
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    static Stream<Arguments> entryPoints() {
        return Stream.of(
                Arguments.of(NewProcessor.class, "usage: bin/new-processor"),
                Arguments.of(LiveVideoDemo.class, "usage: ./bin/demo"),
                Arguments.of(TrickleRelayDemo.class, "usage: bin/relay-demo"),
                Arguments.of(TrickleServerMain.class, "usage: bin/trickle-server"),
                Arguments.of(SidecarMain.class, "usage: bin/sidecar"),
                Arguments.of(EndToEndBenchmark.class, "usage: bin/bench-e2e"),
                Arguments.of(Soak.class, "usage: bin/soak"),
                Arguments.of(MediaBenchmark.class, "usage: bin/bench-media"),
                Arguments.of(OperatorBenchmark.class, "usage: bin/bench-operator"),
                Arguments.of(BatchingBenchmark.class, "usage: bin/bench-batching"),
                Arguments.of(ScalingBenchmark.class, "usage: bin/bench-scaling"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entryPoints")
    void helpPrintsTheUsageAndExitsZero(Class<?> main, String usage) throws Exception {
        for (String flag : List.of("--help", "-h")) {
            ChildProcess.Result r = ChildProcess.runMain(TIMEOUT, List.of(), main, flag);
            assertThat(r.exitCode).as("%s %s: %s", main.getSimpleName(), flag, r).isZero();
            assertThat(r.stdout).as("%s %s", main.getSimpleName(), flag).startsWith(usage);
            assertThat(r.stderr).as("%s %s", main.getSimpleName(), flag).isEmpty();
        }
    }

    static Stream<Arguments> clusterCommands() {
        return Stream.of(
                Arguments.of(List.of("--help")),
                Arguments.of(List.of("-h")),
                Arguments.of(List.of("start", "--help")),
                Arguments.of(List.of("submit", "--help")));
    }

    @ParameterizedTest(name = "bin/cluster {0}")
    @MethodSource("clusterCommands")
    void theClusterScriptPrintsItsUsage(List<String> args) throws Exception {
        Path script = Path.of("..", "bin", "cluster").toAbsolutePath().normalize();
        List<String> command = new java.util.ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        ChildProcess.Result r =
                ChildProcess.run(TIMEOUT, Path.of("").toAbsolutePath(), Map.of(), command);
        assertThat(r.exitCode).as("%s", r).isZero();
        assertThat(r.stdout).contains("bin/cluster start", "bin/cluster stop");
    }
}
