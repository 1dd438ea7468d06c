package io.flinktrickle.controlapi.flink;

import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.processor.testutils.TestJars;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The launch-time processor checks against real jar files built at test time: a remote cluster's
 * job jar ({@link JobJarCheck}, no cluster needed) and the embedded MiniCluster's classpath plus
 * processor jars ({@link EmbeddedFlinkTarget#checkProcessor}; the MiniCluster is not started).
 */
class ProcessorCheckTest {
    private static final String PASSTHROUGH = "io.flinktrickle.jobs.processors.Passthrough";

    @TempDir static Path tmp;
    private static Path jar;

    @BeforeAll
    static void buildJar() throws Exception {
        jar = TestJars.compile(tmp, "white-box.jar", TestJars.WHITE_BOX, null);
    }

    @Test
    void aJobJarMustHoldTheProcessorClass() throws Exception {
        assertThatCode(() -> JobJarCheck.processorIn(jar, "com.example.WhiteBox"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> JobJarCheck.processorIn(jar, "com.example.Missing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PROCESSOR com.example.Missing is not in JOB_JAR " + jar)
                .hasMessageContaining("com/example/Missing.class");
        assertThatThrownBy(() -> JobJarCheck.processorIn(jar, PASSTHROUGH))
                .as("on the sidecar's classpath is not enough: the cluster reads the job jar")
                .hasMessageContaining("is not in JOB_JAR");
        assertThatThrownBy(() -> JobJarCheck.processorIn(jar, "com.example.NotAProcessor"))
                .hasMessageContaining("com.example.NotAProcessor in JOB_JAR " + jar)
                .hasMessageContaining(
                        "does not implement io.flinktrickle.processor.api.FrameProcessor");
        Path notAJar = Files.writeString(tmp.resolve("not-a.jar"), "text");
        assertThatThrownBy(() -> JobJarCheck.processorIn(notAJar, "com.example.WhiteBox"))
                .hasMessageContaining("JOB_JAR " + notAJar + " cannot be read as a jar");
    }

    @Test
    void theRemoteTargetChecksItsJobJarAndLeavesTheClassToTheCluster() throws Exception {
        RemoteFlinkTarget remote =
                RemoteFlinkTarget.builder()
                        .restUrl(URI.create("http://127.0.0.1:1"))
                        .jobJar(jar)
                        .build();
        remote.checkProcessor("com.example.WhiteBox");
        assertThatThrownBy(() -> remote.checkProcessor("com.example.Missing"))
                .hasMessageContaining("is not in JOB_JAR");
        // The sidecar cannot load the class: the job's own parser must not look it up.
        JobArgs parsed =
                remote.parseArguments(
                        List.of("--announcements", "http://s/a", "--processor", "com.example.X"));
        assertThat(parsed.processorClass).isEqualTo("com.example.X");
        remote.close();
    }

    @Test
    void theEmbeddedTargetLooksOnTheClasspathAndInTheProcessorJars() throws Exception {
        try (EmbeddedFlinkTarget plain = EmbeddedFlinkTarget.builder().build();
                EmbeddedFlinkTarget withJar =
                        EmbeddedFlinkTarget.builder().processorJars(List.of(jar)).build()) {
            plain.checkProcessor(PASSTHROUGH);
            assertThatThrownBy(() -> plain.checkProcessor("com.example.WhiteBox"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("PROCESSOR com.example.WhiteBox")
                    .hasMessageContaining("not found")
                    .hasMessageContaining("--processor-jar");

            withJar.checkProcessor("com.example.WhiteBox");
            withJar.checkProcessor(PASSTHROUGH);
            assertThat(
                            withJar.parseArguments(
                                            List.of(
                                                    "--announcements",
                                                    "http://s/a",
                                                    "--processor",
                                                    "com.example.WhiteBox"))
                                    .newProcessor()
                                    .getClass()
                                    .getName())
                    .isEqualTo("com.example.WhiteBox");
            assertThatThrownBy(() -> withJar.checkProcessor("com.example.Missing"))
                    .hasMessageContaining("PROCESSOR com.example.Missing")
                    .hasMessageContaining("PROCESSOR_JAR [" + jar + "]");
            assertThatThrownBy(() -> withJar.checkProcessor("com.example.NotAProcessor"))
                    .hasMessageContaining("is not a FrameProcessor");
        }
        assertThatThrownBy(
                        () ->
                                EmbeddedFlinkTarget.builder()
                                        .processorJars(List.of(tmp.resolve("nope.jar")))
                                        .build())
                .hasMessageContaining("nope.jar is not a file");
    }
}
