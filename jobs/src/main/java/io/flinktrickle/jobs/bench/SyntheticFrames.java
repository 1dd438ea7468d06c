package io.flinktrickle.jobs.bench;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;

import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.util.Arrays;

/**
 * Grey RGB frames for the in-process benchmarks: frame {@code i} belongs to stream {@code i mod
 * streams} and is that stream's frame {@code i / streams}, {@code ptsPerFrame} apart. The pixels
 * are one array shared by every frame (frames are immutable). Runs on the data generator's thread.
 */
final class SyntheticFrames implements GeneratorFunction<Long, Frame> {
    private static final long serialVersionUID = 1L;

    private final String keyPrefix;
    private final int streams;
    private final int width;
    private final int height;
    private final long ptsPerFrame;
    private transient byte[] rgb;

    /** Keys are {@code keyPrefix}, or {@code keyPrefix-N} with more than one stream. */
    SyntheticFrames(String keyPrefix, int streams, int width, int height, long ptsPerFrame) {
        this.keyPrefix = keyPrefix;
        this.streams = streams;
        this.width = width;
        this.height = height;
        this.ptsPerFrame = ptsPerFrame;
    }

    @Override
    public Frame map(Long i) {
        if (rgb == null) {
            rgb = new byte[width * height * 3];
            Arrays.fill(rgb, (byte) 0x55);
        }
        String key = streams == 1 ? keyPrefix : keyPrefix + "-" + (i % streams);
        return new VideoFrame(
                key, i / streams * ptsPerFrame, System.currentTimeMillis(), width, height, rgb, 0);
    }
}
