package io.flinktrickle.controlapi.config;

import io.flinktrickle.processor.operator.RealTimePolicy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
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
        assertThat(c.inputWait).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theInputWaitIsWholeSecondsUpToTenMinutes() {
        assertThat(SidecarConfig.fromEnvAndArgs(Map.of(), "--input-wait-seconds", "0").inputWait)
                .isZero();
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("INPUT_WAIT_SECONDS", "601")))
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
    void badSettingsNameTheSetting() {
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("PORT", "eighty")))
                .hasMessageContaining("bad setting");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--colour", "red"))
                .hasMessageContaining("unknown setting --colour");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of(), "--port"))
                .hasMessageContaining("--name value");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("CAPACITY", "0")))
                .hasMessageContaining("CAPACITY");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of("FLINK_REST_URL", "http://jm:8081")))
                .hasMessageContaining("JOB_JAR is required");
        assertThatThrownBy(
                        () ->
                                SidecarConfig.fromEnvAndArgs(
                                        Map.of(
                                                "FLINK_REST_URL",
                                                "http://jm:8081",
                                                "JOB_JAR",
                                                "/no/such.jar")))
                .hasMessageContaining("is not a file");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("ROUTE_PREFIX", "api")))
                .hasMessageContaining("ROUTE_PREFIX");
        assertThatThrownBy(() -> SidecarConfig.fromEnvAndArgs(Map.of("POLICY", "fast")))
                .hasMessageContaining("bad setting");
    }
}
