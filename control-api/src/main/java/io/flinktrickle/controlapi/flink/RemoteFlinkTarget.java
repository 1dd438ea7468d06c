package io.flinktrickle.controlapi.flink;

import io.flinktrickle.jobs.live.JobArgs;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import org.apache.flink.runtime.rest.messages.ClusterOverviewHeaders;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobConfigHeaders;
import org.apache.flink.runtime.rest.messages.JobConfigInfo;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.MessageHeaders;
import org.apache.flink.runtime.rest.messages.ResponseBody;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultHeaders;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultResponseBody;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;
import org.apache.flink.shaded.netty4.io.netty.handler.codec.http.HttpResponseStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs the stream jobs on a remote Flink session cluster through its REST API, with Flink's own
 * clients ({@link FlinkRestCalls}): {@link #open()} uploads the shaded job jar once, and each
 * {@link #submit} runs it with the stream's arguments ({@link UploadedJobJar}); status, listing and
 * cancelling are {@link RestClusterClient}'s. Flink's errors become messages that say the call, the
 * HTTP status and the cause ({@link FlinkRestRefusal}); arguments the job's {@code main} rejects an
 * {@link IllegalArgumentException} naming the job and the job's usage error.
 *
 * <p>Threads: every method runs on its caller's thread and blocks until Flink answers, at most the
 * request timeout (the upload and a run at least {@link #JAR_CALL_TIMEOUT}: the run builds the job
 * graph in the JobManager); the REST clients' netty threads do the socket I/O and are closed by
 * {@link #close()}. The state is volatile or in the thread-safe {@link UploadedJobJar}.
 */
@PublicEvolving
public final class RemoteFlinkTarget implements FlinkTarget {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteFlinkTarget.class);

    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration JAR_CALL_TIMEOUT = Duration.ofSeconds(60);

    private static final String JOB_NAME_OPTION = "--job-name";

    private final URI base;
    private final Path jobJar;
    private final Duration requestTimeout;
    private final FlinkRestCalls rest;
    private final UploadedJobJar jar;
    private volatile boolean opened;

    private RemoteFlinkTarget(Builder b) {
        String url = b.restUrl.toString();
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.jobJar = b.jobJar;
        this.requestTimeout = b.requestTimeout;
        this.rest = new FlinkRestCalls(base, requestTimeout, b.configuration);
        Duration jarCallTimeout =
                requestTimeout.compareTo(JAR_CALL_TIMEOUT) > 0 ? requestTimeout : JAR_CALL_TIMEOUT;
        this.jar = new UploadedJobJar(b.jobJar, rest, requestTimeout, jarCallTimeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Checks that Flink answers ({@code GET /overview}) and uploads the job jar. */
    @Override
    public synchronized void open() throws Exception {
        opened = false;
        ClusterOverviewWithVersion overview =
                rest.send(
                        ClusterOverviewHeaders.getInstance(),
                        EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance(),
                        requestTimeout);
        LOG.info(
                "Flink {} at {}: {} TaskManagers, {} of {} slots free",
                overview.getVersion(),
                base,
                overview.getNumTaskManagersConnected(),
                overview.getNumSlotsAvailable(),
                overview.getNumSlotsTotal());
        jar.upload();
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
        return opened && rest.answered();
    }

    /**
     * Runs the job jar with {@code programArgs}.
     *
     * @throws IllegalArgumentException when the arguments do not name the job, or the job's {@code
     *     main} rejects them (its message: the job's usage error)
     * @throws FlinkRestRefusal when Flink refuses the run otherwise
     */
    @Override
    public String submit(String jobName, List<String> programArgs) throws Exception {
        if (Collections.indexOfSubList(programArgs, List.of(JOB_NAME_OPTION, jobName)) < 0) {
            throw new IllegalArgumentException(
                    "the program arguments must name the job: " + JOB_NAME_OPTION + " " + jobName);
        }
        JobID jobId;
        try {
            jobId = jar.run(programArgs);
        } catch (FlinkRestRefusal refused) {
            // The jar-run endpoint answers 400 when the job's main throws; it throws an
            // IllegalArgumentException for bad arguments.
            if (!refused.is(HttpResponseStatus.BAD_REQUEST)) {
                throw refused;
            }
            String threw = "the job's main threw " + refused.rootCause();
            if (refused.threw(IllegalArgumentException.class)) {
                throw new IllegalArgumentException(jobName + ": " + threw, refused);
            }
            throw refused.explained("running " + jobName, "the job's main threw ");
        }
        LOG.info("submitted {} to {}: job {}", jobName, base, jobId);
        return jobId.toHexString();
    }

    /**
     * From {@code /jobs/:jobid/status} ({@code /jobs/:jobid} lags up to web.refresh-interval, 3 s).
     * Flink answers 500 to it for a job it does not know: such a job is one it does not list.
     */
    @Override
    public Optional<JobStatus> status(String jobId) throws Exception {
        Optional<JobID> id = parse(jobId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    rest.call(
                            "GET /jobs/:jobid/status",
                            requestTimeout,
                            client -> client.getJobStatus(id.get())));
        } catch (FlinkRestRefusal refused) {
            if (refused.is(HttpResponseStatus.NOT_FOUND)
                    || list().stream().noneMatch(j -> j.id.equals(id.get().toHexString()))) {
                return Optional.empty();
            }
            throw refused;
        }
    }

    /** From {@code /jobs/:jobid}: each vertex counts as many RUNNING tasks as its parallelism. */
    @Override
    public boolean allTasksRunning(String jobId) throws Exception {
        Optional<JobID> id = parse(jobId);
        if (id.isEmpty()) {
            return false;
        }
        JobDetailsInfo details;
        try {
            details =
                    rest.call(
                            "GET /jobs/:jobid",
                            requestTimeout,
                            client -> client.getJobDetails(id.get()));
        } catch (FlinkRestRefusal refused) {
            if (refused.is(HttpResponseStatus.NOT_FOUND)) {
                return false;
            }
            throw refused;
        }
        return !details.getJobVertexInfos().isEmpty()
                && details.getJobVertexInfos().stream()
                        .allMatch(
                                v ->
                                        v.getTasksPerState().getOrDefault(ExecutionState.RUNNING, 0)
                                                == v.getParallelism());
    }

    /**
     * From the job's result ({@code /jobs/:jobid/execution-result}): empty while the job runs, and
     * for a job that did not fail; else its deepest cause with a message ({@link FailureCauses}).
     */
    @Override
    public Optional<String> failureCause(String jobId) throws Exception {
        Optional<JobExecutionResultResponseBody> result =
                jobCall(jobId, JobExecutionResultHeaders.getInstance());
        return result.filter(r -> r.getStatus().getId() == QueueStatus.Id.COMPLETED)
                .map(JobExecutionResultResponseBody::getJobExecutionResult)
                .flatMap(JobResult::getSerializedThrowable)
                .map(FailureCauses::of);
    }

    /** The job's {@code execution-config.user-config} from {@code GET /jobs/:jobid/config}. */
    @Override
    public Map<String, String> jobParameters(String jobId) throws Exception {
        return jobCall(jobId, JobConfigHeaders.getInstance())
                .map(JobConfigInfo::getExecutionConfigInfo)
                .map(JobConfigInfo.ExecutionConfigInfo::getGlobalJobParameters)
                .<Map<String, String>>map(LinkedHashMap::new)
                .orElseGet(LinkedHashMap::new);
    }

    @Override
    public List<JobSummary> list() throws Exception {
        List<JobSummary> jobs = new ArrayList<>();
        for (var j : rest.call("GET /jobs/overview", requestTimeout, client -> client.listJobs())) {
            jobs.add(new JobSummary(j.getJobId().toHexString(), j.getJobName(), j.getJobState()));
        }
        return jobs;
    }

    /** Flink answers 404 for a job it does not know, 409 for one that ended: both left alone. */
    @Override
    public void cancel(String jobId) throws Exception {
        Optional<JobID> id = parse(jobId);
        if (id.isEmpty()) {
            return; // unknown to any Flink
        }
        try {
            rest.call("PATCH /jobs/:jobid", requestTimeout, client -> client.cancel(id.get()));
        } catch (FlinkRestRefusal refused) {
            if (!refused.is(HttpResponseStatus.NOT_FOUND)
                    && !refused.is(HttpResponseStatus.CONFLICT)) {
                throw refused;
            }
        }
    }

    @Override
    public String describe() {
        String jarId = jar.id();
        return "Flink session cluster at "
                + base
                + (jarId == null ? "" : " (job jar " + jarId + ")");
    }

    /** Deletes the uploaded jar (best effort) and closes the REST clients. */
    @Override
    public synchronized void close() {
        opened = false;
        try {
            jar.delete();
        } finally {
            rest.close();
        }
    }

    /**
     * A {@code GET /jobs/:jobid/...} of {@code headers}; empty when Flink does not know the job.
     */
    private <P extends ResponseBody> Optional<P> jobCall(
            String jobId, MessageHeaders<EmptyRequestBody, P, JobMessageParameters> headers)
            throws Exception {
        Optional<JobID> id = parse(jobId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        JobMessageParameters parameters = new JobMessageParameters();
        parameters.jobPathParameter.resolve(id.get());
        try {
            return Optional.of(
                    rest.send(headers, parameters, EmptyRequestBody.getInstance(), requestTimeout));
        } catch (FlinkRestRefusal refused) {
            if (refused.is(HttpResponseStatus.NOT_FOUND)) {
                return Optional.empty();
            }
            throw refused;
        }
    }

    /** The job id, or empty for a string no Flink job id can be. */
    private static Optional<JobID> parse(String jobId) {
        try {
            return Optional.of(JobID.fromHexString(jobId));
        } catch (IllegalArgumentException notAJobId) {
            return Optional.empty();
        }
    }

    /** Builds a {@link RemoteFlinkTarget}; {@link #build()} checks the values. */
    public static final class Builder {
        private URI restUrl;
        private Path jobJar;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Configuration configuration = new Configuration();

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

        /**
         * Further settings of Flink's REST client, e.g. {@code security.ssl.rest.truststore} for an
         * https address (default none).
         */
        public Builder clientConfiguration(Configuration configuration) {
            this.configuration = Objects.requireNonNull(configuration, "configuration");
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
