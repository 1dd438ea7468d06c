package io.flinktrickle.connector.trickle.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tests for {@link TrickleServerBuilder} and {@link TrickleServerMain}'s command line. */
class TrickleServerBuilderTest {

    private static final String TOKEN = "s3cr3t-token-value-0123456789";

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
        assertThatThrownBy(() -> TrickleServer.builder().threadName("two words").build())
                .hasMessageContaining("threadName");
        assertThatThrownBy(() -> TrickleServer.builder().threadName("").build())
                .hasMessageContaining("threadName");
    }

    @Test
    void theServersThreadsCarryItsThreadName() throws Exception {
        try (TrickleServer server = TrickleServer.builder().threadName("edge-relay").build()) {
            server.start();
            assertThat(Thread.getAllStackTraces().keySet())
                    .extracting(Thread::getName)
                    .anyMatch(n -> n.startsWith("edge-relay-"));
        }
    }

    @Test
    void mainParsesItsArguments() {
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(
                                                Map.of(),
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
                                                "--max-segment-bytes",
                                                "1048576",
                                                "--max-channels",
                                                "8",
                                                "--idle-timeout-s",
                                                "30")
                                        .build())
                .doesNotThrowAnyException();
        assertThat(TrickleServerMain.parse(Map.of(), "--help")).isNull();
        assertThat(TrickleServerMain.parse(Map.of(), "-h")).isNull();
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--bogus"))
                .hasMessageContaining("Unknown option: '--bogus'");
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--port"))
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--port", "x"))
                .hasMessageContaining("--port")
                .hasMessageContaining("'x' is not an int");
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--port", "70000"))
                .hasMessageContaining("--port must be 0..65535");
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--retained", "1"))
                .hasMessageContaining("--retained must be at least 2");
        assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), "--idle-timeout-s", "0"))
                .hasMessageContaining("--idle-timeout-s must be positive");
    }

    @Test
    void environmentVariablesAreDefaultsAndAFlagWins() {
        Map<String, String> env =
                Map.of("TRICKLE_SERVER_PORT", "x", "TRICKLE_SERVER_MAX_CHANNELS", "0");
        assertThatThrownBy(() -> TrickleServerMain.parse(env))
                .hasMessageContaining("--port")
                .hasMessageContaining("'x' is not an int");
        assertThatThrownBy(() -> TrickleServerMain.parse(env, "--port", "0"))
                .hasMessageContaining("--max-channels must be positive");
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(env, "--port", "0", "--max-channels", "2")
                                        .build())
                .doesNotThrowAnyException();
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(
                                                Map.of(
                                                        "TRICKLE_SERVER_PORT",
                                                        " 0 ",
                                                        "TRICKLE_SERVER_NO_AUTOCREATE",
                                                        "true",
                                                        "TRICKLE_SERVER_PATH",
                                                        "/ai/trickle/"))
                                        .build())
                .doesNotThrowAnyException();
    }

    @Test
    void theAccessTokenComesFromTheEnvironmentOrAFileNeverTheCommandLine(@TempDir Path dir)
            throws Exception {
        for (String[] args :
                new String[][] {
                    {"--access-token", TOKEN}, {"--access-token=" + TOKEN}, {"--access-token"}
                }) {
            assertThatThrownBy(() -> TrickleServerMain.parse(Map.of(), args))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--access-token is not taken on the command line")
                    .hasMessageContaining("TRICKLE_SERVER_ACCESS_TOKEN")
                    .hasMessageContaining("--access-token-file")
                    .hasMessageNotContaining(TOKEN);
        }
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(
                                                Map.of("TRICKLE_SERVER_ACCESS_TOKEN", TOKEN))
                                        .build())
                .doesNotThrowAnyException();

        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\nsecond line ignored\n", StandardCharsets.UTF_8);
        assertThatCode(
                        () ->
                                TrickleServerMain.parse(
                                                Map.of(), "--access-token-file", file.toString())
                                        .build())
                .doesNotThrowAnyException();
        assertThatThrownBy(
                        () ->
                                TrickleServerMain.parse(
                                        Map.of("TRICKLE_SERVER_ACCESS_TOKEN", TOKEN),
                                        "--access-token-file",
                                        file.toString()))
                .hasMessageContaining("are both set")
                .hasMessageNotContaining(TOKEN);

        Path empty = dir.resolve("empty");
        Files.writeString(empty, "\n", StandardCharsets.UTF_8);
        assertThatThrownBy(
                        () ->
                                TrickleServerMain.parse(
                                        Map.of(), "--access-token-file", empty.toString()))
                .hasMessageContaining("is empty");
        assertThatThrownBy(
                        () ->
                                TrickleServerMain.parse(
                                        Map.of(),
                                        "--access-token-file",
                                        dir.resolve("missing").toString()))
                .hasMessageContaining("cannot read");
    }
}
