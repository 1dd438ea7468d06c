package io.flinktrickle.controlapi.flink;

import io.flinktrickle.jobs.live.JobArgs;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobStatus;

import java.util.List;
import java.util.Optional;

/**
 * Where the sidecar runs its stream jobs: an embedded MiniCluster ({@link EmbeddedFlinkTarget}) or
 * a remote session cluster through its REST API ({@link RemoteFlinkTarget}). Every stream is one
 * {@code LiveVideoToVideoJob}, submitted with its program arguments and named so that a restarted
 * sidecar finds its jobs again ({@link #list()}).
 *
 * <p>Threads: implementations are thread-safe; every call blocks, bounded by the target's timeouts,
 * and is made off Javalin's request threads where it may be slow (submission).
 */
@PublicEvolving
public interface FlinkTarget extends AutoCloseable {

    /**
     * Makes the target ready: starts the MiniCluster, or checks the remote cluster and uploads the
     * job jar. Throws when the target cannot be reached; may be called again after a failure.
     */
    void open() throws Exception;

    /**
     * Checks, at the sidecar's launch, that the processor class is where this target's jobs load it
     * from: this JVM's classpath or the processor jars (embedded), the job jar (remote).
     *
     * @throws IllegalArgumentException naming the class and where it was looked for
     */
    void checkProcessor(String processorClass);

    /**
     * Parses and checks a job's program arguments with the job's own parser, the processor class
     * looked up where this target can see it (a remote cluster's job jar is checked once, by {@link
     * #checkProcessor}).
     */
    JobArgs parseArguments(List<String> programArgs) throws JobArgs.UsageException;

    /** Whether {@link #open()} succeeded and the target answered its last call. */
    boolean isReachable();

    /**
     * Submits a {@code LiveVideoToVideoJob} named {@code jobName} with {@code programArgs} (as its
     * {@code main} receives them); returns the job id (hex).
     */
    String submit(String jobName, List<String> programArgs) throws Exception;

    /** The job's status, or empty when the target does not know the job. */
    Optional<JobStatus> status(String jobId) throws Exception;

    /**
     * Whether every task of the job runs (each has opened its operators: a processor that loads a
     * model in {@code open} has loaded it).
     */
    boolean allTasksRunning(String jobId) throws Exception;

    /** Why a failed job failed (the root exception's message), when the target tells. */
    Optional<String> failureCause(String jobId) throws Exception;

    /** All jobs the target knows (running and recently ended). */
    List<JobSummary> list() throws Exception;

    /**
     * The job's global job parameters (its {@code user-config}; {@code LiveVideoToVideoJob} lists
     * its streams' channels there), empty when unknown.
     */
    default java.util.Map<String, String> jobParameters(String jobId) throws Exception {
        return java.util.Map.of();
    }

    /** Whether jobs outlive the sidecar (a remote cluster), so a restarted one adopts them. */
    default boolean outlivesSidecar() {
        return true;
    }

    /** Cancels the job; a job that already ended is left alone. */
    void cancel(String jobId) throws Exception;

    /** For logs and the API: e.g. {@code embedded MiniCluster (4 slots)} or the REST address. */
    String describe();

    /** One job as the target lists it. */
    final class JobSummary {
        public final String id;
        public final String name;
        public final JobStatus status;

        public JobSummary(String id, String name, JobStatus status) {
            this.id = id;
            this.name = name;
            this.status = status;
        }

        @Override
        public String toString() {
            return name + " (" + id + ", " + status + ")";
        }
    }
}
