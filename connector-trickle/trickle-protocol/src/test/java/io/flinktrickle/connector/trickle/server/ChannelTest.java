package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link Channel} and {@link Segment}: ring, resolution and eviction rules. */
class ChannelTest {

    private static Channel channel() {
        return new Channel("ch", "video/MP2T", 5, 0);
    }

    private static void write(Channel c, long seq, String data) {
        Segment s = c.forWrite(seq, false);
        c.markStarted(seq, 0);
        byte[] b = data.getBytes(StandardCharsets.UTF_8);
        s.append(b, 0, b.length);
        s.close();
    }

    @Test
    void minusOneAndMinusTwoResolveAroundNextWrite() {
        Channel c = channel();
        assertThat(c.forRead(TrickleProtocol.SEQ_CURRENT).resolvedSeq).isZero();
        write(c, 0, "a");
        write(c, 1, "b");
        assertThat(c.forRead(TrickleProtocol.SEQ_CURRENT).resolvedSeq).isEqualTo(1);
        assertThat(c.forRead(TrickleProtocol.SEQ_NEXT).resolvedSeq).isEqualTo(2);
        assertThat(c.forRead(TrickleProtocol.SEQ_NEXT).segment).isNotNull();
    }

    @Test
    void evictionClosesTheOldSegmentButReadersKeepIt() throws InterruptedException {
        Channel c = channel();
        Segment open = c.forWrite(0, false);
        c.markStarted(0, 0);
        open.append(new byte[] {1, 2}, 0, 2);
        for (int seq = 1; seq <= 5; seq++) {
            write(c, seq, "s" + seq);
        }
        assertThat(open.isClosed()).isTrue();
        byte[] buf = new byte[10];
        assertThat(open.read(0, buf, 10)).isEqualTo(2);
        assertThat(c.forRead(0).segment).isNull();
        assertThat(c.forRead(0).latest).isEqualTo(6);
    }

    @Test
    void resetClosesOlderOpenSegments() {
        Channel c = channel();
        Segment zero = c.forWrite(0, false);
        c.markStarted(0, 0);
        Segment one = c.forWrite(1, true);
        assertThat(zero.isClosed()).isTrue();
        assertThat(one.isClosed()).isFalse();
    }

    @Test
    void segmentReadsAcrossPagesAndWaitsForMore() throws InterruptedException {
        Segment s = new Segment(0);
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        s.append(big, 0, big.length);
        byte[] out = new byte[big.length];
        int off = 0;
        byte[] buf = new byte[30_000];
        while (off < big.length) {
            int n = s.read(off, buf, 10);
            System.arraycopy(buf, 0, out, off, n);
            off += n;
        }
        assertThat(out).isEqualTo(big);
        assertThat(s.read(off, buf, 10)).isZero(); // open, nothing new yet
        s.close();
        assertThat(s.read(off, buf, 10)).isEqualTo(-1);
        assertThat(s.append(big, 0, 1)).isFalse();
    }
}
