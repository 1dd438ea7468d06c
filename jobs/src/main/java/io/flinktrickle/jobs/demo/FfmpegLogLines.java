package io.flinktrickle.jobs.demo;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FFmpeg's {@code av_log} messages as whole lines on the SLF4J logger {@code ffmpeg} (JavaCV's
 * {@link FFmpegLogCallback} logs each fragment of a line, and FFmpeg prints its banners in many).
 * FFmpeg calls it on its own threads, any of them; each thread assembles its own line.
 */
final class FfmpegLogLines extends FFmpegLogCallback {
    private static final Logger LOG = LoggerFactory.getLogger("ffmpeg");

    /** Held for as long as the JVM runs: FFmpeg keeps calling it. */
    private static final FfmpegLogLines INSTANCE = new FfmpegLogLines();

    private final ThreadLocal<Line> lines = ThreadLocal.withInitial(Line::new);

    private static final class Line {
        final StringBuilder text = new StringBuilder();
        int level = Integer.MAX_VALUE; // the most severe of its fragments (lower is more severe)
    }

    /** Sends every later {@code av_log} message of this process to the {@code ffmpeg} logger. */
    static void install() {
        avutil.setLogCallback(INSTANCE);
    }

    @Override
    public void call(int level, BytePointer message) {
        if (level < avutil.AV_LOG_PANIC || message == null) {
            return; // AV_LOG_QUIET
        }
        Line line = lines.get();
        line.text.append(message.getString());
        line.level = Math.min(line.level, level);
        int end;
        while ((end = line.text.indexOf("\n")) >= 0) {
            log(line.level, line.text.substring(0, end));
            line.text.delete(0, end + 1);
            line.level = line.text.length() == 0 ? Integer.MAX_VALUE : level;
        }
    }

    private static void log(int level, String text) {
        if (level <= avutil.AV_LOG_ERROR) {
            LOG.error(text);
        } else if (level <= avutil.AV_LOG_WARNING) {
            LOG.warn(text);
        } else if (level <= avutil.AV_LOG_INFO) {
            LOG.info(text);
        } else {
            LOG.debug(text);
        }
    }
}
