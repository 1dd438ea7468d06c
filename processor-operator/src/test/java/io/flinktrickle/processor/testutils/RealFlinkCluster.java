package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.testutils.ChildProcess;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Flink session cluster: a JobManager and TaskManagers as separate JVMs on 127.0.0.1,
 * started from this test's own classpath (the Maven-resolved Flink jars plus the project's classes,
 * so submitted job graphs need no jar), with the recipe of docs/flink-notes.md §5: {@code
 * BashJavaUtils} for the memory flags, {@code config.yaml}, {@code FLINK_PLUGINS_DIR} for external
 * resource drivers. Jobs go in through {@link RestClusterClient}; processes are stopped by their
 * handles.
 */
public final class RealFlinkCluster implements AutoCloseable {
    /** The {@code --add-opens} list of Flink's {@code env.java.opts.all} for Java 17. */
    private static final List<String> OPENS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final int restPort;
    private String classpath = System.getProperty("java.class.path");
    private final List<Process> taskManagers = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Process jobManager;
    private RestClusterClient<StandaloneClusterId> client;

    /**
     * @param home an empty directory for conf, logs and plugins
     * @param slots task slots per TaskManager
     * @param extraConfig more {@code config.yaml} entries (e.g. external resources)
     * @param plugins plugin directory name → jar to put in it
     */
    public RealFlinkCluster(
            Path home, int slots, Map<String, String> extraConfig, Map<String, Path> plugins)
            throws IOException {
        this.home = home;
        this.restPort = freePort();
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("tmp"));
        StringBuilder yaml = new StringBuilder();
        Map<String, String> base =
                Map.ofEntries(
                        Map.entry("jobmanager.rpc.address", "127.0.0.1"),
                        Map.entry("jobmanager.bind-host", "127.0.0.1"),
                        Map.entry("taskmanager.host", "127.0.0.1"),
                        Map.entry("taskmanager.bind-host", "127.0.0.1"),
                        Map.entry("rest.address", "127.0.0.1"),
                        Map.entry("rest.bind-address", "127.0.0.1"),
                        Map.entry("rest.port", Integer.toString(restPort)),
                        Map.entry("jobmanager.rpc.port", Integer.toString(freePort())),
                        Map.entry("blob.server.port", Integer.toString(freePort())),
                        Map.entry("taskmanager.rpc.port", "0"),
                        Map.entry("taskmanager.data.port", "0"),
                        Map.entry("jobmanager.memory.process.size", "768m"),
                        Map.entry("taskmanager.memory.process.size", "1024m"),
                        Map.entry("taskmanager.numberOfTaskSlots", Integer.toString(slots)),
                        Map.entry("io.tmp.dirs", home.resolve("tmp").toString()),
                        Map.entry("web.upload.dir", home.resolve("tmp").toString()));
        base.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        extraConfig.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(home.resolve("conf/config.yaml"), yaml.toString());
        Files.writeString(
                home.resolve("conf/log4j.properties"),
                "rootLogger.level = INFO\n"
                        + "rootLogger.appenderRef.file.ref = file\n"
                        + "appender.file.type = File\n"
                        + "appender.file.name = file\n"
                        + "appender.file.fileName = ${sys:log.file}\n"
                        + "appender.file.layout.type = PatternLayout\n"
                        + "appender.file.layout.pattern = %d %-5p %c{1} - %m%n\n");
        for (Map.Entry<String, Path> p : plugins.entrySet()) {
            Path dir = home.resolve("plugins").resolve(p.getKey());
            Files.createDirectories(dir);
            Files.copy(p.getValue(), dir.resolve(p.getValue().getFileName()));
        }
        Files.createDirectories(home.resolve("plugins"));
    }

    /**
     * The JVMs' classpath (default: this test's); e.g. without the project's own classes, so that a
     * job jar must bring them.
     */
    public RealFlinkCluster classpath(String classpath) {
        this.classpath = classpath;
        return this;
    }

    /** The client for jobs built from jars ({@code PackagedProgramUtils}). */
    public RestClusterClient<StandaloneClusterId> client() {
        return client;
    }

    /**
     * Declares GPUs to Flink's GPU external resource through a discovery script that prints {@code
     * indexes} (e.g. {@code "0,1"}), {@code amount} per TaskManager. Call before {@link #start}.
     */
    public RealFlinkCluster fakeGpus(String indexes, int amount) throws IOException {
        Path discovery = script("fake-gpu-discovery.sh", indexes);
        Files.writeString(
                home.resolve("conf/config.yaml"),
                "external-resources: gpu\n"
                        + "external-resource.gpu.amount: "
                        + amount
                        + "\n"
                        + "external-resource.gpu.driver-factory.class:"
                        + " org.apache.flink.externalresource.gpu.GPUDriverFactory\n"
                        + "external-resource.gpu.param.discovery-script.path: "
                        + discovery
                        + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        return this;
    }

    /** A shell script in the cluster's home that prints {@code output} (e.g. fake GPU indexes). */
    public Path script(String name, String output) throws IOException {
        Path script = home.resolve(name);
        Files.writeString(script, "#!/bin/sh\necho " + output + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Starts the JobManager and {@code taskManagers} TaskManagers; waits until all slots show. */
    public void start(int taskManagerCount, int slotsEach) throws Exception {
        jobManager =
                launch(
                        "GET_JM_RESOURCE_PARAMS",
                        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                        "jobmanager");
        for (int i = 0; i < taskManagerCount; i++) {
            startTaskManager();
        }
        awaitSlots(taskManagerCount * slotsEach, Duration.ofSeconds(90));
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        client = new RestClusterClient<>(conf, StandaloneClusterId.getInstance());
    }

    public Process startTaskManager() throws Exception {
        Process tm =
                launch(
                        "GET_TM_RESOURCE_PARAMS",
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        "taskmanager-" + taskManagers.size());
        taskManagers.add(tm);
        return tm;
    }

    public List<Process> taskManagers() {
        return taskManagers;
    }

    public JobID submit(JobGraph job) throws Exception {
        return client.submitJob(job).get(60, TimeUnit.SECONDS);
    }

    public void cancel(JobID job) throws Exception {
        client.cancel(job).get(60, TimeUnit.SECONDS);
    }

    /** The REST port (chosen at construction, so clients can be pointed at it before start). */
    public int restPort() {
        return restPort;
    }

    /** GET on the REST API, as JSON. */
    public JsonNode rest(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public void awaitSlots(int slots, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (rest("/overview").path("slots-total").asInt() >= slots) {
                    return;
                }
            } catch (IOException notYet) {
                // the REST endpoint is not up yet
            }
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager died; see " + log("jobmanager"));
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                "the cluster did not show "
                        + slots
                        + " slots in "
                        + timeout
                        + "; see logs in "
                        + home.resolve("logs")
                        + "\n--- taskmanager-0 (tail)\n"
                        + tail(log("taskmanager-0"), 40)
                        + "\n--- taskmanager-0.out (tail)\n"
                        + tail(
                                Files.exists(home.resolve("logs/taskmanager-0.out"))
                                        ? Files.readString(home.resolve("logs/taskmanager-0.out"))
                                        : "",
                                20));
    }

    /**
     * What a failed wait should print: the job's state and vertex states, its root exception and
     * the last exceptions Flink recorded, which processes are alive, and the WARN/ERROR lines of
     * every process log (the last {@code 30} each).
     */
    public String diagnose(JobID job) {
        StringBuilder out = new StringBuilder("--- cluster in ").append(home).append('\n');
        try {
            JsonNode j = rest("/jobs/" + job);
            out.append("job ").append(job).append(": ").append(j.path("state").asText());
            for (JsonNode v : j.path("vertices")) {
                out.append("\n  ")
                        .append(v.path("name").asText())
                        .append(": ")
                        .append(v.path("status").asText())
                        .append(' ')
                        .append(v.path("tasks"));
            }
            JsonNode ex = rest("/jobs/" + job + "/exceptions?maxExceptions=5");
            out.append("\nroot exception: ")
                    .append(tail(ex.path("root-exception").asText("(none)"), 15));
            for (JsonNode e : ex.path("exceptionHistory").path("entries")) {
                out.append("\nexception at ")
                        .append(e.path("timestamp").asLong())
                        .append(": ")
                        .append(tail(e.path("stacktrace").asText(), 8));
            }
        } catch (Exception e) {
            out.append("the REST API did not answer: ").append(e);
        }
        out.append("\njobmanager alive: ").append(jobManager != null && jobManager.isAlive());
        for (int i = 0; i < taskManagers.size(); i++) {
            out.append(", taskmanager-").append(i).append(" alive: ");
            out.append(taskManagers.get(i).isAlive());
        }
        try (java.util.stream.Stream<Path> logs = Files.list(home.resolve("logs"))) {
            for (Path p : (Iterable<Path>) logs.sorted()::iterator) {
                List<String> bad = new ArrayList<>();
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    if (line.contains(" WARN ")
                            || line.contains(" ERROR ")
                            || line.contains("Exception")) {
                        bad.add(line);
                    }
                }
                out.append("\n--- ")
                        .append(p.getFileName())
                        .append(" (WARN/ERROR, last 30 of ")
                        .append(bad.size())
                        .append(")\n");
                out.append(
                        String.join("\n", bad.subList(Math.max(0, bad.size() - 30), bad.size())));
            }
        } catch (IOException | UncheckedIOException e) {
            out.append("\nlogs unreadable: ").append(e);
        }
        return out.toString();
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join(
                "\n",
                java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    public String log(String name) throws IOException {
        Path p = home.resolve("logs").resolve(name + ".log");
        return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
    }

    private Process launch(String paramsCommand, String mainClass, String name) throws Exception {
        List<String> params = resourceParams(paramsCommand);
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(List.of(params.get(0).trim().split("\\s+")));
        cmd.addAll(ChildProcess.testJvmOptions());
        cmd.addAll(OPENS);
        cmd.add("-Dlog.file=" + home.resolve("logs/" + name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + home.resolve("conf/log4j.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(home.resolve("conf").toString());
        if (params.size() > 1 && !params.get(1).isBlank()) {
            cmd.addAll(List.of(params.get(1).trim().split("\\s+")));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        env(pb);
        pb.redirectErrorStream(true);
        pb.redirectOutput(home.resolve("logs/" + name + ".out").toFile());
        return pb.start();
    }

    /**
     * What {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} compute: JVM flags, -D props.
     */
    private List<String> resourceParams(String command) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(
                        java(),
                        "-cp",
                        classpath,
                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                        command,
                        "--configDir",
                        home.resolve("conf").toString());
        env(pb);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(command + " failed:\n" + out);
        }
        List<String> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                lines.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()));
            }
        }
        if (lines.isEmpty()) {
            throw new IOException(command + " printed no result:\n" + out);
        }
        return lines;
    }

    private void env(ProcessBuilder pb) {
        pb.environment().put("FLINK_CONF_DIR", home.resolve("conf").toString());
        pb.environment().put("FLINK_PLUGINS_DIR", home.resolve("plugins").toString());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every process (TERM, then KILL after 10 s). */
    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
        List<Process> all = new ArrayList<>(taskManagers);
        if (jobManager != null) {
            all.add(jobManager);
        }
        for (Process p : all) {
            p.destroy();
        }
        for (Process p : all) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
