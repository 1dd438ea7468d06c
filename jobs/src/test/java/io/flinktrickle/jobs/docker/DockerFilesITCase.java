package io.flinktrickle.jobs.docker;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
                .contains("classloader.parent-first-patterns.additional: ai.djl.")
                // A killed TaskManager is noticed in seconds.
                .contains("heartbeat.interval: 2 s");
        // The test stack runs the compose file's Flink settings (docker/test-stack).
        String stack = Files.readString(ROOT.resolve("docker/test-stack"));
        for (String line : props.strip().split("\n")) {
            if (!line.contains("discovery-script.path") && !line.contains("prom.port")) {
                assertThat(stack).as("docker/test-stack").contains(line.strip());
            }
        }
        // A container that dies comes back (a killed TaskManager would otherwise stay dead).
        for (String service :
                List.of(
                        "jobmanager",
                        "taskmanager-gpu0",
                        "taskmanager-gpu1",
                        "trickle-server",
                        "sidecar")) {
            assertThat((Map<String, Object>) services.get(service))
                    .as(service)
                    .containsEntry("restart", "unless-stopped");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsPrometheusAndGrafanaOnTheMetricsEndpoints() throws Exception {
        Load yaml = new Load(LoadSettings.builder().build());
        Map<String, Object> services =
                (Map<String, Object>)
                        ((Map<String, Object>)
                                        yaml.loadFromString(
                                                Files.readString(
                                                        ROOT.resolve("docker/docker-compose.yml"))))
                                .get("services");
        assertThat(services).containsKeys("prometheus", "grafana", "sidecar");
        // Every Flink JVM runs the reporter on 9249, labels unfiltered (stream ids keep '-').
        Map<String, Object> env =
                (Map<String, Object>)
                        ((Map<String, Object>) services.get("taskmanager-gpu0")).get("environment");
        Map<String, Object> merged =
                env.containsKey("<<") ? (Map<String, Object>) env.get("<<") : env;
        assertThat((String) merged.get("FLINK_PROPERTIES"))
                .contains(
                        "metrics.reporter.prom.factory.class:"
                                + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .contains("metrics.reporter.prom.port: 9249")
                .contains("metrics.reporter.prom.filterLabelValueCharacters: false");
        Map<String, Object> sidecarEnv =
                (Map<String, Object>)
                        ((Map<String, Object>) services.get("sidecar")).get("environment");
        assertThat(sidecarEnv).containsEntry("METRICS_PORT", "9250");

        // Prometheus scrapes each Flink service on 9249 and the sidecar on 9250.
        Map<String, Object> prom = (Map<String, Object>) services.get("prometheus");
        assertThat((List<String>) prom.get("volumes"))
                .contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        Map<String, Object> config =
                (Map<String, Object>)
                        yaml.loadFromString(
                                Files.readString(ROOT.resolve("docker/prometheus.yml")));
        List<String> targets = new java.util.ArrayList<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
            for (Map<String, Object> sc : (List<Map<String, Object>>) job.get("static_configs")) {
                targets.addAll((List<String>) sc.get("targets"));
            }
        }
        List<String> expected = new java.util.ArrayList<>(List.of("sidecar:9250"));
        for (String service : services.keySet()) {
            if (service.equals("jobmanager") || service.startsWith("taskmanager")) {
                expected.add(service + ":9249");
            }
        }
        assertThat(targets).containsExactlyInAnyOrderElementsOf(expected);

        // Grafana's mounted provisioning and dashboards exist (a data source with the uid the
        // dashboard's variable defaults to, and a provider for the dashboards' folder).
        Map<String, Object> grafana = (Map<String, Object>) services.get("grafana");
        for (String volume : (List<String>) grafana.get("volumes")) {
            assertThat(ROOT.resolve("docker").resolve(volume.split(":")[0])).isDirectory();
        }
        Map<String, Object> datasources =
                (Map<String, Object>)
                        yaml.loadFromString(
                                Files.readString(
                                        ROOT.resolve(
                                                "docker/grafana/provisioning/datasources/"
                                                        + "prometheus.yml")));
        assertThat((List<Map<String, Object>>) datasources.get("datasources"))
                .singleElement()
                .satisfies(d -> assertThat(d).containsEntry("url", "http://prometheus:9090"));
        assertThat(ROOT.resolve("docker/grafana/dashboards/flink-trickle.json")).isRegularFile();
    }
}
