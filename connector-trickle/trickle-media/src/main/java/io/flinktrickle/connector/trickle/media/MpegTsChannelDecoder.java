package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The decoder of one channel: one FFmpeg grabber on its own thread ({@link DecoderGrab}, {@code
 * mpegts-decoder-<channel>}) reads the continuous stream from a {@link BytePipe}; {@link #decode}
 * (the channel's I/O thread) feeds each segment's bytes into the pipe as they arrive and returns
 * when the grabber has consumed the segment and waits for more. While a {@code decode} call runs,
 * the grabber thread hands each frame out as soon as it is decoded (also while the I/O thread waits
 * for network bytes); both threads drain one small bounded queue under this object's lock, so
 * frames keep their order. Frames decoded between calls (the tail a demuxer holds back) leave with
 * the next call. The grabber thread applies the fps cap before it copies a frame's pixels out of
 * FFmpeg, so a frame the cap drops costs no copy and no allocation. The grabber converts nothing
 * (JavaCV's raw image mode): a {@link PixelCopier} takes each picture from FFmpeg's own buffer into
 * the frame in the processor's {@link PixelFormat}, converting only when that format asks for it.
 * Frames keep the input's timestamps.
 *
 * <p>A segment too small for FFmpeg to open the stream (a still picture at a low bitrate) does not
 * leave its grabber waiting inside FFmpeg's probing between segments, where it would hold JavaCV's
 * JVM-wide start lock: the grabber stops, and its bytes go to a new one with the next segment.
 */
final class MpegTsChannelDecoder implements SegmentDecoder.ChannelDecoder<Frame> {

    private static final Logger LOG = LoggerFactory.getLogger(MpegTsChannelDecoder.class);

    private static final long POLL_MILLIS = 5;

    /**
     * Bytes a grabber may take without opening a stream before the input counts as not MPEG-TS:
     * FFmpeg's demuxer reads up to 8 KiB to find the packet size, so a stream of tiny segments (a
     * still picture) opens only across several of them.
     */
    static final long OPEN_BYTES = 64 * 1024;

    /**
     * How long a segment's tail (or the stream's end) may go without a frame handed out before the
     * segment counts as failed: FFmpeg stuck. Time a slow consumer takes to accept frames
     * (backpressure) is progress, not a stall.
     */
    private static final long DRAIN_TIMEOUT_MILLIS = 10_000;

    final String channel;
    final int width;
    final int height;
    final PixelFormat pixelFormat;

    /** {@link #admit}: the fps cap drops the frame. */
    static final int DROP = -1;

    final boolean audio;
    private final int errorBudget;
    private DecoderGrab grab;
    private boolean restart;
    private long drainTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MILLIS);

    /** Frames handed out so far, by either thread ({@link #drain}): the tail's progress. */
    private volatile long handedOut;

    private int consecutiveFailures;
    private long failures;

    /** The fps cap; guarded by itself (a grabber being replaced may still finish a frame). */
    private final FpsCap cap;

    /**
     * When the segment's first byte arrived; a frame is stamped with the later of that and the
     * moment it was decoded (its bytes had arrived by then), so that a frame late in a live 2 s
     * segment does not look 2 s old.
     */
    private volatile long arrivalMillis;

    /**
     * The bytes of a stream too small so far for FFmpeg to open (a tiny segment), held for the next
     * segment's grabber; null once a stream has opened.
     */
    private byte[] unopened;

    /** The consumer of the {@code decode}/{@code endOfStream} call in progress, or null. */
    volatile Consumer<Frame> currentOut;

    MpegTsChannelDecoder(
            String channel,
            int width,
            int height,
            PixelFormat pixelFormat,
            int maxFramerate,
            boolean audio,
            int errorBudget) {
        this.channel = channel;
        this.width = width;
        this.height = height;
        this.pixelFormat = pixelFormat;
        this.cap = new FpsCap(maxFramerate);
        this.audio = audio;
        this.errorBudget = errorBudget;
    }

    /** Decode failures so far (segments that could not be decoded). */
    long failures() {
        return failures;
    }

    @Override
    public void decode(SegmentInfo segment, InputStream body, Consumer<Frame> out)
            throws IOException {
        if (!MpegTsFrameDecoder.isMpegTs(segment.contentType())) {
            throw MpegTsFrameDecoder.wrongContentType(segment.contentType());
        }
        arrivalMillis = segment.arrivalTimeMillis();
        boolean fresh = grab == null || restart || grab.failure != null || !grab.thread.isAlive();
        if (fresh) {
            stopGrab();
            grab = new DecoderGrab(this);
            grab.thread.start();
            restart = false;
        }
        currentOut = out; // the grabber thread hands frames out itself while this call runs
        try {
            if (fresh && unopened != null) {
                byte[] carried = unopened;
                unopened = null;
                feed(carried, carried.length, out);
            }
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = body.read(buf)) >= 0) {
                feed(buf, n, out);
            }
            Progress tail = new Progress();
            while (!grab.pipe.awaitStarved(POLL_MILLIS)) {
                drain(grab.frames, out);
                if (grab.failure != null) {
                    throw grab.failure;
                }
                if (tail.stalled()) {
                    throw new IOException(
                            "decoding segment "
                                    + segment
                                    + " stalled: no frame for "
                                    + TimeUnit.NANOSECONDS.toMillis(drainTimeoutNanos)
                                    + " ms after its last byte");
                }
            }
            drain(grab.frames, out);
            if (grab.failure != null) {
                throw grab.failure;
            }
            if (!grab.started && grab.fed >= OPEN_BYTES) {
                // A real segment starts with PAT/PMT and a keyframe, so probing ends inside the
                // first few KiB; FFmpeg's demuxer would just keep scanning garbage for a sync byte.
                // Less than that (a tiny segment of a still picture) waits for the next one.
                throw new IOException(
                        "segment " + segment + " contains no MPEG-TS stream FFmpeg can open");
            }
            if (!grab.started) {
                // Too few bytes yet for FFmpeg to open the stream: its grabber waits inside
                // FFmpeg's probing, holding JavaCV's JVM-wide start lock that every other
                // stream's decoder and encoder need to start or stop. It stops now; the bytes go
                // to a new grabber with the next segment (or the stream's end).
                unopened = grab.opening.toByteArray();
                stopGrab();
            }
            consecutiveFailures = 0;
        } catch (IOException e) {
            unopened = null;
            failed(segment, e, out);
            if (grab != null) {
                drain(grab.frames, out);
            }
            // Now, not at the next segment: a grabber stuck in FFmpeg's probing holds JavaCV's
            // JVM-wide start lock, which every other stream's decoder needs to start.
            stopGrab();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("decoder of " + channel + " interrupted");
        } finally {
            currentOut = null; // frames decoded from now on wait for the next call
        }
    }

    /** Gives bytes to the grabber (waiting for room in its pipe) and hands out what it decoded. */
    private void feed(byte[] b, int n, Consumer<Frame> out)
            throws IOException, InterruptedException {
        grab.fed += n;
        if (grab.started) {
            grab.opening = null;
        } else if (grab.opening != null && grab.opening.size() < OPEN_BYTES) {
            grab.opening.write(b, 0, n); // past OPEN_BYTES unopened, the segment fails anyway
        }
        try {
            while (!grab.pipe.offer(b, 0, n, POLL_MILLIS)) {
                drain(grab.frames, out);
                if (grab.failure != null) {
                    throw grab.failure;
                }
            }
        } catch (IOException stopped) {
            drain(grab.frames, out);
            throw grab.failure != null ? grab.failure : stopped;
        }
        drain(grab.frames, out);
    }

    /**
     * Counts a failed segment; the {@code errorBudget}-th in a row is reported in band (a {@link
     * StreamLifecycle#error} frame to {@code out}, under the lock the frames leave under).
     */
    private void failed(SegmentInfo segment, IOException e, Consumer<Frame> out) {
        failures++;
        consecutiveFailures++;
        restart = true; // resynchronize on the next segment, which starts with a keyframe
        if (consecutiveFailures == errorBudget) {
            LOG.error(
                    "stream {}: {} segments in a row could not be decoded (last {}: {}); still"
                            + " trying each new segment",
                    channel,
                    consecutiveFailures,
                    segment,
                    e.getMessage());
            String problem =
                    "the input could not be decoded: "
                            + consecutiveFailures
                            + " segments in a row failed, the last (seq "
                            + segment.seq()
                            + ") with: "
                            + e.getMessage();
            synchronized (this) {
                out.accept(StreamLifecycle.error(channel, problem));
            }
        } else {
            LOG.warn(
                    "stream {}: segment {} could not be decoded: {}",
                    channel,
                    segment,
                    e.getMessage());
        }
    }

    /** Hands the decoded frames to {@code out}. */
    synchronized void drain(BlockingQueue<Frame> queue, Consumer<Frame> out) {
        Frame f;
        while ((f = queue.poll()) != null) {
            out.accept(f);
            handedOut++; // under this object's lock: the only writer at a time
        }
    }

    /** For tests: how long a tail may go without a frame before it counts as stalled. */
    void drainTimeout(long millis) {
        drainTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** A wait for the grabber that fails only when no frame was handed out for the timeout. */
    private final class Progress {
        private long frames = handedOut;
        private long deadline = System.nanoTime() + drainTimeoutNanos;

        boolean stalled() {
            long now = System.nanoTime();
            long seen = handedOut;
            if (seen != frames) {
                frames = seen;
                deadline = now + drainTimeoutNanos;
                return false;
            }
            return now - deadline > 0;
        }
    }

    /**
     * The fps cap for the video frame at {@code pts}: {@link #DROP} if it is dropped, else the
     * number of frames dropped since the last kept one (for the frame's {@code skipped}), and
     * {@code keyframe} is then whether it starts a GOP (its own mark or a dropped keyframe's).
     * Locked by a lock of its own, not the one a consumer runs under.
     */
    int admit(long pts, boolean keyframe, boolean[] startsGop) {
        synchronized (cap) {
            if (!cap.admit(pts, keyframe)) {
                return DROP;
            }
            startsGop[0] = keyframe | cap.takeOwedKeyframe();
            return cap.takeSkipped();
        }
    }

    @Override
    public void discontinuity() {
        restart = true;
        synchronized (cap) {
            cap.restart(); // the next segment may be on other timestamps (a restarted source)
        }
        unopened = null; // the next segment starts afresh, with a keyframe
    }

    @Override
    public void endOfStream(Consumer<Frame> out) throws IOException {
        if (grab == null && unopened == null) {
            return;
        }
        currentOut = out;
        try {
            if (grab == null) {
                // A stream that never had bytes enough to open: its end lets FFmpeg try.
                grab = new DecoderGrab(this);
                grab.thread.start();
                byte[] carried = unopened;
                unopened = null;
                feed(carried, carried.length, out);
            }
            grab.pipe.end();
            Progress end = new Progress();
            while (grab.thread.isAlive() && !end.stalled()) {
                drain(grab.frames, out);
                grab.thread.join(POLL_MILLIS);
            }
            drain(grab.frames, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            currentOut = null;
        }
    }

    @Override
    public void close() {
        stopGrab();
    }

    private void stopGrab() {
        if (grab == null) {
            return;
        }
        grab.pipe.close();
        grab.thread.interrupt();
        try {
            grab.thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        grab = null;
    }

    long frameArrival() {
        return Math.max(arrivalMillis, System.currentTimeMillis());
    }
}
