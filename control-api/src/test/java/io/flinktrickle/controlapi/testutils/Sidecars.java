package io.flinktrickle.controlapi.testutils;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.config.SidecarConfigBuilder;

import java.nio.file.Path;
import java.util.Map;

/** The sidecar settings the integration tests start from: loopback, a free port. */
public final class Sidecars {
    private Sidecars() {}

    /** A sidecar on 127.0.0.1 and a free port; the test adds its own settings. */
    public static SidecarConfigBuilder local() {
        return SidecarConfig.builder().host("127.0.0.1").port(0);
    }

    /**
     * A sidecar on 127.0.0.1 and a free port whose processor {@code processorClass} is in {@code
     * jar}, set as an operator does: from the command line.
     */
    public static SidecarConfig withProcessorJar(Path jar, String processorClass) {
        return SidecarConfig.fromEnvAndArgs(
                Map.of(),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--processor-jar",
                jar.toString(),
                "--processor",
                processorClass);
    }
}
