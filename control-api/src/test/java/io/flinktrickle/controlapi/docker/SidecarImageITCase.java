package io.flinktrickle.controlapi.docker;

import org.junit.jupiter.api.Test;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be checked of the sidecar image without a Docker engine: every file it copies exists
 * after the build (the runtime jars, the sidecar's jar, the job jar it submits), and the compose
 * file runs it against the cluster's JobManager.
 */
class SidecarImageITCase {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyFileTheImageCopiesExistsAfterTheBuild() throws Exception {
        Matcher copy =
                Pattern.compile("(?m)^COPY\\s+(\\S+)\\s+\\S+$")
                        .matcher(Files.readString(ROOT.resolve("docker/Dockerfile.sidecar")));
        int copies = 0;
        while (copy.find()) {
            copies++;
            Path source = ROOT.resolve(copy.group(1));
            String glob = source.getFileName().toString();
            if (glob.contains("*")) {
                try (DirectoryStream<Path> matches =
                        Files.newDirectoryStream(source.getParent(), glob)) {
                    assertThat(matches.iterator().hasNext()).as(copy.group(1)).isTrue();
                }
            } else {
                assertThat(source).as(copy.group(1)).isDirectory();
                try (var files = Files.list(source)) {
                    assertThat(files.anyMatch(f -> f.toString().contains("javalin")))
                            .as("the runtime jars include Javalin")
                            .isTrue();
                }
            }
        }
        assertThat(copies).isEqualTo(3);
    }

    @Test
    void composeRunsTheSidecarAgainstTheJobManager() throws Exception {
        String compose = Files.readString(ROOT.resolve("docker/docker-compose.yml"));
        assertThat(compose)
                .contains("  sidecar:")
                .contains("dockerfile: docker/Dockerfile.sidecar")
                .contains("FLINK_REST_URL: http://jobmanager:8081")
                .contains("ADVERTISED_HOST: sidecar")
                .contains("\"8000:8000\"");
    }
}
