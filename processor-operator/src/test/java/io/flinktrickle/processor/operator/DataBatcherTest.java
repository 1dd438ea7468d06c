package io.flinktrickle.processor.operator;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DataBatcherTest {

    @Test
    void batchesIntoOneJsonArrayLine() {
        DataBatcher b = new DataBatcher(10, 1000);
        b.add("{\"a\":1}");
        b.add("\"text\"");
        assertThat(b.drain()).containsExactly("[{\"a\":1},\"text\"]\n");
        assertThat(b.drain()).isEmpty();
    }

    @Test
    void splitsLinesAtTheLimitAndRejectsValuesThatCannotFit() {
        DataBatcher b = new DataBatcher(100, 64);
        String value = "\"" + "x".repeat(20) + "\"";
        for (int i = 0; i < 7; i++) {
            assertThat(b.add(value)).isTrue();
        }
        List<String> lines = b.drain();
        assertThat(lines).hasSizeGreaterThan(1);
        int items = 0;
        for (String line : lines) {
            assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
            assertThat(line).startsWith("[").endsWith("]\n");
            items += line.split("\",\"").length;
        }
        assertThat(items).isEqualTo(7);
        assertThat(b.add("\"" + "y".repeat(70) + "\"")).isFalse();
        assertThat(b.oversized()).isEqualTo(1);
    }

    @Test
    void dropsTheOldestPastTheBound() {
        DataBatcher b = new DataBatcher(3, 1000);
        for (int i = 0; i < 5; i++) {
            b.add(Integer.toString(i));
        }
        assertThat(b.drain()).containsExactly("[2,3,4]\n");
        assertThat(b.dropped()).isEqualTo(2);
    }
}
