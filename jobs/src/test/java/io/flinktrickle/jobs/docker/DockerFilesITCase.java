package io.flinktrickle.jobs.docker;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be checked of the Docker files without a Docker engine: the compose file parses and has
 * the services, and every file the image copies exists after the build.
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

    @Test
    void everyFileTheImageCopiesExistsAfterTheBuild() throws Exception {
        Matcher copy =
                Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+\\S+$")
                        .matcher(Files.readString(ROOT.resolve("docker/Dockerfile.job")));
        int copies = 0;
        while (copy.find()) {
            copies++;
            String source = copy.group(1);
            if (source.contains("*")) {
                Path dir = ROOT.resolve(source).getParent();
                String glob = Path.of(source).getFileName().toString();
                try (java.nio.file.DirectoryStream<Path> matches =
                        Files.newDirectoryStream(dir, glob)) {
                    assertThat(matches.iterator().hasNext()).as(source).isTrue();
                }
            } else {
                assertThat(ROOT.resolve(source)).as(source).exists();
                if (Files.isDirectory(ROOT.resolve(source))) {
                    try (Stream<Path> files = Files.list(ROOT.resolve(source))) {
                        List<Path> list = files.toList();
                        assertThat(list).as(source).isNotEmpty();
                    }
                }
            }
        }
        assertThat(copies).isEqualTo(3);
    }
}
