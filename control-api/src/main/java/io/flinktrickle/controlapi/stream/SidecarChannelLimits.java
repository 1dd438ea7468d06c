package io.flinktrickle.controlapi.stream;

import org.apache.flink.annotation.Internal;

/**
 * The bounds of the sidecar's own trickle server, which carries message channels only (each
 * stream's params and events, the runner job's announcements and registry), and the bounds on a
 * start request and a params update that keep every legitimate message within them.
 *
 * <ul>
 *   <li>A message is at most {@link #MESSAGE_BYTES} (1 MiB). The largest legitimate ones: a params
 *       update, and the events that carry a stream's params ({@code stream_started}, {@code
 *       params_updated}: the merged params): params of at most {@link #MAX_PARAMS_BYTES} leave
 *       {@link #EVENT_ENVELOPE_BYTES} for an event's other fields. Heartbeats carry the stream's
 *       URLs, each at most {@link #MAX_URL_BYTES}.
 *   <li>The runner job's registry lists every stream (without its start params): an entry is at
 *       most {@link #REGISTRY_ENTRY_BYTES} (URLs and ids at their bounds; 980 bytes with
 *       go-livepeer's URLs), so the segment limit is the larger of 1 MiB and what a registry of
 *       {@code CAPACITY} such entries needs ({@link #segmentBytes}): 1 MiB up to 85 streams.
 *   <li>Memory: at most {@link #channels} channels × {@link #RETAINED_MESSAGES} × {@link
 *       #segmentBytes}: (4 × CAPACITY + 16) × 64 × 1 MiB, e.g. 1.25 GiB for one stream, 2 GiB for
 *       four, and only the holders of the secret (the sidecar and its jobs) can fill it; the
 *       messages are small in practice (params, events: hundreds of bytes).
 * </ul>
 *
 * <p>Stateless.
 */
@Internal
public final class SidecarChannelLimits {

    /** The largest message (segment) on a message channel. */
    public static final long MESSAGE_BYTES = 1024 * 1024;

    /** What an event needs besides the params it carries (type, timestamps, device, ...). */
    static final int EVENT_ENVELOPE_BYTES = 64 * 1024;

    /** The largest params (a start's, an update's, or the merged ones), as JSON in UTF-8. */
    public static final int MAX_PARAMS_BYTES = (int) MESSAGE_BYTES - EVENT_ENVELOPE_BYTES;

    /** The longest channel URL of a start request, in UTF-8 (go-livepeer's: about 100). */
    public static final int MAX_URL_BYTES = 1024;

    /** The longest {@code gateway_request_id}, in UTF-8. */
    public static final int MAX_REQUEST_ID_BYTES = 256;

    /**
     * A registry entry's bound with every URL and id at its bound (checked by {@code
     * SidecarChannelLimitsTest} on the worst case: 10,431 bytes).
     */
    static final int REGISTRY_ENTRY_BYTES = 12 * 1024;

    /** The registry's own fields around its entries. */
    static final int REGISTRY_OVERHEAD_BYTES = 4 * 1024;

    /**
     * Messages each channel keeps readable. A stream's job reads its params channel from its first
     * message, so an update sent while the job is not reading yet (it starts) or reads slowly (its
     * processor is busy) waits in this ring; an update that falls out of it before it is read is
     * lost (the reader resumes at the oldest one kept; the newest is never lost).
     *
     * <p>Measured ({@code ParamsRetentionITCase}, HTTP callers sending updates back to back from a
     * stream's start; three runs): each caller waits for its verdict (at most {@code
     * PARAMS_TIMEOUT_MS}, 2 s), so while the job reads, the reader is at most a few updates more
     * than the callers behind (5-6 with 4 callers, 17-19 with 16, also with 100 ms per update;
     * runner and per-stream mode, whose jobs read 40-300 ms after the start); while it does not
     * read, each caller adds one update per 2 s (a reader stalled 6 s: 14-16 behind with 4 callers,
     * 24-26 with 8). 64 holds 16 callers through a 7 s stall, 4 through 30 s. The runner's
     * announcements channel needs one message per start between two checkpoints of the job. It was
     * 256, a guess.
     */
    public static final int RETAINED_MESSAGES = 64;

    /** Channels per stream a sidecar may hold at once (a run ending while the next starts). */
    private static final int CHANNELS_PER_STREAM = 4;

    /** The runner's channels, an adoption's, and spares. */
    private static final int EXTRA_CHANNELS = 16;

    private SidecarChannelLimits() {}

    /** The segment limit of a sidecar serving {@code capacity} streams. */
    public static long segmentBytes(int capacity) {
        long registry = (long) capacity * REGISTRY_ENTRY_BYTES + REGISTRY_OVERHEAD_BYTES;
        return Math.max(MESSAGE_BYTES, registry);
    }

    /** The channel limit of a sidecar serving {@code capacity} streams. */
    public static int channels(int capacity) {
        return capacity * CHANNELS_PER_STREAM + EXTRA_CHANNELS;
    }
}
