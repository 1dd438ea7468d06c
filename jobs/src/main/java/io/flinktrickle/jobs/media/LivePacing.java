package io.flinktrickle.jobs.media;

import io.flinktrickle.connector.trickle.protocol.SegmentWriter;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Publishing recorded MPEG-TS segments the way a live source does: each segment's bytes spread over
 * its duration. Used by the demos and by tests that need live input rather than bursts.
 */
@Internal
public final class LivePacing {
    private static final int TS_PACKETS_PER_WRITE = 7;
    private static final int TS_PACKET = 188;

    private LivePacing() {}

    /** Writes a segment in small pieces spread over its duration, as a live encoder would. */
    public static void publishPaced(TricklePublisher pub, byte[] data, Duration duration)
            throws IOException, InterruptedException {
        int piece = TS_PACKET * TS_PACKETS_PER_WRITE;
        int pieces = (data.length + piece - 1) / piece;
        long start = System.nanoTime();
        try (SegmentWriter w = pub.next()) {
            for (int i = 0; i < pieces; i++) {
                long due = start + duration.toNanos() * i / pieces;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int off = i * piece;
                w.write(data, off, Math.min(piece, data.length - off));
            }
        }
    }

    /**
     * The duration of an MPEG-TS segment from the first and last PTS of its first video PES stream
     * (90 kHz clock); 2 s if it cannot be read.
     */
    public static Duration segmentDuration(byte[] ts) {
        long first = -1;
        long last = -1;
        int videoPid = -1;
        for (int off = 0; off + TS_PACKET <= ts.length; off += TS_PACKET) {
            if (ts[off] != 0x47 || (ts[off + 1] & 0x40) == 0) {
                continue; // not synced, or no payload unit start
            }
            int pid = ((ts[off + 1] & 0x1f) << 8) | (ts[off + 2] & 0xff);
            int afc = (ts[off + 3] >> 4) & 0x3;
            int p = off + 4;
            if (afc == 2) {
                continue;
            }
            if (afc == 3) {
                p += 1 + (ts[p] & 0xff);
            }
            if (p + 14 > off + TS_PACKET || ts[p] != 0 || ts[p + 1] != 0 || ts[p + 2] != 1) {
                continue;
            }
            int streamId = ts[p + 3] & 0xff;
            if (streamId < 0xe0 || streamId > 0xef || (videoPid != -1 && pid != videoPid)) {
                continue;
            }
            videoPid = pid;
            if ((ts[p + 7] & 0x80) == 0) {
                continue; // no PTS
            }
            int q = p + 9;
            long pts =
                    (((long) (ts[q] & 0x0e)) << 29)
                            | ((ts[q + 1] & 0xffL) << 22)
                            | (((long) (ts[q + 2] & 0xfe)) << 14)
                            | ((ts[q + 3] & 0xffL) << 7)
                            | ((ts[q + 4] & 0xfeL) >> 1);
            if (first < 0 || pts < first) {
                first = pts;
            }
            last = Math.max(last, pts);
        }
        if (first < 0 || last <= first) {
            return Duration.ofSeconds(2);
        }
        // The last frame lasts one frame more; approximate it with the mean frame spacing.
        return Duration.ofNanos((last - first) * 1_000_000_000L / 90_000 * 61 / 60);
    }
}
