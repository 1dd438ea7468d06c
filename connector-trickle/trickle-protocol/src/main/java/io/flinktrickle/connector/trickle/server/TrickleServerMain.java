package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.cli.Cli;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the embedded trickle server on its own until it is stopped (Ctrl-C / SIGTERM):
 *
 * <pre>
 * bin/trickle-server --host 127.0.0.1 --port 2939 --path /ai/trickle/ [--no-autocreate]
 *     [--changefeed] [--retained 5] [--max-segment-bytes 67108864] [--max-channels 1024]
 *     [--idle-timeout-s 300] [--access-token-file FILE]
 * </pre>
 *
 * <p>The command line is <a href="https://picocli.info">picocli</a>'s, built as the project's other
 * entry points ({@code io.flinktrickle.connector.trickle.cli.Cli}, which this module cannot depend
 * on): a generated {@code --help}, every option also an environment variable ({@code
 * TRICKLE_SERVER_} and its name: {@code --max-channels} is {@code TRICKLE_SERVER_MAX_CHANNELS}), a
 * flag winning, and a bad setting printed with the usage on standard error, exit status {@value
 * Cli#USAGE_EXIT}. The access token is taken from {@value #ACCESS_TOKEN_ENV} or {@code
 * --access-token-file} only, never from the command line, where {@code ps} shows it to every user
 * of the machine.
 *
 * <p>picocli is an optional dependency of this module: a job that only uses the library does not
 * get it; what runs this class ({@code bin/trickle-server}, the job jar) has it.
 *
 * <p>The command line is parsed on the thread of {@code main}, which then waits for the shutdown
 * hook; the server runs on its own threads ({@link TrickleServer}).
 */
@Internal
public final class TrickleServerMain {

    /** The prefix of every option's environment variable. */
    static final String ENV_PREFIX = "TRICKLE_SERVER_";

    /** The access token, environment only (or {@code --access-token-file}). */
    static final String ACCESS_TOKEN_ENV = ENV_PREFIX + "ACCESS_TOKEN";

    /** The flag a token is refused as. */
    static final String ACCESS_TOKEN_FLAG = "--access-token";

    /** As http-trickle's server. */
    static final int DEFAULT_PORT = 2939;

    private TrickleServerMain() {}

    public static void main(String[] args) throws Exception {
        CommandLine cl = commandLine(System.getenv());
        TrickleServer server;
        try {
            TrickleServerBuilder b = parse(cl, System.getenv(), args);
            if (b == null) {
                System.out.println(Cli.usage(cl));
                return;
            }
            server = b.build();
        } catch (CommandLine.ParameterException e) {
            Cli.exit(cl, Cli.message(e, ENV_PREFIX));
            return;
        } catch (IllegalArgumentException e) {
            Cli.exit(cl, e.getMessage());
            return;
        }
        server.start();
        System.out.println("trickle server ready at " + server.baseUri());
        CountDownLatch stopped = new CountDownLatch(1);
        TrickleServer running = server;
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    running.close();
                                    stopped.countDown();
                                }));
        stopped.await();
    }

    /**
     * The command line over {@code env}: each option's default is its environment variable ({@value
     * #ENV_PREFIX} and its name) when that is set and not blank.
     */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = Cli.of(new TrickleServerOptions());
        cl.setDefaultValueProvider(new Cli.EnvDefaults(ENV_PREFIX, env));
        return cl;
    }

    /** Parses {@code args} over {@code env} (tests): the server's settings, or null for help. */
    static TrickleServerBuilder parse(Map<String, String> env, String... args) {
        return parse(commandLine(env), env, args);
    }

    /**
     * Parses {@code args} into {@code cl}'s options and those into a builder.
     *
     * @return null when the usage was asked for
     * @throws CommandLine.ParameterException or {@link IllegalArgumentException} whose message
     *     names the setting
     */
    private static TrickleServerBuilder parse(
            CommandLine cl, Map<String, String> env, String... args) {
        for (String a : args) {
            if (a.equals(ACCESS_TOKEN_FLAG) || a.startsWith(ACCESS_TOKEN_FLAG + "=")) {
                throw new IllegalArgumentException(
                        ACCESS_TOKEN_FLAG
                                + " is not taken on the command line, where ps shows it to every"
                                + " user: set "
                                + ACCESS_TOKEN_ENV
                                + " or --access-token-file ("
                                + ENV_PREFIX
                                + "ACCESS_TOKEN_FILE)");
            }
        }
        if (cl.parseArgs(args).isUsageHelpRequested()) {
            return null;
        }
        TrickleServerOptions o = cl.getCommand();
        o.check();
        TrickleServerBuilder b =
                TrickleServer.builder()
                        .host(o.host)
                        .port(o.port)
                        .basePath(o.path)
                        .autocreate(!o.noAutocreate)
                        .changefeed(o.changefeed);
        if (o.retained != null) {
            b.retainedSegments(o.retained);
        }
        if (o.maxSegmentBytes != null) {
            b.maxSegmentBytes(o.maxSegmentBytes);
        }
        if (o.maxChannels != null) {
            b.maxChannels(o.maxChannels);
        }
        if (o.idleTimeoutSeconds != null) {
            b.idleTimeout(Duration.ofSeconds(o.idleTimeoutSeconds));
        }
        String token = accessToken(env, o.accessTokenFile);
        if (token != null) {
            b.accessToken(token);
        }
        return b;
    }

    /** {@value #ACCESS_TOKEN_ENV}, else the file's first line, else null. */
    private static String accessToken(Map<String, String> env, Path file) {
        String token = env.get(ACCESS_TOKEN_ENV);
        boolean inEnv = token != null && !token.isBlank();
        String fileSetting = "--access-token-file (" + ENV_PREFIX + "ACCESS_TOKEN_FILE)";
        if (file == null) {
            return inEnv ? token.trim() : null;
        }
        if (inEnv) {
            throw new IllegalArgumentException(
                    ACCESS_TOKEN_ENV + " and " + fileSetting + " are both set: set one of them");
        }
        String secret;
        try {
            secret = Cli.secretFromFile(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    fileSetting + ": cannot read " + file + " (" + e + ")", e);
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException(fileSetting + ": " + file + " is empty");
        }
        return secret;
    }
}
