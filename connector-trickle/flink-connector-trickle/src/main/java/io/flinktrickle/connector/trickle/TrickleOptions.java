package io.flinktrickle.connector.trickle;

import io.flinktrickle.connector.trickle.protocol.AccessToken;
import io.flinktrickle.connector.trickle.protocol.TrickleClientConfig;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.List;

/**
 * Every setting of the trickle source and sink, as typed options in one place. Set them with {@code
 * TrickleSource.builder().setOption(...)} / {@code TrickleSink.builder().setOption(...)}.
 */
@PublicEvolving
public final class TrickleOptions {

    // ------------------------------------------------------------------ HTTP client

    public static final ConfigOption<Duration> CONNECT_TIMEOUT =
            ConfigOptions.key("trickle.client.connect-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("TCP connect timeout of trickle requests.");

    public static final ConfigOption<Duration> REFRESH_INTERVAL =
            ConfigOptions.key("trickle.client.refresh-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(20))
                    .withDescription(
                            "A long-poll GET that has had no response headers for this long is"
                                    + " re-issued (as go-livepeer's subscriber does).");

    public static final ConfigOption<Duration> READ_IDLE_TIMEOUT =
            ConfigOptions.key("trickle.client.read-idle-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "A segment body that delivers no byte for this long fails; 0"
                                    + " disables.");

    public static final ConfigOption<Duration> REQUEST_TIMEOUT =
            ConfigOptions.key("trickle.client.request-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Timeout of DELETE and /next requests and of the answer to a completed"
                                    + " segment.");

    public static final ConfigOption<Integer> MAX_ATTEMPTS =
            ConfigOptions.key("trickle.client.retry.max-attempts")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "Consecutive failed attempts before a trickle request gives up.");

    public static final ConfigOption<Duration> INITIAL_BACKOFF =
            ConfigOptions.key("trickle.client.retry.initial-backoff")
                    .durationType()
                    .defaultValue(Duration.ofMillis(250))
                    .withDescription(
                            "Cap of the first wait after a failed attempt; the cap doubles per"
                                    + " failure up to the maximum. Each wait is random between"
                                    + " half its cap and its cap (equal jitter).");

    public static final ConfigOption<Duration> MAX_BACKOFF =
            ConfigOptions.key("trickle.client.retry.max-backoff")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("Longest wait between attempts.");

    public static final ConfigOption<Boolean> INSECURE_SKIP_VERIFY =
            ConfigOptions.key("trickle.client.insecure-skip-verify")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Accept any TLS certificate (orchestrators usually have self-signed"
                                    + " ones).");

    public static final ConfigOption<Long> UPLOAD_BUFFER_BYTES =
            ConfigOptions.key("trickle.client.upload-buffer-bytes")
                    .longType()
                    .defaultValue(1024L * 1024)
                    .withDescription("Bytes an upload queues before writing blocks.");

    public static final ConfigOption<Long> REPLAY_BUFFER_BYTES =
            ConfigOptions.key("trickle.client.replay-buffer-bytes")
                    .longType()
                    .defaultValue(32L * 1024 * 1024)
                    .withDescription(
                            "Bytes of a segment kept (by reference) until the server acknowledges"
                                + " it, to send it again if the server released its POST unread.");

    // ------------------------------------------------------------------ source

    public static final ConfigOption<Duration> DISCOVERY_INTERVAL =
            ConfigOptions.key("trickle.source.discovery-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How often a channel discovery hook is asked for new channels.");

    public static final ConfigOption<Integer> QUEUE_CAPACITY =
            ConfigOptions.key("trickle.source.queue-capacity")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "Records a reader buffers between its channels' I/O threads and Flink;"
                                    + " a full queue pauses reading (bounded memory).");

    public static final ConfigOption<Duration> AWAIT_CHANNEL =
            ConfigOptions.key("trickle.source.await-channel")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "How long a stream's main channel that does not exist yet is waited"
                                    + " for before it counts as never found: its stream ends with"
                                    + " 'input channel URL not found after N s' (0: the first 404,"
                                    + " as for go-livepeer's pre-created channels). A stream's"
                                    + " companion channels (<stream>#<role>) end at their first"
                                    + " 404.");

    public static final ConfigOption<List<String>> STREAM_ENDING_ROLES =
            ConfigOptions.key("trickle.source.stream-ending-roles")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "A stream's channels (<stream> and <stream>#<role>) end together: when"
                                    + " its main channel <stream> ends, or a channel whose role"
                                    + " is in this list, the stream's other channels are ended"
                                    + " too (a stream's control channel must not keep a job"
                                    + " alive after its video ended).");

    public static final ConfigOption<Boolean> FAILED_CHANNEL_ENDS_STREAM =
            ConfigOptions.key("trickle.source.failed-channel-ends-stream")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "A channel that fails for good (its server unreachable beyond the"
                                    + " retries, its decoder cannot open) ends its stream, with"
                                    + " the failure in band (SegmentDecoder#streamEnded), instead"
                                    + " of failing the task: right for a source that serves many"
                                    + " independent streams, where one orchestrator that went"
                                    + " away must not restart all of them.");

    public static final ConfigOption<List<String>> REGISTRY_OMITTED_ATTRIBUTES =
            ConfigOptions.key("trickle.source.registry-omitted-attributes")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Attributes of an announced stream left out of its registry entry"
                                    + " (the source reads them as announced): e.g. large ones,"
                                    + " so that a registry of many streams stays within its"
                                    + " server's segment size limit.");

    // ------------------------------------------------------------------ sink

    public static final ConfigOption<Boolean> DELETE_ON_END_OF_INPUT =
            ConfigOptions.key("trickle.sink.delete-channels-on-end-of-input")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "At the end of input the sink completes each channel's open segment and"
                                    + " sends DELETE /{channel}, so subscribers see the end of"
                                    + " stream.");

    public static final ConfigOption<Boolean> DELETE_ON_CLOSE =
            ConfigOptions.key("trickle.sink.delete-channels-on-close")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Also DELETE the channels when the writer closes without end of input"
                                + " (job cancel). Off by default: a failover closes the writer too,"
                                + " and subscribers would see the end of a stream that is about to"
                                + " resume.");

    public static final ConfigOption<Duration> FAILED_CHANNEL_RETRY =
            ConfigOptions.key("trickle.sink.failed-channel-retry-interval")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "0: a channel whose server stays unreachable beyond the retries fails"
                                    + " the task (Flink restarts it). Above 0: the channel drops"
                                    + " its records (counted) for a pause between half this"
                                    + " interval and all of it (random, so that channels whose"
                                    + " server restarted do not all retry at once), then tries its"
                                    + " server again with a new publisher, and the task and its"
                                    + " other channels go on: right for a sink that serves many"
                                    + " independent streams.");

    private TrickleOptions() {}

    /** The HTTP client settings of {@code config}, validated. */
    public static TrickleClientConfig clientConfig(Configuration config) {
        return clientConfig(config, null);
    }

    /**
     * The HTTP client settings of {@code config}, validated, with an access token for one server
     * (or null). The token is not an option: options may be shown (e.g. in a job's configuration),
     * a token must not.
     */
    public static TrickleClientConfig clientConfig(Configuration config, AccessToken accessToken) {
        return TrickleClientConfig.builder()
                .connectTimeout(config.get(CONNECT_TIMEOUT))
                .refreshInterval(config.get(REFRESH_INTERVAL))
                .readIdleTimeout(config.get(READ_IDLE_TIMEOUT))
                .requestTimeout(config.get(REQUEST_TIMEOUT))
                .maxAttempts(config.get(MAX_ATTEMPTS))
                .initialBackoff(config.get(INITIAL_BACKOFF))
                .maxBackoff(config.get(MAX_BACKOFF))
                .insecureSkipVerify(config.get(INSECURE_SKIP_VERIFY))
                .uploadBufferBytes(config.get(UPLOAD_BUFFER_BYTES))
                .replayBufferBytes(config.get(REPLAY_BUFFER_BYTES))
                .accessToken(accessToken)
                .build();
    }
}
