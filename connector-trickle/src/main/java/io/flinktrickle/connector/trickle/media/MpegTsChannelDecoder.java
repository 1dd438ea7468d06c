package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ShortBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The decoder of one channel: one FFmpeg grabber on its own thread ({@code
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
 */
final class MpegTsChannelDecoder implements SegmentDecoder.ChannelDecoder<Frame> {

    private static final Logger LOG = LoggerFactory.getLogger(MpegTsChannelDecoder.class);

    private static final long PIPE_BYTES = 2 * 1024 * 1024;
    private static final int FRAME_QUEUE = 8;
    private static final long POLL_MILLIS = 5;

    /**
     * Bytes a grabber may take without opening a stream before the input counts as not MPEG-TS:
     * FFmpeg's demuxer reads up to 8 KiB to find the packet size, so a stream of tiny segments (a
     * still picture) opens only across several of them.
     */
    private static final long OPEN_BYTES = 64 * 1024;

    /** How long a segment's tail may take to decode before the segment counts as failed. */
    private static final long DRAIN_TIMEOUT_MILLIS = 10_000;

    private final String channel;
    private final int width;
    private final int height;
    private final PixelFormat pixelFormat;
    private final long ptsStep;

    /** Frames up to this much early still count as on time (half a frame at 60 fps). */
    private static final long CAP_TOLERANCE = Frame.TIME_BASE / 120;

    /** {@link #admit}: the fps cap drops the frame. */
    private static final int DROP = -1;

    private final boolean audio;
    private final int errorBudget;
    private Grab grab;
    private boolean restart;
    private int consecutiveFailures;
    private long failures;

    /** Guards the fps cap's state: {@code nextDuePts} and {@code skipped}. */
    private final Object schedule = new Object();

    private long nextDuePts = Long.MIN_VALUE;
    private int skipped;

    /**
     * When the segment's first byte arrived; a frame is stamped with the later of that and the
     * moment it was decoded (its bytes had arrived by then), so that a frame late in a live 2 s
     * segment does not look 2 s old.
     */
    private volatile long arrivalMillis;

    /** The consumer of the {@code decode}/{@code endOfStream} call in progress, or null. */
    private volatile Consumer<Frame> currentOut;

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
        this.ptsStep = maxFramerate == 0 ? 0 : Frame.TIME_BASE / maxFramerate;
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
        if (grab == null || restart || grab.failure != null || !grab.thread.isAlive()) {
            stopGrab();
            grab = new Grab();
            grab.thread.start();
            restart = false;
        }
        currentOut = out; // the grabber thread hands frames out itself while this call runs
        try {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = body.read(buf)) >= 0) {
                grab.fed += n;
                try {
                    while (!grab.pipe.offer(buf, 0, n, POLL_MILLIS)) {
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
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MILLIS);
            while (!grab.pipe.awaitStarved(POLL_MILLIS)) {
                drain(grab.frames, out);
                if (grab.failure != null) {
                    throw grab.failure;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "decoding segment "
                                    + segment
                                    + " did not finish in "
                                    + DRAIN_TIMEOUT_MILLIS
                                    + " ms");
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
            consecutiveFailures = 0;
        } catch (IOException e) {
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
    private synchronized void drain(BlockingQueue<Frame> queue, Consumer<Frame> out) {
        Frame f;
        while ((f = queue.poll()) != null) {
            out.accept(f);
        }
    }

    /**
     * The fps cap for the video frame at {@code pts}: {@link #DROP} if it is dropped, else the
     * number of frames dropped since the last kept one (for the frame's {@code skipped}). Locked
     * (by a lock of its own, not the one a consumer runs under): a grabber that is being replaced
     * may still be finishing its last frame.
     */
    private int admit(long pts) {
        synchronized (schedule) {
            if (!onSchedule(pts)) {
                skipped++;
                return DROP;
            }
            int s = skipped;
            skipped = 0;
            return s;
        }
    }

    /**
     * The frame rate cap: frames are due every {@code ptsStep} ticks of their own timestamps, so a
     * 30 fps stream capped at 24 keeps 4 frames of 5 (comparing with the last kept frame instead
     * would keep only every other frame). A jump in timestamps restarts the schedule.
     */
    private boolean onSchedule(long pts) {
        if (ptsStep == 0) {
            return true;
        }
        if (nextDuePts != Long.MIN_VALUE
                && (pts > nextDuePts + 2 * ptsStep || pts < nextDuePts - 3 * ptsStep)) {
            nextDuePts = Long.MIN_VALUE; // a discontinuity: start a new schedule
        }
        if (nextDuePts == Long.MIN_VALUE) {
            nextDuePts = pts + ptsStep;
            return true;
        }
        if (pts >= nextDuePts - CAP_TOLERANCE) {
            nextDuePts += ptsStep;
            return true;
        }
        return false;
    }

    @Override
    public void discontinuity() {
        restart = true;
    }

    @Override
    public void endOfStream(Consumer<Frame> out) throws IOException {
        if (grab == null) {
            return;
        }
        currentOut = out;
        grab.pipe.end();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MILLIS);
            while (grab.thread.isAlive() && System.nanoTime() < deadline) {
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

    /** One grabber run: from a fresh pipe until end of stream, failure or close. */
    private final class Grab {
        final BytePipe pipe = new BytePipe(PIPE_BYTES);
        final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(FRAME_QUEUE);
        final Thread thread = new Thread(this::run, "mpegts-decoder-" + channel);
        volatile IOException failure;

        /** Probing finished: the stream has a valid start (PAT/PMT, stream headers). */
        volatile boolean started;

        /** Bytes given to this grabber (I/O thread only). */
        long fed;

        private long nextAudioPts = Long.MIN_VALUE;

        /** An input keyframe the fps cap dropped: the next kept frame carries its mark. */
        private boolean keyframeDropped;

        Grab() {
            thread.setDaemon(true);
        }

        private void run() {
            FFmpegFrameGrabber grabber =
                    new FFmpegFrameGrabber(pipe, 0); // 0: never buffer the live stream
            PixelCopier copier = new PixelCopier(pixelFormat, width, height);
            try {
                grabber.setFormat("mpegts");
                grabber.setOption("probesize", "2048");
                grabber.setOption("analyzeduration", "0");
                grabber.setVideoOption("threads", "1");
                grabber.setVideoOption("flags", "low_delay");
                // FFmpeg's own picture, unconverted: the copier converts only where asked to.
                grabber.setImageMode(FrameGrabber.ImageMode.RAW);
                grabber.setSampleMode(FrameGrabber.SampleMode.SHORT);
                grabber.start();
                started = true;
                if (grabber.getVideoStream() < 0) {
                    throw new IOException("the input has no video stream");
                }
                org.bytedeco.javacv.Frame f;
                while ((f = grabber.grab()) != null) {
                    Frame frame = convert(f, copier);
                    if (frame != null) {
                        while (!frames.offer(frame, 100, TimeUnit.MILLISECONDS)) {
                            if (Thread.currentThread().isInterrupted()) {
                                return;
                            }
                        }
                        // Hand it out now, not when the I/O thread gets its next bytes.
                        Consumer<Frame> o = currentOut;
                        if (o != null) {
                            drain(frames, o);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (!Thread.currentThread().isInterrupted()) {
                    failure =
                            e instanceof IOException
                                    ? (IOException) e
                                    : new IOException("FFmpeg: " + e.getMessage(), e);
                }
            } finally {
                try {
                    grabber.close();
                } catch (Exception ignored) {
                    // Releasing native resources of a failed grabber; nothing more to do.
                }
                copier.close();
                pipe.close(); // wakes a writer waiting for room, and awaitStarved()
            }
        }

        private Frame convert(org.bytedeco.javacv.Frame f, PixelCopier copier) {
            // JavaCV gives the input's pts in microseconds (truncated); round back to 90 kHz.
            long pts = Math.round(f.timestamp * (Frame.TIME_BASE / 1_000_000.0));
            if (f.image != null && f.image.length > 0 && f.opaque instanceof AVFrame) {
                int skippedBefore = admit(pts);
                if (skippedBefore == DROP) {
                    keyframeDropped |= f.keyFrame;
                    return null;
                }
                boolean keyframe = f.keyFrame || keyframeDropped;
                keyframeDropped = false;
                VideoFrame frame =
                        new VideoFrame(
                                channel,
                                pts,
                                frameArrival(),
                                copier.format(),
                                width,
                                height,
                                copier.copy((AVFrame) f.opaque),
                                skippedBefore);
                return keyframe ? frame.withKeyframe(true) : frame;
            }
            if (audio
                    && f.samples != null
                    && f.samples.length > 0
                    && f.samples[0] instanceof ShortBuffer) {
                ShortBuffer sb = ((ShortBuffer) f.samples[0]).duplicate();
                sb.rewind();
                short[] samples = new short[sb.remaining()];
                sb.get(samples);
                // One PES carries several AAC frames but a pts for the first only; JavaCV reports
                // no usable time for the others. They continue where the previous frame ended.
                if (nextAudioPts != Long.MIN_VALUE && pts <= 0) {
                    pts = nextAudioPts; // a reported pts, right or wrong, is taken as it is
                }
                nextAudioPts =
                        pts
                                + (long) samples.length
                                        / f.audioChannels
                                        * Frame.TIME_BASE
                                        / f.sampleRate;
                return new AudioFrame(
                        channel, pts, frameArrival(), f.sampleRate, f.audioChannels, samples);
            }
            return null;
        }
    }

    private long frameArrival() {
        return Math.max(arrivalMillis, System.currentTimeMillis());
    }
}
