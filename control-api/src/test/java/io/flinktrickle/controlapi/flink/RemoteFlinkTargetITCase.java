package io.flinktrickle.controlapi.flink;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.testutils.RefusedPort;
import io.flinktrickle.processor.testutils.RealFlinkCluster;
import io.flinktrickle.processor.testutils.TestJars;

import org.apache.flink.api.common.JobStatus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link RemoteFlinkTarget} against a real multi-process Flink session cluster (JobManager and
 * TaskManager JVMs started from the Maven-resolved Flink jars, without the project's classes: the
 * uploaded job jar brings them) and the embedded trickle server. One cluster for the whole class;
 * every test cancels what it started. Restarts are off, so a failing job fails at once.
 */
class RemoteFlinkTargetITCase {
    private static final int SLOTS = 4;
    private static final String PASSTHROUGH = "io.flinktrickle.jobs.processors.Passthrough";

    @TempDir static Path home;
    private static TrickleServer trickle;
    private static RealFlinkCluster cluster;
    private static URI restUrl;
    private static RemoteFlinkTarget target;

    @BeforeAll
    static void startCluster() throws Exception {
        trickle = TrickleServer.builder().build().start();
        cluster =
                new RealFlinkCluster(
                                home,
                                SLOTS,
                                Map.of(
                                        "restart-strategy.type", "none",
                                        "classloader.parent-first-patterns.additional", "ai.djl."),
                                Map.of())
                        .classpath(io.flinktrickle.controlapi.testutils.ClusterClasspath.get());
        long start = System.nanoTime();
        cluster.start(1, SLOTS);
        System.out.printf("cluster ready in %d ms%n", millisSince(start));
        restUrl = URI.create(cluster.client().getWebInterfaceURL());
        target = RemoteFlinkTarget.builder().restUrl(restUrl).jobJar(jobJar()).build();
        start = System.nanoTime();
        target.open();
        System.out.printf("open (overview + jar upload) in %d ms%n", millisSince(start));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (target != null) {
            target.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (trickle != null) {
            trickle.close();
        }
    }

    @Test
    void openFailsClearlyWhenNothingListens() throws Exception {
        try (RefusedPort held = new RefusedPort()) {
            openFailsClearlyWhenNothingListensOn(held.port());
        }
    }

    private void openFailsClearlyWhenNothingListensOn(int port) throws Exception {
        RemoteFlinkTarget nowhere =
                RemoteFlinkTarget.builder()
                        .restUrl(URI.create("http://127.0.0.1:" + port))
                        .jobJar(jobJar())
                        .requestTimeout(Duration.ofSeconds(2))
                        .build();
        assertThatThrownBy(nowhere::open)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Flink at http://127.0.0.1:" + port + "/ is unreachable")
                .hasMessageContaining("GET /overview")
                .hasMessageContaining("ConnectException");
        assertThat(nowhere.isReachable()).isFalse();
        nowhere.close();
    }

    @Test
    void aJobManagerNameThatDoesNotResolveLeaksNothingAcrossTries() throws Exception {
        // As while a compose or k8s JobManager is not up yet: the sidecar asks every 2 s.
        RemoteFlinkTarget unresolved =
                RemoteFlinkTarget.builder()
                        .restUrl(URI.create("http://jobmanager.invalid:8081"))
                        .jobJar(jobJar())
                        .requestTimeout(Duration.ofSeconds(2))
                        .build();
        try {
            int afterFirst = -1;
            for (int i = 0; i < 6; i++) {
                assertThatThrownBy(unresolved::list).isInstanceOf(IOException.class);
                if (i == 0) {
                    afterFirst = openFiles();
                }
            }
            // A leaked client is a netty event loop group: selectors, each a few descriptors.
            assertThat(openFiles()).as("open file descriptors").isLessThanOrEqualTo(afterFirst + 5);
            assertThat(unresolved.isReachable()).isFalse();
        } finally {
            unresolved.close();
        }
    }

    /** This JVM's open file descriptors (Linux). */
    private static int openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    @Test
    void theBuilderRejectsBadSettings() throws Exception {
        Path jar = jobJar();
        assertThatThrownBy(() -> RemoteFlinkTarget.builder().jobJar(jar).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("restUrl must be an http(s) URL");
        assertThatThrownBy(
                        () ->
                                RemoteFlinkTarget.builder()
                                        .restUrl(URI.create("ftp://host:21"))
                                        .jobJar(jar)
                                        .build())
                .hasMessageContaining("restUrl must be an http(s) URL");
        assertThatThrownBy(
                        () ->
                                RemoteFlinkTarget.builder()
                                        .restUrl(restUrl)
                                        .jobJar(home.resolve("missing.jar"))
                                        .build())
                .hasMessageContaining("jobJar must be an existing .jar file");
        assertThatThrownBy(
                        () ->
                                RemoteFlinkTarget.builder()
                                        .restUrl(restUrl)
                                        .jobJar(jar)
                                        .requestTimeout(Duration.ZERO)
                                        .build())
                .hasMessageContaining("requestTimeout must be positive");
    }

    @Test
    void aStreamRunsIsListedAndIsCancelled() throws Exception {
        assertThat(target.isReachable()).isTrue();
        assertThat(target.describe()).contains(restUrl.toString()).contains("-job.jar");
        String name = "flink-trickle:s1";
        long start = System.nanoTime();
        String jobId = target.submit(name, streamArgs("s1", trickle.channelUri("s1")));
        System.out.printf("submit in %d ms%n", millisSince(start));
        try {
            awaitStatus(jobId, JobStatus.RUNNING);
            assertThat(target.list())
                    .anySatisfy(
                            j -> {
                                assertThat(j.id).isEqualTo(jobId);
                                assertThat(j.name).isEqualTo(name);
                                assertThat(j.status).isEqualTo(JobStatus.RUNNING);
                            });
            assertThat(target.failureCause(jobId)).isEmpty();
        } finally {
            target.cancel(jobId);
        }
        awaitStatus(jobId, JobStatus.CANCELED);
        target.cancel(jobId); // ended: left alone
        assertThat(target.failureCause(jobId)).isEmpty();
        String unknown = "0123456789abcdef0123456789abcdef";
        assertThat(target.status(unknown)).isEmpty();
        assertThat(target.failureCause(unknown)).isEmpty();
        target.cancel(unknown);
        assertThat(target.status("not-a-job-id")).isEmpty();
        assertThat(target.isReachable()).isTrue();
    }

    @Test
    void theJobOfARunThatGotNoAnswerIsCancelled() throws Exception {
        URI base = URI.create(restUrl + "/");
        try (FlinkRestCalls rest =
                new FlinkRestCalls(
                        base,
                        Duration.ofSeconds(10),
                        new org.apache.flink.configuration.Configuration())) {
            UploadedJobJar jar =
                    new UploadedJobJar(
                            jobJar(),
                            rest,
                            Duration.ofSeconds(10),
                            RemoteFlinkTarget.JAR_CALL_TIMEOUT);
            jar.upload();
            // Given up on at once: the JobManager goes on running the job's main and submits it.
            Throwable failure =
                    catchThrowable(
                            () ->
                                    jar.run(
                                            streamArgs("s5", trickle.channelUri("s5")),
                                            Duration.ofMillis(100)));
            assertThat(failure)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("is cancelled if the run submits it after all");
            String jobId = failure.getMessage().replaceAll(".*\\(job ([0-9a-f]{32}) .*", "$1");
            assertThat(jobId).matches("[0-9a-f]{32}");
            awaitStatus(jobId, JobStatus.CANCELED);
            System.out.printf("the unanswered run's job %s was cancelled%n", jobId);
        }
    }

    @Test
    void badArgumentsFailTheSubmissionWithTheJobsUsageError() throws Exception {
        List<String> args = new ArrayList<>(streamArgs("s2", trickle.channelUri("s2")));
        args.addAll(List.of("--width", "7"));
        assertThatThrownBy(() -> target.submit("flink-trickle:s2", args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flink-trickle:s2: the job's main threw")
                .hasMessageContaining("--width and --height must be even")
                .satisfies(
                        e -> {
                            System.out.printf("refused: %s%n", e.getMessage());
                            assertThat(e.getMessage()).doesNotContain("\tat ").hasSizeLessThan(600);
                        });
        assertThatThrownBy(() -> target.submit("another-name", args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--job-name another-name");
        assertThat(target.list()).noneMatch(j -> j.name.equals("flink-trickle:s2"));
    }

    @Test
    void aJarTheJobManagerLostIsUploadedAgain() throws Exception {
        List<String> before = uploadedJars();
        assertThat(before).isNotEmpty();
        for (String jar : before) { // what a JobManager restart without its upload dir does
            delete("/jars/" + jar);
        }
        String jobId =
                target.submit("flink-trickle:s3", streamArgs("s3", trickle.channelUri("s3")));
        try {
            awaitStatus(jobId, JobStatus.RUNNING);
            assertThat(uploadedJars()).hasSize(1).doesNotContainAnyElementsOf(before);
        } finally {
            target.cancel(jobId);
        }
        awaitStatus(jobId, JobStatus.CANCELED);
    }

    @Test
    void aFailedJobTellsWhy() throws Exception {
        try (RefusedPort held = new RefusedPort()) {
            URI nowhere = URI.create("http://127.0.0.1:" + held.port() + "/s4");
            String jobId = target.submit("flink-trickle:s4", streamArgs("s4", nowhere));
            long start = System.nanoTime();
            awaitStatus(jobId, JobStatus.FAILED);
            Optional<String> cause = target.failureCause(jobId);
            System.out.printf("failed in %d ms: %s%n", millisSince(start), cause.orElse("-"));
            assertThat(cause).hasValueSatisfying(c -> assertThat(c).contains(nowhere.toString()));
            assertThat(cause.get()).doesNotContain("\n");
            target.cancel(jobId); // FAILED: left alone
        }
    }

    /**
     * {@code bin/cluster submit --jar JAR ARGS} uploads that jar (a path relative to the caller's
     * directory), not the project's job jar, and runs its manifest's main class with the arguments.
     */
    @Test
    void binClusterSubmitRunsTheGivenJar(@TempDir Path dir) throws Exception {
        TestJars.compile(dir, "my-job.jar", Map.of("tiny.TinyJob", TINY_JOB), "tiny.TinyJob");
        // bin/cluster finds the cluster through $CLUSTER_HOME/rest.port, as its start writes it.
        Files.writeString(dir.resolve("rest.port"), Integer.toString(cluster.restPort()));
        String name = "my-own-job-" + System.nanoTime();
        Script run = binCluster(dir, "submit", "--jar", "my-job.jar", name);
        assertThat(run.exitCode).as(run.toString()).isZero();
        String jobId = new ObjectMapper().readTree(run.stdout).path("jobid").asText();
        awaitStatus(jobId, JobStatus.FINISHED);
        assertThat(cluster.rest("/jobs/" + jobId).path("name").asText()).isEqualTo(name);

        Script missing = binCluster(dir, "submit", "--jar", "nope.jar");
        assertThat(missing.exitCode).as(missing.toString()).isEqualTo(2);
        assertThat(missing.stderr).contains(dir.resolve("nope.jar") + " is not a file");
    }

    /** A job of its own: ten numbers into a discarding sink, named by its first argument. */
    private static final String TINY_JOB =
            String.join(
                    "\n",
                    "package tiny;",
                    "import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;",
                    "import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;",
                    "public class TinyJob {",
                    "  public static void main(String[] args) throws Exception {",
                    "    StreamExecutionEnvironment env =",
                    "        StreamExecutionEnvironment.getExecutionEnvironment();",
                    "    env.fromSequence(1, 10).sinkTo(new DiscardingSink<>());",
                    "    env.execute(args[0]);",
                    "  }",
                    "}");

    private static final class Script {
        final int exitCode;
        final String stdout;
        final String stderr;

        Script(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ", stdout: " + stdout + ", stderr: " + stderr;
        }
    }

    /** Runs the repository's {@code bin/cluster} in {@code dir}, with it as CLUSTER_HOME. */
    private static Script binCluster(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of("..", "bin", "cluster").toAbsolutePath().normalize().toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cluster", ".out");
        Path err = Files.createTempFile(dir, "cluster", ".err");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
        pb.environment().put("CLUSTER_HOME", dir.toString());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("bin/cluster did not end: " + Files.readString(err));
        }
        return new Script(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static List<String> streamArgs(String id, URI subscribe) {
        trickle.createChannel(id, TrickleProtocol.MIME_MPEGTS);
        String stream =
                "id="
                        + id
                        + ",subscribe="
                        + subscribe
                        + ",publish="
                        + trickle.channelUri(id + "-out");
        return List.of(
                "--stream",
                stream,
                "--job-name",
                "flink-trickle:" + id,
                "--processor",
                PASSTHROUGH,
                "--parallelism",
                "1");
    }

    private static void awaitStatus(String jobId, JobStatus expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Optional<JobStatus> status = target.status(jobId);
        while (!status.equals(Optional.of(expected))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(jobId + " is " + status + ", not " + expected);
            }
            Thread.sleep(200);
            status = target.status(jobId);
        }
    }

    private static List<String> uploadedJars() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode f : cluster.rest("/jars").path("files")) {
            ids.add(f.path("id").asText());
        }
        return ids;
    }

    private static void delete(String path) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(restUrl.resolve(path)).DELETE().build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("DELETE %s: %s", path, r.body()).isEqualTo(200);
    }

    private static Path jobJar() {
        Path jar =
                Path.of(
                        System.getProperty(
                                "flinktrickle.job.jar",
                                "../jobs/target/jobs-0.1.0-SNAPSHOT-job.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "no job jar at " + jar + ": run ./mvnw -q -o install -DskipTests");
        }
        return jar.toAbsolutePath();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
