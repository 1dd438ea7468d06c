package io.flinktrickle.controlapi;

import io.flinktrickle.processor.testutils.TestJars;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./bin/sidecar} with a processor class that is not where its jobs would load it from: the
 * launch fails at once (exit 2) with a message naming the class and where it was looked for,
 * instead of a sidecar that answers every {@code /stream/start} with 500. Each case is {@link
 * SidecarMain} in a JVM of its own, on this test's classpath.
 */
class SidecarLaunchITCase {

    @Test
    void anUnknownProcessorFailsTheEmbeddedLaunch(@TempDir Path tmp) throws Exception {
        Launch none = launch("--port", "0", "--processor", "com.example.Missing");
        assertThat(none.exitCode).as(none.stderr).isEqualTo(2);
        assertThat(none.stderr)
                .contains("PROCESSOR com.example.Missing")
                .contains("not found")
                .contains("--processor-jar");

        Path jar = TestJars.compile(tmp, "white-box.jar", TestJars.WHITE_BOX, null);
        Launch notInJar =
                launch(
                        "--port",
                        "0",
                        "--processor-jar",
                        jar.toString(),
                        "--processor",
                        "com.example.Missing");
        assertThat(notInJar.exitCode).as(notInJar.stderr).isEqualTo(2);
        assertThat(notInJar.stderr).contains("com.example.Missing").contains(jar.toString());

        Launch notAProcessor =
                launch(
                        "--port",
                        "0",
                        "--processor-jar",
                        jar.toString(),
                        "--processor",
                        "com.example.NotAProcessor");
        assertThat(notAProcessor.exitCode).as(notAProcessor.stderr).isEqualTo(2);
        assertThat(notAProcessor.stderr)
                .contains("com.example.NotAProcessor is not a FrameProcessor");
    }

    @Test
    void aProcessorMissingFromTheJobJarFailsTheRemoteLaunch(@TempDir Path tmp) throws Exception {
        // No cluster is needed: the job jar is checked before Flink is asked anything.
        Path jobJar = TestJars.compile(tmp, "my-job.jar", TestJars.WHITE_BOX, null);
        Launch missing =
                launch(
                        "--flink-rest-url",
                        "http://127.0.0.1:1",
                        "--job-jar",
                        jobJar.toString(),
                        "--processor",
                        "com.example.Missing");
        assertThat(missing.exitCode).as(missing.stderr).isEqualTo(2);
        assertThat(missing.stderr)
                .contains("PROCESSOR com.example.Missing is not in JOB_JAR " + jobJar);
    }

    private static final class Launch {
        final int exitCode;
        final String stderr;

        Launch(int exitCode, String stderr) {
            this.exitCode = exitCode;
            this.stderr = stderr;
        }
    }

    @TempDir Path logs;

    private Launch launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SidecarMain.class.getName());
        cmd.addAll(List.of(args));
        Path err = java.nio.file.Files.createTempFile(logs, "sidecar", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        // Only the arguments count, whatever the machine's environment says.
        for (String name : io.flinktrickle.controlapi.config.SidecarConfig.SETTINGS.keySet()) {
            env.remove(name);
        }
        Process p = pb.start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        String stderr = java.nio.file.Files.readString(err, StandardCharsets.UTF_8);
        if (!exited) {
            throw new AssertionError("the sidecar launched (it should not have): " + stderr);
        }
        return new Launch(p.exitValue(), stderr);
    }
}
