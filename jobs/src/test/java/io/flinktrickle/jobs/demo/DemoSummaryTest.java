package io.flinktrickle.jobs.demo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DemoSummaryTest {

    @Test
    void dropsAreExplainedByWhenTheyHappened() {
        DemoSummary s = new DemoSummary();
        assertThat(s.dropReason()).isEmpty();
        s.framesDropped = 22;
        s.lastDropSeconds = 4;
        assertThat(s.dropReason()).contains("real-time policy", "started", "none after 4 s");
        s.droppedInLastHeartbeat = 5;
        assertThat(s.dropReason()).contains("real-time policy", "5 in the last heartbeat");
    }

    @Test
    void everySummaryLineHasALabelAndTheLogIsNamed() {
        DemoSummary s = new DemoSummary();
        s.output = Path.of("out", "demo-output.ts");
        s.log = Path.of("out", "demo.log");
        s.framesSkippedByFpsCap = 3;
        s.maxFramerate = 30;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        s.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains(
                        "  frames over the fps cap    3 (the input runs above --max-framerate 30)")
                .contains("  log (Flink, FFmpeg)        " + s.log.toAbsolutePath());
        assertThat(text.lines().filter(l -> l.startsWith("  ")).count())
                .isEqualTo(DemoSummary.LABELS.size());
    }
}
