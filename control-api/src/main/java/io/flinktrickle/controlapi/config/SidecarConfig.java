package io.flinktrickle.controlapi.config;

import io.flinktrickle.jobs.processors.BuiltInProcessors;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.PublicEvolving;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of the sidecar, in one place. Built with {@link #builder()} (validated in {@link
 * Builder#build()}) or from environment variables and {@code --name value} arguments ({@link
 * #fromEnvAndArgs}); each setting has one name, e.g. {@code FLINK_REST_URL} or {@code
 * --flink-rest-url}. {@link #SETTINGS} lists them with their meaning (printed by {@code --help}).
 *
 * <p>Immutable and thread-safe.
 */
@PublicEvolving
public final class SidecarConfig {

    /** Setting name (environment form) → what it does. */
    public static final Map<String, String> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("HOST", "address the HTTP API binds (default 0.0.0.0)");
        SETTINGS.put("PORT", "HTTP API port (default 8000, as PyTrickle and ai-runner)");
        SETTINGS.put("ROUTE_PREFIX", "prefix of the stream routes (default /; /api is served too)");
        SETTINGS.put(
                "AUTH_TOKEN",
                "when set, stream routes need 'Authorization: Bearer <token>'"
                        + " (default CAPABILITY_TOKEN)");
        SETTINGS.put("CAPACITY", "streams at once (default CAPABILITY_CAPACITY, else 1)");
        SETTINGS.put("MAX_BODY_BYTES", "largest request body (default 10485760, the gateway's)");
        SETTINGS.put("PIPELINE", "pipeline name in /version (default byoc)");
        SETTINGS.put(
                "MODEL_ID", "model id in /version (default CAPABILITY_NAME, else flink-trickle)");
        SETTINGS.put("APP_VERSION", "version in /app-version (default the project version)");
        SETTINGS.put(
                "FLINK_REST_URL", "a session cluster's REST address; unset: embedded MiniCluster");
        SETTINGS.put("JOB_JAR", "the shaded job jar uploaded to a remote cluster");
        SETTINGS.put(
                "PROCESSOR",
                "FrameProcessor class, or passthrough|invert|blur|gain|stats (default"
                        + " passthrough); checked at launch");
        SETTINGS.put(
                "PROCESSOR_JAR",
                "jars with the processor and its libraries for the embedded MiniCluster's jobs"
                        + " (comma list; --processor-jar may be repeated; on a cluster the"
                        + " processor comes in JOB_JAR)");
        SETTINGS.put(
                "JOB_MODE",
                "runner (default): one long-running job serves every stream (models load once,"
                        + " before IDLE); per-stream: one job per stream (isolation)");
        SETTINGS.put(
                "SLOTS",
                "runner slots, each with its processor and device (default: one per DEVICES"
                        + " entry, else one per CPU core, at most CAPACITY)");
        SETTINGS.put(
                "PARALLELISM", "processor slots per stream job in per-stream mode (default 1)");
        SETTINGS.put("POLICY", "drop_oldest|block|none when a stream falls behind");
        SETTINGS.put("DEVICES", "devices when Flink has no gpu resource, e.g. gpu:0,gpu:1");
        SETTINGS.put("CHECKPOINT_SECONDS", "checkpoint interval of the stream jobs (default 10)");
        SETTINGS.put(
                "TRICKLE_PORT",
                "port of the sidecar's own trickle server (default: any; 2940 with a remote"
                        + " cluster, whose jobs outlive a sidecar restart)");
        SETTINGS.put(
                "ADVERTISED_HOST",
                "host the jobs reach the sidecar's trickle server at (default localhost; set it"
                        + " for a remote cluster: the server then listens on that address only,"
                        + " which must be one of this machine's)");
        SETTINGS.put(
                "TRICKLE_SECRET_FILE",
                "remote cluster: the secret the jobs present to the sidecar's trickle server,"
                        + " created (0600) when missing; keep it across restarts to adopt running"
                        + " jobs (default ~/.flink-trickle/sidecar-<ADVERTISED_HOST>-<TRICKLE_PORT>"
                        + ".secret)");
        SETTINGS.put(
                "METRICS_PORT",
                "port of the sidecar's Prometheus /metrics on HOST (default "
                        + MetricsPorts.DEFAULT_SIDECAR
                        + "; 0: any free port; off: none)");
        SETTINGS.put(
                "FLINK_METRICS_PORT",
                "port of Flink's Prometheus reporter in the embedded MiniCluster, on every"
                        + " interface (default "
                        + MetricsPorts.DEFAULT_FLINK
                        + "; 0: any free port; off: none; a cluster sets its own)");
        SETTINGS.put("PARAMS_TIMEOUT_MS", "how long /stream/params waits for the verdict (2000)");
        SETTINGS.put("STOP_TIMEOUT_MS", "how long /stream/stop waits for the job to end (8000)");
        SETTINGS.put("START_TIMEOUT_MS", "a job not running by then is an error (120000)");
        SETTINGS.put(
                "MAX_BATCH_SIZE",
                "a batch processor's most frames in one call, of all a slot's streams (8; a plain"
                        + " processor: 1)");
        SETTINGS.put(
                "MAX_BATCH_DELAY_MS",
                "how long a batch's first frame may wait for more (20; batch processors only)");
        SETTINGS.put(
                "INPUT_WAIT_SECONDS",
                "how long a stream's input channel that does not exist yet is waited for before the"
                        + " stream fails with 'input channel URL not found' (10, at most 50; 0: at"
                        + " once)");
    }

    /** The one setting whose repeated arguments add up. */
    private static final String LIST_SETTING = "PROCESSOR_JAR";

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

    private SidecarConfig(Builder b) {
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

    public static Builder builder() {
        return new Builder();
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
     * --processor-jar} adds to the list).
     *
     * @throws IllegalArgumentException naming the setting that is unknown or malformed
     */
    public static SidecarConfig fromEnvAndArgs(Map<String, String> env, String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        java.util.Set<String> fromArgs = new java.util.HashSet<>();
        for (String name : SETTINGS.keySet()) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                values.put(name, v.trim());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got: " + a);
            }
            String name = a.substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
            if (!SETTINGS.containsKey(name)) {
                throw new IllegalArgumentException("unknown setting " + a);
            }
            String value = args[++i];
            if (LIST_SETTING.equals(name) && !fromArgs.add(name)) {
                value = values.get(name) + "," + value;
            }
            values.put(name, value);
        }
        Builder b = builder();
        // The launched sidecar exports metrics by default; programmatic ones (tests) opt in.
        b.metricsPort = MetricsPorts.DEFAULT_SIDECAR;
        b.flinkMetricsPort = MetricsPorts.DEFAULT_FLINK;
        String capacity = values.getOrDefault("CAPACITY", env.get("CAPABILITY_CAPACITY"));
        String model = values.getOrDefault("MODEL_ID", env.get("CAPABILITY_NAME"));
        try {
            ifSet(values.get("HOST"), v -> b.host = v);
            ifSet(values.get("PORT"), v -> b.port = Integer.parseInt(v));
            ifSet(values.get("ROUTE_PREFIX"), v -> b.routePrefix = v);
            // BYOC: the orchestrator sends the token the capability registered.
            ifSet(
                    values.getOrDefault("AUTH_TOKEN", env.get("CAPABILITY_TOKEN")),
                    v -> b.authToken = v);
            ifSet(capacity, v -> b.capacity = Integer.parseInt(v.trim()));
            ifSet(values.get("MAX_BODY_BYTES"), v -> b.maxBodyBytes = Long.parseLong(v));
            ifSet(values.get("PIPELINE"), v -> b.pipeline = v);
            ifSet(model, v -> b.modelId = v);
            ifSet(values.get("APP_VERSION"), v -> b.appVersion = v);
            ifSet(values.get("FLINK_REST_URL"), v -> b.flinkRestUrl = URI.create(v));
            ifSet(values.get("JOB_JAR"), v -> b.jobJar = Path.of(v));
            ifSet(values.get("PROCESSOR"), v -> b.processorClass = v);
            ifSet(
                    values.get(LIST_SETTING),
                    v -> {
                        for (String jar : v.split(",")) {
                            if (!jar.isBlank()) {
                                b.processorJars.add(Path.of(jar.trim()));
                            }
                        }
                    });
            ifSet(
                    values.get("JOB_MODE"),
                    v -> b.jobMode = JobMode.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_')));
            ifSet(values.get("SLOTS"), v -> b.slots = Integer.parseInt(v));
            ifSet(values.get("PARALLELISM"), v -> b.parallelism = Integer.parseInt(v));
            ifSet(
                    values.get("POLICY"),
                    v -> b.policy = RealTimePolicy.valueOf(v.toUpperCase(Locale.ROOT)));
            ifSet(values.get("DEVICES"), v -> b.devices = v);
            ifSet(values.get("CHECKPOINT_SECONDS"), v -> b.checkpointSeconds = Integer.parseInt(v));
            ifSet(values.get("TRICKLE_PORT"), v -> b.tricklePort = Integer.parseInt(v));
            ifSet(values.get("ADVERTISED_HOST"), v -> b.advertisedHost = v);
            ifSet(values.get("TRICKLE_SECRET_FILE"), v -> b.trickleSecretFile = Path.of(v));
            ifSet(values.get("PARAMS_TIMEOUT_MS"), v -> b.paramsTimeout = millis(v));
            ifSet(values.get("STOP_TIMEOUT_MS"), v -> b.stopTimeout = millis(v));
            ifSet(values.get("START_TIMEOUT_MS"), v -> b.startTimeout = millis(v));
            ifSet(
                    values.get("METRICS_PORT"),
                    v -> b.metricsPort = MetricsPorts.parse("METRICS_PORT", v));
            ifSet(
                    values.get("FLINK_METRICS_PORT"),
                    v -> b.flinkMetricsPort = MetricsPorts.parse("FLINK_METRICS_PORT", v));
            ifSet(values.get("MAX_BATCH_SIZE"), v -> b.maxBatchSize = Integer.parseInt(v));
            ifSet(values.get("MAX_BATCH_DELAY_MS"), v -> b.maxBatchDelay = millis(v));
            ifSet(
                    values.get("INPUT_WAIT_SECONDS"),
                    v -> b.inputWait = Duration.ofSeconds(Long.parseLong(v)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad setting: " + e.getMessage(), e);
        }
        return b.build();
    }

    private static Duration millis(String v) {
        return Duration.ofMillis(Long.parseLong(v));
    }

    private interface Setter {
        void set(String value);
    }

    private static void ifSet(String value, Setter setter) {
        if (value != null && !value.isBlank()) {
            setter.set(value.trim());
        }
    }

    /** Builds a {@link SidecarConfig}; {@link #build()} checks every value. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8000;
        private String routePrefix = "/";
        private String authToken;
        private int capacity = 1;
        private long maxBodyBytes = 10L * 1024 * 1024;
        private String pipeline = "byoc";
        private String modelId = "flink-trickle";
        private String appVersion = Versions.projectVersion();
        private URI flinkRestUrl;
        private Path jobJar;
        private String processorClass = "io.flinktrickle.jobs.processors.Passthrough";
        private final List<Path> processorJars = new ArrayList<>();
        private JobMode jobMode = JobMode.RUNNER;
        private int slots;
        private int parallelism = 1;
        private RealTimePolicy policy = RealTimePolicy.DROP_OLDEST;
        private String devices;
        private int checkpointSeconds = 10;
        private int tricklePort = 0;
        private String advertisedHost = "localhost";
        private Duration paramsTimeout = Duration.ofSeconds(2);
        // go-livepeer's orchestrator gives its stop call 10 s.
        private Duration stopTimeout = Duration.ofSeconds(8);
        private Duration startTimeout = Duration.ofMinutes(2);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration pollInterval = Duration.ofMillis(250);
        private Duration inputWait =
                Duration.ofSeconds(io.flinktrickle.jobs.live.JobArgs.DEFAULT_INPUT_WAIT_SECONDS);
        private int maxBatchSize;
        private Duration maxBatchDelay;
        private Path trickleSecretFile;
        private Duration channelIdleTimeout = Duration.ofMinutes(5);
        private int metricsPort = MetricsPorts.OFF;
        private int flinkMetricsPort = MetricsPorts.OFF;

        private Builder() {}

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder routePrefix(String routePrefix) {
            this.routePrefix = routePrefix;
            return this;
        }

        public Builder authToken(String authToken) {
            this.authToken = authToken;
            return this;
        }

        public Builder capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        public Builder maxBodyBytes(long maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder pipeline(String pipeline) {
            this.pipeline = pipeline;
            return this;
        }

        public Builder modelId(String modelId) {
            this.modelId = modelId;
            return this;
        }

        public Builder appVersion(String appVersion) {
            this.appVersion = appVersion;
            return this;
        }

        /** A remote session cluster; without it the sidecar embeds a MiniCluster. */
        public Builder flinkRestUrl(URI flinkRestUrl) {
            this.flinkRestUrl = flinkRestUrl;
            return this;
        }

        public Builder jobJar(Path jobJar) {
            this.jobJar = jobJar;
            return this;
        }

        /** A FrameProcessor class, or the short name of an example processor ({@code invert}). */
        public Builder processorClass(String processorClass) {
            this.processorClass = processorClass;
            return this;
        }

        /** Jars with the processor and its libraries, for the embedded MiniCluster's jobs. */
        public Builder processorJars(List<Path> jars) {
            processorJars.clear();
            processorJars.addAll(jars);
            return this;
        }

        /** {@link JobMode#RUNNER} (default) or {@link JobMode#PER_STREAM}. */
        public Builder jobMode(JobMode jobMode) {
            this.jobMode = jobMode;
            return this;
        }

        /** Runner slots (0: one per device, else 1). */
        public Builder slots(int slots) {
            this.slots = slots;
            return this;
        }

        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        public Builder policy(RealTimePolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder devices(String devices) {
            this.devices = devices;
            return this;
        }

        public Builder checkpointSeconds(int checkpointSeconds) {
            this.checkpointSeconds = checkpointSeconds;
            return this;
        }

        public Builder tricklePort(int tricklePort) {
            this.tricklePort = tricklePort;
            return this;
        }

        public Builder advertisedHost(String advertisedHost) {
            this.advertisedHost = advertisedHost;
            return this;
        }

        public Builder paramsTimeout(Duration paramsTimeout) {
            this.paramsTimeout = paramsTimeout;
            return this;
        }

        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** Interval of the sidecar's own heartbeat events while a job sends none (10 s). */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        /** How often job statuses are polled (250 ms). */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * How long a stream's input channel that does not exist yet is waited for, in whole seconds
         * (10 s; zero: a 404 fails the stream at once).
         */
        public Builder inputWait(Duration inputWait) {
            this.inputWait = inputWait;
            return this;
        }

        /**
         * A batch processor's most frames per call (0: the operator's default, 8); the jobs refuse
         * more than 1 for a plain processor.
         */
        public Builder maxBatchSize(int frames) {
            this.maxBatchSize = frames;
            return this;
        }

        /** How long a batch's first frame may wait for more (null: the default, 20 ms). */
        public Builder maxBatchDelay(Duration delay) {
            this.maxBatchDelay = delay;
            return this;
        }

        /** Remote cluster: where the channel secret is kept (see {@link ChannelAccess}). */
        public Builder trickleSecretFile(Path trickleSecretFile) {
            this.trickleSecretFile = trickleSecretFile;
            return this;
        }

        /** Idle channels of no live stream are swept after this (5 min). */
        public Builder channelIdleTimeout(Duration channelIdleTimeout) {
            this.channelIdleTimeout = channelIdleTimeout;
            return this;
        }

        /**
         * The sidecar's Prometheus {@code /metrics} port (0: any free port; default {@link
         * MetricsPorts#OFF} here, {@link MetricsPorts#DEFAULT_SIDECAR} from the settings).
         */
        public Builder metricsPort(int metricsPort) {
            this.metricsPort = metricsPort;
            return this;
        }

        /**
         * The embedded MiniCluster's Prometheus reporter port (0: any free port; default {@link
         * MetricsPorts#OFF} here, {@link MetricsPorts#DEFAULT_FLINK} from the settings).
         */
        public Builder flinkMetricsPort(int flinkMetricsPort) {
            this.flinkMetricsPort = flinkMetricsPort;
            return this;
        }

        public SidecarConfig build() {
            Objects.requireNonNull(host, "host");
            check(port >= 0 && port <= 65535, "PORT must be 0..65535 but is " + port);
            check(
                    tricklePort >= 0 && tricklePort <= 65535,
                    "TRICKLE_PORT must be 0..65535 but is " + tricklePort);
            MetricsPorts.check("METRICS_PORT", metricsPort);
            MetricsPorts.check("FLINK_METRICS_PORT", flinkMetricsPort);
            check(
                    routePrefix != null && routePrefix.startsWith("/"),
                    "ROUTE_PREFIX must start with / but is " + routePrefix);
            routePrefix =
                    routePrefix.length() > 1 && routePrefix.endsWith("/")
                            ? routePrefix.substring(0, routePrefix.length() - 1)
                            : routePrefix;
            check(capacity >= 1 && capacity <= 1024, "CAPACITY must be 1..1024 but is " + capacity);
            check(maxBodyBytes >= 1024, "MAX_BODY_BYTES must be at least 1024");
            check(parallelism >= 1, "PARALLELISM must be positive but is " + parallelism);
            check(slots >= 0 && slots <= 1024, "SLOTS must be 0 (auto) to 1024 but is " + slots);
            Objects.requireNonNull(jobMode, "jobMode");
            check(checkpointSeconds >= 0, "CHECKPOINT_SECONDS must not be negative");
            check(
                    processorClass != null && !processorClass.isBlank(),
                    "PROCESSOR must name a class");
            processorClass = BuiltInProcessors.className(processorClass.trim());
            for (Path jar : processorJars) {
                check(
                        java.nio.file.Files.isRegularFile(jar),
                        "PROCESSOR_JAR " + jar + " is not a file");
            }
            check(
                    advertisedHost != null && !advertisedHost.isBlank(),
                    "ADVERTISED_HOST must not be empty");
            Objects.requireNonNull(policy, "policy");
            for (Duration d : new Duration[] {paramsTimeout, stopTimeout, startTimeout}) {
                check(d != null && !d.isNegative() && !d.isZero(), "timeouts must be positive");
            }
            check(
                    !heartbeatInterval.isNegative() && !heartbeatInterval.isZero(),
                    "heartbeat interval must be positive");
            check(
                    channelIdleTimeout != null
                            && !channelIdleTimeout.isNegative()
                            && !channelIdleTimeout.isZero(),
                    "channel idle timeout must be positive");
            check(
                    inputWait != null
                            && !inputWait.isNegative()
                            && inputWait.toSeconds()
                                    <= io.flinktrickle.jobs.live.JobArgs.MAX_INPUT_WAIT_SECONDS
                            && inputWait.toMillis() % 1000 == 0,
                    "INPUT_WAIT_SECONDS must be whole seconds 0.."
                            + io.flinktrickle.jobs.live.JobArgs.MAX_INPUT_WAIT_SECONDS
                            + " (below the 60 s stream idle timeout) but is "
                            + inputWait);
            // The job's own bounds (JobArgs), so that a setting every job would refuse stops the
            // sidecar at launch rather than every stream start.
            check(
                    maxBatchSize >= 0
                            && maxBatchSize <= io.flinktrickle.jobs.live.JobArgs.MAX_BATCH_SIZE,
                    "MAX_BATCH_SIZE must be 1.."
                            + io.flinktrickle.jobs.live.JobArgs.MAX_BATCH_SIZE
                            + " (or unset) but is "
                            + maxBatchSize);
            check(
                    maxBatchDelay == null
                            || (maxBatchDelay.toMillis() >= 1
                                    && maxBatchDelay.toMillis()
                                            <= io.flinktrickle.jobs.live.JobArgs
                                                    .MAX_BATCH_DELAY_MILLIS),
                    "MAX_BATCH_DELAY_MS must be 1.."
                            + io.flinktrickle.jobs.live.JobArgs.MAX_BATCH_DELAY_MILLIS
                            + " but is "
                            + maxBatchDelay);
            if (flinkRestUrl != null) {
                String scheme = flinkRestUrl.getScheme();
                check(
                        ("http".equals(scheme) || "https".equals(scheme))
                                && flinkRestUrl.getHost() != null,
                        "FLINK_REST_URL must be an http(s) URL but is " + flinkRestUrl);
                check(jobJar != null, "JOB_JAR is required with FLINK_REST_URL");
                check(
                        processorJars.isEmpty(),
                        "PROCESSOR_JAR is for the embedded MiniCluster; with FLINK_REST_URL the"
                                + " processor's classes go into JOB_JAR");
                check(
                        java.nio.file.Files.isRegularFile(jobJar),
                        "JOB_JAR " + jobJar + " is not a file (build it: ./mvnw package)");
                if (tricklePort == 0) {
                    // Jobs outlive a sidecar restart and keep its port in their channel URLs.
                    tricklePort = DEFAULT_REMOTE_TRICKLE_PORT;
                }
            }
            return new SidecarConfig(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
