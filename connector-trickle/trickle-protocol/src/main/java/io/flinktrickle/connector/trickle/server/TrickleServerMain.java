package io.flinktrickle.connector.trickle.server;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
 * entry points ({@code io.flinktrickle.jobs.cli.Cli}, which this module cannot depend on): a
 * generated {@code --help}, every option also an environment variable ({@code TRICKLE_SERVER_} and
 * its name: {@code --max-channels} is {@code TRICKLE_SERVER_MAX_CHANNELS}), a flag winning, and a
 * bad setting printed with the usage on standard error, exit status {@value #USAGE_EXIT}. The
 * access token is taken from {@value #ACCESS_TOKEN_ENV} or {@code --access-token-file} only, never
 * from the command line, where {@code ps} shows it to every user of the machine.
 *
 * <p>picocli is an optional dependency of this module: a job that only uses the library does not
 * get it; what runs this class ({@code bin/trickle-server}, the job jar) has it.
 *
 * <p>The command line is parsed on the thread of {@code main}, which then waits for the shutdown
 * hook; the server runs on its own threads ({@link TrickleServer}).
 */
@Internal
public final class TrickleServerMain {

    /** Exit status of a command line that cannot run. */
    static final int USAGE_EXIT = 2;

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
                System.out.println(usage(cl));
                return;
            }
            server = b.build();
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            PrintStream err = System.err;
            err.println("error: " + message(e) + "\n\n" + usage(cl));
            System.exit(USAGE_EXIT);
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
     * The command line over {@code env}: each option's default is its environment variable ({@link
     * #envName}) when that is set and not blank.
     */
    static CommandLine commandLine(Map<String, String> env) {
        Map<String, String> vars = Map.copyOf(env);
        CommandLine cl = new CommandLine(new TrickleServerOptions());
        cl.setOverwrittenOptionsAllowed(true);
        cl.setExpandAtFiles(false); // "@..." is a value, never a file of arguments
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(100);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setDefaultValueProvider(
                arg -> {
                    if (!(arg instanceof CommandLine.Model.OptionSpec)
                            || ((CommandLine.Model.OptionSpec) arg).usageHelp()) {
                        return null;
                    }
                    String value = vars.get(envName((CommandLine.Model.OptionSpec) arg));
                    return value == null || value.isBlank() ? null : value.trim();
                });
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
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    fileSetting + ": cannot read " + file + " (" + e + ")", e);
        }
        int eol = text.indexOf('\n');
        String secret = (eol >= 0 ? text.substring(0, eol) : text).trim();
        if (secret.isEmpty()) {
            throw new IllegalArgumentException(fileSetting + ": " + file + " is empty");
        }
        return secret;
    }

    /**
     * The environment variable of an option: {@value #ENV_PREFIX} and its longest name without the
     * dashes, upper case, {@code -} as {@code _}.
     */
    static String envName(CommandLine.Model.OptionSpec option) {
        return ENV_PREFIX
                + option.longestName()
                        .replaceFirst("^-+", "")
                        .toUpperCase(Locale.ROOT)
                        .replace('-', '_');
    }

    /** The error's message, naming the environment variable of a bad option too. */
    private static String message(RuntimeException e) {
        if (e instanceof CommandLine.ParameterException
                && ((CommandLine.ParameterException) e).getArgSpec()
                        instanceof CommandLine.Model.OptionSpec) {
            CommandLine.Model.OptionSpec o =
                    (CommandLine.Model.OptionSpec)
                            ((CommandLine.ParameterException) e).getArgSpec();
            return "bad setting " + envName(o) + ": " + e.getMessage();
        }
        return e.getMessage();
    }

    /** The generated usage, plain text. */
    static String usage(CommandLine cl) {
        return cl.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
    }
}
