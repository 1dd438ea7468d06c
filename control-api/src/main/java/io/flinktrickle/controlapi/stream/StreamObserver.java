package io.flinktrickle.controlapi.stream;

import org.apache.flink.annotation.Internal;

import java.time.Duration;

/**
 * What the {@link StreamManager} tells an observer (the sidecar's metrics) about its streams. Each
 * method runs on the thread that saw the change (a worker, the status poller, an events relay's
 * reader), outside the manager's lock, and must return at once.
 */
@Internal
public interface StreamObserver {

    /** Observes nothing. */
    StreamObserver NONE = new StreamObserver() {};

    /** A stream's job runs, {@code sinceAccepted} after its start was accepted. */
    default void running(ManagedStream stream, Duration sinceAccepted) {}

    /**
     * A stream's job sent its first processed output ({@code send_first_processed_segment}), {@code
     * sinceAccepted} after its start was accepted.
     */
    default void firstOutput(ManagedStream stream, Duration sinceAccepted) {}

    /**
     * A stream ended: {@code before} is the phase it ended from ({@link
     * ManagedStream.Phase#STOPPING} when a stop was asked), {@code after} {@link
     * ManagedStream.Phase#ENDED} or {@link ManagedStream.Phase#FAILED}.
     */
    default void ended(
            ManagedStream stream, ManagedStream.Phase before, ManagedStream.Phase after) {}
}
