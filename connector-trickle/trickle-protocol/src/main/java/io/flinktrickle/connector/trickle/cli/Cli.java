package io.flinktrickle.connector.trickle.cli;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The command line of every entry point (the trickle server, the job, the sidecar, the demos, the
 * benchmarks, the scaffold), built the same way with <a href="https://picocli.info">picocli</a>. It
 * lives in the lowest module with an entry point ({@code TrickleServerMain}), where picocli is an
 * optional dependency: a library user who never runs a command line does not get it.
 *
 * <p>Why picocli rather than Flink's {@code ParameterTool} with {@code ConfigOptions}: each entry
 * point declares its options once, as typed fields ({@code int}, {@code Path}, {@code URI}, enums)
 * with their description and default, and gets from that one declaration the {@code --help} text,
 * conversion errors that name the option ({@code Invalid value for option '--port': 'eighty' is not
 * an int}), unknown-option errors, repeatable options that keep every value as given ({@code
 * --stream} is a {@code List}; nothing splits it on commas), and defaults from the environment
 * through an {@link CommandLine.IDefaultValueProvider} ({@link EnvDefaults}), so an environment
 * variable and a flag are one setting, the flag winning. {@code ParameterTool} is an untyped string
 * map: it has no help, no unknown-option check, keeps only the last of a repeated key (without
 * {@code getMultiParameter}), and its errors name no option ({@code NumberFormatException}); {@code
 * ConfigOptions} describe cluster configuration keys, not flags. picocli is one 400 kB jar with no
 * dependencies (shaded into the job jar).
 *
 * <p>Stateless; the parsing runs on the calling thread (each entry point's {@code main}, or the
 * sidecar's stream-start thread for the job's arguments).
 */
@Internal
public final class Cli {

    /** Exit status of a command line that cannot run. */
    public static final int USAGE_EXIT = 2;

    private Cli() {}

    /** {@code -h}/{@code --help}, mixed into every command. */
    @Internal
    public static final class HelpOption {
        @CommandLine.Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "show this help and exit")
        boolean help;
    }

    /**
     * A command line for {@code command} (a {@code @Command} object), configured as every entry
     * point's: enums in any case, a repeated single-value option keeps its last value (as the
     * hand-written parsers did), no {@code @file} expansion, plain-text help 100 columns wide.
     */
    public static CommandLine of(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true);
        // An argument starting with '@' is a value (a stream id, a URL, a token), never a file
        // of arguments to read.
        cl.setExpandAtFiles(false);
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(100);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        return cl;
    }

    /**
     * Parses {@code args} into {@code cl}'s command.
     *
     * @return false when the usage was asked for (nothing else is checked then)
     * @throws CommandLine.ParameterException whose message names the option
     */
    public static boolean parse(CommandLine cl, String... args) {
        return !cl.parseArgs(args).isUsageHelpRequested();
    }

    /** The generated usage, plain text. */
    public static String usage(CommandLine cl) {
        return cl.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
    }

    /** A command whose options are checked together after parsing ({@link #parseOrExit}). */
    @Internal
    public interface Checked {
        /**
         * @throws CommandLine.ParameterException naming the option that is wrong
         */
        void check();
    }

    /**
     * For a {@code main}: parses {@code args} into {@code command} (and {@link Checked#check}s it);
     * on {@code --help} prints the usage on standard output and returns false; on a bad command
     * line prints the error and the usage on standard error and exits with {@link #USAGE_EXIT}.
     */
    public static boolean parseOrExit(Object command, String... args) {
        CommandLine cl = of(command);
        try {
            if (parse(cl, args)) {
                if (command instanceof Checked) {
                    ((Checked) command).check();
                }
                return true;
            }
            System.out.println(usage(cl));
            return false;
        } catch (CommandLine.ParameterException e) {
            exit(cl, e.getMessage());
            return false; // not reached
        }
    }

    /**
     * Prints {@code message} and the usage on standard error and exits with {@link #USAGE_EXIT}.
     */
    public static void exit(CommandLine cl, String message) {
        PrintStream err = System.err;
        err.println("error: " + message + "\n\n" + usage(cl));
        System.exit(USAGE_EXIT);
    }

    /** A usage error of {@code spec}'s command line. */
    public static CommandLine.ParameterException error(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Throws {@link #error} with {@code message} unless {@code ok}. */
    public static void check(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw error(spec, message);
        }
    }

    /** A positive int, or an error naming {@code option}. */
    public static int positive(CommandSpec spec, String option, int value) {
        check(spec, value > 0, option + " must be positive but is " + value);
        return value;
    }

    /**
     * A secret kept in a file rather than on a command line (where {@code ps} shows it to every
     * user of the machine): the file's first line, trimmed; empty for an empty file.
     */
    public static String secretFromFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int eol = text.indexOf('\n');
        return (eol >= 0 ? text.substring(0, eol) : text).trim();
    }

    /**
     * The environment variable of an option: its longest name without the dashes, upper case,
     * {@code -} as {@code _} ({@code --flink-rest-url}: {@code FLINK_REST_URL}).
     */
    public static String envName(OptionSpec option) {
        return envName("", option);
    }

    /** {@link #envName(OptionSpec)} after {@code prefix} ({@code TRICKLE_SERVER_MAX_CHANNELS}). */
    public static String envName(String prefix, OptionSpec option) {
        return prefix
                + option.longestName()
                        .replaceFirst("^-+", "")
                        .toUpperCase(Locale.ROOT)
                        .replace('-', '_');
    }

    /**
     * The message of a usage error, naming a bad option's environment variable too ({@code bad
     * setting PORT: Invalid value for option '--port': ...}).
     */
    public static String message(CommandLine.ParameterException e, String envPrefix) {
        if (e.getArgSpec() instanceof OptionSpec) {
            return "bad setting "
                    + envName(envPrefix, (OptionSpec) e.getArgSpec())
                    + ": "
                    + e.getMessage();
        }
        return e.getMessage();
    }

    /**
     * Defaults from environment variables named by {@link #envName}: a variable that is unset or
     * blank leaves the option's own default, a value is trimmed; a flag on the command line wins
     * over either (picocli applies defaults to the options the command line leaves out only).
     */
    @Internal
    public static final class EnvDefaults implements CommandLine.IDefaultValueProvider {
        private final String prefix;
        private final Map<String, String> env;

        public EnvDefaults(Map<String, String> env) {
            this("", env);
        }

        /** Variables named {@code prefix} and {@link #envName}. */
        public EnvDefaults(String prefix, Map<String, String> env) {
            this.prefix = prefix;
            this.env = Map.copyOf(env);
        }

        @Override
        public String defaultValue(ArgSpec arg) {
            if (!(arg instanceof OptionSpec) || ((OptionSpec) arg).usageHelp()) {
                return null;
            }
            String value = env.get(envName(prefix, (OptionSpec) arg));
            return value == null || value.isBlank() ? null : value.trim();
        }
    }
}
