package io.flinktrickle.jobs.testutils;

/**
 * Moves an MPEG-TS segment in time: every PES header's PTS and DTS and every adaptation field's
 * PCR, by the same number of 90 kHz ticks (modulo the 33-bit clock). For looping a recorded clip as
 * one live stream whose timestamps keep going up, as a real source's do.
 */
public final class TsTimestamps {
    private static final int PACKET = 188;
    private static final long MASK = (1L << 33) - 1;

    private TsTimestamps() {}

    /** A copy of {@code ts} with all its timestamps {@code ticks} later. */
    public static byte[] shifted(byte[] ts, long ticks) {
        byte[] out = ts.clone();
        for (int off = 0; off + PACKET <= out.length; off += PACKET) {
            if (out[off] != 0x47) {
                throw new IllegalArgumentException("no TS sync byte at " + off);
            }
            boolean unitStart = (out[off + 1] & 0x40) != 0;
            int afc = (out[off + 3] >> 4) & 0x3;
            int p = off + 4;
            if ((afc & 2) != 0) {
                int length = out[p] & 0xff;
                if (length > 0 && (out[p + 1] & 0x10) != 0) {
                    shiftPcr(out, p + 2, ticks);
                }
                p += 1 + length;
            }
            if ((afc & 1) == 0 || !unitStart || p + 9 > off + PACKET) {
                continue;
            }
            if (out[p] != 0 || out[p + 1] != 0 || out[p + 2] != 1) {
                continue; // not a PES start (PSI tables)
            }
            int streamId = out[p + 3] & 0xff;
            boolean audioOrVideo = streamId >= 0xc0 && streamId <= 0xef;
            if (!audioOrVideo) {
                continue;
            }
            int flags = (out[p + 7] >> 6) & 0x3;
            if (flags >= 2 && p + 14 <= off + PACKET) {
                writeTimestamp(out, p + 9, (readTimestamp(out, p + 9) + ticks) & MASK);
            }
            if (flags == 3 && p + 19 <= off + PACKET) {
                writeTimestamp(out, p + 14, (readTimestamp(out, p + 14) + ticks) & MASK);
            }
        }
        return out;
    }

    /** The 33-bit value of a PES PTS/DTS field (5 bytes with marker bits). */
    public static long readTimestamp(byte[] b, int i) {
        return (((long) (b[i] >> 1) & 0x7) << 30)
                | ((b[i + 1] & 0xffL) << 22)
                | (((b[i + 2] & 0xffL) >> 1) << 15)
                | ((b[i + 3] & 0xffL) << 7)
                | ((b[i + 4] & 0xffL) >> 1);
    }

    private static void writeTimestamp(byte[] b, int i, long v) {
        b[i] = (byte) ((b[i] & 0xf0) | (((v >> 30) & 0x7) << 1) | 1);
        b[i + 1] = (byte) (v >> 22);
        b[i + 2] = (byte) ((((v >> 15) & 0x7f) << 1) | 1);
        b[i + 3] = (byte) (v >> 7);
        b[i + 4] = (byte) (((v & 0x7f) << 1) | 1);
    }

    /** PCR: a 33-bit base (90 kHz) then 6 reserved bits and a 9-bit extension. */
    private static void shiftPcr(byte[] b, int i, long ticks) {
        long base =
                ((b[i] & 0xffL) << 25)
                        | ((b[i + 1] & 0xffL) << 17)
                        | ((b[i + 2] & 0xffL) << 9)
                        | ((b[i + 3] & 0xffL) << 1)
                        | ((b[i + 4] & 0xffL) >> 7);
        long v = (base + ticks) & MASK;
        b[i] = (byte) (v >> 25);
        b[i + 1] = (byte) (v >> 17);
        b[i + 2] = (byte) (v >> 9);
        b[i + 3] = (byte) (v >> 1);
        b[i + 4] = (byte) ((b[i + 4] & 0x7f) | ((v & 1) << 7));
    }
}
