package io.flinktrickle.controlapi;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.registration.CapabilityRegistrar;

import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Optional;

/**
 * Runs the sidecar until the JVM is stopped: {@code ./bin/sidecar [--name value ...]}; settings
 * from the environment and arguments ({@link SidecarConfig#SETTINGS}, {@code --help}).
 *
 * <p>Threads: {@code main} reads the settings, starts the sidecar and waits; a shutdown hook closes
 * it.
 */
@Internal
public final class SidecarMain {

    private SidecarMain() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(usage());
            return;
        }
        quietIdleClock();
        SidecarConfig config;
        Optional<CapabilityRegistrar> registrar;
        try {
            config = SidecarConfig.fromEnvAndArgs(System.getenv(), args);
            String url =
                    "http://"
                            + ("0.0.0.0".equals(config.host) ? config.advertisedHost : config.host)
                            + ":"
                            + config.port;
            // Register what this sidecar serves: its capacity and its token.
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.put("CAPABILITY_CAPACITY", Integer.toString(config.capacity));
            if (config.authToken != null) {
                env.put("CAPABILITY_TOKEN", config.authToken);
            }
            registrar = CapabilityRegistrar.fromEnv(env, url);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n\n" + usage());
            System.exit(2);
            return;
        }
        Sidecar sidecar;
        try {
            sidecar = Sidecar.create(config, registrar);
        } catch (IllegalArgumentException e) {
            // e.g. the processor class is not where the jobs load it from: no launch at all.
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            sidecar.start();
        } catch (IllegalArgumentException e) {
            // e.g. METRICS_PORT is in use: the message names the setting.
            sidecar.close();
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(sidecar::close, "sidecar-shutdown"));
        Thread.currentThread().join();
    }

    /**
     * Flink's RPC runs on Pekko, whose scheduler wakes every {@code tick-duration} (10 ms by
     * default) in each of the embedded cluster's two actor systems, busy or not: 1.0 % of a core on
     * an idle runner, measured. Flink schedules nothing that needs a finer clock than 100 ms
     * (heartbeats, checkpoints, restart delays and timeouts are seconds); streams never wait for it
     * (RPC messages are dispatched, not scheduled). Set before any actor system starts; {@code
     * -Dpekko.scheduler.tick-duration=…} overrides it.
     */
    static void quietIdleClock() {
        if (System.getProperty(PEKKO_TICK) == null) {
            System.setProperty(PEKKO_TICK, "100ms");
        }
    }

    private static final String PEKKO_TICK = "pekko.scheduler.tick-duration";

    static String usage() {
        return SidecarConfig.usage();
    }
}
