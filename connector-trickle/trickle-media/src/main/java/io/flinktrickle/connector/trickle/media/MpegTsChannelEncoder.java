package io.flinktrickle.connector.trickle.media;

import io.flinktrickle.connector.trickle.sink.SegmentEncoder;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Field;

/**
 * The encoder of one output channel: one {@link FFmpegFrameRecorder} (x264 + Opus into MPEG-TS) for
 * the whole stream, writing into a {@link SegmentCut} stream that the encoder points at a new
 * segment right before each forced keyframe. The muxer runs without interleaving and flushes every
 * packet, so all bytes of a segment are out when the next one starts.
 *
 * <p>Timestamps: video and audio keep the input's pts (as {@code ffmpeg -copyts} does), so a
 * gateway can pair each output frame with its input frame. Only a discontinuity (video going back
 * by more than {@link #MAX_REPEAT_BACK}, or more than 10 s ahead) is re-timed: from there the
 * output continues one frame after the last, shifted by the same amount for audio and video. Video
 * up to that far behind the last frame written repeats it (a segment read twice) and is dropped.
 *
 * <p>Tracks: an Opus track is written only if the stream has audio. The recorder starts at the
 * first audio frame, or without an audio track once {@link StartHold#AUDIO_WAIT} of video has come
 * without any (the video waits that long, once, at the start of an audio-less stream).
 *
 * <p>Why reflection: JavaCV's recorder has no way to force a keyframe on a given frame or to set a
 * 64-bit pts, and both live on its private {@code AVFrame picture}; setting {@code pict_type = I}
 * there (with x264's {@code forced-idr}) makes the frame an IDR, as PyTrickle's encoder does. The
 * audio clock is {@link OpusTrack}'s.
 *
 * <p>Bounded: at the start it holds at most what {@link StartHold} allows; what a recorder that
 * cannot start (FFmpeg refuses the frame size) would have written is dropped, counted and logged,
 * and video of that size is dropped until the size changes.
 *
 * <p>Mailbox thread only (the sink writer's).
 */
final class MpegTsChannelEncoder implements SegmentEncoder.ChannelEncoder<Frame> {

    private static final Logger LOG = LoggerFactory.getLogger(MpegTsChannelEncoder.class);

    /** A longer forward jump of video timestamps is taken as a discontinuity. */
    private static final long MAX_FORWARD_JUMP = 10 * Frame.TIME_BASE;

    /**
     * Video at most this far behind the last frame written is a repeat (a segment read twice, an
     * overlap after a reconnect) and dropped; further back, the source restarted: re-timed.
     */
    static final long MAX_REPEAT_BACK = Frame.TIME_BASE;

    /** Encoded audio waits at most this long for the next video frame's write (100 ms). */
    private static final long AUDIO_HOLD_NANOS = 100_000_000L;

    /** A warning for every this many frames dropped (not one per frame). */
    private static final int WARN_EVERY = 100;

    private static final Field PICTURE = MpegTsRecorders.privateField("picture");

    private final String channel;
    private final MpegTsFrameEncoder settings;
    private final long gopTicks;
    private final SegmentCut cut = new SegmentCut();

    /** What came before the recorder could start (waiting to learn if there is audio). */
    private final StartHold held = new StartHold();

    private FFmpegFrameRecorder recorder;
    private AVFrame picture;

    /** The audio track, if the stream has one. */
    private OpusTrack audioTrack;

    /** Output pts = input pts + shift: 0 (the input's pts) until a discontinuity is re-timed. */
    private long shift;

    private long nextCutPts;

    /** The output pts of the input's last keyframe ({@link VideoFrame#keyframe()}). */
    private long lastInputKeyframe = Long.MIN_VALUE;

    /** Segments that failed in a row, and the pts before which no new one is tried. */
    private int failedInARow;

    private long retryPts = Long.MIN_VALUE;
    private long lastVideoPts;

    /** The last interval between two video frames (before any: the nominal frame rate's). */
    private long lastStep;

    private long droppedAudio;

    /**
     * The frame size the recorder could not start with (FFmpeg refused it), else null: video of
     * that size is dropped rather than tried again for every frame; another size is tried.
     */
    private String refusedSize;

    private long droppedVideo;
    private final DirectPixels staging = new DirectPixels();

    MpegTsChannelEncoder(String channel, MpegTsFrameEncoder settings) {
        this.channel = channel;
        this.settings = settings;
        this.gopTicks = Math.round(settings.gopSeconds * Frame.TIME_BASE);
        this.lastStep = Frame.TIME_BASE / settings.nominalFramerate;
    }

    @Override
    public void encode(Frame frame, SegmentEncoder.SegmentOutput out) throws IOException {
        try {
            if (frame instanceof VideoFrame) {
                if (recorder != null) {
                    encodeVideo((VideoFrame) frame, out);
                } else if (!refused((VideoFrame) frame)) {
                    held.video.add((VideoFrame) frame);
                    if (!settings.audio || !held.audio.isEmpty() || held.waitedForAudio()) {
                        startAndFlush(out);
                    }
                }
            } else if (frame instanceof AudioFrame && settings.audio) {
                AudioFrame a = (AudioFrame) frame;
                if (recorder != null) {
                    encodeAudio(a);
                } else {
                    held.holdAudio(a);
                    if (!held.video.isEmpty()) {
                        startAndFlush(out);
                    }
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("encoding " + frame + " failed: " + e.getMessage(), e);
        } finally {
            // A video frame's packets go out in one write; audio rides along with the next video
            // frame (at most a frame later), unless the video has stalled.
            if (frame instanceof VideoFrame || cut.heldNanos() > AUDIO_HOLD_NANOS) {
                cut.flush();
            }
        }
    }

    /**
     * Starts the recorder (with an audio track if audio has come) and writes what was held: each
     * video frame, then the audio up to the next one.
     */
    private void startAndFlush(SegmentEncoder.SegmentOutput out) throws Exception {
        try {
            start(held.video.peek(), settings.audio && !held.audio.isEmpty());
            while (!held.video.isEmpty()) {
                encodeVideo(held.video.poll(), out);
                VideoFrame next = held.video.peek();
                while (!held.audio.isEmpty()
                        && (next == null || held.audio.peek().pts() < next.pts())) {
                    encodeAudio(held.audio.poll());
                }
            }
        } finally {
            // Whatever could not be written (the recorder did not start, or a frame failed) is
            // dropped, not held for ever.
            droppedVideo += held.clear();
        }
    }

    /** Whether the stream's Opus track is encoded by the machine's libopus (false: no track). */
    boolean systemLibopus() {
        return audioTrack != null && audioTrack.systemLibopus();
    }

    /** Frames held at the start (video and audio) while the recorder has not started. */
    int heldFrames() {
        return held.size();
    }

    /** Whether this frame is of the size FFmpeg refused: dropped (a warning now and then). */
    private boolean refused(VideoFrame v) {
        if (refusedSize == null || !refusedSize.equals(v.width() + "x" + v.height())) {
            return false;
        }
        if (droppedVideo++ % WARN_EVERY == 0) {
            LOG.warn(
                    "stream {}: video of {} cannot be encoded, {} frames dropped so far",
                    channel,
                    refusedSize,
                    droppedVideo);
        }
        return true;
    }

    /**
     * Whether a new segment (and GOP) starts at this frame: the first frame, and then every {@code
     * gopSeconds} of pts; where the input has keyframes (each input segment starts with one), at
     * the input keyframe nearest to that (up to a quarter GOP early or late), so that each output
     * segment holds the frames of one input segment and its latency can be measured.
     */
    private boolean cutDue(VideoFrame v, long outPts) {
        boolean recentKeyframes =
                lastInputKeyframe != Long.MIN_VALUE
                        && outPts - lastInputKeyframe <= 2 * gopTicks
                        && outPts > lastInputKeyframe;
        if (v.keyframe()) {
            lastInputKeyframe = outPts;
        }
        if (nextCutPts == Long.MIN_VALUE) {
            return true;
        }
        long slack = gopTicks / 4;
        if (v.keyframe()) {
            return outPts >= nextCutPts - slack;
        }
        return outPts >= nextCutPts + (recentKeyframes ? slack : 0);
    }

    private void encodeVideo(VideoFrame v, SegmentEncoder.SegmentOutput out) throws Exception {
        boolean keyframe = false;
        long outPts = v.pts() + shift;
        if (lastVideoPts != Long.MIN_VALUE
                && outPts <= lastVideoPts
                && lastVideoPts - outPts <= MAX_REPEAT_BACK) {
            // A frame already written (or one between): the encoder needs increasing timestamps,
            // and re-timing would move the rest of the stream off the input's clock.
            if (droppedVideo++ % WARN_EVERY == 0) {
                LOG.info(
                        "stream {}: video at {} repeats what was written (up to {}), dropped",
                        channel,
                        outPts,
                        lastVideoPts);
            }
            return;
        }
        if (lastVideoPts != Long.MIN_VALUE
                && (outPts < lastVideoPts || outPts > lastVideoPts + MAX_FORWARD_JUMP)) {
            // The source restarted or jumped: continue the output clock after the last frame.
            shift = lastVideoPts + lastStep - v.pts();
            outPts = v.pts() + shift;
            nextCutPts = Long.MIN_VALUE; // a new segment starts here
            LOG.info(
                    "stream {}: timestamps jumped at {}, output continues at {}",
                    channel,
                    v.pts(),
                    outPts);
        }
        // After a failed segment the next frame tries again at once; if that fails too, the
        // next try waits a GOP, and so on: a server that refuses for a while costs one segment
        // (and one seq) per GOP, not one per frame.
        if (cutDue(v, outPts) || (cut.failed && outPts >= retryPts)) {
            keyframe = true;
            if (cut.failed) {
                failedInARow++;
                retryPts = outPts + gopTicks; // if this one fails too, the next waits a GOP
                cut.quiet = true;
            } else if (failedInARow > 0) {
                LOG.info(
                        "stream {}: output segments are written again, after {} failed",
                        channel,
                        failedInARow);
                failedInARow = 0;
                retryPts = Long.MIN_VALUE;
                cut.quiet = false;
            }
            cut.flush(); // what is held (audio) belongs to the segment that ends here
            cut.to(out.startSegment()); // ends the previous segment: all its bytes are out
            nextCutPts = outPts + gopTicks;
        }
        picture.pts(outPts);
        picture.pict_type(keyframe ? avutil.AV_PICTURE_TYPE_I : avutil.AV_PICTURE_TYPE_NONE);
        // YUV420P goes to x264 as it is (no swscale pass); GRAY8 (the limited-range Y plane)
        // with neutral chroma; RGB24 is converted by swscale.
        boolean rgb = v.format() == PixelFormat.RGB24;
        recorder.recordImage(
                v.width(),
                v.height(),
                org.bytedeco.javacv.Frame.DEPTH_UBYTE,
                rgb ? 3 : 1,
                rgb ? v.width() * 3 : v.width(),
                rgb ? avutil.AV_PIX_FMT_RGB24 : avutil.AV_PIX_FMT_YUV420P,
                staging.of(v));
        picture.pict_type(avutil.AV_PICTURE_TYPE_NONE);
        if (lastVideoPts != Long.MIN_VALUE && outPts - lastVideoPts <= Frame.TIME_BASE) {
            lastStep = outPts - lastVideoPts; // the stream's own frame interval
        }
        lastVideoPts = outPts;
    }

    private void encodeAudio(AudioFrame a) throws Exception {
        if (audioTrack == null) {
            droppedAudio++; // the stream started without audio: no track to write it to
            return;
        }
        audioTrack.write(a, a.pts() + shift, lastVideoPts);
    }

    private void start(VideoFrame first, boolean withAudio) throws Exception {
        FFmpegFrameRecorder r;
        try {
            r = MpegTsRecorders.start(cut, first.width(), first.height(), settings, withAudio);
        } catch (IllegalStateException e) {
            refusedSize = first.width() + "x" + first.height();
            throw new IllegalStateException(
                    "cannot start the encoder of "
                            + channel
                            + " for "
                            + refusedSize
                            + " video (its frames are dropped): "
                            + e.getMessage(),
                    e);
        }
        refusedSize = null;
        recorder = r;
        picture = (AVFrame) PICTURE.get(r);
        audioTrack = withAudio ? new OpusTrack(channel, r, settings) : null;
        shift = 0;
        nextCutPts = Long.MIN_VALUE; // the first frame starts the first segment
        lastVideoPts = Long.MIN_VALUE;
        if (!withAudio && settings.audio) {
            LOG.info(
                    "stream {}: no audio in the first {} ms, output without audio",
                    channel,
                    StartHold.AUDIO_WAIT * 1000 / Frame.TIME_BASE);
        }
    }

    @Override
    public void finish(SegmentEncoder.SegmentOutput out) throws IOException {
        if (recorder == null && !held.video.isEmpty()) {
            try {
                startAndFlush(out); // a stream shorter than the wait for audio
            } catch (Exception e) {
                throw new IOException(
                        "finishing the stream " + channel + " failed: " + e.getMessage(), e);
            }
        }
        if (recorder != null) {
            try {
                if (audioTrack != null) {
                    audioTrack.finish();
                }
                recorder.stop(); // flushes the encoders; the tail goes to the open segment
                cut.flush();
            } catch (Exception e) {
                throw new IOException(
                        "finishing the stream " + channel + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        long audioDropped =
                droppedAudio + held.droppedAudio + (audioTrack == null ? 0 : audioTrack.dropped());
        if (droppedVideo > 0 || audioDropped > 0) {
            LOG.info(
                    "stream {}: the encoder dropped {} video and {} audio frames",
                    channel,
                    droppedVideo,
                    audioDropped);
        }
        if (audioTrack != null) {
            audioTrack.close();
        }
        if (recorder != null) {
            try {
                recorder.release();
            } catch (Exception e) {
                LOG.debug("releasing the encoder of {}: {}", channel, e.toString());
            }
            recorder = null;
        }
    }
}
