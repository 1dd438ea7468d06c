package io.flinktrickle.jobs.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleRelayDemo}'s option parsing and segment timing. */
class TrickleRelayDemoTest {

    @Test
    void segmentDurationComesFromTheVideoTimestamps() throws Exception {
        TrickleRelayDemo.Options o = TrickleRelayDemo.Options.parse(new String[0]);
        for (Path p : o.segments()) {
            Duration d = TrickleRelayDemo.segmentDuration(Files.readAllBytes(p));
            assertThat(d.toMillis()).as(p.toString()).isBetween(1_900L, 2_100L);
        }
        TrickleRelayDemo.Options b =
                TrickleRelayDemo.Options.parse(new String[] {"--clip", "clip-b-720p-h264-opus"});
        assertThat(
                        TrickleRelayDemo.segmentDuration(Files.readAllBytes(b.segments().get(0)))
                                .toMillis())
                .isBetween(900L, 1_100L);
        assertThat(TrickleRelayDemo.segmentDuration(new byte[] {1, 2, 3}))
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void invalidOptionsAreRejectedBeforeAnythingStarts() {
        assertThatThrownBy(() -> TrickleRelayDemo.Options.parse(new String[] {"--loops", "0"}))
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> TrickleRelayDemo.Options.parse(new String[] {"--clip", "nope"}))
                .hasMessageContaining("no nope-*.ts segments");
        assertThatThrownBy(
                        () ->
                                TrickleRelayDemo.Options.parse(
                                        new String[] {"--media-dir", "/does/not/exist"}))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TrickleRelayDemo.Options.parse(new String[] {"--what"}))
                .hasMessageContaining("Unknown option: '--what'");
        assertThatThrownBy(() -> TrickleRelayDemo.Options.parse(new String[] {"--loops", "x"}))
                .hasMessageContaining("option '--loops': 'x' is not an int");
    }
}
