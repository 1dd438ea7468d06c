package io.flinktrickle.jobs.docker;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose file parses and has the services. The images themselves are built and run by {@code
 * docker/test-stack} (podman: JobManager, a GPU TaskManager, the sidecar, a trickle server, one
 * stream through a TaskManager kill), which CI runs after {@code ./mvnw verify}; that run starts
 * the images as a pod, not through this file.
 */
class DockerFilesITCase {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    @SuppressWarnings("unchecked")
    void composeFileParsesAndHasTheServices() throws Exception {
        Object doc =
                new Load(LoadSettings.builder().build())
                        .loadFromString(
                                Files.readString(ROOT.resolve("docker/docker-compose.yml")));
        Map<String, Object> services =
                (Map<String, Object>) ((Map<String, Object>) doc).get("services");
        assertThat(services)
                .containsKeys(
                        "jobmanager", "taskmanager-gpu0", "taskmanager-gpu1", "trickle-server");
        Map<String, Object> tm = (Map<String, Object>) services.get("taskmanager-gpu0");
        Map<String, Object> env = (Map<String, Object>) tm.get("environment");
        // YAML 1.2 parsers keep the merge key; Compose resolves it (YAML 1.1 style).
        Map<String, Object> merged =
                env.containsKey("<<") ? (Map<String, Object>) env.get("<<") : env;
        String props = (String) merged.get("FLINK_PROPERTIES");
        assertThat(props)
                .contains("taskmanager.numberOfTaskSlots: 1")
                .contains("external-resources: gpu")
                .contains("classloader.parent-first-patterns.additional: ai.djl.");
    }
}
