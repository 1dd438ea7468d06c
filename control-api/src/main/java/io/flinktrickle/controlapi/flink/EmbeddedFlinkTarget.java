package io.flinktrickle.controlapi.flink;

import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.jobs.live.LiveVideoToVideoJob;
import io.flinktrickle.jobs.live.ProcessorJars;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.messages.FlinkJobNotFoundException;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.ExceptionUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the stream jobs in a Flink MiniCluster inside the sidecar's JVM (the default, as the demo
 * does): one TaskManager with {@code slots} slots. Job graphs are built here, from the same {@link
 * LiveVideoToVideoJob#build} a cluster submission runs, so bad arguments fail in {@link #submit}
 * with the job's own usage message. A processor author's jars ({@link ProcessorJars}) go with each
 * job graph as its user jars, so the tasks load the processor through Flink's user-code class
 * loader, as on a session cluster; the graph is built with a class loader over them.
 *
 * <p>{@link #close} cancels the jobs still running and waits for them to end before it closes the
 * cluster: a cluster closed under running tasks fails them ("The TaskExecutor is shutting down", a
 * WARN with a stack trace per task at every sidecar stop) instead of cancelling them.
 *
 * <p>Threads: every method may be called from any thread; the MiniCluster is thread-safe, and calls
 * wait for its futures at most {@link #TIMEOUT_SECONDS}.
 */
@PublicEvolving
public final class EmbeddedFlinkTarget implements FlinkTarget {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFlinkTarget.class);

    static final long TIMEOUT_SECONDS = 30;

    /**
     * How long {@link #close} waits for the cancelled jobs to end, all together (they take under a
     * second; a container runtime kills a container 10 s after its stop signal by default).
     */
    static final long CANCEL_WAIT_SECONDS = 5;

    private final int slots;
    private final Configuration configuration;
    private final ProcessorJars jars;

    /** Flink's Prometheus reporter port, or -1 (none). */
    private final int metricsPort;

    private volatile MiniCluster cluster;

    /** The jobs {@link #close} cancelled, and how each ended (null: not within the wait). */
    private final Map<String, JobStatus> cancelledAtClose = new LinkedHashMap<>();

    private EmbeddedFlinkTarget(Builder b) {
        this.slots = b.slots;
        this.jars = ProcessorJars.of(b.processorJars);
        this.configuration = jars.configure(new Configuration(b.configuration));
        // No fixed REST port: a real cluster's 8081 may be taken on this host.
        this.configuration.set(RestOptions.BIND_PORT, "0");
        // flink-runtime-web is on the classpath for RemoteFlinkTarget's jar messages: this
        // cluster's REST endpoint must still take no jar uploads (code from whoever reaches it).
        if (!b.configuration.contains(WebOptions.SUBMIT_ENABLE)) {
            this.configuration.set(WebOptions.SUBMIT_ENABLE, false);
        }
        this.metricsPort =
                b.metricsPort < 0
                        ? -1
                        : FlinkPrometheusReporter.configure(configuration, b.metricsPort);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Looks the class up on this JVM's classpath and in the processor jars, and creates one. */
    @Override
    public void checkProcessor(String processorClass) {
        try {
            JobArgs.checkProcessor(jars.classLoader(), processorClass);
        } catch (JobArgs.UsageException e) {
            throw new IllegalArgumentException(
                    "PROCESSOR "
                            + processorClass
                            + ": "
                            + e.getMessage().replaceFirst("^--processor: ", "")
                            + (jars.jars().isEmpty()
                                    ? " (not on the sidecar's classpath; give its jar with"
                                            + " --processor-jar)"
                                    : " (looked up on the sidecar's classpath and in"
                                            + " PROCESSOR_JAR "
                                            + jars
                                            + ")"),
                    e);
        }
    }

    @Override
    public JobArgs parseArguments(List<String> programArgs) throws JobArgs.UsageException {
        return JobArgs.parse(jars.classLoader(), programArgs.toArray(new String[0]));
    }

    @Override
    public synchronized void open() throws Exception {
        if (cluster != null) {
            return;
        }
        MiniCluster mc =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(configuration)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(slots)
                                .build());
        mc.start();
        cluster = mc;
    }

    @Override
    public boolean isReachable() {
        MiniCluster mc = cluster;
        return mc != null && mc.isRunning();
    }

    @Override
    public String submit(String jobName, List<String> programArgs) throws Exception {
        JobArgs args;
        try {
            args = parseArguments(programArgs);
        } catch (JobArgs.UsageException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        StreamExecutionEnvironment env =
                new StreamExecutionEnvironment(new Configuration(), jars.classLoader());
        LiveVideoToVideoJob.build(env, args);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        JobGraph job = graph.getJobGraph(jars.classLoader());
        // What pipeline.jars gives a job: uploaded with it, loaded by its user-code class loader.
        job.addJars(jars.urls());
        return get(running().submitJob(job)).getJobID().toHexString();
    }

    @Override
    public Optional<JobStatus> status(String jobId) throws Exception {
        try {
            return Optional.of(get(running().getJobStatus(JobID.fromHexString(jobId))));
        } catch (ExecutionException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public boolean allTasksRunning(String jobId) throws Exception {
        var graph = get(running().getExecutionGraph(JobID.fromHexString(jobId)));
        for (var vertex : graph.getAllExecutionVertices()) {
            if (vertex.getExecutionState()
                    != org.apache.flink.runtime.execution.ExecutionState.RUNNING) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Optional<String> failureCause(String jobId) throws Exception {
        JobResult result = get(running().requestJobResult(JobID.fromHexString(jobId)));
        return result.getSerializedThrowable()
                .map(t -> t.deserializeError(jars.classLoader()))
                .map(t -> ExceptionUtils.stripExecutionException(t))
                .map(EmbeddedFlinkTarget::rootMessage);
    }

    @Override
    public List<JobSummary> list() throws Exception {
        List<JobSummary> jobs = new ArrayList<>();
        for (var j : get(running().listJobs())) {
            jobs.add(new JobSummary(j.getJobId().toHexString(), j.getJobName(), j.getJobState()));
        }
        return jobs;
    }

    @Override
    public void cancel(String jobId) throws Exception {
        try {
            get(running().cancelJob(JobID.fromHexString(jobId)));
        } catch (ExecutionException e) {
            if (!isNotFound(e)
                    && status(jobId).map(s -> !s.isGloballyTerminalState()).orElse(false)) {
                throw e;
            }
        }
    }

    /** The MiniCluster, and its jobs, end with the sidecar's JVM. */
    @Override
    public boolean outlivesSidecar() {
        return false;
    }

    @Override
    public String describe() {
        return "embedded MiniCluster ("
                + slots
                + " slots"
                + (metricsPort < 0 ? "" : ", Prometheus metrics on port " + metricsPort)
                + ")";
    }

    /** The port of Flink's Prometheus reporter, if it has one. */
    public java.util.OptionalInt metricsPort() {
        return metricsPort < 0
                ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(metricsPort);
    }

    @Override
    public synchronized void close() throws Exception {
        MiniCluster mc = cluster;
        cluster = null;
        try {
            if (mc != null) {
                if (mc.isRunning()) {
                    cancelAll(mc);
                }
                mc.closeAsync().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            jars.close();
        }
    }

    /** Cancels every job that has not ended and waits up to {@link #CANCEL_WAIT_SECONDS}. */
    private void cancelAll(MiniCluster mc) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CANCEL_WAIT_SECONDS);
        try {
            List<JobID> cancelled = new ArrayList<>();
            for (var job : get(mc.listJobs())) {
                if (!job.getJobState().isGloballyTerminalState()) {
                    mc.cancelJob(job.getJobId());
                    cancelled.add(job.getJobId());
                    cancelledAtClose.put(job.getJobId().toHexString(), null);
                }
            }
            for (JobID id : cancelled) {
                long left = Math.max(0, deadline - System.nanoTime());
                JobStatus end =
                        mc.requestJobResult(id)
                                .get(left, TimeUnit.NANOSECONDS)
                                .getJobStatus()
                                .orElse(null);
                cancelledAtClose.put(id.toHexString(), end);
                LOG.info("job {} ended {} (cancelled: the sidecar stops)", id, end);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn(
                    "cancelled jobs did not end within {} s; closing the cluster under them",
                    CANCEL_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("cancelling the jobs before the cluster closes failed", e);
        }
    }

    /** The jobs {@link #close} cancelled, and how each ended (null: not within the wait). */
    @VisibleForTesting
    synchronized Map<String, JobStatus> cancelledAtClose() {
        return new LinkedHashMap<>(cancelledAtClose);
    }

    private MiniCluster running() {
        MiniCluster mc = cluster;
        if (mc == null || !mc.isRunning()) {
            throw new IllegalStateException("the embedded MiniCluster is not running");
        }
        return mc;
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static boolean isNotFound(Throwable t) {
        return ExceptionUtils.findThrowable(t, FlinkJobNotFoundException.class).isPresent();
    }

    /** Builds an {@link EmbeddedFlinkTarget}; {@link #build()} checks the values. */
    public static final class Builder {
        private int slots = 1;
        private Configuration configuration = new Configuration();
        private List<Path> processorJars = List.of();
        private int metricsPort = -1;

        private Builder() {}

        /** Task slots (runner slots, or streams × parallelism); default 1. */
        public Builder slots(int slots) {
            this.slots = slots;
            return this;
        }

        /** Extra Flink settings of the MiniCluster. */
        public Builder configuration(Configuration configuration) {
            this.configuration = Objects.requireNonNull(configuration, "configuration");
            return this;
        }

        /** A processor author's jars, the jobs' user jars (default none). */
        public Builder processorJars(List<Path> processorJars) {
            this.processorJars = List.copyOf(processorJars);
            return this;
        }

        /**
         * Flink's Prometheus reporter on this port ({@link FlinkPrometheusReporter}; 0: any free
         * port; default -1: none).
         */
        public Builder metricsPort(int metricsPort) {
            this.metricsPort = metricsPort;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a slot count below 1, a jar that is no file, or a
         *     metrics port in use
         */
        public EmbeddedFlinkTarget build() {
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be positive but is " + slots);
            }
            return new EmbeddedFlinkTarget(this);
        }
    }

    static String rootMessage(Throwable t) {
        Throwable root = ExceptionUtils.stripCompletionException(t);
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
