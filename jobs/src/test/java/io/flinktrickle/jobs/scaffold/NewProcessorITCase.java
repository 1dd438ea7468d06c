package io.flinktrickle.jobs.scaffold;

import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.jobs.testutils.GeneratedProjects;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A generated processor project builds as its user builds it: {@code ./mvnw -B -o verify} with its
 * own Maven wrapper, offline, compiles it, passes its own test and makes the job jar. This
 * reactor's artifacts are not installed anywhere: the test lays them out (the parent pom and the
 * modules {@code jobs} depends on, from their {@code target/} folders) in a local repository of its
 * own, chained in front of the build's read-only local repository (Maven 3.9's {@code
 * maven.repo.local.tail}), which holds every plugin and third-party artifact.
 */
class NewProcessorITCase {
    @Test
    void aGeneratedProjectBuildsOfflineWithItsOwnWrapper(@TempDir Path tmp) throws Exception {
        Path dir =
                NewProcessor.generate(
                        "MyFilter",
                        "--package",
                        "org.acme.video",
                        "--dir",
                        tmp.resolve("x/../my-filter").toString());
        assertThat(dir).isEqualTo(tmp.resolve("my-filter").toAbsolutePath().normalize());
        String pom = Files.readString(dir.resolve("pom.xml"));
        assertThat(pom)
                .contains("<artifactId>my-filter</artifactId>")
                .contains("<groupId>com.example</groupId>")
                .doesNotContain("${groupId}", "${shadePluginVersion}");
        Path root = GeneratedProjects.repositoryRoot();
        assertThat(dir.resolve("mvnw")).isExecutable().hasSameBinaryContentAs(root.resolve("mvnw"));
        assertThat(dir.resolve(".mvn/wrapper/maven-wrapper.properties"))
                .hasSameBinaryContentAs(root.resolve(".mvn/wrapper/maven-wrapper.properties"));

        ChildProcess.Result build = GeneratedProjects.build(dir, tmp);
        assertThat(build.exitCode).as("./mvnw -B -o verify: %s", build).isZero();

        Path report = dir.resolve("target/surefire-reports/TEST-org.acme.video.MyFilterTest.xml");
        assertThat(report).exists();
        assertThat(Files.readString(report))
                .contains("tests=\"2\"")
                .contains("failures=\"0\"")
                .contains("errors=\"0\"");
        Path jobJar = dir.resolve("target/my-filter-0.1.0-SNAPSHOT-job.jar");
        assertThat(jobJar).exists();
        try (JarFile jar = new JarFile(jobJar.toFile())) {
            assertThat(jar.getEntry("org/acme/video/MyFilter.class")).isNotNull();
            assertThat(jar.getEntry("io/flinktrickle/jobs/live/LiveVideoToVideoJob.class"))
                    .isNotNull();
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("io.flinktrickle.jobs.live.LiveVideoToVideoJob");
        }
    }

    @Test
    void aGeneratedBatchProcessorProjectBuildsAndTestsItsBatches(@TempDir Path tmp)
            throws Exception {
        Path dir =
                NewProcessor.generate(
                        "GreyBatch",
                        "--batch",
                        "--package",
                        "org.acme.batch",
                        "--dir",
                        tmp.resolve("grey-batch").toString());
        String source =
                Files.readString(dir.resolve("src/main/java/org/acme/batch/GreyBatch.java"));
        assertThat(source)
                .contains("public class GreyBatch implements BatchFrameProcessor")
                .contains("processBatch(List<VideoFrame> frames, List<ProcessorContext> contexts)")
                .doesNotContain("${");
        assertThat(Files.readString(dir.resolve("src/test/java/org/acme/batch/GreyBatchTest.java")))
                .contains("harness.processBatch(");

        ChildProcess.Result build = GeneratedProjects.build(dir, tmp);
        assertThat(build.exitCode).as("./mvnw -B -o verify: %s", build).isZero();
        Path report = dir.resolve("target/surefire-reports/TEST-org.acme.batch.GreyBatchTest.xml");
        assertThat(Files.readString(report))
                .contains("tests=\"2\"")
                .contains("failures=\"0\"")
                .contains("errors=\"0\"");
        try (JarFile jar =
                new JarFile(dir.resolve("target/grey-batch-0.1.0-SNAPSHOT-job.jar").toFile())) {
            assertThat(jar.getEntry("org/acme/batch/GreyBatch.class")).isNotNull();
        }
    }

    @Test
    void theNextStepsNameTheProjectAndItsWrapper(@TempDir Path tmp) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        NewProcessor.printNextSteps(
                tmp.resolve("my-filter"),
                tmp.resolve("checkout/../flink-trickle").toString(),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("created " + tmp.resolve("my-filter"))
                .contains("(once, in " + tmp.resolve("flink-trickle") + ") ./mvnw install")
                .contains("cd " + tmp.resolve("my-filter") + " && ./mvnw verify");
    }

    @Test
    void badNamesAndNonEmptyFoldersAreRefused(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> NewProcessor.generate("myFilter"))
                .hasMessageContaining("Java identifier");
        assertThatThrownBy(() -> NewProcessor.generate("F", "--package", "Com.Bad-Name"))
                .hasMessageContaining("package");
        Files.writeString(tmp.resolve("x"), "taken");
        assertThatThrownBy(() -> NewProcessor.generate("F", "--dir", tmp.toString()))
                .hasMessageContaining("not empty");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.collect(Collectors.toList())).hasSize(1);
        }
    }
}
