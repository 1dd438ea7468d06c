package io.flinktrickle.jobs.live;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine.Option;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream given one URL per argument: {@code --stream-id ID --subscribe-url URL --publish-url
 * URL [--control-url URL] [--events-url URL] [--data-url URL] [--params-url URL]}, a picocli
 * argument group ({@code @ArgGroup(exclusive = false, multiplicity = "0..*")} in {@link
 * JobOptions}) repeated per stream. Nothing splits a value, so a URL may hold any character a URL
 * may hold ({@code ,publish=}, {@code ;}, {@code =}, {@code %}, unicode), and an id may look like
 * an option ({@code -h}: the job's parser takes the argument after an option as its value): the
 * form a program (the sidecar) writes; {@code --stream} ({@link StreamSpecs}) is the compact form
 * for people typing.
 *
 * <p>picocli starts the next stream where an option of the group repeats (a second {@code
 * --stream-id}, or a second {@code --publish-url}), so the options of a stream may come in any
 * order but one stream's must not interleave with the next's. The options are all optional to
 * picocli: {@link #specs} checks each stream, with messages that name the missing option and the
 * stream.
 *
 * <p>One instance per stream per parse, filled and read on the parsing thread.
 */
@Internal
final class StreamOptions {

    @Option(
            names = "--stream-id",
            paramLabel = "ID",
            description =
                    "starts a stream given one URL per argument (repeat the group per stream): its"
                            + " id, the stream key; with --subscribe-url and --publish-url")
    String id;

    @Option(
            names = "--subscribe-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description = "the stream's input video channel (required)")
    URI subscribe;

    @Option(
            names = "--publish-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description = "the stream's output video channel (required)")
    URI publish;

    @Option(
            names = "--control-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description = "the stream's control channel (params updates)")
    URI control;

    @Option(
            names = "--events-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description = "the stream's events channel")
    URI events;

    @Option(
            names = "--data-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description = "the stream's data channel")
    URI data;

    @Option(
            names = "--params-url",
            paramLabel = "URL",
            converter = StreamSpecs.HttpUrl.class,
            description =
                    "a second control channel, a sidecar's, whose end also ends the stream (what"
                            + " params= is in --stream)")
    URI params;

    /**
     * The streams of {@code compact} ({@code --stream}s) then of {@code groups}: both forms may be
     * given in one command line, the streams are their union.
     *
     * @throws JobArgs.UsageException naming the stream and the option it lacks
     */
    static List<StreamSpec> specs(List<StreamSpec> compact, List<StreamOptions> groups)
            throws JobArgs.UsageException {
        List<StreamSpec> all = new ArrayList<>(compact);
        for (StreamOptions g : groups) {
            all.add(g.spec());
        }
        return all;
    }

    private StreamSpec spec() throws JobArgs.UsageException {
        if (id == null) {
            throw new JobArgs.UsageException(
                    "a stream without --stream-id: " + given() + " (each stream starts with one)");
        }
        String stream = "--stream-id " + id;
        JobArgs.check(!id.isBlank(), "--stream-id must not be blank");
        JobArgs.check(id.indexOf('#') < 0, stream + ": an id must not contain '#'");
        JobArgs.check(subscribe != null, stream + ": --subscribe-url is required");
        JobArgs.check(publish != null, stream + ": --publish-url is required");
        return new StreamSpec(id, subscribe, publish, control, events, data, params);
    }

    /** The options given, for a stream without an id. */
    private String given() {
        List<String> given = new ArrayList<>();
        add(given, "--subscribe-url", subscribe);
        add(given, "--publish-url", publish);
        add(given, "--control-url", control);
        add(given, "--events-url", events);
        add(given, "--data-url", data);
        add(given, "--params-url", params);
        return String.join(" ", given);
    }

    private static void add(List<String> given, String option, URI url) {
        if (url != null) {
            given.add(option + " " + url);
        }
    }
}
