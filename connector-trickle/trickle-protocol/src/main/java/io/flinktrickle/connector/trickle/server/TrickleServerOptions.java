package io.flinktrickle.connector.trickle.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/**
 * The options of {@link TrickleServerMain}, declared once for parsing and for the generated {@code
 * --help}; an option left out takes its environment variable (see the footer), else the server's
 * default.
 *
 * <p>Filled and {@link #check}ed on the thread of {@code main}.
 */
@Command(
        name = "bin/trickle-server",
        synopsisHeading = "usage: ",
        sortOptions = false,
        sortSynopsis = false,
        description =
                "Runs the embedded trickle server (the protocol of go-livepeer's trickle server)"
                        + " until it is stopped.",
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  Every option is also an environment variable, TRICKLE_SERVER_ and its name:",
            "  --max-channels is TRICKLE_SERVER_MAX_CHANNELS, --no-autocreate is",
            "  TRICKLE_SERVER_NO_AUTOCREATE=true; a flag wins.",
            "  TRICKLE_SERVER_ACCESS_TOKEN: the access token, environment only (or"
                    + " --access-token-file);",
            "  every request must then carry 'Authorization: Bearer <token>'."
        })
final class TrickleServerOptions {

    /** Ports a server binds (0: any free one). */
    private static final int MAX_PORT = 65_535;

    /** A channel keeps at least its current and its previous segment. */
    private static final int MIN_RETAINED = 2;

    @Spec CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help and exit")
    boolean help;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "address to bind (default 127.0.0.1; 0.0.0.0 for every interface)")
    String host = "127.0.0.1";

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "port to bind, 0..65535, 0 for any free one (default 2939)")
    int port = TrickleServerMain.DEFAULT_PORT;

    @Option(
            names = "--path",
            paramLabel = "PATH",
            description = "base path of the channels (default /; go-livepeer's is /ai/trickle/)")
    String path = "/";

    @Option(
            names = "--no-autocreate",
            description = "a POST to an unknown channel gets 404 instead of creating it")
    boolean noAutocreate;

    @Option(
            names = "--changefeed",
            description = "publish channel creations and deletions on the _changes channel")
    boolean changefeed;

    @Option(
            names = "--retained",
            paramLabel = "N",
            description = "segments a channel keeps, at least 2 (default 5)")
    Integer retained;

    @Option(
            names = "--max-segment-bytes",
            paramLabel = "N",
            description = "largest segment; a larger upload gets 413 (default 67108864)")
    Long maxSegmentBytes;

    @Option(
            names = "--max-channels",
            paramLabel = "N",
            description = "channels at once; more get 503 (default 1024)")
    Integer maxChannels;

    @Option(
            names = "--idle-timeout-s",
            paramLabel = "N",
            description = "seconds after which a channel nobody uses is deleted (default 300)")
    Integer idleTimeoutSeconds;

    @Option(
            names = "--access-token-file",
            paramLabel = "FILE",
            description =
                    "a file whose first line is the access token (instead of"
                            + " TRICKLE_SERVER_ACCESS_TOKEN); not given: no token is needed")
    Path accessTokenFile;

    /**
     * Checks the options together, naming the one that is wrong.
     *
     * @throws CommandLine.ParameterException for an option out of its range
     */
    void check() {
        require(port >= 0 && port <= MAX_PORT, "--port", "must be 0..65535 but is " + port);
        require(
                retained == null || retained >= MIN_RETAINED,
                "--retained",
                "must be at least " + MIN_RETAINED + " but is " + retained);
        require(
                maxSegmentBytes == null || maxSegmentBytes > 0,
                "--max-segment-bytes",
                "must be positive but is " + maxSegmentBytes);
        require(
                maxChannels == null || maxChannels > 0,
                "--max-channels",
                "must be positive but is " + maxChannels);
        require(
                idleTimeoutSeconds == null || idleTimeoutSeconds > 0,
                "--idle-timeout-s",
                "must be positive but is " + idleTimeoutSeconds);
    }

    private void require(boolean ok, String option, String problem) {
        if (!ok) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + " " + problem, spec.findOption(option), null);
        }
    }
}
