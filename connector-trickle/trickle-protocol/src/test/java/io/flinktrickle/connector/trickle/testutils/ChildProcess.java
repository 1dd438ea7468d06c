package io.flinktrickle.connector.trickle.testutils;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a command, or a class's {@code main} in a JVM of its own with this JVM's classpath, as a
 * user would: standard output and error captured apart, no input, bounded in time (on timeout the
 * process and its descendants are killed). The calling (test) thread waits for it.
 */
public final class ChildProcess {

    /** What the process did. */
    public static final class Result {
        public final int exitCode;
        public final String stdout;
        public final String stderr;

        Result(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The standard output's lines. */
        public List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\r?\n"));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private ChildProcess() {}

    /**
     * This JVM's JIT options (the build's {@code argLine}: test JVMs are short-lived, so they run
     * C1 only, which costs far less CPU than C2's compiles save), for the JVMs a test starts.
     */
    public static List<String> testJvmOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:TieredStopAtLevel="))
                .collect(Collectors.toList());
    }

    /**
     * {@code java [testJvmOptions] [jvmOptions] -cp <this classpath> main args}, in the working
     * directory.
     */
    public static Result runMain(
            Duration timeout, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(testJvmOptions());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return run(timeout, null, Map.of(), command);
    }

    /** Runs {@code command} in {@code dir} (null: the working directory) with {@code env} added. */
    public static Result run(
            Duration timeout, Path dir, Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("child-", ".out");
        Path err = Files.createTempFile("child-", ".err");
        try {
            ProcessBuilder pb =
                    new ProcessBuilder(command)
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError(
                        command.get(0)
                                + " did not end within "
                                + timeout
                                + "\n--- stdout\n"
                                + Files.readString(out, StandardCharsets.UTF_8)
                                + "\n--- stderr\n"
                                + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
