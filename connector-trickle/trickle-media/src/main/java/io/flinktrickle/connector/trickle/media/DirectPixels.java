package io.flinktrickle.connector.trickle.media;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A frame's pixels staged for the encoder in one direct buffer reused across frames: JavaCPP would
 * copy a heap buffer into freshly allocated native memory on every frame (an mmap, page faults and
 * a free each time). A GRAY8 frame is staged as YUV420P with neutral chroma, so its Y plane reaches
 * x264 as it is. Mailbox thread only, as the encoder.
 */
final class DirectPixels {

    private static final byte NEUTRAL_CHROMA = (byte) 128;

    private ByteBuffer buffer;
    private byte[] neutralChroma;

    /** The frame's pixels (GRAY8: as YUV420P), from position 0; valid until the next call. */
    ByteBuffer of(VideoFrame v) {
        byte[] data = v.pixels();
        boolean gray = v.format() == PixelFormat.GRAY8;
        // Chroma planes rounded up (FFmpeg's layout with alignment 1): a grey frame of odd size
        // stages too, and the encoder decides what it makes of it.
        int chroma = ((v.width() + 1) / 2) * ((v.height() + 1) / 2);
        int size = gray ? data.length + 2 * chroma : data.length;
        if (buffer == null || buffer.capacity() < size) {
            buffer = ByteBuffer.allocateDirect(size);
        }
        buffer.clear();
        buffer.put(data);
        if (gray) {
            if (neutralChroma == null || neutralChroma.length != size - data.length) {
                neutralChroma = new byte[size - data.length];
                Arrays.fill(neutralChroma, NEUTRAL_CHROMA);
            }
            buffer.put(neutralChroma);
        }
        buffer.flip();
        return buffer;
    }
}
