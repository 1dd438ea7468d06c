package io.flinktrickle.jobs.demo;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the demo's libraries talk. Everything they say goes to standard error: log4j (Flink's and
 * this project's logging), FFmpeg's {@code av_log} (as whole lines on the {@code ffmpeg} logger,
 * {@link FfmpegLogLines}), JavaCPP's messages, and what native code (PyTorch, the JVM) prints
 * itself. By default standard error, file descriptor 2, is moved to a log file, so that the console
 * shows only the demo's own progress lines and summary (on standard output); {@code --verbose}
 * leaves it on the console. Set up once on the main thread, before anything logs.
 */
final class DemoLogging {
    /** JavaCPP's choice of logger: through SLF4J (to log4j) instead of its own stderr lines. */
    private static final String JAVACPP_LOGGER = "org.bytedeco.javacpp.logger";

    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n";
    private static final String APPENDER = "stderr";

    /** Linux {@code open(2)} flags. */
    private static final int O_WRONLY = 01;

    private static final int O_CREAT = 0100;
    private static final int O_APPEND = 02000;
    private static final int STDERR = 2;

    /** The few libc calls that move a file descriptor (JNA). */
    private interface LibC extends Library {
        int open(String path, int flags, int mode);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);
    }

    private DemoLogging() {}

    /**
     * Moves standard error to {@code log} (truncated first) and logs there. Returns a stream to the
     * console's standard error, for the demo's own error messages.
     */
    static PrintStream toFile(Path log) throws IOException {
        Path file = log.toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.writeString(file, "", StandardCharsets.UTF_8); // one run per file
        System.err.flush();
        LibC libc = Native.load("c", LibC.class);
        int console = check(libc.dup(STDERR), "dup stderr");
        int fd = check(libc.open(file.toString(), O_WRONLY | O_CREAT | O_APPEND, 0644), file);
        check(libc.dup2(fd, STDERR), "dup2 onto stderr");
        libc.close(fd);
        configure();
        return new PrintStream(new FileOutputStream("/dev/fd/" + console, true), true, "UTF-8");
    }

    /** Leaves standard error on the console. */
    static void toConsole() {
        configure();
    }

    private static int check(int result, Object what) throws IOException {
        if (result < 0) {
            throw new IOException(
                    "cannot move stderr to the log (" + what + "): errno " + Native.getLastError());
        }
        return result;
    }

    /** Flink and the libraries: warnings; this project, FFmpeg and JavaCPP: INFO. */
    private static void configure() {
        System.setProperty(JAVACPP_LOGGER, "slf4j");
        ConfigurationBuilder<BuiltConfiguration> b =
                ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("flink-trickle demo");
        b.setStatusLevel(Level.ERROR);
        b.add(
                b.newAppender(APPENDER, "Console")
                        .addAttribute("target", "SYSTEM_ERR")
                        .add(b.newLayout("PatternLayout").addAttribute("pattern", PATTERN)));
        for (String name : new String[] {"io.flinktrickle", "org.bytedeco", "ffmpeg"}) {
            b.add(
                    b.newLogger(name, Level.INFO)
                            .add(b.newAppenderRef(APPENDER))
                            .addAttribute("additivity", false));
        }
        b.add(b.newRootLogger(Level.WARN).add(b.newAppenderRef(APPENDER)));
        Configurator.reconfigure(b.build());
        FfmpegLogLines.install();
    }
}
