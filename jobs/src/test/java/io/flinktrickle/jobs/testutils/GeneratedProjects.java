package io.flinktrickle.jobs.testutils;

import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.jobs.scaffold.NewProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds a generated processor project as its user does ({@code ./mvnw -B -o verify} with its own
 * wrapper), offline, against this reactor's artifacts without installing them: the parent pom and
 * the modules {@code jobs} depends on are laid out from their {@code target/} folders in a local
 * repository of the test's own, chained in front of the build's read-only local repository (Maven
 * 3.9's {@code maven.repo.local.tail}), which holds every plugin and third-party artifact.
 * Integration tests of a module built after {@code jobs} only (its jar is packaged by then).
 */
public final class GeneratedProjects {
    /**
     * The reactor's modules a generated project resolves (jobs' closure), by folder: each one's
     * artifactId is its folder's name.
     */
    private static final List<String> MODULES =
            List.of(
                    "connector-trickle/trickle-protocol",
                    "connector-trickle/flink-connector-trickle",
                    "connector-trickle/trickle-media",
                    "processor-operator",
                    "jobs");

    /** The parent poms of those modules: folder (from the root) to artifactId. */
    private static final Map<String, String> PARENTS =
            Map.of("", "flink-trickle-parent", "connector-trickle", "connector-trickle-parent");

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);

    private GeneratedProjects() {}

    /**
     * Runs {@code ./mvnw -B -o verify} in {@code project}; {@code scratch} holds its repository.
     */
    public static ChildProcess.Result build(Path project, Path scratch) throws Exception {
        return run(project, scratch, "verify");
    }

    /**
     * Runs {@code ./mvnw -B -o <arguments>} in {@code project} against this reactor's artifacts;
     * {@code scratch} holds its repository (calls may share it).
     */
    public static ChildProcess.Result run(Path project, Path scratch, String... arguments)
            throws Exception {
        String version = NewProcessor.versions().get("flinkTrickleVersion");
        Path repo = reactorRepository(repositoryRoot(), scratch.resolve("repo"), version);
        List<String> command = new ArrayList<>(List.of("./mvnw", "-B", "-o"));
        command.addAll(List.of(arguments));
        command.add("-Dmaven.repo.local=" + repo);
        command.add("-Dmaven.repo.local.tail=" + localRepository());
        String jit = String.join(" ", ChildProcess.testJvmOptions());
        if (!jit.isEmpty()) {
            // Its test JVM as this reactor's (C1 only): what it verifies is the same.
            command.add("-DargLine=" + jit);
        }
        return ChildProcess.run(
                BUILD_TIMEOUT,
                project,
                Map.of(
                        "JAVA_HOME",
                        System.getProperty("java.home"),
                        // Maven's own JVM as the reactor's (.mvn/jvm.config): C1 only.
                        "MAVEN_OPTS",
                        jit),
                command);
    }

    /** The checkout: failsafe runs in a module's folder. */
    public static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        assertThat(root.resolve("mvnw")).as("the repository root").exists();
        return root;
    }

    /** The build's own local repository (set by the module's pom), read-only here. */
    private static Path localRepository() {
        String configured = System.getProperty("flinktrickle.localRepository");
        return configured != null
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** A local repository holding this reactor's parent poms and jobs' modules, as installed. */
    private static Path reactorRepository(Path root, Path repo, String version) throws IOException {
        for (Map.Entry<String, String> parent : PARENTS.entrySet()) {
            put(
                    repo,
                    parent.getValue(),
                    version,
                    root.resolve(parent.getKey()).resolve("pom.xml"),
                    null);
        }
        for (String module : MODULES) {
            Path dir = root.resolve(module);
            String artifactId = dir.getFileName().toString();
            Path jar = dir.resolve("target/" + artifactId + "-" + version + ".jar");
            assertThat(jar).as("%s is packaged before the integration tests", module).exists();
            put(repo, artifactId, version, dir.resolve("pom.xml"), jar);
        }
        return repo;
    }

    private static void put(Path repo, String artifactId, String version, Path pom, Path jar)
            throws IOException {
        Path dir = repo.resolve("io/flinktrickle").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"), REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifactId + "-" + version + ".jar"), REPLACE_EXISTING);
        }
    }
}
