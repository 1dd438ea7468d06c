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

    /** How long a restarted sidecar waits for an adopted runner job to publish its streams. */
    private static final Duration REGISTRY_DEADLINE = Duration.ofSeconds(90);

    /**
     * A silent stream fails only once every task of the runner has run this long again: a job
     * restarting its tasks (which reload their processors) is not silent about its streams.
     */
    static final Duration RUNNING_AGAIN = Duration.ofSeconds(30);

    private final StreamManager manager;
    private final RunnerJob runner;
    private final StreamChannels channels;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;

    /** The sidecar's trickle server serves: the registry can be read (guarded by this). */
    private boolean serving;

    /** The registry channel of an adoption that waits for the server to serve (guarded by this). */
    private String pendingRegistry;

    /** Since when every task of the runner job runs, as last seen; 0: not (scheduler thread). */
    private long allRunningSinceNanos;

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
     * channel (after {@code stream_stopped}); it fails, with the job's reason, as soon as the job
     * stops it with an error (also when the job keeps the stream's channels: an idle input).
     */
    void follow(ManagedStream stream) {
        stream.relay.jobStreamStarted().thenRun(() -> manager.markRunning(stream));
        stream.relay
                .jobStreamFailed()
                .thenAccept(error -> endOnce(stream, ManagedStream.Phase.FAILED, error));
        stream.relay.jobEventsEnded().thenRun(() -> endByJob(stream));
    }

    /** The job ended the stream: as it said in its {@code stream_stopped}. */
    private void endByJob(ManagedStream s) {
        String error = s.relay.jobStopError();
        endOnce(s, error == null ? ManagedStream.Phase.ENDED : ManagedStream.Phase.FAILED, error);
    }

    /**
     * A running stream whose job has sent nothing (not even a heartbeat, every 10 s) for this long
     * is gone from it (e.g. a restore to a checkpoint that did not know it): it fails, which frees
     * its capacity. Longer than a runner job's restart.
     */
    static final Duration SILENCE = Duration.ofSeconds(90);

    /**
     * Fails the running streams the job has been silent about for {@link #SILENCE}, once all its
     * tasks have run for {@link #RUNNING_AGAIN} (scheduler thread; asks Flink only while a stream
     * is silent that long).
     */
    void failSilent() {
        boolean anySilent = false;
        for (ManagedStream s : manager.streams()) {
            anySilent |= isSilent(s);
        }
        if (!anySilent) {
            allRunningSinceNanos = 0;
            return;
        }
        long now = System.nanoTime();
        if (!runner.allTasksRunning()) {
            allRunningSinceNanos = 0;
            return;
        }
        if (allRunningSinceNanos == 0) {
            allRunningSinceNanos = now;
        }
        if (now - allRunningSinceNanos < RUNNING_AGAIN.toNanos()) {
            return;
        }
        for (ManagedStream s : manager.streams()) {
            if (isSilent(s)) {
                endOnce(
                        s,
                        ManagedStream.Phase.FAILED,
                        "the runner job has not reported the stream for "
                                + SILENCE.toSeconds()
                                + " s");
            }
        }
    }

    private static boolean isSilent(ManagedStream s) {
        return s.phase == ManagedStream.Phase.RUNNING
                && s.relay != null
                && s.relay.silentNanos() > SILENCE.toNanos();
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
     * RunnerJob#adopt} left for it) and adopts its streams, once this sidecar's trickle server
     * serves. Asks again every {@link #REGISTRY_WAIT} until {@link #REGISTRY_DEADLINE}: the job may
     * be restarting. However it ends, the runner is told ({@link RunnerJob#adopted()}).
     */
    synchronized void adoptRegistry(String registryChannel) {
        if (!serving) {
            pendingRegistry = registryChannel;
            return;
        }
        URI url = channels.local(registryChannel);
        workers.execute(() -> readRegistry(url));
    }

    /** The sidecar's trickle server serves now (after it started): a pending adoption goes on. */
    synchronized void serving() {
        serving = true;
        if (pendingRegistry != null) {
            String registry = pendingRegistry;
            pendingRegistry = null;
            adoptRegistry(registry);
        }
    }

    /** Worker thread. */
    private void readRegistry(URI url) {
        long deadline = System.nanoTime() + REGISTRY_DEADLINE.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                Optional<JsonNode> registry =
                        RunnerStreams.read(url, channels.client(), REGISTRY_WAIT, scheduler);
                if (registry.isPresent()) {
                    for (RunnerStreams.Adopted a :
                            RunnerStreams.adoptable(registry.get(), runner.jobId())) {
                        try {
                            ManagedStream known = manager.find(a.stream.id);
                            if (known == null || !known.phase.isActive()) {
                                manager.adopt(a.stream, a.orchestratorEvents);
                            }
                        } catch (RuntimeException e) {
                            LOG.error("Stream {} could not be adopted", a.stream.id, e);
                        }
                    }
                    return;
                }
                LOG.info("The runner job has not published its streams yet; asking again");
                runner.requestRegistry();
            }
            LOG.warn("The runner job never published its streams: none adopted");
        } catch (RuntimeException e) {
            LOG.error("The runner job's streams could not be adopted", e);
        } finally {
            runner.adopted();
        }
    }
}
