package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.operator.RealTimePolicy;
import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of {@link LiveVideoToVideoJob}, parsed and checked before anything starts: the
 * options are declared in {@link JobOptions} (picocli, see {@link Cli}), a {@code --stream}'s value
 * is read by {@link StreamSpecs}, a {@code --stream-id} group by {@link StreamOptions}, the
 * sidecar's token by {@link SidecarTokens}; their combinations are checked here. Every problem is a
 * {@link UsageException} with a message that names the argument.
 *
 * <p>Parsed on the calling thread (the job's {@code main}, or the sidecar's stream start);
 * immutable after, except that {@link #newProcessor()} creates a new processor at each call.
 */
@Internal
public final class JobArgs {
    /** The generated usage ({@code --help}): every option with its meaning and default. */
    public static final String USAGE = Cli.usage(Cli.of(new JobOptions()));

    /** A second of video at 30 fps: enough to load the codecs and compile the frame path. */
    static final int DEFAULT_RUNNER_WARM_UP_FRAMES = 30;

    /**
     * go-livepeer's orchestrator creates a stream's channels before it calls the runner, so a
     * missing one is normally a wrong URL; on a server that creates channels on the first publish a
     * gateway that publishes a little late still makes it.
     */
    public static final int DEFAULT_INPUT_WAIT_SECONDS = 10;

    /**
     * The longest input wait: below the operator's stream idle timeout (60 s), which would end a
     * stream without input first.
     */
    public static final int MAX_INPUT_WAIT_SECONDS = 50;

    /** The largest batch a job takes on the command line. */
    public static final int MAX_BATCH_SIZE = 256;

    /** The longest batch delay a job takes (a live stream's frame would wait that long). */
    public static final int MAX_BATCH_DELAY_MILLIS = 1_000;

    public final List<StreamSpec> streams;

    /** Runner mode: the announcements channel, or null. */
    public final URI announcements;

    /** The registry channel of announced streams, or null. */
    public final URI registry;

    /** Frames of the whole-path warm-up of each slot (0: none). */
    public final int warmUpFrames;

    public final String processorClass;
    public final Map<String, Object> params;
    public final int width;
    public final int height;
    public final int maxFramerate;
    public final int parallelism;
    public final RealTimePolicy policy;
    public final List<String> devices;
    public final String jobName;
    public final int heartbeatSeconds;
    public final int checkpointSeconds;

    /** Restarts before the job fails; -1: Flink's configured restart strategy. */
    public final int maxRestarts;

    /** How long a stream's input channel that does not exist yet is waited for. */
    public final int inputWaitSeconds;

    /** {@code --max-batch-size}, or 0 for the operator's default. */
    public final int maxBatchSize;

    /** {@code --max-batch-delay-ms}, or -1 for the operator's default. */
    public final int maxBatchDelayMillis;

    /** {@code --label} pairs, kept in the job's global parameters. */
    public final Map<String, String> labels;

    /**
     * The token for the sidecar's trickle server ({@code --sidecar-url}, {@code --sidecar-token}),
     * or null; presented to that server only, and kept out of the job's configuration.
     */
    public final AccessToken sidecarToken;

    /** Where {@link #newProcessor()} finds the processor class. */
    private final ClassLoader processorLoader;

    private JobArgs(
            List<StreamSpec> streams,
            URI announcements,
            URI registry,
            int warmUpFrames,
            String processorClass,
            Map<String, Object> params,
            int width,
            int height,
            int maxFramerate,
            int parallelism,
            RealTimePolicy policy,
            List<String> devices,
            String jobName,
            int heartbeatSeconds,
            int checkpointSeconds,
            int maxRestarts,
            int inputWaitSeconds,
            int[] batching,
            Map<String, String> labels,
            AccessToken sidecarToken,
            ClassLoader processorLoader) {
        this.streams = List.copyOf(streams);
        this.announcements = announcements;
        this.registry = registry;
        this.warmUpFrames = warmUpFrames;
        this.processorClass = processorClass;
        this.params = params;
        this.width = width;
        this.height = height;
        this.maxFramerate = maxFramerate;
        this.parallelism = parallelism;
        this.policy = policy;
        this.devices = List.copyOf(devices);
        this.jobName = jobName;
        this.heartbeatSeconds = heartbeatSeconds;
        this.checkpointSeconds = checkpointSeconds;
        this.maxRestarts = maxRestarts;
        this.inputWaitSeconds = inputWaitSeconds;
        this.maxBatchSize = batching[0];
        this.maxBatchDelayMillis = batching[1];
        this.labels = Map.copyOf(labels);
        this.sidecarToken = sidecarToken;
        this.processorLoader = processorLoader;
    }

    /** Thrown for arguments that cannot run; the message says which and why. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args}; the processor class is looked up with this class's own loader, the
     * sidecar's token may come from the environment ({@value JobOptions#SIDECAR_TOKEN_ENV}).
     */
    public static JobArgs parse(String... args) throws UsageException {
        return parse(System.getenv(), JobArgs.class.getClassLoader(), args);
    }

    /**
     * Parses {@code args}, looking the processor class up with {@code processorLoader} (e.g. one
     * over a processor author's jars, see {@link ProcessorJars}); {@code null}: the processor class
     * is not looked up here, but where the job runs (a client that submits to a cluster whose job
     * jar holds the class); {@link #newProcessor()} then uses this class's own loader.
     */
    public static JobArgs parse(ClassLoader processorLoader, String... args) throws UsageException {
        return parse(System.getenv(), processorLoader, args);
    }

    /**
     * Parses {@code args} with {@code env} as the environment ({@value
     * JobOptions#SIDECAR_TOKEN_ENV}); otherwise as {@link #parse(ClassLoader, String...)}.
     *
     * @throws UsageException naming the option; an empty message for {@code --help}
     */
    static JobArgs parse(Map<String, String> env, ClassLoader processorLoader, String... args)
            throws UsageException {
        JobOptions o = new JobOptions();
        try {
            CommandLine cl = Cli.of(o);
            // Every option takes the argument after it as its value, whatever it looks like: a
            // stream id may be -h or --width (the sidecar passes ids it is given).
            cl.setAllowOptionsAsOptionParameters(true);
            if (!Cli.parse(cl, args)) {
                throw new UsageException("");
            }
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        List<StreamSpec> streams = StreamOptions.specs(o.streams, o.streamGroups);
        check(
                !streams.isEmpty() || o.announcements != null,
                "at least one --stream or --stream-id (or --announcements) is needed");
        check(o.registry == null || o.announcements != null, "--registry needs --announcements");
        int warmUpFrames =
                o.warmUpFrames != null
                        ? o.warmUpFrames
                        : o.announcements != null ? DEFAULT_RUNNER_WARM_UP_FRAMES : 0;
        check(warmUpFrames >= 0 && warmUpFrames <= 600, "--warm-up-frames must be 0..600");
        Set<String> ids = new HashSet<>();
        for (StreamSpec s : streams) {
            check(ids.add(s.id), "stream id " + s.id + " is given twice");
        }
        Map<String, Object> params = Map.of();
        if (o.params != null) {
            try {
                params = StreamParams.parseAndValidate(o.params);
            } catch (InvalidParamsException e) {
                throw new UsageException("--params: " + e.getMessage());
            }
        }
        int width = o.width == null ? 512 : positive("--width", o.width);
        int height = o.height == null ? 512 : positive("--height", o.height);
        check(width % 2 == 0 && height % 2 == 0, "--width and --height must be even (H.264 4:2:0)");
        check(
                o.maxFramerate == 0
                        || (o.maxFramerate >= StreamParams.MIN_FRAMERATE
                                && o.maxFramerate <= StreamParams.MAX_FRAMERATE_LIMIT),
                "--max-framerate must be 0 (off) or 1-60 but is " + o.maxFramerate);
        int parallelism = o.parallelism == null ? -1 : positive("--parallelism", o.parallelism);
        positive("--heartbeat-seconds", o.heartbeatSeconds);
        check(
                o.heartbeatSeconds < 30,
                "--heartbeat-seconds must be under 30 (the gateway's watchdog)");
        check(o.checkpointSeconds >= 0, "--checkpoint-seconds must be 0 (off) or more");
        check(
                o.maxRestarts == null || o.maxRestarts >= 0,
                "--max-restarts must not be negative but is " + o.maxRestarts);
        check(
                o.inputWaitSeconds >= 0 && o.inputWaitSeconds <= MAX_INPUT_WAIT_SECONDS,
                "--input-wait-seconds must be 0.."
                        + MAX_INPUT_WAIT_SECONDS
                        + " (below the stream idle timeout) but is "
                        + o.inputWaitSeconds);
        int[] batching = {0, -1}; // max batch size, max batch delay (ms): the defaults
        if (o.maxBatchSize != null) {
            batching[0] = positive("--max-batch-size", o.maxBatchSize);
            check(batching[0] <= MAX_BATCH_SIZE, "--max-batch-size must be 1.." + MAX_BATCH_SIZE);
        }
        if (o.maxBatchDelayMillis != null) {
            batching[1] = positive("--max-batch-delay-ms", o.maxBatchDelayMillis);
            check(
                    batching[1] <= MAX_BATCH_DELAY_MILLIS,
                    "--max-batch-delay-ms must be 1.." + MAX_BATCH_DELAY_MILLIS);
        }
        List<String> devices = new ArrayList<>();
        for (String d : o.devices) {
            check(
                    d.trim().matches("cpu|gpu|gpu:?\\d+|cuda:\\d+"),
                    "--devices: " + d + " is not cpu, gpu, gpu:N or cuda:N");
            devices.add(d.trim());
        }
        for (String key : o.labels.keySet()) {
            check(!key.isBlank(), "--label must be KEY=VALUE with a KEY");
        }
        if (processorLoader != null) {
            checkProcessor(processorLoader, o.processor);
        }
        return new JobArgs(
                streams,
                o.announcements,
                o.registry,
                warmUpFrames,
                o.processor,
                params,
                width,
                height,
                o.maxFramerate,
                parallelism,
                o.policy,
                devices,
                o.jobName,
                o.heartbeatSeconds,
                o.checkpointSeconds,
                o.maxRestarts == null ? -1 : o.maxRestarts,
                o.inputWaitSeconds,
                batching,
                o.labels,
                SidecarTokens.of(o, env),
                processorLoader != null ? processorLoader : JobArgs.class.getClassLoader());
    }

    static void check(boolean ok, String message) throws UsageException {
        if (!ok) {
            throw new UsageException(message);
        }
    }

    private static int positive(String option, int value) throws UsageException {
        check(value > 0, option + " must be positive but is " + value);
        return value;
    }

    /** Instantiates the processor (each call a new instance). */
    public FrameProcessor newProcessor() {
        try {
            return (FrameProcessor)
                    Class.forName(processorClass, true, processorLoader)
                            .getDeclaredConstructor()
                            .newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + processorClass, e);
        }
    }

    /**
     * Checks that {@code name} is a {@link FrameProcessor} that {@code loader} finds and that its
     * no-argument constructor creates.
     *
     * @throws UsageException naming the class and what is wrong with it
     */
    public static void checkProcessor(ClassLoader loader, String name) throws UsageException {
        Class<?> c;
        try {
            c = Class.forName(name, true, loader);
        } catch (ClassNotFoundException e) {
            throw new UsageException("--processor: class " + name + " not found");
        }
        if (!FrameProcessor.class.isAssignableFrom(c)) {
            throw new UsageException("--processor: " + name + " is not a FrameProcessor");
        }
        try {
            c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new UsageException(
                    "--processor: "
                            + name
                            + " cannot be created with its no-argument constructor: "
                            + e);
        }
    }
}
