package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.operator.RealTimePolicy;
import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.Internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of {@link LiveVideoToVideoJob}, parsed and checked before anything starts. Every
 * problem is a {@link UsageException} with a message that names the argument.
 */
@Internal
public final class JobArgs {
    public static final String USAGE =
            String.join(
                    "\n",
                    "usage: LiveVideoToVideoJob --stream id=ID,subscribe=URL,publish=URL"
                            + "[,control=URL][,events=URL][,data=URL][,params=URL]"
                            + " [--stream ...]",
                    "         | --announcements URL [--registry URL] [--warm-up-frames N]",
                    "         [--processor CLASS] [--params JSON] [--width N --height N]",
                    "         [--max-framerate 1-60|0] [--parallelism N]"
                            + " [--policy drop_oldest|block|none]",
                    "         [--devices cpu|gpu:N,...] [--heartbeat-seconds N]"
                            + " [--checkpoint-seconds N] [--max-restarts N] [--job-name NAME]",
                    "         [--input-wait-seconds N] [--label KEY=VALUE ...]",
                    "         [--max-batch-size N] [--max-batch-delay-ms N]",
                    "         [--sidecar-url URL --sidecar-token TOKEN]",
                    "",
                    "  --stream         a stream and its trickle channels (repeat for several);"
                            + " id is its key; params= is a second control channel (a"
                            + " sidecar's) whose end also ends the stream",
                    "  --announcements  runner mode: a trickle channel of stream announcements"
                        + " (JSON: start a stream while the job runs, on the least-loaded slot);"
                        + " may be combined with --stream",
                    "  --registry       a trickle channel the job publishes its active announced"
                            + " streams to (after each change, and when asked)",
                    "  --warm-up-frames frames of the given size each slot encodes, decodes,"
                            + " processes and encodes again before it takes streams (default"
                            + " 30 with --announcements, else 0)",
                    "  --processor      a FrameProcessor class with a no-argument constructor"
                            + " (default: passthrough)",
                    "  --params         start params for every stream, a JSON object validated as"
                            + " PyTrickle does",
                    "  --width/--height size of the decoded frames (default 512x512)",
                    "  --max-framerate  fps cap by pts (default 24; params' max_framerate wins)",
                    "  --parallelism    processor slots (default: the environment's)",
                    "  --policy         when a stream falls behind (default drop_oldest)",
                    "  --devices        devices when Flink's gpu resource is absent"
                            + " (subtask i takes device i mod n)",
                    "  --heartbeat-seconds  interval of the heartbeat events (default 10;"
                            + " the gateway needs one within 30 s)",
                    "  --checkpoint-seconds  checkpoint interval: params and source positions"
                            + " (default 10; 0 = off)",
                    "  --input-wait-seconds  how long a stream's input channel that does not exist"
                            + " yet is waited for before the stream ends with 'input channel URL"
                            + " not found' (default 10, at most 50; 0: a 404 ends it at once)",
                    "  --max-batch-size for a BatchFrameProcessor: the most frames (of all the"
                            + " slot's streams) in one call (default 8; a plain processor: 1)",
                    "  --max-batch-delay-ms  for a BatchFrameProcessor: how long a batch's first"
                            + " frame may wait for more (default 20)",
                    "  --label          kept in the job's global parameters as"
                            + " flink-trickle.label.KEY (e.g. for the sidecar that submitted it)",
                    "  --max-restarts   restarts in a row (1 s doubling to 10 s; the count resets"
                            + " after a minute of running) before the job fails (default: Flink's"
                            + " restart strategy)",
                    "  --sidecar-url    a sidecar's trickle server (http://host:port/): every"
                            + " request to it carries --sidecar-token as a bearer token, no"
                            + " request to another server does; the token is kept in the job's"
                            + " sources and sinks, never in its configuration");

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

    /** Parses {@code args}; the processor class is looked up with this class's own loader. */
    public static JobArgs parse(String... args) throws UsageException {
        return parse(JobArgs.class.getClassLoader(), args);
    }

    /**
     * Parses {@code args}, looking the processor class up with {@code processorLoader} (e.g. one
     * over a processor author's jars, see {@link ProcessorJars}); {@code null}: the processor class
     * is not looked up here, but where the job runs (a client that submits to a cluster whose job
     * jar holds the class); {@link #newProcessor()} then uses this class's own loader.
     */
    public static JobArgs parse(ClassLoader processorLoader, String... args) throws UsageException {
        List<StreamSpec> streams = new ArrayList<>();
        URI announcements = null;
        URI registry = null;
        int warmUpFrames = -1;
        String processor = "io.flinktrickle.jobs.processors.Passthrough";
        Map<String, Object> params = Map.of();
        int width = 512;
        int height = 512;
        int fps = 24;
        int parallelism = -1;
        RealTimePolicy policy = RealTimePolicy.DROP_OLDEST;
        List<String> devices = List.of();
        String jobName = "live-video-to-video";
        int heartbeatSeconds = 10;
        int checkpointSeconds = 10;
        int maxRestarts = -1;
        int inputWaitSeconds = DEFAULT_INPUT_WAIT_SECONDS;
        int[] batching = {0, -1}; // max batch size, max batch delay (ms): the defaults
        Map<String, String> labels = new LinkedHashMap<>();
        boolean sizeGiven = false;
        URI sidecarUrl = null;
        String sidecarSecret = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new UsageException("");
            }
            if (i + 1 >= args.length) {
                throw new UsageException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--stream":
                    streams.add(stream(value));
                    break;
                case "--announcements":
                    announcements = url(value);
                    break;
                case "--registry":
                    registry = url(value);
                    break;
                case "--warm-up-frames":
                    warmUpFrames = integer(flag, value);
                    if (warmUpFrames < 0 || warmUpFrames > 600) {
                        throw new UsageException("--warm-up-frames must be 0..600");
                    }
                    break;
                case "--processor":
                    processor = value;
                    break;
                case "--params":
                    try {
                        params = StreamParams.parseAndValidate(value);
                    } catch (InvalidParamsException e) {
                        throw new UsageException("--params: " + e.getMessage());
                    }
                    break;
                case "--width":
                    width = positive(flag, value);
                    sizeGiven = true;
                    break;
                case "--height":
                    height = positive(flag, value);
                    sizeGiven = true;
                    break;
                case "--max-framerate":
                    fps = integer(flag, value);
                    if (fps != 0
                            && (fps < StreamParams.MIN_FRAMERATE
                                    || fps > StreamParams.MAX_FRAMERATE_LIMIT)) {
                        throw new UsageException("--max-framerate must be 0 (off) or 1-60");
                    }
                    break;
                case "--parallelism":
                    parallelism = positive(flag, value);
                    break;
                case "--policy":
                    try {
                        policy = RealTimePolicy.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(
                                "--policy must be one of "
                                        + Arrays.toString(RealTimePolicy.values()).toLowerCase()
                                        + " but is "
                                        + value);
                    }
                    break;
                case "--heartbeat-seconds":
                    heartbeatSeconds = positive(flag, value);
                    if (heartbeatSeconds >= 30) {
                        throw new UsageException(
                                "--heartbeat-seconds must be under 30 (the gateway's watchdog)");
                    }
                    break;
                case "--label":
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException("--label must be KEY=VALUE but is " + value);
                    }
                    labels.put(value.substring(0, eq), value.substring(eq + 1));
                    break;
                case "--max-restarts":
                    maxRestarts = integer(flag, value);
                    if (maxRestarts < 0) {
                        throw new UsageException("--max-restarts must not be negative");
                    }
                    break;
                case "--input-wait-seconds":
                    inputWaitSeconds = integer(flag, value);
                    if (inputWaitSeconds < 0 || inputWaitSeconds > MAX_INPUT_WAIT_SECONDS) {
                        throw new UsageException(
                                "--input-wait-seconds must be 0.."
                                        + MAX_INPUT_WAIT_SECONDS
                                        + " (below the stream idle timeout)");
                    }
                    break;
                case "--max-batch-size":
                    batching[0] = positive(flag, value);
                    if (batching[0] > MAX_BATCH_SIZE) {
                        throw new UsageException("--max-batch-size must be 1.." + MAX_BATCH_SIZE);
                    }
                    break;
                case "--max-batch-delay-ms":
                    batching[1] = positive(flag, value);
                    if (batching[1] > MAX_BATCH_DELAY_MILLIS) {
                        throw new UsageException(
                                "--max-batch-delay-ms must be 1.." + MAX_BATCH_DELAY_MILLIS);
                    }
                    break;
                case "--checkpoint-seconds":
                    checkpointSeconds = integer(flag, value);
                    if (checkpointSeconds < 0) {
                        throw new UsageException("--checkpoint-seconds must be 0 (off) or more");
                    }
                    break;
                case "--devices":
                    devices = List.of(value.split(","));
                    for (String d : devices) {
                        if (!d.trim().matches("cpu|gpu|gpu:?\\d+|cuda:\\d+")) {
                            throw new UsageException(
                                    "--devices: " + d + " is not cpu, gpu, gpu:N or cuda:N");
                        }
                    }
                    break;
                case "--job-name":
                    jobName = value;
                    break;
                case "--sidecar-url":
                    sidecarUrl = url(value);
                    break;
                case "--sidecar-token":
                    sidecarSecret = value; // checked below; never part of a message
                    break;
                default:
                    throw new UsageException("unknown argument " + flag);
            }
        }
        if (streams.isEmpty() && announcements == null) {
            throw new UsageException("at least one --stream (or --announcements) is needed");
        }
        if (registry != null && announcements == null) {
            throw new UsageException("--registry needs --announcements");
        }
        if (warmUpFrames < 0) {
            warmUpFrames = announcements != null ? DEFAULT_RUNNER_WARM_UP_FRAMES : 0;
        }
        Set<String> ids = new HashSet<>();
        for (StreamSpec s : streams) {
            if (!ids.add(s.id)) {
                throw new UsageException("stream id " + s.id + " is given twice");
            }
        }
        if (sizeGiven && (width % 2 != 0 || height % 2 != 0)) {
            throw new UsageException("--width and --height must be even (H.264 4:2:0)");
        }
        if (processorLoader != null) {
            checkProcessor(processorLoader, processor);
        }
        AccessToken sidecarToken = sidecarToken(sidecarUrl, sidecarSecret);
        return new JobArgs(
                streams,
                announcements,
                registry,
                warmUpFrames,
                processor,
                params,
                width,
                height,
                fps,
                parallelism,
                policy,
                devices,
                jobName,
                heartbeatSeconds,
                checkpointSeconds,
                maxRestarts,
                inputWaitSeconds,
                batching,
                labels,
                sidecarToken,
                processorLoader != null ? processorLoader : JobArgs.class.getClassLoader());
    }

    private static AccessToken sidecarToken(URI url, String secret) throws UsageException {
        if (url == null && secret == null) {
            return null;
        }
        if (url == null || secret == null) {
            throw new UsageException("--sidecar-url and --sidecar-token go together");
        }
        try {
            return AccessToken.forServer(url, secret);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--sidecar-token: " + e.getMessage()); // never the token
        }
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

    private static StreamSpec stream(String value) throws UsageException {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--stream: '" + part + "' is not key=value");
            }
            kv.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        Set<String> known =
                Set.of("id", "subscribe", "publish", "control", "events", "data", "params");
        for (String k : kv.keySet()) {
            if (!known.contains(k)) {
                throw new UsageException("--stream: unknown key " + k + " (known: " + known + ")");
            }
        }
        for (String required : List.of("id", "subscribe", "publish")) {
            if (!kv.containsKey(required) || kv.get(required).isEmpty()) {
                throw new UsageException("--stream: " + required + "= is required in " + value);
            }
        }
        String id = kv.get("id");
        if (id.indexOf('#') >= 0) {
            throw new UsageException("--stream: id must not contain '#': " + id);
        }
        return new StreamSpec(
                id,
                url(kv.get("subscribe")),
                url(kv.get("publish")),
                url(kv.get("control")),
                url(kv.get("events")),
                url(kv.get("data")),
                url(kv.get("params")));
    }

    private static URI url(String value) throws UsageException {
        if (value == null) {
            return null;
        }
        try {
            URI u = URI.create(value);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                throw new UsageException("not an http(s) URL: " + value);
            }
            if (u.getHost() == null) {
                throw new UsageException("URL without host: " + value);
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new UsageException("not a URL: " + value);
        }
    }

    private static int integer(String flag, String value) throws UsageException {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be an integer but is " + value);
        }
    }

    private static int positive(String flag, String value) throws UsageException {
        int v = integer(flag, value);
        if (v <= 0) {
            throw new UsageException(flag + " must be positive but is " + value);
        }
        return v;
    }
}
