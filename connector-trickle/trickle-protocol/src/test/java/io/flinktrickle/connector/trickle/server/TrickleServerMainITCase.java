package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.testutils.ChildProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TrickleServerMain} in a JVM of its own, as {@code bin/trickle-server} and the compose file
 * run it: its help, its exit status on a bad command line, and a server that needs the token it was
 * given through the environment or a file.
 */
class TrickleServerMainITCase {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final String TOKEN = "main-itcase-token-0123456789";
    private static final String READY = "trickle server ready at ";

    @Test
    void helpListsTheTokenSettingsAndExitsZero() throws Exception {
        ChildProcess.Result r =
                ChildProcess.runMain(TIMEOUT, List.of(), TrickleServerMain.class, "--help");
        assertThat(r.exitCode).as("%s", r).isZero();
        assertThat(r.stdout)
                .startsWith("usage: bin/trickle-server")
                .contains("--access-token-file=FILE", "TRICKLE_SERVER_ACCESS_TOKEN", "--port");
        assertThat(r.stderr).isEmpty();
    }

    @Test
    void aTokenOnTheCommandLineIsRefusedWithoutEchoingIt() throws Exception {
        ChildProcess.Result r =
                ChildProcess.runMain(
                        TIMEOUT, List.of(), TrickleServerMain.class, "--access-token", TOKEN);
        assertThat(r.exitCode).as("%s", r).isEqualTo(Cli.USAGE_EXIT);
        assertThat(r.stderr)
                .startsWith("error: --access-token is not taken on the command line")
                .contains("TRICKLE_SERVER_ACCESS_TOKEN", "usage: bin/trickle-server")
                .doesNotContain(TOKEN);
        assertThat(r.stdout).isEmpty();
    }

    @Test
    void aBadValueNamesTheSettingAndExitsTwo() throws Exception {
        ChildProcess.Result r =
                ChildProcess.runMain(TIMEOUT, List.of(), TrickleServerMain.class, "--port", "x");
        assertThat(r.exitCode).as("%s", r).isEqualTo(Cli.USAGE_EXIT);
        assertThat(r.stderr)
                .startsWith("error: bad setting TRICKLE_SERVER_PORT: ")
                .contains("'--port'", "usage: bin/trickle-server");
    }

    @Test
    void theTokenFromTheEnvironmentIsRequired() throws Exception {
        assertTokenRequired(Map.of("TRICKLE_SERVER_ACCESS_TOKEN", TOKEN), List.of());
    }

    @Test
    void theTokenFromAFileIsRequired(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n", StandardCharsets.UTF_8);
        assertTokenRequired(Map.of(), List.of("--access-token-file", file.toString()));
    }

    private static void assertTokenRequired(Map<String, String> env, List<String> args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TrickleServerMain.class.getName());
        command.addAll(List.of("--port", "0", "--path", "/ai/trickle/"));
        command.addAll(args);
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith(TrickleServerMain.ENV_PREFIX));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line =
                    CompletableFuture.supplyAsync(() -> readReady(out))
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(line).as("stdout of the server").startsWith(READY);
            URI segment = URI.create(line.substring(READY.length()) + "main-itcase/0");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> without =
                    http.send(
                            HttpRequest.newBuilder(segment)
                                    .POST(HttpRequest.BodyPublishers.ofString("x"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(without.statusCode()).isEqualTo(401);
            HttpResponse<String> with =
                    http.send(
                            HttpRequest.newBuilder(segment)
                                    .header("Authorization", "Bearer " + TOKEN)
                                    .POST(HttpRequest.BodyPublishers.ofString("x"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(with.statusCode()).isEqualTo(200);
        } finally {
            p.destroy();
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static String readReady(BufferedReader out) {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(READY)) {
                    return line;
                }
            }
            return "(stdout ended)";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
