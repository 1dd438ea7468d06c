package io.flinktrickle.connector.trickle.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleServer.Builder} and {@link TrickleServerMain}'s argument parsing. */
class TrickleServerBuilderTest {

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> TrickleServer.builder().port(70_000).build())
                .hasMessageContaining("port");
        assertThatThrownBy(() -> TrickleServer.builder().retainedSegments(1).build())
                .hasMessageContaining("retainedSegments");
        assertThatThrownBy(() -> TrickleServer.builder().idleTimeout(Duration.ZERO).build())
                .hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> TrickleServer.builder().maxSegmentBytes(0).build())
                .hasMessageContaining("maxSegmentBytes");
    }

    @Test
    void mainParsesItsArguments() {
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(
                                                new String[] {
                                                    "--host",
                                                    "127.0.0.1",
                                                    "--port",
                                                    "0",
                                                    "--path",
                                                    "ai/trickle",
                                                    "--no-autocreate",
                                                    "--changefeed",
                                                    "--retained",
                                                    "7",
                                                    "--idle-timeout-s",
                                                    "30"
                                                })
                                        .build())
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TrickleServerMain.parse(new String[] {"--bogus"}))
                .hasMessageContaining("unknown argument --bogus");
        assertThatThrownBy(() -> TrickleServerMain.parse(new String[] {"--port"}))
                .hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> TrickleServerMain.parse(new String[] {"--port", "x"}))
                .hasMessageContaining("whole number");
    }
}
