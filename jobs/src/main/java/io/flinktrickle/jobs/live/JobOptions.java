package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@link LiveVideoToVideoJob}, as declared to picocli ({@link Cli}): names, types,
 * defaults and help text in one place; {@link JobArgs#parse} checks them and their combinations.
 *
 * <p>One instance per parse, filled and read on the parsing thread.
 */
@Internal
@Command(
        name = "LiveVideoToVideoJob",
        synopsisHeading = "usage: ",
        sortOptions = false,
        customSynopsis = {
            "LiveVideoToVideoJob --stream id=ID,subscribe=URL,publish=URL[,KEY=URL...]"
                    + " [--stream ...]",
            "       | --stream-id ID --subscribe-url URL --publish-url URL [--KEY-url URL...]"
                    + " [--stream-id ...]",
            "       | --announcements URL [--registry URL] [--warm-up-frames N]",
            "       [OPTIONS]"
        },
        descriptionHeading = "%n",
        description =
                "A Flink job that reads live video from trickle channels, runs a FrameProcessor on"
                        + " its frames and publishes the result.",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {
            "The sidecar's token may come from "
                    + JobOptions.SIDECAR_TOKEN_ENV
                    + " (environment) or --sidecar-token-file instead of --sidecar-token."
        })
final class JobOptions {

    /** The environment variable holding the sidecar's token (with {@code --sidecar-url}). */
    static final String SIDECAR_TOKEN_ENV = "FLINK_TRICKLE_SIDECAR_TOKEN";

    static final String PASSTHROUGH = "io.flinktrickle.jobs.processors.Passthrough";

    @Mixin Cli.HelpOption help;

    @Option(
            names = "--stream",
            paramLabel = "id=ID,subscribe=URL,publish=URL[,...]",
            converter = StreamSpecs.class,
            description = {
                "a stream and its trickle channels in one argument, the compact form for typing"
                    + " (repeat for several); id is its key; the other keys: control, events, data,"
                    + " params (a second control channel, a sidecar's, whose end also ends the"
                    + " stream). A URL may hold commas, but none before KEY= or before"
                    + " word=scheme:// (that starts the next part): for any URL give the stream as"
                    + " --stream-id ... below. Both forms may be mixed: the streams are the"
                    + " --streams', then the --stream-ids'"
            })
    List<StreamSpec> streams = new ArrayList<>();

    @ArgGroup(
            exclusive = false,
            multiplicity = "0..*",
            heading =
                    "%nA stream with one URL per argument, any character a URL may hold (repeat the"
                            + " group per stream; what the sidecar writes):%n")
    List<StreamOptions> streamGroups = new ArrayList<>();

    @Option(
            names = "--announcements",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description =
                    "runner mode: a trickle channel of stream announcements (JSON: start a stream"
                            + " while the job runs, on the least-loaded slot); may be combined"
                            + " with --stream")
    URI announcements;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description =
                    "a trickle channel the job publishes its active announced streams to (after"
                            + " each change, and when asked); needs --announcements")
    URI registry;

    @Option(
            names = "--warm-up-frames",
            paramLabel = "N",
            description =
                    "frames of the given size each slot encodes, decodes, processes and encodes"
                            + " again before it takes streams, 0..600 (default 30 with"
                            + " --announcements, else 0)")
    Integer warmUpFrames;

    @Option(
            names = "--processor",
            paramLabel = "CLASS",
            description =
                    "a FrameProcessor class with a no-argument constructor (default: passthrough)")
    String processor = PASSTHROUGH;

    @Option(
            names = "--params",
            paramLabel = "JSON",
            description =
                    "start params for every stream, a JSON object validated as PyTrickle does")
    String params;

    @Option(
            names = "--width",
            paramLabel = "N",
            description = "width of the decoded frames, even (default 512)")
    Integer width;

    @Option(
            names = "--height",
            paramLabel = "N",
            description = "height of the decoded frames, even (default 512)")
    Integer height;

    @Option(
            names = "--max-framerate",
            paramLabel = "FPS",
            description =
                    "fps cap by pts, 1-60 or 0 = off (default 24; params' max_framerate wins)")
    int maxFramerate = 24;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description = "processor slots (default: the environment's)")
    Integer parallelism;

    @Option(
            names = "--policy",
            paramLabel = "drop_oldest|block|none",
            description = "when a stream falls behind (default drop_oldest)")
    RealTimePolicy policy = RealTimePolicy.DROP_OLDEST;

    @Option(
            names = "--devices",
            paramLabel = "cpu|gpu:N",
            split = ",",
            description =
                    "devices when Flink's gpu resource is absent, comma list (subtask i takes"
                            + " device i mod n)")
    List<String> devices = new ArrayList<>();

    @Option(
            names = "--heartbeat-seconds",
            paramLabel = "N",
            description =
                    "interval of the heartbeat events, under 30 (default 10; the gateway needs one"
                            + " within 30 s)")
    int heartbeatSeconds = 10;

    @Option(
            names = "--checkpoint-seconds",
            paramLabel = "N",
            description = "checkpoint interval: params and source positions (default 10; 0 = off)")
    int checkpointSeconds = 10;

    @Option(
            names = "--max-restarts",
            paramLabel = "N",
            description =
                    "restarts in a row (1 s doubling to 10 s; the count resets after a minute of"
                            + " running) before the job fails (default: Flink's restart strategy)")
    Integer maxRestarts;

    @Option(
            names = "--input-wait-seconds",
            paramLabel = "N",
            description =
                    "how long a stream's input channel that does not exist yet is waited for before"
                            + " the stream ends with 'input channel URL not found' (default 10, at"
                            + " most 50; 0: a 404 ends it at once)")
    int inputWaitSeconds = JobArgs.DEFAULT_INPUT_WAIT_SECONDS;

    @Option(
            names = "--max-batch-size",
            paramLabel = "N",
            description =
                    "for a BatchFrameProcessor: the most frames (of all the slot's streams) in one"
                            + " call, 1..256 (default 8; a plain processor: 1)")
    Integer maxBatchSize;

    @Option(
            names = "--max-batch-delay-ms",
            paramLabel = "MS",
            description =
                    "for a BatchFrameProcessor: how long a batch's first frame may wait for more,"
                            + " 1..1000 (default 20)")
    Integer maxBatchDelayMillis;

    @Option(
            names = "--label",
            paramLabel = "KEY=VALUE",
            description =
                    "kept in the job's global parameters as flink-trickle.label.KEY (e.g. for the"
                            + " sidecar that submitted it); repeatable")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(
            names = "--job-name",
            paramLabel = "NAME",
            description = "the job's name (default live-video-to-video)")
    String jobName = "live-video-to-video";

    @Option(
            names = "--sidecar-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description =
                    "a sidecar's trickle server (http://host:port/): every request to it carries"
                            + " the sidecar's token as a bearer token, no request to another server"
                            + " does; the token is kept in the job's sources and sinks, never in"
                            + " its configuration")
    URI sidecarUrl;

    @Option(
            names = "--sidecar-token-file",
            paramLabel = "FILE",
            description =
                    "the sidecar's token, the file's first line (or "
                            + SIDECAR_TOKEN_ENV
                            + " in the environment)")
    Path sidecarTokenFile;

    @Option(
            names = "--sidecar-token",
            paramLabel = "TOKEN",
            description =
                    "the sidecar's token as an argument: what a sidecar's REST submission uses"
                            + " (program arguments of a jar run, never a process's command line);"
                            + " on a command line (flink run) ps shows it to every user: prefer"
                            + " --sidecar-token-file or "
                            + SIDECAR_TOKEN_ENV)
    String sidecarToken;
}
