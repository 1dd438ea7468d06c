package io.flinktrickle.jobs.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@link TrickleRelayDemo} end to end on clip A (fast mode, two loops). */
class TrickleRelayDemoITCase {

    @Test
    void demoRelaysTheClipByteForByte(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out.ts");
        TrickleRelayDemo.Options options =
                TrickleRelayDemo.Options.parse(
                        new String[] {"--fast", "--loops", "2", "--out", out.toString()});
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrickleRelayDemo.Summary s =
                new TrickleRelayDemo(options, new PrintStream(log, true, StandardCharsets.UTF_8))
                        .run();
        assertThat(s.identical).isTrue();
        assertThat(s.segments).isEqualTo(10);
        long clipBytes = 0;
        for (Path p : options.segments()) {
            clipBytes += Files.size(p);
        }
        assertThat(Files.size(out)).isEqualTo(2 * clipBytes);
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("segment 9:")
                .contains("byte-identical to the input");
    }
}
