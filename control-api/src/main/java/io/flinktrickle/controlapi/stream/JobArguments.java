package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.processor.params.StreamParams;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code LiveVideoToVideoJob} arguments for one stream: its orchestrator channels, plus the
 * sidecar's params channel (a second control channel whose deletion ends the stream) and events
 * channel (relayed), the start params, the sidecar's job settings, and the secret for the sidecar's
 * channels ({@code --sidecar-url}, {@code --sidecar-token}: program arguments, which Flink's REST
 * API does not show, unlike the labels in the global job parameters). The secret stays a program
 * argument rather than the job's {@code FLINK_TRICKLE_SIDECAR_TOKEN} or {@code
 * --sidecar-token-file}: no process is started with these arguments on its command line (the job's
 * {@code main} runs in this JVM, or in the JobManager's for a REST jar run), and a remote
 * JobManager has neither this process's environment nor its files. The arguments are parsed here
 * with the job's own parser ({@link FlinkTarget#parseArguments}), so settings it refuses fail the
 * start before anything is submitted. The stream is given one URL per argument ({@code --stream-id
 * ID --subscribe-url URL --publish-url URL ...}), so its URLs may hold any character a URL may
 * hold.
 *
 * <p>Stateless; thread-safe.
 */
final class JobArguments {

    /** Restarts in a row before a failing job fails for good (and the runner reports ERROR). */
    static final int MAX_RESTARTS = 3;

    static final String LABEL_REQUEST_ID = "sidecar.request-id";
    static final String LABEL_EVENTS_URL = "sidecar.events-url";

    private final SidecarConfig config;
    private final FlinkTarget target;
    private final Function<String, URI> internalChannel;
    private final Supplier<List<String>> accessArguments;

    JobArguments(
            SidecarConfig config,
            FlinkTarget target,
            Function<String, URI> internalChannel,
            Supplier<List<String>> accessArguments) {
        this.config = config;
        this.target = target;
        this.internalChannel = internalChannel;
        this.accessArguments = accessArguments;
    }

    /**
     * @throws StreamException FAILED when the job's parser refuses the arguments (a bad sidecar
     *     setting, e.g. an unknown processor class)
     */
    List<String> forStream(StartRequest r, String paramsChannel, String eventsChannel) {
        // One URL per argument (the job's --stream-id group): nothing splits a value, so a URL
        // may hold any character, unlike in the compact --stream id=...,subscribe=... form.
        List<String> args = new ArrayList<>();
        add(args, "--stream-id", r.streamId);
        add(args, "--subscribe-url", r.subscribe.toString());
        add(args, "--publish-url", r.publish.toString());
        if (r.control != null) {
            add(args, "--control-url", r.control.toString());
        }
        add(args, "--events-url", internalChannel.apply(eventsChannel).toString());
        if (r.data != null) {
            add(args, "--data-url", r.data.toString());
        }
        add(args, "--params-url", internalChannel.apply(paramsChannel).toString());
        add(args, "--params", StreamParams.toJson(r.params));
        add(args, "--width", Integer.toString(r.width));
        add(args, "--height", Integer.toString(r.height));
        add(args, "--parallelism", Integer.toString(config.parallelism));
        args.addAll(settings(config));
        add(args, "--job-name", StreamManager.JOB_PREFIX + r.streamId);
        // What a restarted sidecar needs to adopt the job (see JobAdoption).
        add(args, "--label", LABEL_REQUEST_ID + "=" + r.requestId);
        if (r.events != null) {
            add(args, "--label", LABEL_EVENTS_URL + "=" + r.events);
        }
        args.addAll(accessArguments.get()); // in the job's arguments only: never in a label
        try {
            target.parseArguments(args);
        } catch (JobArgs.UsageException e) {
            // The request was validated already: what is left is the sidecar's own settings.
            throw new StreamException(
                    StreamException.Reason.FAILED,
                    "the stream job's settings are invalid: " + e.getMessage(),
                    e);
        }
        return args;
    }

    /**
     * The job arguments from the sidecar's settings that every job it runs gets (a stream's job and
     * the runner job): processor, policy, devices, intervals, restarts, batching.
     */
    static List<String> settings(SidecarConfig config) {
        List<String> args = new ArrayList<>();
        add(args, "--processor", config.processorClass);
        add(args, "--policy", config.policy.name().toLowerCase(java.util.Locale.ROOT));
        if (config.devices != null) {
            add(args, "--devices", config.devices);
        }
        add(args, "--heartbeat-seconds", Long.toString(config.heartbeatInterval.toSeconds()));
        add(args, "--checkpoint-seconds", Integer.toString(config.checkpointSeconds));
        add(args, "--input-wait-seconds", Long.toString(config.inputWait.toSeconds()));
        add(args, "--max-restarts", Integer.toString(MAX_RESTARTS));
        if (config.maxBatchSize > 0) {
            add(args, "--max-batch-size", Integer.toString(config.maxBatchSize));
        }
        if (config.maxBatchDelay != null) {
            add(args, "--max-batch-delay-ms", Long.toString(config.maxBatchDelay.toMillis()));
        }
        return args;
    }

    private static void add(List<String> args, String flag, String value) {
        args.add(flag);
        args.add(value);
    }
}
