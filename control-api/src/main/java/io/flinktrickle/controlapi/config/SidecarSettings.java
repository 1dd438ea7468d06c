package io.flinktrickle.controlapi.config;

import io.flinktrickle.connector.trickle.cli.Cli;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the sidecar's settings ({@link SidecarOptions}) from the environment and the command line
 * into a {@link SidecarConfig}: the environment gives the defaults ({@link Cli.EnvDefaults}, with
 * PyTrickle's {@code CAPABILITY_*} variables as fallbacks), a flag wins; every error names the
 * setting, as its variable and its flag.
 *
 * <p>Stateless; runs on the thread that calls {@link SidecarConfig#fromEnvAndArgs} (the sidecar's
 * {@code main}).
 */
@Internal
final class SidecarSettings {

    /** The environment-only setting: a token on a command line is visible in {@code ps}. */
    static final String AUTH_TOKEN = "AUTH_TOKEN";

    /** Settings whose default is a BYOC registration variable (what the capability registers). */
    private static final Map<String, String> FALLBACKS =
            Map.of("CAPACITY", "CAPABILITY_CAPACITY", "MODEL_ID", "CAPABILITY_NAME");

    private SidecarSettings() {}

    /** The command line over {@code env}. */
    static CommandLine commandLine(Map<String, String> env) {
        Map<String, String> withFallbacks = new HashMap<>(env);
        FALLBACKS.forEach(
                (name, fallback) -> {
                    if (isBlank(env.get(name)) && !isBlank(env.get(fallback))) {
                        withFallbacks.put(name, env.get(fallback));
                    }
                });
        CommandLine cl = Cli.of(new SidecarOptions());
        cl.setDefaultValueProvider(new Cli.EnvDefaults(withFallbacks));
        return cl;
    }

    /** The generated {@code --help}. */
    static String usage() {
        return Cli.usage(Cli.of(new SidecarOptions()));
    }

    /** Setting (its environment variable) → its meaning, in the order of the help. */
    static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (OptionSpec o : Cli.of(new SidecarOptions()).getCommandSpec().options()) {
            if (o.usageHelp()) {
                continue;
            }
            settings.put(Cli.envName(o), String.join(" ", o.description()));
            if (o.longestName().equals("--route-prefix")) {
                settings.put(
                        AUTH_TOKEN,
                        "when set, stream routes need 'Authorization: Bearer <token>' (default"
                                + " CAPABILITY_TOKEN); environment only, or AUTH_TOKEN_FILE");
            }
        }
        return Collections.unmodifiableMap(settings);
    }

    /** {@code ENV_NAME (--flag-name)}: how a message names a setting. */
    static String name(String env) {
        return env + " (--" + env.toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
    }

    static SidecarConfig read(Map<String, String> env, String... args) {
        for (String a : args) {
            if (a.equals("--auth-token") || a.startsWith("--auth-token=")) {
                throw new IllegalArgumentException(
                        "--auth-token is not taken on the command line, where ps shows it to every"
                                + " user: set AUTH_TOKEN or "
                                + name("AUTH_TOKEN_FILE"));
            }
        }
        CommandLine cl = commandLine(env);
        SidecarOptions o = cl.getCommand();
        try {
            Cli.parse(cl, args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(Cli.message(e, ""), e);
        }
        SidecarConfigBuilder b = SidecarConfig.builder();
        // The launched sidecar exports metrics by default; programmatic ones (tests) opt in.
        b.metricsPort(MetricsPorts.DEFAULT_SIDECAR);
        b.flinkMetricsPort(MetricsPorts.DEFAULT_FLINK);
        ifSet(o.host, b::host);
        ifSet(o.port, b::port);
        ifSet(o.routePrefix, b::routePrefix);
        // BYOC: the orchestrator sends the token the capability registered.
        b.authToken(authToken(env, o.authTokenFile));
        ifSet(o.capacity, b::capacity);
        ifSet(o.maxBodyBytes, b::maxBodyBytes);
        ifSet(o.pipeline, b::pipeline);
        ifSet(o.modelId, b::modelId);
        ifSet(o.appVersion, b::appVersion);
        ifSet(o.flinkRestUrl, b::flinkRestUrl);
        ifSet(o.jobJar, b::jobJar);
        ifSet(o.processor, b::processorClass);
        b.processorJars(o.processorJars());
        ifSet(o.jobMode, b::jobMode);
        ifSet(o.slots, b::slots);
        ifSet(o.parallelism, b::parallelism);
        ifSet(o.policy, b::policy);
        ifSet(o.devices, b::devices);
        ifSet(o.checkpointSeconds, b::checkpointSeconds);
        ifSet(o.tricklePort, b::tricklePort);
        ifSet(o.advertisedHost, b::advertisedHost);
        ifSet(o.trickleSecretFile, b::trickleSecretFile);
        ifSet(o.paramsTimeoutMs, v -> b.paramsTimeout(Duration.ofMillis(v)));
        ifSet(o.stopTimeoutMs, v -> b.stopTimeout(Duration.ofMillis(v)));
        ifSet(o.startTimeoutMs, v -> b.startTimeout(Duration.ofMillis(v)));
        ifSet(o.metricsPort, v -> b.metricsPort(MetricsPorts.parse(name("METRICS_PORT"), v)));
        ifSet(
                o.flinkMetricsPort,
                v -> b.flinkMetricsPort(MetricsPorts.parse(name("FLINK_METRICS_PORT"), v)));
        ifSet(o.maxBatchSize, b::maxBatchSize);
        ifSet(o.maxBatchDelayMs, v -> b.maxBatchDelay(Duration.ofMillis(v)));
        ifSet(o.inputWaitSeconds, v -> b.inputWait(Duration.ofSeconds(v)));
        return b.build();
    }

    /** AUTH_TOKEN, else the file's, else CAPABILITY_TOKEN, else null. */
    private static String authToken(Map<String, String> env, Path file) {
        String token = env.get(AUTH_TOKEN);
        if (file == null) {
            return !isBlank(token) ? token.trim() : blankToNull(env.get("CAPABILITY_TOKEN"));
        }
        if (!isBlank(token)) {
            throw new IllegalArgumentException(
                    "AUTH_TOKEN and " + name("AUTH_TOKEN_FILE") + " are both set: set one of them");
        }
        try {
            String secret = Cli.secretFromFile(file);
            if (secret.isEmpty()) {
                throw new IllegalArgumentException(
                        name("AUTH_TOKEN_FILE") + ": " + file + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    name("AUTH_TOKEN_FILE") + ": cannot read " + file + " (" + e + ")", e);
        }
    }

    private static <T> void ifSet(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String blankToNull(String s) {
        return isBlank(s) ? null : s.trim();
    }
}
