package io.flinktrickle.controlapi.config;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.controlapi.config.SidecarConfig.JobMode;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sidecar's settings as picocli options ({@link Cli}): each one is an environment variable and
 * a flag, {@code FLINK_REST_URL} and {@code --flink-rest-url}, the flag winning; its value label in
 * {@code --help} is the variable's name. {@link SidecarSettings} reads them into a {@link
 * SidecarConfigBuilder}; an option left null keeps the builder's default.
 *
 * <p>One instance per parse, filled and read on the parsing thread.
 */
@Internal
@Command(
        name = "bin/sidecar",
        synopsisHeading = "usage: ",
        customSynopsis = "bin/sidecar [--name value ...]",
        sortOptions = false,
        descriptionHeading = "%n",
        description =
                "The HTTP API an orchestrator talks to (PyTrickle's contract), running the"
                        + " stream jobs in an embedded Flink MiniCluster or on a session cluster.",
        optionListHeading =
                "%nSettings: each is set by the environment variable its value is named after"
                        + " (PORT) or by the flag (--port 8001), which wins:%n",
        footerHeading = "%n",
        footer = {
            "Environment only: AUTH_TOKEN: when set, stream routes need 'Authorization: Bearer"
                    + " <token>' (default CAPABILITY_TOKEN; or AUTH_TOKEN_FILE). A token on the"
                    + " command line would be visible to every user in ps.",
            "",
            "BYOC registration (optional): ORCH_URL, ORCH_SECRET, CAPABILITY_NAME,"
                    + " CAPABILITY_DESCRIPTION, CAPABILITY_URL, CAPABILITY_CAPACITY,"
                    + " CAPABILITY_PRICE_PER_UNIT, CAPABILITY_PRICE_SCALING, CAPABILITY_CURRENCY,"
                    + " CAPABILITY_TOKEN"
        })
final class SidecarOptions {

    @Mixin Cli.HelpOption help;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "address the HTTP API binds (default 0.0.0.0)")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "HTTP API port (default 8000, as PyTrickle and ai-runner)")
    Integer port;

    @Option(
            names = "--route-prefix",
            paramLabel = "ROUTE_PREFIX",
            description = "prefix of the stream routes (default /; /api is served too)")
    String routePrefix;

    @Option(
            names = "--auth-token-file",
            paramLabel = "AUTH_TOKEN_FILE",
            description =
                    "a file whose first line is the token stream routes need (instead of"
                            + " AUTH_TOKEN)")
    Path authTokenFile;

    @Option(
            names = "--capacity",
            paramLabel = "CAPACITY",
            description = "streams at once, 1..1024 (default CAPABILITY_CAPACITY, else 1)")
    Integer capacity;

    @Option(
            names = "--max-body-bytes",
            paramLabel = "MAX_BODY_BYTES",
            description = "largest request body (default 10485760, the gateway's)")
    Long maxBodyBytes;

    @Option(
            names = "--pipeline",
            paramLabel = "PIPELINE",
            description = "pipeline name in /version (default byoc)")
    String pipeline;

    @Option(
            names = "--model-id",
            paramLabel = "MODEL_ID",
            description = "model id in /version (default CAPABILITY_NAME, else flink-trickle)")
    String modelId;

    @Option(
            names = "--app-version",
            paramLabel = "APP_VERSION",
            description = "version in /app-version (default the project version)")
    String appVersion;

    @Option(
            names = "--flink-rest-url",
            paramLabel = "FLINK_REST_URL",
            description = "a session cluster's REST address; unset: embedded MiniCluster")
    URI flinkRestUrl;

    @Option(
            names = "--job-jar",
            paramLabel = "JOB_JAR",
            description = "the shaded job jar uploaded to a remote cluster")
    Path jobJar;

    @Option(
            names = "--processor",
            paramLabel = "PROCESSOR",
            description =
                    "FrameProcessor class, or passthrough|invert|blur|gain|stats (default"
                            + " passthrough); checked at launch")
    String processor;

    @Option(
            names = "--processor-jar",
            paramLabel = "PROCESSOR_JAR",
            split = ",",
            description =
                    "jars with the processor and its libraries for the embedded MiniCluster's jobs"
                            + " (comma list; the flag may be repeated and replaces the variable;"
                            + " on a cluster the processor comes in JOB_JAR)")
    List<Path> processorJars;

    @Option(
            names = "--job-mode",
            paramLabel = "JOB_MODE",
            converter = JobModeConverter.class,
            description =
                    "runner (default): one long-running job serves every stream (models load once,"
                            + " before IDLE); per-stream: one job per stream (isolation)")
    JobMode jobMode;

    @Option(
            names = "--slots",
            paramLabel = "SLOTS",
            description =
                    "runner slots, each with its processor and device (default: one per DEVICES"
                            + " entry, else one per CPU core, at most CAPACITY)")
    Integer slots;

    @Option(
            names = "--parallelism",
            paramLabel = "PARALLELISM",
            description = "processor slots per stream job in per-stream mode (default 1)")
    Integer parallelism;

    @Option(
            names = "--policy",
            paramLabel = "POLICY",
            description = "drop_oldest|block|none when a stream falls behind (default drop_oldest)")
    RealTimePolicy policy;

    @Option(
            names = "--devices",
            paramLabel = "DEVICES",
            description = "devices when Flink has no gpu resource, e.g. gpu:0,gpu:1")
    String devices;

    @Option(
            names = "--checkpoint-seconds",
            paramLabel = "CHECKPOINT_SECONDS",
            description = "checkpoint interval of the stream jobs (default 10)")
    Integer checkpointSeconds;

    @Option(
            names = "--trickle-port",
            paramLabel = "TRICKLE_PORT",
            description =
                    "port of the sidecar's own trickle server (default: any; 2940 with a remote"
                            + " cluster, whose jobs outlive a sidecar restart)")
    Integer tricklePort;

    @Option(
            names = "--advertised-host",
            paramLabel = "ADVERTISED_HOST",
            description =
                    "host the jobs reach the sidecar's trickle server at (default localhost; set it"
                            + " for a remote cluster: the server then listens on that address only,"
                            + " which must be one of this machine's)")
    String advertisedHost;

    @Option(
            names = "--trickle-secret-file",
            paramLabel = "TRICKLE_SECRET_FILE",
            description =
                    "remote cluster: the secret the jobs present to the sidecar's trickle server,"
                            + " created (0600) when missing; keep it across restarts to adopt"
                            + " running jobs (default: one per ADVERTISED_HOST and TRICKLE_PORT in"
                            + " ~/.flink-trickle)")
    Path trickleSecretFile;

    @Option(
            names = "--metrics-port",
            paramLabel = "METRICS_PORT",
            description =
                    "port of the sidecar's Prometheus /metrics on HOST (default "
                            + MetricsPorts.DEFAULT_SIDECAR
                            + "; 0: any free port; off: none)")
    String metricsPort;

    @Option(
            names = "--flink-metrics-port",
            paramLabel = "FLINK_METRICS_PORT",
            description =
                    "port of Flink's Prometheus reporter in the embedded MiniCluster, on every"
                            + " interface (default "
                            + MetricsPorts.DEFAULT_FLINK
                            + "; 0: any free port; off: none; a cluster sets its own)")
    String flinkMetricsPort;

    @Option(
            names = "--params-timeout-ms",
            paramLabel = "PARAMS_TIMEOUT_MS",
            description = "how long /stream/params waits for the verdict (2000)")
    Long paramsTimeoutMs;

    @Option(
            names = "--stop-timeout-ms",
            paramLabel = "STOP_TIMEOUT_MS",
            description = "how long /stream/stop waits for the job to end (8000)")
    Long stopTimeoutMs;

    @Option(
            names = "--start-timeout-ms",
            paramLabel = "START_TIMEOUT_MS",
            description = "a job not running by then is an error (120000)")
    Long startTimeoutMs;

    @Option(
            names = "--max-batch-size",
            paramLabel = "MAX_BATCH_SIZE",
            description =
                    "a batch processor's most frames in one call, of all a slot's streams (8; a"
                            + " plain processor: 1)")
    Integer maxBatchSize;

    @Option(
            names = "--max-batch-delay-ms",
            paramLabel = "MAX_BATCH_DELAY_MS",
            description =
                    "how long a batch's first frame may wait for more (20; batch processors only)")
    Long maxBatchDelayMs;

    @Option(
            names = "--input-wait-seconds",
            paramLabel = "INPUT_WAIT_SECONDS",
            description =
                    "how long a stream's input channel that does not exist yet is waited for before"
                            + " the stream fails with 'input channel URL not found' (10, at most"
                            + " 50; 0: at once)")
    Long inputWaitSeconds;

    /** The processor jars given, trimmed, blank entries of a comma list left out. */
    List<Path> processorJars() {
        List<Path> jars = new ArrayList<>();
        if (processorJars != null) {
            for (Path jar : processorJars) {
                String given = jar.toString().trim(); // "a.jar, b.jar" as before
                if (!given.isEmpty()) {
                    jars.add(Path.of(given));
                }
            }
        }
        return jars;
    }

    /** {@code runner}, {@code per-stream} or {@code per_stream}, in any case. */
    @Internal
    public static final class JobModeConverter implements CommandLine.ITypeConverter<JobMode> {
        @Override
        public JobMode convert(String value) {
            try {
                return JobMode.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "expected runner or per-stream but was '" + value + "'");
            }
        }
    }
}
