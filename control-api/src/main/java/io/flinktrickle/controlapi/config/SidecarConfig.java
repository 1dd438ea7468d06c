package io.flinktrickle.controlapi.config;

import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.PublicEvolving;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the sidecar. Built with {@link #builder()} (validated in {@link
 * SidecarConfigBuilder#build()}) or from environment variables and {@code --name value} arguments
 * ({@link #fromEnvAndArgs}); each setting has one name, e.g. {@code FLINK_REST_URL} or {@code
 * --flink-rest-url}, declared once in {@link SidecarOptions}. {@link #SETTINGS} lists them with
 * their meaning (printed by {@code --help}).
 *
 * <p>Immutable and thread-safe.
 */
@PublicEvolving
public final class SidecarConfig {

    /**
     * Setting name (its environment variable) → what it does, as {@code --help} prints it; each is
     * also a flag, {@code --lower-case-name} ({@link SidecarOptions}).
     */
    public static final Map<String, String> SETTINGS = SidecarSettings.settings();

    /** The sidecar's trickle port with a remote cluster (fixed: the jobs keep it in their URLs). */
    public static final int DEFAULT_REMOTE_TRICKLE_PORT = 2940;

    public final String host;
    public final int port;
    public final String routePrefix;
    public final String authToken;
    public final int capacity;
    public final long maxBodyBytes;
    public final String pipeline;
    public final String modelId;
    public final String appVersion;
    public final URI flinkRestUrl;
    public final Path jobJar;
    public final String processorClass;

    /** The processor author's jars (embedded MiniCluster only); may be empty. */
    public final List<Path> processorJars;

    public final JobMode jobMode;
    public final int slots;
    public final int parallelism;
    public final RealTimePolicy policy;
    public final String devices;
    public final int checkpointSeconds;
    public final int tricklePort;
    public final String advertisedHost;
    public final Duration paramsTimeout;
    public final Duration stopTimeout;
    public final Duration startTimeout;
    public final Duration heartbeatInterval;
    public final Duration pollInterval;
    public final Duration inputWait;

    /** The job's {@code --max-batch-size}, or 0 for the operator's default. */
    public final int maxBatchSize;

    /** The job's {@code --max-batch-delay-ms}, or null for the operator's default. */
    public final Duration maxBatchDelay;

    /** The secret file of a remote cluster's sidecar, or null for the default (ChannelAccess). */
    public final Path trickleSecretFile;

    /** Idle channels of the sidecar's trickle server that belong to no live stream go after it. */
    public final Duration channelIdleTimeout;

    /** The sidecar's {@code /metrics} port: 0 any, {@link MetricsPorts#OFF} none. */
    public final int metricsPort;

    /**
     * The embedded MiniCluster's Prometheus reporter port: 0 any, {@link MetricsPorts#OFF} none.
     */
    public final int flinkMetricsPort;

    SidecarConfig(SidecarConfigBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.routePrefix = b.routePrefix;
        this.authToken = b.authToken;
        this.capacity = b.capacity;
        this.maxBodyBytes = b.maxBodyBytes;
        this.pipeline = b.pipeline;
        this.modelId = b.modelId;
        this.appVersion = b.appVersion;
        this.flinkRestUrl = b.flinkRestUrl;
        this.jobJar = b.jobJar;
        this.processorClass = b.processorClass;
        this.processorJars = List.copyOf(b.processorJars);
        this.jobMode = b.jobMode;
        this.slots = b.slots;
        this.parallelism = b.parallelism;
        this.policy = b.policy;
        this.devices = b.devices;
        this.checkpointSeconds = b.checkpointSeconds;
        this.tricklePort = b.tricklePort;
        this.advertisedHost = b.advertisedHost;
        this.paramsTimeout = b.paramsTimeout;
        this.stopTimeout = b.stopTimeout;
        this.startTimeout = b.startTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.pollInterval = b.pollInterval;
        this.inputWait = b.inputWait;
        this.maxBatchSize = b.maxBatchSize;
        this.maxBatchDelay = b.maxBatchDelay;
        this.trickleSecretFile = b.trickleSecretFile;
        this.channelIdleTimeout = b.channelIdleTimeout;
        this.metricsPort = b.metricsPort;
        this.flinkMetricsPort = b.flinkMetricsPort;
    }

    /**
     * A builder with every setting at its default; {@link SidecarConfigBuilder#build()} checks
     * them.
     */
    public static SidecarConfigBuilder builder() {
        return new SidecarConfigBuilder();
    }

    /** How the sidecar runs its streams. */
    public enum JobMode {
        /** One long-running job serves every stream; streams are announced to it. */
        RUNNER,
        /** One job per stream. */
        PER_STREAM
    }

    /**
     * The runner job's slots: {@link #slots}, else one per device, else one per CPU core (at most
     * {@link #capacity}): a slot's task thread encodes its streams' output, so streams spread over
     * the cores.
     */
    public int runnerSlots() {
        if (slots > 0) {
            return slots;
        }
        if (devices != null) {
            return devices.split(",").length;
        }
        return Math.max(1, Math.min(capacity, Runtime.getRuntime().availableProcessors()));
    }

    /** Task slots the embedded MiniCluster needs. */
    public int embeddedSlots() {
        return jobMode == JobMode.RUNNER ? runnerSlots() : capacity * parallelism;
    }

    /** Whether jobs run on a remote cluster ({@link #flinkRestUrl} set). */
    public boolean isRemote() {
        return flinkRestUrl != null;
    }

    /**
     * Reads the settings from {@code env} (e.g. {@code System.getenv()}), then from {@code args}
     * ({@code --flink-rest-url http://jm:8081} overrides {@code FLINK_REST_URL}; a repeated {@code
     * --processor-jar} adds to the list, which replaces {@code PROCESSOR_JAR}).
     *
     * @throws IllegalArgumentException naming the setting that is unknown or malformed, as its
     *     environment variable and its flag
     */
    public static SidecarConfig fromEnvAndArgs(Map<String, String> env, String... args) {
        return SidecarSettings.read(env, args);
    }

    /** The sidecar's {@code --help}: every setting with its meaning and default. */
    public static String usage() {
        return SidecarSettings.usage();
    }
}
