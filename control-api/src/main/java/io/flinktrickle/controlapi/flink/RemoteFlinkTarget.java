package io.flinktrickle.controlapi.flink;

import io.flinktrickle.jobs.live.JobArgs;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobStatus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the stream jobs on a remote Flink session cluster through its REST API: {@link #open()}
 * uploads the shaded job jar once ({@code POST /jars/upload}), and each {@link #submit} runs it
 * with the stream's arguments ({@code POST /jars/<id>/run}, the job's {@code main} runs inside the
 * JobManager). The calls are written by hand on the JDK's {@link HttpClient} rather than with
 * Flink's {@code RestClusterClient}, which submits a JobGraph together with its jars: a 37 MB
 * upload per stream start, where the jar-run endpoint takes only the arguments. A JobManager that
 * lost its upload directory (a restart) gets the jar again, once, when a run says it is gone.
 *
 * <p>Threads: every method runs on its caller's thread and blocks in {@link HttpClient#send},
 * bounded by the request timeout (upload and run by at least {@link #JAR_CALL_TIMEOUT}: the run
 * builds the job graph in the JobManager); the client's own daemon thread does the socket I/O. The
 * mutable state is volatile (the jar id, the reachability flags), and uploads hold this object's
 * lock, so concurrent submissions that find the jar gone upload it once.
 */
@PublicEvolving
public final class RemoteFlinkTarget implements FlinkTarget {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteFlinkTarget.class);

    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration JAR_CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_ERROR_CHARS = 500;
    private static final String JAR_FIELD = "jarfile";

    /** Flink's answer (HTTP 500 in 2.3) to a run of a jar its upload directory no longer has. */
    private static final String JAR_MISSING = "does not exist";

    /** Flink's answer (HTTP 500) to {@code /jobs/<id>/status} of a job it does not know. */
    private static final String JOB_NOT_FOUND = "FlinkJobNotFoundException";

    private static final Pattern JOB_ID = Pattern.compile("[0-9a-fA-F]{32}");

    /** A stack trace's exception line with a message: {@code [Caused by: ]pkg.Class: message}. */
    private static final Pattern EXCEPTION_LINE =
            Pattern.compile("(?:Caused by: )?(?:[a-zA-Z_$][\\w$]*\\.)+([A-Z][\\w$]*): (\\S.*)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Path jobJar;
    private final Duration requestTimeout;
    private final HttpClient http;
    private volatile String jarId;
    private volatile boolean opened;
    private volatile boolean answered;

    private RemoteFlinkTarget(Builder b) {
        String url = b.restUrl.toString();
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.jobJar = b.jobJar;
        this.requestTimeout = b.requestTimeout;
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(requestTimeout)
                        .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized void open() throws Exception {
        opened = false;
        JsonNode overview = json(send(request("overview"), requestTimeout), "GET /overview");
        LOG.info("Flink at {}: {}", base, overview);
        jarId = upload();
        opened = true;
    }

    /** The class must be in the job jar: the cluster loads the processor from it. */
    @Override
    public void checkProcessor(String processorClass) {
        JobJarCheck.processorIn(jobJar, processorClass);
    }

    /**
     * The processor class is not looked up here: it is in the job jar ({@link #checkProcessor}).
     */
    @Override
    public JobArgs parseArguments(List<String> programArgs) throws JobArgs.UsageException {
        return JobArgs.parse((ClassLoader) null, programArgs.toArray(new String[0]));
    }

    @Override
    public boolean isReachable() {
        return opened && answered;
    }

    @Override
    public String submit(String jobName, List<String> programArgs) throws Exception {
        if (Collections.indexOfSubList(programArgs, List.of("--job-name", jobName)) < 0) {
            throw new IllegalArgumentException(
                    "the program arguments must name the job: --job-name " + jobName);
        }
        String jar = jarId != null ? jarId : reupload(null);
        HttpResponse<String> r = run(jar, programArgs);
        if (!ok(r) && r.body().contains(jar) && r.body().contains(JAR_MISSING)) {
            LOG.warn("the JobManager lost the job jar {}; uploading it again", jar);
            r = run(reupload(jar), programArgs);
        }
        if (!ok(r)) {
            // The job's main rejects bad arguments with an IllegalArgumentException (HTTP 400).
            if (r.statusCode() == 400 && r.body().contains("java.lang.IllegalArgumentException")) {
                throw new IllegalArgumentException(jobName + ": " + summarize(errors(r)));
            }
            throw refused(r, "running " + jobName);
        }
        String jobId = JSON.readTree(r.body()).path("jobid").asText();
        LOG.info("submitted {} to {}: job {}", jobName, base, jobId);
        return jobId;
    }

    /** From {@code /jobs/<id>/status}: {@code /jobs/<id>} lags up to web.refresh-interval (3 s). */
    @Override
    public Optional<JobStatus> status(String jobId) throws Exception {
        return job(jobId, "/status").map(j -> JobStatus.valueOf(j.path("status").asText()));
    }

    /** From {@code /jobs/<id>}: each vertex counts as many RUNNING tasks as its parallelism. */
    @Override
    public boolean allTasksRunning(String jobId) throws Exception {
        Optional<JsonNode> job = job(jobId, "");
        if (job.isEmpty() || job.get().path("vertices").size() == 0) {
            return false;
        }
        for (JsonNode vertex : job.get().path("vertices")) {
            int parallelism = vertex.path("parallelism").asInt(-1);
            if (vertex.path("tasks").path("RUNNING").asInt(0) != parallelism) {
                return false;
            }
        }
        return true;
    }

    /**
     * From the job's result ({@code /jobs/<id>/execution-result}, as {@code RestClusterClient}
     * reads it): empty while the job runs, and for a job that did not fail.
     */
    @Override
    public Optional<String> failureCause(String jobId) throws Exception {
        return job(jobId, "/execution-result")
                .map(r -> r.path("job-execution-result").path("failure-cause"))
                .filter(cause -> cause.has("stack-trace"))
                .map(cause -> summarize(cause.path("stack-trace").asText()));
    }

    /** The job's {@code execution-config.user-config} from {@code GET /jobs/<jid>/config}. */
    @Override
    public java.util.Map<String, String> jobParameters(String jobId) throws Exception {
        java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>();
        job(jobId, "/config")
                .map(c -> c.path("execution-config").path("user-config"))
                .ifPresent(
                        u ->
                                u.fields()
                                        .forEachRemaining(
                                                f ->
                                                        parameters.put(
                                                                f.getKey(),
                                                                f.getValue().asText())));
        return parameters;
    }

    @Override
    public List<JobSummary> list() throws Exception {
        JsonNode overview =
                json(send(request("jobs/overview"), requestTimeout), "GET /jobs/overview");
        List<JobSummary> jobs = new ArrayList<>();
        for (JsonNode j : overview.path("jobs")) {
            jobs.add(
                    new JobSummary(
                            j.path("jid").asText(),
                            j.path("name").asText(),
                            JobStatus.valueOf(j.path("state").asText())));
        }
        return jobs;
    }

    @Override
    public void cancel(String jobId) throws Exception {
        if (!JOB_ID.matcher(jobId).matches()) {
            return; // unknown to any Flink
        }
        HttpResponse<String> r =
                send(
                        request("jobs/" + jobId + "?mode=cancel")
                                .method("PATCH", BodyPublishers.noBody()),
                        requestTimeout);
        // 404: unknown (or long gone); 409: already FINISHED or FAILED. Both are left alone.
        if (!ok(r) && r.statusCode() != 404 && r.statusCode() != 409) {
            throw refused(r, "cancelling " + jobId);
        }
    }

    @Override
    public String describe() {
        String jar = jarId;
        return "Flink session cluster at " + base + (jar == null ? "" : " (job jar " + jar + ")");
    }

    /** Deletes the uploaded jar (best effort: running jobs keep their own copy in the blobs). */
    @Override
    public synchronized void close() {
        String jar = jarId;
        jarId = null;
        opened = false;
        if (jar != null) {
            try {
                send(request("jars/" + jar).DELETE(), requestTimeout);
            } catch (IOException | InterruptedException | RuntimeException e) {
                LOG.info("could not delete the job jar {} at {}: {}", jar, base, e.toString());
            }
        }
    }

    private HttpResponse<String> run(String jar, List<String> programArgs) throws Exception {
        String body = JSON.writeValueAsString(Map.of("programArgsList", programArgs));
        return send(
                request("jars/" + jar + "/run")
                        .header("Content-Type", "application/json")
                        .POST(BodyPublishers.ofString(body)),
                jarCallTimeout());
    }

    /** Uploads the jar again unless another thread already replaced {@code stale}. */
    private synchronized String reupload(String stale) throws Exception {
        if (jarId == null || jarId.equals(stale)) {
            jarId = upload();
        }
        return jarId;
    }

    private String upload() throws Exception {
        String boundary = "flink-trickle-" + UUID.randomUUID();
        String head =
                String.format(
                        "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                                + "Content-Type: application/java-archive\r\n\r\n",
                        boundary, JAR_FIELD, jobJar.getFileName());
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.Builder post =
                request("jars/upload")
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                BodyPublishers.concat(
                                        BodyPublishers.ofString(head, StandardCharsets.UTF_8),
                                        BodyPublishers.ofFile(jobJar),
                                        BodyPublishers.ofString(tail, StandardCharsets.UTF_8)));
        HttpResponse<String> r = send(post, jarCallTimeout());
        if (r.statusCode() == 404) {
            throw refused(r, "the jar upload (no flink-runtime-web, or web.submit.enable false?)");
        }
        String path = json(r, "the jar upload").path("filename").asText();
        String id = Path.of(path).getFileName().toString(); // <id>_<name>.jar
        LOG.info("uploaded {} ({} MB) to {} as {}", jobJar, Files.size(jobJar) >> 20, base, id);
        return id;
    }

    /** {@code GET /jobs/<id><suffix>} as JSON; empty when Flink does not know the job. */
    private Optional<JsonNode> job(String jobId, String suffix) throws Exception {
        if (!JOB_ID.matcher(jobId).matches()) {
            return Optional.empty();
        }
        HttpResponse<String> r = send(request("jobs/" + jobId + suffix), requestTimeout);
        boolean unknown = r.statusCode() == 404 || (!ok(r) && r.body().contains(JOB_NOT_FOUND));
        return unknown ? Optional.empty() : Optional.of(json(r, "GET /jobs/" + jobId + suffix));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path));
    }

    private Duration jarCallTimeout() {
        return requestTimeout.compareTo(JAR_CALL_TIMEOUT) > 0 ? requestTimeout : JAR_CALL_TIMEOUT;
    }

    /** Sends; a connection error or timeout marks the cluster unreachable, an answer reachable. */
    private HttpResponse<String> send(HttpRequest.Builder builder, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest request = builder.timeout(timeout).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            answered = true;
            return r;
        } catch (IOException e) {
            answered = false;
            String call = request.method() + " " + request.uri().getPath();
            throw new IOException("Flink at " + base + " is unreachable: " + call + ": " + e, e);
        }
    }

    private static JsonNode json(HttpResponse<String> r, String what) throws IOException {
        if (!ok(r)) {
            throw refused(r, what);
        }
        return JSON.readTree(r.body());
    }

    private static IOException refused(HttpResponse<String> r, String what) {
        String reason = summarize(errors(r));
        return new IOException(
                String.format("Flink refused %s (HTTP %d): %s", what, r.statusCode(), reason));
    }

    private static boolean ok(HttpResponse<String> r) {
        return r.statusCode() / 100 == 2;
    }

    /** Flink's {@code {"errors":[…]}}, joined; the raw body when it is not that. */
    private static String errors(HttpResponse<String> r) {
        try {
            JsonNode errors = JSON.readTree(r.body()).path("errors");
            List<String> all = new ArrayList<>();
            errors.forEach(e -> all.add(e.asText()));
            return all.isEmpty() ? r.body() : String.join("\n", all);
        } catch (IOException notJson) {
            return r.body();
        }
    }

    /**
     * The readable part of a Java stack trace: the deepest exception line with a message (the root
     * cause, e.g. {@code UsageException: --width and --height must be even}), as {@code SimpleName:
     * message}; else the first line. At most {@link #MAX_ERROR_CHARS}.
     */
    static String summarize(String trace) {
        String found = null;
        for (String line : trace.split("\n")) {
            Matcher m = EXCEPTION_LINE.matcher(line);
            if (m.matches()) {
                found = m.group(1) + ": " + m.group(2);
            }
        }
        String s = found != null ? found : trace.strip().lines().findFirst().orElse("(no message)");
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS) + "…";
    }

    public static final class Builder {
        private URI restUrl;
        private Path jobJar;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Builder() {}

        /** The JobManager's REST address, e.g. {@code http://flink-jobmanager:8081}. */
        public Builder restUrl(URI restUrl) {
            this.restUrl = restUrl;
            return this;
        }

        /** The shaded job jar ({@code jobs-*-job.jar}) to upload. */
        public Builder jobJar(Path jobJar) {
            this.jobJar = jobJar;
            return this;
        }

        /** Bound of every REST call and of connecting (default 10 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public RemoteFlinkTarget build() {
            require(
                    restUrl != null
                            && restUrl.getHost() != null
                            && List.of("http", "https").contains(restUrl.getScheme()),
                    "restUrl must be an http(s) URL with a host (http://jobmanager:8081) but is "
                            + restUrl);
            require(
                    jobJar != null
                            && Files.isRegularFile(jobJar)
                            && jobJar.getFileName().toString().endsWith(".jar"),
                    "jobJar must be an existing .jar file (the shaded jobs-*-job.jar, built by"
                            + " ./mvnw install -DskipTests) but is "
                            + jobJar);
            require(
                    requestTimeout != null && requestTimeout.compareTo(Duration.ZERO) > 0,
                    "requestTimeout must be positive but is " + requestTimeout);
            return new RemoteFlinkTarget(this);
        }

        private static void require(boolean valid, String message) {
            if (!valid) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
