package io.flinktrickle.processor.operator;

import java.io.Serializable;

/**
 * How a slot warms up the whole path before it takes streams ({@link PathWarmUp}): this many frames
 * of this size. Immutable.
 */
final class WarmUpSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final int frames;
    final int width;
    final int height;

    WarmUpSettings(int frames, int width, int height) {
        this.frames = frames;
        this.width = width;
        this.height = height;
    }
}
