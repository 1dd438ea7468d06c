package io.flinktrickle.jobs.testutils;

import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.jobs.scaffold.NewProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
    /** The reactor's artifacts a generated project resolves: the parent, then jobs' closure. */
    private static final List<String> MODULES =
            List.of("connector-trickle", "processor-operator", "jobs");

    private static final String PARENT = "flink-trickle-parent";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);

    private GeneratedProjects() {}

    /**
     * Runs {@code ./mvnw -B -o verify} in {@code project}; {@code scratch} holds its repository.
     */
    public static ChildProcess.Result build(Path project, Path scratch) throws Exception {
        String version = NewProcessor.versions().get("flinkTrickleVersion");
        Path repo = reactorRepository(repositoryRoot(), scratch.resolve("repo"), version);
        return ChildProcess.run(
                BUILD_TIMEOUT,
                project,
                Map.of("JAVA_HOME", System.getProperty("java.home")),
                List.of(
                        "./mvnw",
                        "-B",
                        "-o",
                        "verify",
                        "-Dmaven.repo.local=" + repo,
                        "-Dmaven.repo.local.tail=" + localRepository()));
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

    /** A local repository holding this reactor's parent pom and jobs' modules, as installed. */
    private static Path reactorRepository(Path root, Path repo, String version) throws IOException {
        put(repo, PARENT, version, root.resolve("pom.xml"), null);
        for (String module : MODULES) {
            Path jar = root.resolve(module).resolve("target/" + module + "-" + version + ".jar");
            assertThat(jar).as("%s is packaged before the integration tests", module).exists();
            put(repo, module, version, root.resolve(module).resolve("pom.xml"), jar);
        }
        return repo;
    }

    private static void put(Path repo, String artifactId, String version, Path pom, Path jar)
            throws IOException {
        Path dir = repo.resolve("io/flinktrickle").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"));
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifactId + "-" + version + ".jar"));
        }
    }
}
