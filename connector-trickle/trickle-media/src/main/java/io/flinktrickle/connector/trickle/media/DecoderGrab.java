package io.flinktrickle.connector.trickle.media;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ShortBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One grabber run of a {@link MpegTsChannelDecoder}: a JavaCV grabber reading a fresh {@link
 * BytePipe} from its own thread until end of stream, failure or close, handing out the frames it
 * decodes (in the processor's pixel format, after the decoder's fps cap).
 *
 * <p>Threads: {@link #run} on the grabber thread {@code mpegts-decoder-<channel>}; the pipe is fed
 * and {@link #fed}/{@link #opening} are kept by the decoder's I/O thread (the source's fetcher).
 */
final class DecoderGrab {
    private static final long PIPE_BYTES = 2 * 1024 * 1024;
    private static final int FRAME_QUEUE = 8;
    private static final long OFFER_MILLIS = 100;

    final BytePipe pipe = new BytePipe(PIPE_BYTES);
    final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(FRAME_QUEUE);
    final Thread thread;
    volatile IOException failure;

    /** Probing finished: the stream has a valid start (PAT/PMT, stream headers). */
    volatile boolean started;

    /** Bytes given to this grabber (I/O thread only). */
    long fed;

    /** The bytes given while the stream has not opened (I/O thread only); then null. */
    ByteArrayOutputStream opening = new ByteArrayOutputStream();

    private long nextAudioPts = Long.MIN_VALUE;

    /** The fps cap's answer: whether the kept frame starts a GOP. */
    private final boolean[] startsGop = new boolean[1];

    private final MpegTsChannelDecoder owner;

    DecoderGrab(MpegTsChannelDecoder owner) {
        this.owner = owner;
        this.thread = new Thread(this::run, "mpegts-decoder-" + owner.channel);
        thread.setDaemon(true);
    }

    private void run() {
        FFmpegFrameGrabber grabber =
                new FFmpegFrameGrabber(pipe, 0); // 0: never buffer the live stream
        PixelCopier copier = new PixelCopier(owner.pixelFormat, owner.width, owner.height);
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
                    while (!frames.offer(frame, OFFER_MILLIS, TimeUnit.MILLISECONDS)) {
                        if (Thread.currentThread().isInterrupted()) {
                            return;
                        }
                    }
                    // Hand it out now, not when the I/O thread gets its next bytes.
                    Consumer<Frame> o = owner.currentOut;
                    if (o != null) {
                        owner.drain(frames, o);
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
            int skippedBefore = owner.admit(pts, f.keyFrame, startsGop);
            if (skippedBefore == MpegTsChannelDecoder.DROP) {
                return null;
            }
            boolean keyframe = startsGop[0];
            VideoFrame frame =
                    new VideoFrame(
                            owner.channel,
                            pts,
                            owner.frameArrival(),
                            copier.format(),
                            owner.width,
                            owner.height,
                            copier.copy((AVFrame) f.opaque),
                            skippedBefore);
            return keyframe ? frame.withKeyframe(true) : frame;
        }
        if (owner.audio
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
                    pts + (long) samples.length / f.audioChannels * Frame.TIME_BASE / f.sampleRate;
            return new AudioFrame(
                    owner.channel,
                    pts,
                    owner.frameArrival(),
                    f.sampleRate,
                    f.audioChannels,
                    samples);
        }
        return null;
    }
}
