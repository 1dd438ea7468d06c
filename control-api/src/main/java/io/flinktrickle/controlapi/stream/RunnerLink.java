package io.flinktrickle.controlapi.stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runner mode, the sidecar's side of the runner job: launches it when due, follows each stream in
 * band (it runs once the job reports {@code stream_started}, and ends when the job ends its events
 * channel), fails every stream when the job fails for good, and adopts the streams of a runner job
 * that a previous sidecar launched, from its registry.
 *
 * <p>Threads: the manager's scheduler (launch, failure) and request threads (follow); endings and
 * adoption run on its worker pool.
 */
final class RunnerLink {
    private static final Logger LOG = LoggerFactory.getLogger(RunnerLink.class);

    private static final Duration REGISTRY_WAIT = Duration.ofSeconds(10);
    private static final int REGISTRY_ATTEMPTS = 6;

    private final StreamManager manager;
    private final RunnerJob runner;
    private final StreamChannels channels;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;

    RunnerLink(
            StreamManager manager,
            RunnerJob runner,
            StreamChannels channels,
            ExecutorService workers,
            ScheduledExecutorService scheduler) {
        this.manager = manager;
        this.runner = runner;
        this.channels = channels;
        this.workers = workers;
        this.scheduler = scheduler;
    }

    /** Launches the runner job when one is due (scheduler thread). */
    void launchIfDue() {
        if (runner.claimLaunch()) {
            workers.execute(runner::launch);
        }
    }

    /**
     * The stream runs once the job reports it started, and ends when the job ends its events
     * channel (after {@code stream_stopped}).
     */
    void follow(ManagedStream stream) {
        stream.relay.jobStreamStarted().thenRun(() -> manager.markRunning(stream));
        stream.relay
                .jobEventsEnded()
                .thenRun(() -> endOnce(stream, ManagedStream.Phase.ENDED, null));
    }

    /**
     * A running stream whose job has sent nothing (not even a heartbeat, every 10 s) for this long
     * is gone from it (e.g. a restore to a checkpoint that did not know it): it fails, which frees
     * its capacity. Longer than a runner job's restart.
     */
    static final Duration SILENCE = Duration.ofSeconds(90);

    /** Fails the running streams the job has been silent about for {@link #SILENCE}. */
    void failSilent() {
        for (ManagedStream s : manager.streams()) {
            if (s.phase == ManagedStream.Phase.RUNNING
                    && s.relay != null
                    && s.relay.silentNanos() > SILENCE.toNanos()) {
                endOnce(
                        s,
                        ManagedStream.Phase.FAILED,
                        "the runner job has not reported the stream for "
                                + SILENCE.toSeconds()
                                + " s");
            }
        }
    }

    /** The runner job failed for good: its streams failed with it. */
    void failed(String cause) {
        for (ManagedStream s : manager.streams()) {
            endOnce(s, ManagedStream.Phase.FAILED, cause);
        }
    }

    private void endOnce(ManagedStream s, ManagedStream.Phase phase, String error) {
        if (s.phase.isActive() && s.ending.compareAndSet(false, true)) {
            workers.execute(() -> manager.end(s, phase, error));
        }
    }

    /**
     * After a restart: reads the adopted runner job's registry (it answers the request {@link
     * RunnerJob#adopt} left for it once this sidecar serves) and adopts its streams. Asks again
     * every {@link #REGISTRY_WAIT}, a few times: the job may be restarting.
     */
    void adoptRegistry(String registryChannel) {
        URI url = channels.local(registryChannel);
        workers.execute(
                () -> {
                    for (int attempt = 0; attempt < REGISTRY_ATTEMPTS; attempt++) {
                        Optional<JsonNode> registry =
                                RunnerStreams.read(url, REGISTRY_WAIT, scheduler);
                        if (registry.isPresent()) {
                            for (RunnerStreams.Adopted a :
                                    RunnerStreams.adoptable(registry.get(), runner.jobId())) {
                                ManagedStream known = manager.find(a.stream.id);
                                if (known == null || !known.phase.isActive()) {
                                    manager.adopt(a.stream, a.orchestratorEvents);
                                }
                            }
                            runner.adopted();
                            return;
                        }
                        LOG.info("The runner job has not published its streams yet; asking again");
                        runner.requestRegistry();
                    }
                    LOG.warn("The runner job never published its streams: none adopted");
                    runner.adopted();
                });
    }
}
