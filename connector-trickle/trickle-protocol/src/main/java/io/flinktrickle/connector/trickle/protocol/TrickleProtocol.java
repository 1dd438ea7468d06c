package io.flinktrickle.connector.trickle.protocol;

import org.apache.flink.annotation.PublicEvolving;

import java.time.Duration;

/**
 * Named constants of the trickle wire protocol (docs: trickle-protocol.md §2–§5), shared by the
 * client and the embedded server.
 */
@PublicEvolving
public final class TrickleProtocol {

    /** Sequence number meaning "the next segment to be written" ({@code nextWrite}). */
    public static final long SEQ_NEXT = -1;

    /** Sequence number meaning "the segment currently or most recently written". */
    public static final long SEQ_CURRENT = -2;

    /** Status: the channel exists but the requested segment does not (too old or too new). */
    public static final int STATUS_SEGMENT_NOT_FOUND = 470;

    /** The seq the server resolved for this GET or POST. */
    public static final String HEADER_SEQ = "Lp-Trickle-Seq";

    /** The server's {@code nextWrite} when the request arrived. */
    public static final String HEADER_LATEST = "Lp-Trickle-Latest";

    /** Present (value {@link #CLOSED_VALUE}) once the channel is closed: end of stream. */
    public static final String HEADER_CLOSED = "Lp-Trickle-Closed";

    /** Request header on a POST: the publisher restarted, release older open segments. */
    public static final String HEADER_RESET = "Lp-Trickle-Reset";

    /** Request header on {@code POST /{channel}}: the new channel's mime type. */
    public static final String HEADER_EXPECT_CONTENT = "Expect-Content";

    /** Value of {@link #HEADER_CLOSED}. */
    public static final String CLOSED_VALUE = "terminated";

    /** Path element of {@code GET /{channel}/next}. */
    public static final String NEXT_PATH = "next";

    /** Name of the changefeed channel. */
    public static final String CHANGEFEED_CHANNEL = "_changes";

    /** Channels whose name starts with this are never swept as idle. */
    public static final String SYSTEM_CHANNEL_PREFIX = "_";

    /** Segments a channel keeps readable (go-livepeer's {@code maxSegmentsPerStream}). */
    public static final int DEFAULT_RETAINED_SEGMENTS = 5;

    /** Interval of the interim {@code 100 Continue} keepalive on a silent preconnected POST. */
    public static final Duration PRECONNECT_KEEPALIVE = Duration.ofSeconds(10);

    /** A subscriber re-issues a GET that has had no response headers for this long. */
    public static final Duration SUBSCRIBER_REFRESH = Duration.ofSeconds(20);

    /** A subscriber that is ahead of the live edge waits this long before asking again. */
    public static final Duration AHEAD_OF_LIVE_EDGE_RETRY = Duration.ofMillis(250);

    /** A channel with no new segment for this long is closed by the server. */
    public static final Duration IDLE_CHANNEL_TIMEOUT = Duration.ofMinutes(5);

    /** How often the server looks for idle channels. */
    public static final Duration IDLE_SWEEP_INTERVAL = Duration.ofMinutes(1);

    public static final String MIME_MPEGTS = "video/MP2T";
    public static final String MIME_JSON = "application/json";
    public static final String MIME_JSONL = "application/jsonl";

    private TrickleProtocol() {}
}
