package io.flinktrickle.controlapi.config;

import io.flinktrickle.processor.operator.RealTimePolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings come from the environment and arguments, PyTrickle's variables included. */
class SidecarConfigTest {

    @Test
    void defaultsMatchPyTrickle() {
        SidecarConfig c = SidecarConfig.fromEnvAndArgs(Map.of());
        assertThat(c.port).isEqualTo(8000);
        assertThat(c.routePrefix).isEqualTo("/");
        assertThat(c.capacity).isEqualTo(1);
        assertThat(c.pipeline).isEqualTo("byoc");
        assertThat(c.authToken).isNull();
        assertThat(c.isRemote()).isFalse();
        assertThat(c.paramsTimeout).isEqualTo(Duration.ofSeconds(2));
        // the defaults --help and the README state
        assertThat(c.stopTimeout).isEqualTo(Duration.ofMillis(8000));
        assertThat(c.startTimeout).isEqualTo(Duration.ofMillis(120000));
        assertThat(SidecarConfig.SETTINGS.get("STOP_TIMEOUT_MS")).endsWith("(8000)");
        assertThat(SidecarConfig.SETTINGS.get("START_TIMEOUT_MS")).endsWith("(120000)");
        assertThat(SidecarConfig.SETTINGS.get("PARAMS_TIMEOUT_MS")).endsWith("(2000)");
        assertThat(c.inputWait).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void batchSettingsAreOptionalAndPositive() {
        SidecarConfig defaults = SidecarConfig.fromEnvAndArgs(Map.of());
        assertThat(defaults.maxBatchSize).as("the operator's default").isZero();
        assertThat(defaults.maxBatchDelay).isNull();
        SidecarConfig c =
                SidecarConfig.fromEnvAndArgs(
                        Map.of("MAX_BATCH_SIZE", "4"), "--max-batch-delay-ms", "35");
        assertThat(c.maxBatchSize).isEqualTo(4);
        assertThat(c.maxBatchDelay).isEqualTo(Duration.ofMillis(35));
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("MAX_BATCH_SIZE", "-1")))
                .hasMessageContaining("MAX_BATCH_SIZE");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("MAX_BATCH_DELAY_MS", "0")))
                .hasMessageContaining("MAX_BATCH_DELAY_MS");
        // The jobs' own bounds: a setting every job would refuse stops the sidecar at launch.
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("MAX_BATCH_SIZE", "257")))
                .hasMessageContaining("MAX_BATCH_SIZE (--max-batch-size) must be 1..256");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("MAX_BATCH_DELAY_MS", "1001")))
                .hasMessageContaining("MAX_BATCH_DELAY_MS (--max-batch-delay-ms) must be 1..1000");
    }

    @Test
    void theInputWaitIsWholeSecondsUpToTenMinutes() {
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of(), "--input-wait-seconds", "0").inputWait)
                .isZero();
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("INPUT_WAIT_SECONDS", "51")))
                .hasMessageContaining("INPUT_WAIT_SECONDS");
        assertThatThrownBy(() -> SidecarConfig.builder().inputWait(Duration.ofMillis(1500)).build())
                .hasMessageContaining("whole seconds");
    }

    @Test
    void environmentThenArgumentsAndTheCapabilityFallbacks() {
        SidecarConfig c =
                SidecarConfig.fromEnvAndArgs(
                        Map.of(
                                "PORT", "9000",
                                "CAPABILITY_CAPACITY", "3",
                                "CAPABILITY_NAME", "my-filter",
                                "CAPABILITY_TOKEN", "tok",
                                "POLICY", "block",
                                "ROUTE_PREFIX", "/api/"),
                        "--port",
                        "9100",
                        "--params-timeout-ms",
                        "500");
        assertThat(c.port).isEqualTo(9100);
        assertThat(c.capacity).isEqualTo(3);
        assertThat(c.modelId).isEqualTo("my-filter");
        assertThat(c.authToken).isEqualTo("tok");
        assertThat(c.policy).isEqualTo(RealTimePolicy.BLOCK);
        assertThat(c.routePrefix).isEqualTo("/api");
        assertThat(c.paramsTimeout).isEqualTo(Duration.ofMillis(500));
        assertThat(
                        SidecarConfig.fromEnvAndArgs(
                                        Map.of("CAPABILITY_CAPACITY", "3", "CAPACITY", "5"))
                                .capacity)
                .isEqualTo(5);
    }

    @Test
    void metricsPortsAreOnFromTheSettingsAndOffInTheBuilder() {
        SidecarConfig launched = SidecarConfig.fromEnvAndArgs(Map.of());
        assertThat(launched.metricsPort).isEqualTo(MetricsPorts.DEFAULT_SIDECAR).isEqualTo(9250);
        assertThat(launched.flinkMetricsPort).isEqualTo(MetricsPorts.DEFAULT_FLINK).isEqualTo(9249);
        SidecarConfig built = SidecarConfig.builder().build();
        assertThat(built.metricsPort).isEqualTo(MetricsPorts.OFF);
        assertThat(built.flinkMetricsPort).isEqualTo(MetricsPorts.OFF);
        SidecarConfig set =
                SidecarConfig.fromEnvAndArgs(
                        Map.of("METRICS_PORT", "off"), "--flink-metrics-port", "0");
        assertThat(set.metricsPort).isEqualTo(MetricsPorts.OFF);
        assertThat(set.flinkMetricsPort).isZero();
        assertThat(
                        SidecarConfig.fromEnvAndArgs(Map.of("FLINK_METRICS_PORT", "OFF"))
                                .flinkMetricsPort)
                .isEqualTo(MetricsPorts.OFF);
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("METRICS_PORT", "70000")))
                .hasMessageContaining(
                        "METRICS_PORT (--metrics-port) must be a port 0..65535 or off but is"
                                + " 70000");
        assertThatThrownBy(
                        () -> SidecarConfig.fromEnvAndArgs(Map.of(), "--flink-metrics-port", "on"))
                .hasMessageContaining(
                        "FLINK_METRICS_PORT (--flink-metrics-port) must be a port 0..65535 or off");
        assertThatThrownBy(() -> SidecarConfig.builder().metricsPort(-5).build())
                .hasMessageContaining("METRICS_PORT");
    }

    @Test
    void badSettingsNameTheSetting() {
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("PORT", "eighty")))
                .hasMessageContaining("bad setting PORT")
                .hasMessageContaining("option '--port': 'eighty' is not an int");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--capacity", "many"))
                .hasMessageContaining("bad setting CAPACITY")
                .hasMessageContaining("'--capacity'");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--colour", "red"))
                .hasMessageContaining("Unknown option")
                .hasMessageContaining("--colour");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--port"))
                .hasMessageContaining("Missing required parameter for option '--port'");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("CAPACITY", "0")))
                .hasMessageContaining("CAPACITY (--capacity) must be 1..1024 but is 0");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of("FLINK_REST_URL", "http://jm:8081")))
                .hasMessageContaining("JOB_JAR (--job-jar) is required");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of(
                                                "FLINK_REST_URL",
                                                "http://jm:8081",
                                                "JOB_JAR",
                                                "/no/such.jar")))
                .hasMessageContaining("JOB_JAR (--job-jar): /no/such.jar is not a file");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("ROUTE_PREFIX", "api")))
                .hasMessageContaining("ROUTE_PREFIX (--route-prefix)");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("POLICY", "fast")))
                .hasMessageContaining("bad setting POLICY")
                .hasMessageContaining("'fast'");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("JOB_MODE", "batch")))
                .hasMessageContaining("bad setting JOB_MODE")
                .hasMessageContaining("runner or per-stream");
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of("JOB_MODE", "Per-Stream")).jobMode)
                .isEqualTo(SidecarConfig.JobMode.PER_STREAM);
    }

    @Test
    void aFlagOverridesTheEnvironmentEvenWhenTheEnvironmentIsMalformed() {
        SidecarConfig c =
                SidecarConfig.fromEnvAndArgs(
                        Map.of("PORT", "eighty", "CAPACITY", "2"),
                        "--port=9100",
                        "--capacity",
                        "4");
        assertThat(c.port).isEqualTo(9100);
        assertThat(c.capacity).isEqualTo(4);
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of("HOST", " 127.0.0.1 ")).host)
                .as("trimmed; blank variables are unset")
                .isEqualTo("127.0.0.1");
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of("PORT", " ")).port).isEqualTo(8000);
    }

    @Test
    void processorJarsAreAListWithSpacesAroundTheCommas(@TempDir Path tmp) throws Exception {
        Path a = Files.writeString(tmp.resolve("a.jar"), "");
        Path b = Files.writeString(tmp.resolve("b.jar"), "");
        SidecarConfig c =
                SidecarConfig.fromEnvAndArgs(
                        Map.of("PROCESSOR_JAR", a + ", " + b + " ,"),
                        "--processor",
                        "com.example.Any");
        assertThat(c.processorJars).containsExactly(a, b);
    }

    @Test
    void theAuthTokenComesFromTheEnvironmentOrAFileNeverTheCommandLine(@TempDir Path tmp)
            throws Exception {
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of("AUTH_TOKEN", "env-tok")).authToken)
                .isEqualTo("env-tok");
        Path file = Files.writeString(tmp.resolve("token"), "file-tok\n");
        assertThat(
                        SidecarConfig.fromEnvAndArgs(
                                        Map.of("CAPABILITY_TOKEN", "cap"),
                                        "--auth-token-file",
                                        file.toString())
                                .authToken)
                .isEqualTo("file-tok");
        assertThat(
                        SidecarConfig.fromEnvAndArgs(Map.of("AUTH_TOKEN_FILE", file.toString()))
                                .authToken)
                .isEqualTo("file-tok");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of("AUTH_TOKEN", "env-tok"),
                                        "--auth-token-file",
                                        file.toString()))
                .hasMessageContaining("set one of them");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of(),
                                        "--auth-token-file",
                                        tmp.resolve("no").toString()))
                .hasMessageContaining("AUTH_TOKEN_FILE (--auth-token-file): cannot read");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--auth-token", "secret"))
                .hasMessageContaining("ps shows it")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--auth-token=secret"))
                .hasMessageContaining("AUTH_TOKEN");
    }

    @Test
    void everySettingIsAVariableAndAFlagAndTheHelpSaysSo() {
        String usage = SidecarConfig.usage();
        assertThat(usage).startsWith("usage: bin/sidecar");
        for (String name : SidecarConfig.SETTINGS.keySet()) {
            if (name.equals("AUTH_TOKEN")) {
                assertThat(usage).contains("Environment only: AUTH_TOKEN");
                continue;
            }
            String flag = "--" + name.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            assertThat(usage).as(name).contains(flag + "=" + name);
        }
    }

    @Test
    void processorShortNamesAndProcessorJars(@TempDir Path tmp) throws Exception {
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of("PROCESSOR", "Invert")).processorClass)
                .isEqualTo("io.flinktrickle.jobs.processors.InvertColors");
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of()).processorClass)
                .isEqualTo("io.flinktrickle.jobs.processors.Passthrough");
        Path a = Files.writeString(tmp.resolve("a.jar"), "");
        Path b = Files.writeString(tmp.resolve("b.jar"), "");
        Path c = Files.writeString(tmp.resolve("c.jar"), "");
        assertThat(
                        SidecarConfig.fromEnvAndArgs(
                                        Map.of("PROCESSOR_JAR", a + "," + b),
                                        "--processor",
                                        "com.example.X")
                                .processorJars)
                .containsExactly(a, b);
        assertThat(
                        SidecarConfig.fromEnvAndArgs(
                                        Map.of("PROCESSOR_JAR", a.toString()),
                                        "--processor-jar",
                                        b.toString(),
                                        "--processor-jar",
                                        c.toString())
                                .processorJars)
                .as("arguments replace the environment; repeated ones add up")
                .containsExactly(b, c);
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of(),
                                        "--processor-jar",
                                        tmp.resolve("x.jar").toString()))
                .hasMessageContaining(
                        "PROCESSOR_JAR (--processor-jar): "
                                + tmp.resolve("x.jar")
                                + " is not a file");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.builder()
                                        .flinkRestUrl(java.net.URI.create("http://jm:8081"))
                                        .jobJar(a)
                                        .processorJars(List.of(b))
                                        .build())
                .hasMessageContaining(
                        "with FLINK_REST_URL the processor's classes go into JOB_JAR");
    }
}
