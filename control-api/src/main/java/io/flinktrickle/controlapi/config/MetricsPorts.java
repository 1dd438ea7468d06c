package io.flinktrickle.controlapi.config;

import org.apache.flink.annotation.Internal;

import java.util.Locale;

/**
 * The values of the two metrics port settings, {@code METRICS_PORT} (the sidecar's own {@code
 * /metrics}) and {@code FLINK_METRICS_PORT} (Flink's Prometheus reporter in the embedded
 * MiniCluster): a port, 0 for any free port, or {@code off}. Stateless.
 */
@Internal
public final class MetricsPorts {

    /** No endpoint at all. */
    public static final int OFF = -1;

    /** The word that turns an endpoint off. */
    static final String OFF_WORD = "off";

    /** The sidecar's {@code /metrics} port, next to Flink's. */
    public static final int DEFAULT_SIDECAR = 9250;

    /** Flink's own default for its Prometheus reporter. */
    public static final int DEFAULT_FLINK = 9249;

    private static final int MAX_PORT = 65535;

    private MetricsPorts() {}

    /**
     * @throws IllegalArgumentException naming {@code setting} when {@code value} is neither a port
     *     nor {@code off}
     */
    static int parse(String setting, String value) {
        if (OFF_WORD.equals(value.trim().toLowerCase(Locale.ROOT))) {
            return OFF;
        }
        try {
            int port = Integer.parseInt(value.trim());
            check(setting, port);
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    setting + " must be a port 0.." + MAX_PORT + " or off but is " + value, e);
        }
    }

    /**
     * @throws IllegalArgumentException naming {@code setting} when {@code port} is neither a port
     *     nor {@link #OFF}
     */
    static void check(String setting, int port) {
        if (port != OFF && (port < 0 || port > MAX_PORT)) {
            throw new IllegalArgumentException(
                    setting + " must be a port 0.." + MAX_PORT + " or off but is " + port);
        }
    }

    /** Whether {@code port} serves anything. */
    public static boolean isOn(int port) {
        return port != OFF;
    }
}
