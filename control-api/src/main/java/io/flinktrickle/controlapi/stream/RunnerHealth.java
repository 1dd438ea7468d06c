package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.stream.StreamManager.RunnerState;

/**
 * The runner state that {@code /health} and {@code /status} report (LOADING, IDLE, OK, ERROR),
 * following the jobs' real status: LOADING until Flink answered and (runner mode) the runner job's
 * slots loaded; ERROR while Flink is unreachable, the runner job failed, or a failed stream is held
 * (until stopped or expired); else OK with active streams, IDLE without. Also whether streams can
 * start now.
 *
 * <p>Threads: any (Javalin's request threads, the metrics scrape thread, request threads before a
 * start). The {@link JobWatcher}'s and {@link RunnerJob}'s state is read as they publish it; the
 * registry is read under {@code lock}, the manager's monitor.
 */
final class RunnerHealth {
    private final Object lock;
    private final JobWatcher watcher;
    private final RunnerJob runner;
    private final StreamRegistry registry;

    /**
     * @param lock the manager's monitor, which guards {@code registry}
     * @param runner the runner job (runner mode), else null
     */
    RunnerHealth(Object lock, JobWatcher watcher, RunnerJob runner, StreamRegistry registry) {
        this.lock = lock;
        this.watcher = watcher;
        this.runner = runner;
        this.registry = registry;
    }

    RunnerState state() {
        if (watcher.targetError() != null) {
            return RunnerState.ERROR;
        }
        if (!watcher.isReady()) {
            return RunnerState.LOADING;
        }
        if (runner != null) {
            if (runner.failure() != null) {
                return RunnerState.ERROR;
            }
            if (!runner.isReady() && !runner.everReady()) {
                return RunnerState.LOADING; // the slots still load and warm up
            }
        }
        synchronized (lock) {
            if (registry.failed() != null) {
                return RunnerState.ERROR;
            }
            return registry.activeCount() > 0 ? RunnerState.OK : RunnerState.IDLE;
        }
    }

    /** Why the runner is in ERROR, or null. */
    String errorMessage() {
        synchronized (lock) {
            String targetError = watcher.targetError();
            if (targetError != null) {
                return targetError;
            }
            if (runner != null && runner.failure() != null) {
                return runner.failure();
            }
            ManagedStream failed = registry.failed();
            return failed == null ? null : "stream " + failed.id + ": " + failed.error;
        }
    }

    /** Whether streams can start: Flink answered, and the runner job (runner mode) is ready. */
    boolean isReady() {
        return watcher.isReady() && (runner == null || runner.isReady());
    }

    /**
     * @throws StreamException FAILED or NOT_READY when streams cannot start now
     */
    void checkCanStart() {
        String failure = watcher.targetError();
        if (failure == null && runner != null && watcher.isReady()) {
            failure = runner.failure();
        }
        if (failure != null) {
            throw new StreamException(StreamException.Reason.FAILED, failure);
        }
        if (!isReady()) {
            throw new StreamException(
                    StreamException.Reason.NOT_READY,
                    "Pipeline is still initializing. Please wait for IDLE status.");
        }
    }
}
