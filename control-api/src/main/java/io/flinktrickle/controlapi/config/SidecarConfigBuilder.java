package io.flinktrickle.controlapi.config;

import io.flinktrickle.controlapi.config.SidecarConfig.JobMode;
import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.jobs.processors.BuiltInProcessors;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.PublicEvolving;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link SidecarConfig}; {@link #build()} checks every value, and its messages name the
 * setting as its environment variable and its flag ({@code PORT (--port)}).
 *
 * <p>Not thread-safe: one thread fills and builds it.
 */
@PublicEvolving
public final class SidecarConfigBuilder {
    String host = "0.0.0.0";
    int port = 8000;
    String routePrefix = "/";
    String authToken;
    int capacity = 1;
    long maxBodyBytes = 10L * 1024 * 1024;
    String pipeline = "byoc";
    String modelId = "flink-trickle";
    String appVersion = Versions.projectVersion();
    URI flinkRestUrl;
    Path jobJar;
    String processorClass = "io.flinktrickle.jobs.processors.Passthrough";
    final List<Path> processorJars = new ArrayList<>();
    JobMode jobMode = JobMode.RUNNER;
    int slots;
    int parallelism = 1;
    RealTimePolicy policy = RealTimePolicy.DROP_OLDEST;
    String devices;
    int checkpointSeconds = 10;
    int tricklePort = 0;
    String advertisedHost = "localhost";
    Duration paramsTimeout = Duration.ofSeconds(2);
    // go-livepeer's orchestrator gives its stop call 10 s.
    Duration stopTimeout = Duration.ofSeconds(8);
    Duration startTimeout = Duration.ofMinutes(2);
    Duration heartbeatInterval = Duration.ofSeconds(10);
    Duration pollInterval = Duration.ofMillis(250);
    Duration inputWait = Duration.ofSeconds(JobArgs.DEFAULT_INPUT_WAIT_SECONDS);
    int maxBatchSize;
    Duration maxBatchDelay;
    Path trickleSecretFile;
    Duration channelIdleTimeout = Duration.ofMinutes(5);
    int metricsPort = MetricsPorts.OFF;
    int flinkMetricsPort = MetricsPorts.OFF;

    SidecarConfigBuilder() {}

    public SidecarConfigBuilder host(String host) {
        this.host = host;
        return this;
    }

    public SidecarConfigBuilder port(int port) {
        this.port = port;
        return this;
    }

    public SidecarConfigBuilder routePrefix(String routePrefix) {
        this.routePrefix = routePrefix;
        return this;
    }

    public SidecarConfigBuilder authToken(String authToken) {
        this.authToken = authToken;
        return this;
    }

    public SidecarConfigBuilder capacity(int capacity) {
        this.capacity = capacity;
        return this;
    }

    public SidecarConfigBuilder maxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        return this;
    }

    public SidecarConfigBuilder pipeline(String pipeline) {
        this.pipeline = pipeline;
        return this;
    }

    public SidecarConfigBuilder modelId(String modelId) {
        this.modelId = modelId;
        return this;
    }

    public SidecarConfigBuilder appVersion(String appVersion) {
        this.appVersion = appVersion;
        return this;
    }

    /** A remote session cluster; without it the sidecar embeds a MiniCluster. */
    public SidecarConfigBuilder flinkRestUrl(URI flinkRestUrl) {
        this.flinkRestUrl = flinkRestUrl;
        return this;
    }

    public SidecarConfigBuilder jobJar(Path jobJar) {
        this.jobJar = jobJar;
        return this;
    }

    /** A FrameProcessor class, or the short name of an example processor ({@code invert}). */
    public SidecarConfigBuilder processorClass(String processorClass) {
        this.processorClass = processorClass;
        return this;
    }

    /** Jars with the processor and its libraries, for the embedded MiniCluster's jobs. */
    public SidecarConfigBuilder processorJars(List<Path> jars) {
        processorJars.clear();
        processorJars.addAll(jars);
        return this;
    }

    /** {@link JobMode#RUNNER} (default) or {@link JobMode#PER_STREAM}. */
    public SidecarConfigBuilder jobMode(JobMode jobMode) {
        this.jobMode = jobMode;
        return this;
    }

    /** Runner slots (0: one per device, else 1). */
    public SidecarConfigBuilder slots(int slots) {
        this.slots = slots;
        return this;
    }

    public SidecarConfigBuilder parallelism(int parallelism) {
        this.parallelism = parallelism;
        return this;
    }

    public SidecarConfigBuilder policy(RealTimePolicy policy) {
        this.policy = policy;
        return this;
    }

    public SidecarConfigBuilder devices(String devices) {
        this.devices = devices;
        return this;
    }

    public SidecarConfigBuilder checkpointSeconds(int checkpointSeconds) {
        this.checkpointSeconds = checkpointSeconds;
        return this;
    }

    public SidecarConfigBuilder tricklePort(int tricklePort) {
        this.tricklePort = tricklePort;
        return this;
    }

    public SidecarConfigBuilder advertisedHost(String advertisedHost) {
        this.advertisedHost = advertisedHost;
        return this;
    }

    public SidecarConfigBuilder paramsTimeout(Duration paramsTimeout) {
        this.paramsTimeout = paramsTimeout;
        return this;
    }

    public SidecarConfigBuilder stopTimeout(Duration stopTimeout) {
        this.stopTimeout = stopTimeout;
        return this;
    }

    public SidecarConfigBuilder startTimeout(Duration startTimeout) {
        this.startTimeout = startTimeout;
        return this;
    }

    /** Interval of the sidecar's own heartbeat events while a job sends none (10 s). */
    public SidecarConfigBuilder heartbeatInterval(Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
        return this;
    }

    /** How often job statuses are polled (250 ms). */
    public SidecarConfigBuilder pollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
        return this;
    }

    /**
     * How long a stream's input channel that does not exist yet is waited for, in whole seconds (10
     * s; zero: a 404 fails the stream at once).
     */
    public SidecarConfigBuilder inputWait(Duration inputWait) {
        this.inputWait = inputWait;
        return this;
    }

    /**
     * A batch processor's most frames per call (0: the operator's default, 8); the jobs refuse more
     * than 1 for a plain processor.
     */
    public SidecarConfigBuilder maxBatchSize(int frames) {
        this.maxBatchSize = frames;
        return this;
    }

    /** How long a batch's first frame may wait for more (null: the default, 20 ms). */
    public SidecarConfigBuilder maxBatchDelay(Duration delay) {
        this.maxBatchDelay = delay;
        return this;
    }

    /** Remote cluster: where the channel secret is kept (see {@link ChannelAccess}). */
    public SidecarConfigBuilder trickleSecretFile(Path trickleSecretFile) {
        this.trickleSecretFile = trickleSecretFile;
        return this;
    }

    /** Idle channels of no live stream are swept after this (5 min). */
    public SidecarConfigBuilder channelIdleTimeout(Duration channelIdleTimeout) {
        this.channelIdleTimeout = channelIdleTimeout;
        return this;
    }

    /**
     * The sidecar's Prometheus {@code /metrics} port (0: any free port; default {@link
     * MetricsPorts#OFF} here, {@link MetricsPorts#DEFAULT_SIDECAR} from the settings).
     */
    public SidecarConfigBuilder metricsPort(int metricsPort) {
        this.metricsPort = metricsPort;
        return this;
    }

    /**
     * The embedded MiniCluster's Prometheus reporter port (0: any free port; default {@link
     * MetricsPorts#OFF} here, {@link MetricsPorts#DEFAULT_FLINK} from the settings).
     */
    public SidecarConfigBuilder flinkMetricsPort(int flinkMetricsPort) {
        this.flinkMetricsPort = flinkMetricsPort;
        return this;
    }

    public SidecarConfig build() {
        Objects.requireNonNull(host, "host");
        check(port >= 0 && port <= 65535, name("PORT") + " must be 0..65535 but is " + port);
        check(
                tricklePort >= 0 && tricklePort <= 65535,
                name("TRICKLE_PORT") + " must be 0..65535 but is " + tricklePort);
        MetricsPorts.check(name("METRICS_PORT"), metricsPort);
        MetricsPorts.check(name("FLINK_METRICS_PORT"), flinkMetricsPort);
        check(
                routePrefix != null && routePrefix.startsWith("/"),
                name("ROUTE_PREFIX") + " must start with / but is " + routePrefix);
        routePrefix =
                routePrefix.length() > 1 && routePrefix.endsWith("/")
                        ? routePrefix.substring(0, routePrefix.length() - 1)
                        : routePrefix;
        check(
                capacity >= 1 && capacity <= 1024,
                name("CAPACITY") + " must be 1..1024 but is " + capacity);
        check(maxBodyBytes >= 1024, name("MAX_BODY_BYTES") + " must be at least 1024");
        check(parallelism >= 1, name("PARALLELISM") + " must be positive but is " + parallelism);
        check(
                slots >= 0 && slots <= 1024,
                name("SLOTS") + " must be 0 (auto) to 1024 but is " + slots);
        Objects.requireNonNull(jobMode, "jobMode");
        check(checkpointSeconds >= 0, name("CHECKPOINT_SECONDS") + " must not be negative");
        check(
                processorClass != null && !processorClass.isBlank(),
                name("PROCESSOR") + " must name a class");
        processorClass = BuiltInProcessors.className(processorClass.trim());
        for (Path jar : processorJars) {
            check(
                    java.nio.file.Files.isRegularFile(jar),
                    name("PROCESSOR_JAR") + ": " + jar + " is not a file");
        }
        check(
                advertisedHost != null && !advertisedHost.isBlank(),
                name("ADVERTISED_HOST") + " must not be empty");
        Objects.requireNonNull(policy, "policy");
        check(positive(paramsTimeout), name("PARAMS_TIMEOUT_MS") + " must be positive");
        check(positive(stopTimeout), name("STOP_TIMEOUT_MS") + " must be positive");
        check(positive(startTimeout), name("START_TIMEOUT_MS") + " must be positive");
        check(positive(heartbeatInterval), "heartbeat interval must be positive");
        check(positive(channelIdleTimeout), "channel idle timeout must be positive");
        check(
                inputWait != null
                        && !inputWait.isNegative()
                        && inputWait.toSeconds() <= JobArgs.MAX_INPUT_WAIT_SECONDS
                        && inputWait.toMillis() % 1000 == 0,
                name("INPUT_WAIT_SECONDS")
                        + " must be whole seconds 0.."
                        + JobArgs.MAX_INPUT_WAIT_SECONDS
                        + " (below the 60 s stream idle timeout) but is "
                        + inputWait);
        // The job's own bounds (JobArgs), so that a setting every job would refuse stops the
        // sidecar at launch rather than every stream start.
        check(
                maxBatchSize >= 0 && maxBatchSize <= JobArgs.MAX_BATCH_SIZE,
                name("MAX_BATCH_SIZE")
                        + " must be 1.."
                        + JobArgs.MAX_BATCH_SIZE
                        + " (or unset) but is "
                        + maxBatchSize);
        check(
                maxBatchDelay == null
                        || (maxBatchDelay.toMillis() >= 1
                                && maxBatchDelay.toMillis() <= JobArgs.MAX_BATCH_DELAY_MILLIS),
                name("MAX_BATCH_DELAY_MS")
                        + " must be 1.."
                        + JobArgs.MAX_BATCH_DELAY_MILLIS
                        + " but is "
                        + maxBatchDelay);
        if (flinkRestUrl != null) {
            checkRemote();
        }
        return new SidecarConfig(this);
    }

    private void checkRemote() {
        String scheme = flinkRestUrl.getScheme();
        check(
                ("http".equals(scheme) || "https".equals(scheme)) && flinkRestUrl.getHost() != null,
                name("FLINK_REST_URL") + " must be an http(s) URL but is " + flinkRestUrl);
        check(jobJar != null, name("JOB_JAR") + " is required with " + name("FLINK_REST_URL"));
        check(
                processorJars.isEmpty(),
                name("PROCESSOR_JAR")
                        + " is for the embedded MiniCluster; with FLINK_REST_URL the processor's"
                        + " classes go into JOB_JAR");
        check(
                java.nio.file.Files.isRegularFile(jobJar),
                name("JOB_JAR") + ": " + jobJar + " is not a file (build it: ./mvnw package)");
        if (tricklePort == 0) {
            // Jobs outlive a sidecar restart and keep its port in their channel URLs.
            tricklePort = SidecarConfig.DEFAULT_REMOTE_TRICKLE_PORT;
        }
    }

    private static String name(String setting) {
        return SidecarSettings.name(setting);
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
