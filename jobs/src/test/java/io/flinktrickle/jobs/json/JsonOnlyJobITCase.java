package io.flinktrickle.jobs.json;

import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.jobs.testutils.GeneratedProjects;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job that only moves JSON messages needs no JavaCV/FFmpeg: the standalone project in {@code
 * src/test/resources/json-only-job} (a TrickleSource with JsonMessageDecoder, a TrickleSink with
 * JsonMessageEncoder) depends on {@code flink-connector-trickle} alone. It is built as its user
 * builds it, offline against this reactor's artifacts, its own test runs the job on a local Flink
 * against the real embedded trickle server, and its dependency tree holds no {@code org.bytedeco}
 * artifact (nor picocli, an optional dependency of {@code trickle-protocol}), while the same
 * project on {@code trickle-media} does pull them.
 */
class JsonOnlyJobITCase {

    private static final String BYTEDECO = "org.bytedeco:";

    /** The command lines' library: optional in trickle-protocol (for its server's main) only. */
    private static final String PICOCLI = "info.picocli:";

    @Test
    void aJsonOnlyJobBuildsRunsAndHasNoJavaCvOrFfmpeg(@TempDir Path tmp) throws Exception {
        Path project = copyProject(tmp.resolve("json-relay"));

        // One Maven run (each costs seconds to start): the build with its test, then the tree.
        Path treeFile = project.resolve("target/pom.xml.tree.txt");
        ChildProcess.Result build =
                GeneratedProjects.run(
                        project, tmp, "verify", "dependency:tree", "-DoutputFile=" + treeFile);
        assertThat(build.exitCode).as("./mvnw -B -o verify dependency:tree: %s", build).isZero();
        Path report =
                project.resolve(
                        "target/surefire-reports/TEST-org.example.jsonrelay.JsonRelayJobTest.xml");
        assertThat(Files.readString(report))
                .contains("tests=\"1\"")
                .contains("failures=\"0\"")
                .contains("errors=\"0\"");

        List<String> tree = treeLines(treeFile);
        assertThat(tree)
                .anyMatch(line -> line.contains("io.flinktrickle:flink-connector-trickle:jar:"))
                .anyMatch(line -> line.contains("io.flinktrickle:trickle-protocol:jar:"))
                .anyMatch(line -> line.contains("org.apache.flink:flink-connector-base:jar:"))
                .noneMatch(line -> line.contains("io.flinktrickle:trickle-media"))
                .noneMatch(line -> line.contains(BYTEDECO))
                .noneMatch(line -> line.contains(PICOCLI));
    }

    @Test
    void theSameProjectOnTrickleMediaPullsJavaCvAndFfmpeg(@TempDir Path tmp) throws Exception {
        Path project = copyProject(tmp.resolve("json-relay"));
        String pom = Files.readString(project.resolve("pom.xml"));
        String connector = "<artifactId>flink-connector-trickle</artifactId>";
        assertThat(pom).containsOnlyOnce(connector);
        Files.writeString(
                project.resolve("media-pom.xml"),
                pom.replace(connector, "<artifactId>trickle-media</artifactId>"));

        List<String> tree = dependencyTree(project, "media-pom.xml", tmp);
        assertThat(tree)
                .anyMatch(line -> line.contains("io.flinktrickle:trickle-media:jar:"))
                .anyMatch(line -> line.contains("io.flinktrickle:flink-connector-trickle:jar:"))
                .anyMatch(line -> line.contains("org.bytedeco:javacv:jar:"))
                .anyMatch(line -> line.contains("org.bytedeco:javacpp:jar:"))
                .anyMatch(line -> line.contains("org.bytedeco:ffmpeg:jar:"));
    }

    /** {@code dependency:tree} of {@code pomFile} (every scope), one artifact per line. */
    private static List<String> dependencyTree(Path project, String pomFile, Path scratch)
            throws Exception {
        Path out = project.resolve("target/" + pomFile + ".tree.txt");
        ChildProcess.Result tree =
                GeneratedProjects.run(
                        project, scratch, "-f", pomFile, "dependency:tree", "-DoutputFile=" + out);
        assertThat(tree.exitCode).as("./mvnw -B -o dependency:tree: %s", tree).isZero();
        return treeLines(out);
    }

    private static List<String> treeLines(Path treeFile) throws IOException {
        List<String> lines = Files.readAllLines(treeFile);
        assertThat(lines).as("the dependency tree").hasSizeGreaterThan(10);
        return lines;
    }

    /** The project's files (its pom filtered by the build), with this repository's wrapper. */
    private static Path copyProject(Path to) throws Exception {
        Path from = Path.of(JsonOnlyJobITCase.class.getResource("/json-only-job/pom.xml").toURI());
        copyTree(from.getParent(), to);
        assertThat(Files.readString(to.resolve("pom.xml"))).doesNotContain("${");
        Path root = GeneratedProjects.repositoryRoot();
        copyTree(root.resolve(".mvn/wrapper"), to.resolve(".mvn/wrapper"));
        Files.copy(root.resolve("mvnw"), to.resolve("mvnw"));
        assertThat(to.resolve("mvnw").toFile().setExecutable(true)).isTrue();
        return to;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
