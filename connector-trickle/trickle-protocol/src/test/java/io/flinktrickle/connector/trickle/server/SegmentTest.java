package io.flinktrickle.connector.trickle.server;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SegmentTest {

    @Test
    void aClosedSegmentReadsBackWholeWhateverItsSize() throws Exception {
        Random random = new Random(3);
        for (int size : new int[] {1, 1024, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 200_000}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            Segment s = new Segment(0);
            // in uneven pieces, as a chunked upload arrives
            for (int off = 0; off < size; off += 777) {
                assertThat(s.append(data, off, Math.min(777, size - off))).isTrue();
            }
            s.close(); // trims the last page to what it holds
            assertThat(s.append(new byte[1], 0, 1)).as("closed").isFalse();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[5000];
            long offset = 0;
            int n;
            while ((n = s.read(offset, buf, 10)) > 0) {
                out.write(buf, 0, n);
                offset += n;
            }
            assertThat(n).isEqualTo(-1);
            assertThat(out.toByteArray()).as("size %d", size).isEqualTo(data);
        }
    }
}
