package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.flink.FlinkTarget;

import org.apache.flink.api.common.JobStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Follows Flink for the {@link StreamManager}: connects to the target (retrying every {@link
 * #TARGET_CHECK}, adopting running jobs the first time), notices when it becomes unreachable and
 * reachable again, and polls each stream job's status, so that the runner state follows the jobs'
 * real status (RUNNING → OK; FINISHED or CANCELED → the stream ends; FAILED → ERROR with the cause;
 * not running within the start timeout → ERROR).
 *
 * <p>Threads: {@link #checkTarget} and {@link #poll} run on the manager's scheduler thread (and
 * {@code checkTarget} once on the starting thread); stream endings are handed to the worker pool.
 */
final class JobWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(JobWatcher.class);

    static final Duration TARGET_CHECK = Duration.ofSeconds(2);

    /** How long a finished stream job's events channel is waited for (its last events). */
    private static final Duration FINISHED_EVENTS_WAIT = Duration.ofSeconds(2);

    private final StreamManager manager;
    private final FlinkTarget target;
    private final Executor workers;
    private final Object connectLock = new Object();
    private volatile boolean ready;
    private volatile String targetError;
    private int readyPolls;
    private int healthyChecks;

    /** A reachable target is asked every this many {@link #TARGET_CHECK}s. */
    private static final int HEALTHY_CHECK_EVERY = 5;

    JobWatcher(StreamManager manager, FlinkTarget target, Executor workers) {
        this.manager = manager;
        this.target = target;
        this.workers = workers;
    }

    /** Whether the target was reached once (jobs adopted). */
    boolean isReady() {
        return ready;
    }

    /** Why the target is unreachable now, or null. */
    String targetError() {
        return targetError;
    }

    void checkTarget() {
        if (ready && targetError == null && ++healthyChecks % HEALTHY_CHECK_EVERY != 0) {
            // Reachable: asked less often (an idle runner costs nothing), a relaunch stays due.
            if (manager.runnerLink() != null) {
                manager.runnerLink().launchIfDue();
            }
            return;
        }
        synchronized (connectLock) {
            try {
                if (!ready) {
                    // Adopt first (a few REST reads), then upload the job jar: running jobs find
                    // their sidecar channels as early as possible.
                    if (target.outlivesSidecar()) {
                        JobAdoption.adopt(manager, target);
                    }
                    target.open();
                    ready = true;
                    LOG.info("Flink target ready: {}", target.describe());
                } else {
                    target.list();
                }
                if (targetError != null) {
                    LOG.info("Flink target {} is reachable again", target.describe());
                }
                targetError = null;
            } catch (Exception e) {
                String error =
                        "Flink "
                                + target.describe()
                                + " is unreachable: "
                                + StreamException.messageOf(e);
                if (!error.equals(targetError)) {
                    LOG.warn(error);
                }
                targetError = error;
            }
        }
        if (ready && targetError == null && manager.runnerLink() != null) {
            manager.runnerLink().launchIfDue();
        }
    }

    void poll() {
        RunnerJob runner = manager.runner();
        if (runner != null) {
            if (runner.isReady() && ++readyPolls % StreamManager.READY_POLL_EVERY != 0) {
                timeouts(manager.streams());
                return;
            }
            try {
                String failed = runner.poll();
                if (failed != null) {
                    manager.runnerLink().failed(failed);
                }
            } catch (Exception e) {
                LOG.debug("Runner job {}: status: {}", runner.jobId(), e.toString());
            }
            timeouts(manager.streams());
            manager.runnerLink().failSilent();
            return;
        }
        List<ManagedStream> streams = manager.streams();
        for (ManagedStream s : streams) {
            if (s.phase.isActive() && s.jobId != null) {
                try {
                    onStatus(s, target.status(s.jobId).orElse(null));
                } catch (Exception e) {
                    LOG.debug("Stream {}: status of job {}: {}", s.id, s.jobId, e.toString());
                }
            }
        }
        timeouts(streams);
    }

    /** Streams not running within the start timeout fail; failed ones held too long go. */
    private void timeouts(List<ManagedStream> streams) {
        long now = System.nanoTime();
        Duration startTimeout = manager.config().startTimeout;
        for (ManagedStream s : streams) {
            if (s.phase == ManagedStream.Phase.STARTING
                    && now - s.startedNanos > startTimeout.toNanos()
                    && s.ending.compareAndSet(false, true)) {
                workers.execute(() -> failStart(s, startTimeout));
            }
        }
        manager.expireFailed();
    }

    /** Hands the stream's end to a worker, once. */
    private void endOnce(ManagedStream s, ManagedStream.Phase phase, String error) {
        if (s.ending.compareAndSet(false, true)) {
            workers.execute(() -> manager.end(s, phase, error));
        }
    }

    private void onStatus(ManagedStream s, JobStatus status) throws Exception {
        if (status == null) {
            endOnce(s, ManagedStream.Phase.FAILED, "the job is gone from the cluster");
            return;
        }
        switch (status) {
            case RUNNING:
                manager.markRunning(s);
                break;
            case FINISHED:
            case CANCELED:
                if (s.ending.compareAndSet(false, true)) {
                    workers.execute(() -> endFinished(s));
                }
                break;
            case FAILED:
                if (!s.ending.get()) {
                    String cause = target.failureCause(s.jobId).orElse("no cause reported");
                    endOnce(s, ManagedStream.Phase.FAILED, "job failed: " + cause);
                }
                break;
            default:
                // CREATED, INITIALIZING, RESTARTING, FAILING, …: wait
        }
    }

    /**
     * A stream job that finished: the stream ended, or failed if the job's {@code stream_stopped}
     * said why (read once the job's events channel ended, or after a moment).
     */
    private void endFinished(ManagedStream s) {
        String error = null;
        if (s.relay != null) {
            try {
                s.relay
                        .jobEventsEnded()
                        .get(FINISHED_EVENTS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException
                    | java.util.concurrent.TimeoutException e) {
                // its last events are not there: a regular end
            }
            error = s.relay.jobStopError();
        }
        manager.end(
                s, error == null ? ManagedStream.Phase.ENDED : ManagedStream.Phase.FAILED, error);
    }

    private void failStart(ManagedStream s, Duration startTimeout) {
        if (s.phase != ManagedStream.Phase.STARTING) {
            s.ending.set(false); // it started meanwhile: its end is someone else's again
            return;
        }
        try {
            if (s.jobId != null && manager.runner() == null) {
                target.cancel(s.jobId);
            }
        } catch (Exception e) {
            LOG.debug("Stream {}: cancel: {}", s.id, e.toString());
        }
        manager.end(
                s,
                ManagedStream.Phase.FAILED,
                (manager.runner() == null ? "the job" : "the runner job")
                        + " did not start the stream within "
                        + startTimeout);
    }
}
