package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.controlapi.config.ChannelAccess;
import io.flinktrickle.controlapi.config.MetricsPorts;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.EmbeddedFlinkTarget;
import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.controlapi.flink.RemoteFlinkTarget;
import io.flinktrickle.controlapi.hardware.GpuInfo;
import io.flinktrickle.controlapi.http.SidecarApp;
import io.flinktrickle.controlapi.metrics.MetricsServer;
import io.flinktrickle.controlapi.metrics.SidecarMetrics;
import io.flinktrickle.controlapi.registration.CapabilityRegistrar;
import io.flinktrickle.controlapi.stream.SidecarChannelLimits;
import io.flinktrickle.controlapi.stream.StreamManager;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.Configuration;

import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The control-api sidecar: its HTTP API ({@link SidecarApp}), its streams ({@link StreamManager}),
 * its own trickle server (each stream's params and events channels to its job), the Flink target,
 * and the optional BYOC registration. The trickle server is locked down ({@link ChannelAccess},
 * {@link SidecarChannelLimits}): loopback (embedded) or the advertised address only (remote), a
 * secret on every request, no autocreate, capped messages, and an idle sweep that spares the
 * channels of live streams. {@link #start()} binds everything; {@link #close()} stops the sidecar.
 * Jobs on a remote cluster keep running when the sidecar stops (a restarted sidecar adopts them);
 * an embedded MiniCluster ends with the sidecar. Metrics: the sidecar's own ({@link
 * SidecarMetrics}) on {@code METRICS_PORT}, and, embedded, Flink's Prometheus reporter on {@code
 * FLINK_METRICS_PORT}; both off unless set (the settings turn them on by default).
 *
 * <p>Threads: {@code start} and {@code close} on the caller's thread (main, or a test); the trickle
 * server's sweeper thread asks {@link StreamManager#ownsChannel}; see the parts for theirs.
 */
@PublicEvolving
public final class Sidecar implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sidecar.class);

    /** The idle sweep runs this many times per idle timeout (at most once a minute). */
    private static final int SWEEPS_PER_TIMEOUT = 4;

    private static final Duration MAX_SWEEP_INTERVAL = Duration.ofMinutes(1);

    private final SidecarConfig config;
    private final ChannelAccess access;
    private final FlinkTarget target;
    private final TrickleServer trickle;
    private final StreamManager manager;
    private final Javalin app;
    private final Optional<CapabilityRegistrar> registrar;
    private final SidecarMetrics metrics;
    private MetricsServer metricsServer;

    private Sidecar(
            SidecarConfig config, FlinkTarget target, Optional<CapabilityRegistrar> registrar) {
        // An unknown processor fails the launch, not every stream start.
        target.checkProcessor(config.processorClass);
        this.config = config;
        this.target = target;
        this.registrar = registrar;
        this.access = ChannelAccess.of(config);
        this.trickle =
                TrickleServer.builder()
                        // Embedded jobs are in this JVM: loopback. A remote cluster's JobManager
                        // and TaskManagers reach the advertised address, and only it is bound.
                        .host(access.bindHost())
                        .port(config.tricklePort)
                        // Every request carries the secret; only the sidecar creates channels.
                        .accessToken(access.secret())
                        .autocreate(false)
                        .maxSegmentBytes(SidecarChannelLimits.segmentBytes(config.capacity))
                        .retainedSegments(SidecarChannelLimits.RETAINED_MESSAGES)
                        .maxChannels(SidecarChannelLimits.channels(config.capacity))
                        // Left-behind channels go; a live stream's never (they may idle for hours).
                        .idleTimeout(config.channelIdleTimeout)
                        .sweepInterval(sweepInterval(config.channelIdleTimeout))
                        .sweepSpares(this::isLiveChannel)
                        .build();
        this.manager = new StreamManager(config, target, trickle, access);
        this.metrics = new SidecarMetrics(manager);
        manager.observe(metrics);
        this.app = SidecarApp.create(manager, new GpuInfo(), metrics);
    }

    /**
     * A sidecar for {@code config}: its Flink target and, when set, its BYOC registration.
     *
     * @throws IllegalArgumentException when the processor class is not where the jobs load it from
     *     (the classpath or {@code PROCESSOR_JAR}; a remote cluster's {@code JOB_JAR})
     */
    public static Sidecar create(SidecarConfig config, Optional<CapabilityRegistrar> registrar) {
        FlinkTarget target = targetFor(config);
        try {
            return new Sidecar(config, target, registrar);
        } catch (RuntimeException e) {
            try {
                target.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Sweeper thread: whether {@code channel} belongs to a live stream or the runner job. */
    private boolean isLiveChannel(String channel) {
        StreamManager m = manager;
        return m == null || m.ownsChannel(channel); // null: not built yet, nothing is swept
    }

    private static Duration sweepInterval(Duration idleTimeout) {
        Duration d = idleTimeout.dividedBy(SWEEPS_PER_TIMEOUT);
        return d.isZero()
                ? Duration.ofMillis(1)
                : d.compareTo(MAX_SWEEP_INTERVAL) > 0 ? MAX_SWEEP_INTERVAL : d;
    }

    /** A sidecar with a given target (tests); checks the processor as the other does. */
    public static Sidecar create(SidecarConfig config, FlinkTarget target) {
        return new Sidecar(config, target, Optional.empty());
    }

    static FlinkTarget targetFor(SidecarConfig config) {
        if (config.isRemote()) {
            return RemoteFlinkTarget.builder()
                    .restUrl(config.flinkRestUrl)
                    .jobJar(config.jobJar)
                    .build();
        }
        return EmbeddedFlinkTarget.builder()
                .slots(config.embeddedSlots())
                .configuration(new Configuration())
                .processorJars(config.processorJars)
                .metricsPort(config.flinkMetricsPort)
                .build();
    }

    /**
     * Starts everything and binds the HTTP API to the configured host and port.
     *
     * @throws IllegalArgumentException when {@code METRICS_PORT} is in use
     */
    public Sidecar start() throws java.io.IOException {
        if (MetricsPorts.isOn(config.metricsPort)) {
            metricsServer =
                    MetricsServer.start(config.host, config.metricsPort, metrics.registry());
            LOG.info("Prometheus metrics on {}:{}/metrics", config.host, metricsServer.port());
        }
        startServices();
        app.start(config.host, config.port);
        LOG.info(
                "control-api on port {} ({}), trickle server on {}:{} (token required),"
                        + " capacity {}",
                app.port(),
                target.describe(),
                access.bindHost(),
                trickle.port(),
                config.capacity);
        registrar.ifPresent(
                r -> {
                    Thread t = new Thread(r::register, "byoc-register");
                    t.setDaemon(true);
                    t.start();
                });
        return this;
    }

    /**
     * Starts everything but the HTTP API: Flink, the trickle server, the stream manager (tests
     * serve {@link #app()} with {@code JavalinTest}).
     */
    public Sidecar startServices() throws java.io.IOException {
        if (config.isRemote()) {
            manager.connectNow(); // adopt running jobs before their channels are served
        }
        trickle.start();
        manager.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    /** The port of the sidecar's {@code /metrics}, if it serves them (after {@link #start}). */
    public OptionalInt metricsPort() {
        MetricsServer s = metricsServer;
        return s == null ? OptionalInt.empty() : OptionalInt.of(s.port());
    }

    /** The port of the embedded MiniCluster's Prometheus reporter, if it has one. */
    public OptionalInt flinkMetricsPort() {
        return target instanceof EmbeddedFlinkTarget
                ? ((EmbeddedFlinkTarget) target).metricsPort()
                : OptionalInt.empty();
    }

    /** The sidecar's own metrics. */
    public SidecarMetrics metrics() {
        return metrics;
    }

    public StreamManager manager() {
        return manager;
    }

    public TrickleServer trickleServer() {
        return trickle;
    }

    /** Where the trickle server listens and its secret (tests in this package). */
    ChannelAccess channelAccess() {
        return access;
    }

    public Javalin app() {
        return app;
    }

    @Override
    public void close() {
        registrar.ifPresent(CapabilityRegistrar::unregister);
        app.stop();
        if (metricsServer != null) {
            metricsServer.close();
        }
        manager.close();
        trickle.close();
        try {
            target.close();
        } catch (Exception e) {
            LOG.warn("Closing the Flink target failed", e);
        }
    }
}
