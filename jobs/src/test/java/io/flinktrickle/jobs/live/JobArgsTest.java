package io.flinktrickle.jobs.live;

import io.flinktrickle.processor.operator.RealTimePolicy;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Arguments are checked before anything starts, with messages that name the argument. */
class JobArgsTest {
    private static final String STREAM =
            "id=abc,subscribe=http://o:8935/abc,publish=http://o:8935/abc-out,"
                    + "control=http://o:8935/abc-control,events=http://o:8935/abc-events";

    @Test
    void parsesStreamsAndOptions() throws Exception {
        JobArgs a =
                JobArgs.parse(
                        "--stream",
                        STREAM,
                        "--stream",
                        "id=b,subscribe=https://x/b,publish=https://x/b-out",
                        "--processor",
                        "io.flinktrickle.jobs.processors.InvertColors",
                        "--params",
                        "{\"amount\":0.5,\"max_framerate\":\"15\"}",
                        "--width",
                        "256",
                        "--height",
                        "256",
                        "--policy",
                        "block",
                        "--parallelism",
                        "2",
                        "--devices",
                        "gpu:0,gpu:1");
        assertThat(a.streams).hasSize(2);
        assertThat(a.streams.get(0).control.toString()).isEqualTo("http://o:8935/abc-control");
        assertThat(a.streams.get(1).events).isNull();
        assertThat(a.params).containsEntry("max_framerate", 15).containsEntry("amount", 0.5);
        assertThat(a.policy).isEqualTo(RealTimePolicy.BLOCK);
        assertThat(a.devices).containsExactly("gpu:0", "gpu:1");
        assertThat(a.newProcessor().getClass().getSimpleName()).isEqualTo("InvertColors");
    }

    @Test
    void aSidecarsParamsChannelLabelsAndRestarts() throws Exception {
        JobArgs a =
                JobArgs.parse(
                        "--stream",
                        STREAM + ",params=http://sidecar:2940/abc-params",
                        "--label",
                        "sidecar.request-id=r-1",
                        "--label",
                        "k=v=w",
                        "--max-restarts",
                        "3");
        assertThat(a.streams.get(0).params.toString()).isEqualTo("http://sidecar:2940/abc-params");
        assertThat(a.labels).containsEntry("sidecar.request-id", "r-1").containsEntry("k", "v=w");
        assertThat(a.maxRestarts).isEqualTo(3);
        assertThat(JobArgs.parse("--stream", STREAM).maxRestarts).isEqualTo(-1);
        assertError("KEY=VALUE", "--stream", STREAM, "--label", "novalue");
        assertError("must not be negative", "--stream", STREAM, "--max-restarts", "-1");
        assertThat(JobArgs.parse("--stream", STREAM).inputWaitSeconds).isEqualTo(10);
        assertThat(JobArgs.parse("--stream", STREAM, "--input-wait-seconds", "0").inputWaitSeconds)
                .isZero();
        assertError("0..50", "--stream", STREAM, "--input-wait-seconds", "-1");
        assertError("0..50", "--stream", STREAM, "--input-wait-seconds", "51");
    }

    @Test
    void batchSettingsAreOptionalAndChecked() throws Exception {
        JobArgs plain = JobArgs.parse("--stream", STREAM);
        assertThat(plain.maxBatchSize).as("the operator's default").isZero();
        assertThat(plain.maxBatchDelayMillis).isEqualTo(-1);
        JobArgs a =
                JobArgs.parse(
                        "--stream", STREAM, "--max-batch-size", "4", "--max-batch-delay-ms", "35");
        assertThat(a.maxBatchSize).isEqualTo(4);
        assertThat(a.maxBatchDelayMillis).isEqualTo(35);
        assertError(
                "--max-batch-size must be positive", "--stream", STREAM, "--max-batch-size", "0");
        assertError("1..256", "--stream", STREAM, "--max-batch-size", "257");
        assertError("1..1000", "--stream", STREAM, "--max-batch-delay-ms", "1001");
        assertError(
                "option '--max-batch-delay-ms': 'soon' is not an int",
                "--stream",
                STREAM,
                "--max-batch-delay-ms",
                "soon");
    }

    @Test
    void runnerModeTakesAnnouncementsInsteadOfStreams() throws Exception {
        JobArgs a =
                JobArgs.parse(
                        "--announcements",
                        "http://s:2940/runner-1-streams",
                        "--registry",
                        "http://s:2940/runner-1-registry",
                        "--parallelism",
                        "2");
        assertThat(a.streams).isEmpty();
        assertThat(a.announcements).hasToString("http://s:2940/runner-1-streams");
        assertThat(a.registry).hasToString("http://s:2940/runner-1-registry");
        assertThat(a.warmUpFrames).as("runner slots warm up by default").isEqualTo(30);
        assertThat(JobArgs.parse("--stream", STREAM).warmUpFrames).isZero();
        assertThat(
                        JobArgs.parse("--announcements", "http://s/a", "--warm-up-frames", "0")
                                .warmUpFrames)
                .isZero();
        assertError(
                "--registry needs --announcements", "--stream", STREAM, "--registry", "http://s/r");
        assertError("not an http(s) URL", "--announcements", "file:///x");
        assertError("0..600", "--announcements", "http://s/a", "--warm-up-frames", "601");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertError("at least one --stream");
        assertError("subscribe= is required", "--stream", "id=a,publish=http://x/a");
        assertError("unknown key foo", "--stream", STREAM + ",foo=http://o/f");
        assertError(
                "not an http(s) URL", "--stream", "id=a,subscribe=ftp://x/a,publish=http://x/b");
        assertError("given twice", "--stream", STREAM, "--stream", STREAM);
        assertError(
                "must not contain '#'",
                "--stream",
                "id=a#b,subscribe=http://x/a,publish=http://x/b");
        assertError("not found", "--stream", STREAM, "--processor", "no.such.Processor");
        assertError(
                "is not a FrameProcessor", "--stream", STREAM, "--processor", "java.lang.String");
        assertError("width and height", "--stream", STREAM, "--params", "{\"width\":5}");
        assertError("--max-framerate must be", "--stream", STREAM, "--max-framerate", "61");
        assertError("option '--policy'", "--stream", STREAM, "--policy", "fast");
        assertError("must be even", "--stream", STREAM, "--width", "511", "--height", "512");
        assertError("Missing required parameter for option '--stream'", "--stream");
        assertError("Unknown option", "--stream", STREAM, "--colour", "red");
    }

    @Test
    void anArgumentStartingWithAtIsAValueNotAFileOfArguments(@TempDir Path tmp) throws Exception {
        // With expansion on, picocli would replace "@<file>" by the file's words.
        Path file = Files.writeString(tmp.resolve("args"), "--width 640");
        String id = "@" + file;
        JobArgs a =
                JobArgs.parse(
                        "--stream-id",
                        id,
                        "--subscribe-url",
                        "http://o/in",
                        "--publish-url",
                        "http://o/out");
        assertThat(a.streams.get(0).id).isEqualTo(id);
    }

    @Test
    void theSidecarTokenStaysOutOfTheJobsConfigurationAndMessages() throws Exception {
        String token = "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
        JobArgs a =
                JobArgs.parse(
                        "--stream",
                        STREAM + ",params=http://sidecar:2940/abc-params",
                        "--sidecar-url",
                        "http://sidecar:2940/",
                        "--sidecar-token",
                        token,
                        "--label",
                        "sidecar.request-id=r-1");
        assertThat(a.sidecarToken.appliesTo(a.streams.get(0).params)).isTrue();
        assertThat(a.sidecarToken.appliesTo(a.streams.get(0).subscribe)).isFalse();
        assertThat(a.sidecarToken.secret()).isEqualTo(token);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LiveVideoToVideoJob.build(env, a);
        StreamGraph graph = env.getStreamGraph(false);
        assertThat(env.getConfig().getGlobalJobParameters().toMap().toString())
                .contains("sidecar:2940")
                .doesNotContain(token);
        assertThat(graph.getStreamingPlanAsJSON()).doesNotContain(token);
        assertThat(graph.getJobGraph().getJobConfiguration().toString()).doesNotContain(token);
        assertThat(env.getConfiguration().toString()).doesNotContain(token);

        assertError("go together", "--stream", STREAM, "--sidecar-token", token);
        assertError("go together", "--stream", STREAM, "--sidecar-url", "http://s:1/");
        String shortToken = "tooShort";
        assertThatThrownBy(
                        () ->
                                JobArgs.parse(
                                        "--stream",
                                        STREAM,
                                        "--sidecar-url",
                                        "http://s:1/",
                                        "--sidecar-token",
                                        shortToken))
                .isInstanceOf(JobArgs.UsageException.class)
                .hasMessageContaining("--sidecar-token")
                .hasMessageNotContaining(shortToken);
    }

    @Test
    void streamUrlsMayHoldCommasAndEveryStreamIsItsOwnOption() throws Exception {
        String withCommas =
                "id=c,subscribe=http://o/in?layers=a,b&x=1,publish=http://o/out,2,"
                        + "control=http://o/c?k=v,w";
        JobArgs a = JobArgs.parse("--stream", withCommas, "--stream=" + STREAM);
        assertThat(a.streams).hasSize(2);
        assertThat(a.streams.get(0).subscribe).hasToString("http://o/in?layers=a,b&x=1");
        assertThat(a.streams.get(0).publish).hasToString("http://o/out,2");
        assertThat(a.streams.get(0).control).hasToString("http://o/c?k=v,w");
        assertThat(a.streams.get(1).id).isEqualTo("abc");
        assertError("publish= is given twice", "--stream", STREAM + ",publish=http://o/x");
    }

    @Test
    void aStreamGroupTakesEachUrlWholeWhateverItHolds() throws Exception {
        String[] odd = {
            "http://o/in?x=1,publish=http://x/",
            "http://o/a,b;c=d,word=ftp://y/,id=z",
            "http://o/sp%20ace?q=a%20b&p=%2C%3D%25",
            "http://o/ünï/日本?q=ç",
            "https://o/k==v;?,params=http://q/"
        };
        JobArgs a =
                JobArgs.parse(
                        "--stream-id",
                        "s1",
                        "--subscribe-url",
                        odd[0],
                        "--publish-url",
                        odd[1],
                        "--control-url",
                        odd[2],
                        "--events-url",
                        odd[3],
                        "--data-url",
                        odd[4],
                        "--params-url",
                        odd[0],
                        // The second stream's options in another order.
                        "--stream-id",
                        "s2",
                        "--publish-url",
                        odd[3],
                        "--subscribe-url",
                        odd[2]);
        assertThat(a.streams).hasSize(2);
        StreamSpec s1 = a.streams.get(0);
        assertThat(s1.id).isEqualTo("s1");
        assertThat(s1.subscribe).hasToString(odd[0]);
        assertThat(s1.publish).hasToString(odd[1]);
        assertThat(s1.control).hasToString(odd[2]);
        assertThat(s1.events).hasToString(odd[3]);
        assertThat(s1.data).hasToString(odd[4]);
        assertThat(s1.params).hasToString(odd[0]);
        StreamSpec s2 = a.streams.get(1);
        assertThat(
                        JobArgs.parse(
                                        "--stream-id",
                                        "-h",
                                        "--subscribe-url",
                                        odd[0],
                                        "--publish-url",
                                        odd[1],
                                        "--stream-id=--width",
                                        "--subscribe-url",
                                        odd[0],
                                        "--publish-url",
                                        odd[1])
                                .streams)
                .as("an id that looks like an option is still the id")
                .extracting(s -> s.id)
                .containsExactly("-h", "--width");
        assertThat(s2.id).isEqualTo("s2");
        assertThat(s2.subscribe).hasToString(odd[2]);
        assertThat(s2.publish).hasToString(odd[3]);
        assertThat(s2.control).isNull();
        assertThat(s2.events).isNull();
        assertThat(s2.data).isNull();
        assertThat(s2.params).isNull();
    }

    @Test
    void bothStreamFormsMayBeMixedTheirIdsOnce() throws Exception {
        JobArgs a =
                JobArgs.parse(
                        "--stream-id",
                        "g",
                        "--subscribe-url",
                        "http://o/g",
                        "--publish-url",
                        "http://o/g-out",
                        "--stream",
                        STREAM);
        assertThat(a.streams).extracting(s -> s.id).containsExactly("abc", "g");
        assertError(
                "stream id abc is given twice",
                "--stream",
                STREAM,
                "--stream-id",
                "abc",
                "--subscribe-url",
                "http://o/a",
                "--publish-url",
                "http://o/b");
    }

    @Test
    void aStreamGroupsErrorsNameTheOption() {
        String[] sub = {"--subscribe-url", "http://o/in"};
        String[] pub = {"--publish-url", "http://o/out"};
        assertError("a stream without --stream-id: --subscribe-url http://o/in", cat(sub, pub));
        assertError(
                "--stream-id a: --publish-url is required",
                cat(new String[] {"--stream-id", "a"}, sub));
        assertError(
                "--stream-id a: --subscribe-url is required",
                cat(new String[] {"--stream-id", "a"}, pub));
        // A repeated option starts the next stream: the first one lacks its publish URL here.
        assertError(
                "--stream-id a: --publish-url is required",
                cat(
                        new String[] {"--stream-id", "a"},
                        sub,
                        new String[] {"--stream-id", "b"},
                        sub,
                        pub));
        assertError(
                "a stream without --stream-id: --control-url http://o/c2",
                cat(
                        new String[] {"--stream-id", "a"},
                        sub,
                        pub,
                        new String[] {"--control-url", "http://o/c1"},
                        new String[] {"--control-url", "http://o/c2"}));
        assertError(
                "option '--subscribe-url': not an http(s) URL: ftp://o/in",
                "--stream-id",
                "a",
                "--subscribe-url",
                "ftp://o/in",
                "--publish-url",
                "http://o/out");
        assertError(
                "option '--publish-url': not a URL: http://o/a b",
                cat(new String[] {"--stream-id", "a", "--publish-url", "http://o/a b"}, sub));
        assertError(
                "Missing required parameter for option '--publish-url'",
                cat(new String[] {"--stream-id", "a"}, sub, new String[] {"--publish-url"}));
        assertError("must not contain '#'", cat(new String[] {"--stream-id", "a#b"}, sub, pub));
        assertError(
                "--stream-id must not be blank", cat(new String[] {"--stream-id", " "}, sub, pub));
    }

    private static String[] cat(String[]... parts) {
        return java.util.Arrays.stream(parts)
                .flatMap(java.util.Arrays::stream)
                .toArray(String[]::new);
    }

    @Test
    void theSidecarTokenComesFromAFileOrTheEnvironment(@TempDir Path tmp) throws Exception {
        String token = "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
        String url = "http://sidecar:2940/";
        Path file = Files.writeString(tmp.resolve("token"), token + "\n");
        JobArgs fromFile =
                JobArgs.parse(
                        Map.of(),
                        null,
                        "--stream",
                        STREAM,
                        "--sidecar-url",
                        url,
                        "--sidecar-token-file",
                        file.toString());
        assertThat(fromFile.sidecarToken.secret()).isEqualTo(token);
        Map<String, String> env = Map.of(JobOptions.SIDECAR_TOKEN_ENV, token);
        JobArgs fromEnv = JobArgs.parse(env, null, "--stream", STREAM, "--sidecar-url", url);
        assertThat(fromEnv.sidecarToken.secret()).isEqualTo(token);
        assertThat(fromEnv.sidecarToken.appliesTo(URI.create(url + "x"))).isTrue();
        assertThat(JobArgs.parse(env, null, "--stream", STREAM).sidecarToken)
                .as("the environment counts only with --sidecar-url")
                .isNull();
        assertThatThrownBy(
                        () ->
                                JobArgs.parse(
                                        Map.of(),
                                        null,
                                        "--stream",
                                        STREAM,
                                        "--sidecar-url",
                                        url,
                                        "--sidecar-token-file",
                                        tmp.resolve("missing").toString()))
                .hasMessageContaining("--sidecar-token-file: cannot read");
        Path shortToken = Files.writeString(tmp.resolve("short"), "tooShort");
        assertThatThrownBy(
                        () ->
                                JobArgs.parse(
                                        Map.of(),
                                        null,
                                        "--stream",
                                        STREAM,
                                        "--sidecar-url",
                                        url,
                                        "--sidecar-token-file",
                                        shortToken.toString()))
                .hasMessageContaining("--sidecar-token-file " + shortToken)
                .hasMessageNotContaining("tooShort");
        assertThatThrownBy(
                        () ->
                                JobArgs.parse(
                                        Map.of(),
                                        null,
                                        "--stream",
                                        STREAM,
                                        "--sidecar-url",
                                        url,
                                        "--sidecar-token",
                                        token,
                                        "--sidecar-token-file",
                                        file.toString()))
                .hasMessageContaining("give one of them");
    }

    @Test
    void theUsageIsGeneratedFromTheOptions() {
        assertThat(JobArgs.USAGE)
                .startsWith("usage: LiveVideoToVideoJob --stream")
                .contains("--sidecar-token-file=FILE", "--max-batch-delay-ms=MS", "--label")
                .contains("| --stream-id ID --subscribe-url URL --publish-url URL")
                .contains(
                        "--stream-id=ID",
                        "--subscribe-url=URL",
                        "--publish-url=URL",
                        "--control-url=URL",
                        "--events-url=URL",
                        "--data-url=URL",
                        "--params-url=URL");
        assertThatThrownBy(() -> JobArgs.parse("--help"))
                .isInstanceOf(JobArgs.UsageException.class)
                .hasMessage("");
    }

    @Test
    void mainReportsTheReasonAndTheUsageWithoutStartingAnything() {
        assertThatThrownBy(() -> LiveVideoToVideoJob.main(new String[] {"--stream", "id=x"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subscribe= is required")
                .hasMessageContaining("usage: LiveVideoToVideoJob");
    }

    private static void assertError(String message, String... args) {
        assertThatThrownBy(() -> JobArgs.parse(args))
                .isInstanceOf(JobArgs.UsageException.class)
                .hasMessageContaining(message);
    }
}
