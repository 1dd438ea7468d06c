package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.EmbeddedFlinkTarget;
import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.jobs.live.StreamSpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sidecar's settings as the arguments of the jobs it runs, read back by the job's parser. */
class JobArgumentsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String STREAM = "id=a,subscribe=http://s/in,publish=http://s/out";

    @Test
    void batchSettingsReachTheJobOnlyWhenSet() throws Exception {
        List<String> plain = JobArguments.settings(SidecarConfig.fromEnvAndArgs(Map.of()));
        assertThat(plain).doesNotContain("--max-batch-size", "--max-batch-delay-ms");
        JobArgs defaults = parse(plain);
        assertThat(defaults.maxBatchSize).isZero();
        assertThat(defaults.maxBatchDelayMillis).isEqualTo(-1);

        SidecarConfig batching =
                SidecarConfig.builder()
                        .maxBatchSize(4)
                        .maxBatchDelay(Duration.ofMillis(35))
                        .build();
        JobArgs set = parse(JobArguments.settings(batching));
        assertThat(set.maxBatchSize).isEqualTo(4);
        assertThat(set.maxBatchDelayMillis).isEqualTo(35);
    }

    @Test
    void theSharedSettingsAreTheSidecars() throws Exception {
        SidecarConfig c =
                SidecarConfig.builder()
                        .heartbeatInterval(Duration.ofSeconds(5))
                        .checkpointSeconds(0)
                        .build();
        JobArgs a = parse(JobArguments.settings(c));
        assertThat(a.heartbeatSeconds).isEqualTo(5);
        assertThat(a.checkpointSeconds).isZero();
        assertThat(a.maxRestarts).isEqualTo(JobArguments.MAX_RESTARTS);
        assertThat(a.processorClass).isEqualTo(c.processorClass);
    }

    /**
     * URLs a gateway may send, each holding what the compact {@code --stream} form could not carry
     * (a comma before {@code KEY=} or {@code word=scheme://}) or what a shell or a splitter would
     * trip on: every one must reach the job exactly as the request gave it.
     */
    private static final List<String> ODD_URLS =
            List.of(
                    "http://o:8935/in?x=1,publish=http://x/",
                    "http://o:8935/in?x=1,word=ftp://y/,id=z,params=http://q/&e=1,events=",
                    "http://o/a,b,,c,",
                    "https://o/p;q;r=1?s=;&t=u;v",
                    "http://o/k=v?a==b&c=d=e&=",
                    "http://o/sp%20ace?q=a%20b+c",
                    "http://o/100%25?p=%2C%3D%3B%25",
                    "http://o/ünï/日本?q=ç&emoji=🎥",
                    "http://o/x#frag,publish=http://y/");

    @Test
    void anyUrlOfAStartRequestReachesTheJobWhole() throws Exception {
        String token = "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
        try (EmbeddedFlinkTarget target = EmbeddedFlinkTarget.builder().build()) {
            JobArguments arguments =
                    new JobArguments(
                            SidecarConfig.builder().build(),
                            target,
                            channel -> URI.create("http://127.0.0.1:2940/" + channel),
                            () ->
                                    List.of(
                                            "--sidecar-url",
                                            "http://127.0.0.1:2940/",
                                            "--sidecar-token",
                                            token));
            for (int i = 0; i < ODD_URLS.size(); i++) {
                String url = ODD_URLS.get(i);
                // Each URL in every role, beside the others (the next one along).
                String other = ODD_URLS.get((i + 1) % ODD_URLS.size());
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("gateway_request_id", "r-" + i);
                body.put("subscribe_url", url);
                body.put("publish_url", other);
                body.put("control_url", url);
                body.put("data_url", other);
                StartRequest r = StartRequest.parse(JSON.valueToTree(body), "s" + i);
                assertThat(r.subscribe.toString()).isEqualTo(url);

                List<String> args =
                        arguments.forStream(r, "s" + i + "-params", "s" + i + "-events");
                assertThat(args)
                        .as("each URL is one whole argument")
                        .containsSubsequence("--subscribe-url", url)
                        .containsSubsequence("--publish-url", other)
                        .doesNotContain("--stream");
                // The job's own parser, as the target runs it for a submission.
                JobArgs parsed = target.parseArguments(args);
                assertThat(parsed.streams).hasSize(1);
                StreamSpec stream = parsed.streams.get(0);
                assertThat(stream.id).isEqualTo("s" + i);
                assertThat(stream.subscribe.toString()).as(url).isEqualTo(url);
                assertThat(stream.publish.toString()).as(other).isEqualTo(other);
                assertThat(stream.control.toString()).as(url).isEqualTo(url);
                assertThat(stream.data.toString()).as(other).isEqualTo(other);
                assertThat(stream.events).hasToString("http://127.0.0.1:2940/s" + i + "-events");
                assertThat(stream.params).hasToString("http://127.0.0.1:2940/s" + i + "-params");
                assertThat(parsed.sidecarToken.appliesTo(stream.params)).isTrue();
                assertThat(parsed.sidecarToken.appliesTo(stream.subscribe)).isFalse();
                // The token is a program argument of the job (a REST jar run's programArgsList,
                // or main called in this JVM), never a label, which Flink's REST API shows.
                assertThat(String.join(" ", parsed.labels.values())).doesNotContain(token);
                assertThat(parsed.labels).containsEntry(JobArguments.LABEL_REQUEST_ID, "r-" + i);
                assertThat(args).containsSubsequence("--sidecar-token", token);
            }
        }
    }

    @Test
    void aStreamIdThatLooksLikeAnOptionReachesTheJobAsTheId() throws Exception {
        try (EmbeddedFlinkTarget target = EmbeddedFlinkTarget.builder().build()) {
            JobArguments arguments =
                    new JobArguments(
                            SidecarConfig.builder().build(),
                            target,
                            channel -> URI.create("http://127.0.0.1:2940/" + channel),
                            List::of);
            for (String id : List.of("-h", "--help", "--width", "-x:1")) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("gateway_request_id", "r-1");
                body.put("subscribe_url", "http://o/in");
                body.put("publish_url", "http://o/out");
                StartRequest r = StartRequest.parse(JSON.valueToTree(body), id);
                JobArgs parsed = target.parseArguments(arguments.forStream(r, "p", "e"));
                assertThat(parsed.streams).extracting(s -> s.id).as(id).containsExactly(id);
            }
        }
    }

    @Test
    void whatIsNoUrlIsRefusedByTheRequestAsByTheJob() throws Exception {
        for (String notAUrl :
                List.of("http://o/a b", "http://o/100%zz", "ftp://o/in", "http:///no-host")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("gateway_request_id", "r-1");
            body.put("subscribe_url", notAUrl);
            body.put("publish_url", "http://o/out");
            assertThatThrownBy(() -> StartRequest.parse(JSON.valueToTree(body), "s1"))
                    .as(notAUrl)
                    .isInstanceOf(StreamException.class)
                    .hasMessageContaining("subscribe_url");
            try (EmbeddedFlinkTarget target = EmbeddedFlinkTarget.builder().build()) {
                assertThatThrownBy(
                                () ->
                                        target.parseArguments(
                                                List.of(
                                                        "--stream-id",
                                                        "s1",
                                                        "--subscribe-url",
                                                        notAUrl,
                                                        "--publish-url",
                                                        "http://o/out")))
                        .as(notAUrl)
                        .isInstanceOf(JobArgs.UsageException.class)
                        .hasMessageContaining("option '--subscribe-url'");
            }
        }
    }

    @Test
    void settingsTheJobRefusesFailTheStartBeforeAnySubmission() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gateway_request_id", "r-1");
        body.put("subscribe_url", "http://o/in");
        body.put("publish_url", "http://o/out");
        StartRequest r = StartRequest.parse(JSON.valueToTree(body), "s1");
        try (EmbeddedFlinkTarget target = EmbeddedFlinkTarget.builder().build()) {
            JobArguments arguments =
                    new JobArguments(
                            SidecarConfig.builder().processorClass("com.example.Missing").build(),
                            target,
                            channel -> URI.create("http://127.0.0.1:2940/" + channel),
                            List::of);
            assertThatThrownBy(() -> arguments.forStream(r, "s1-params", "s1-events"))
                    .isInstanceOf(StreamException.class)
                    .hasMessageContaining("the stream job's settings are invalid")
                    .hasMessageContaining("--processor: class com.example.Missing not found");
            assertThat(target.isReachable()).as("nothing was started").isFalse();
        }
    }

    private static JobArgs parse(List<String> settings) throws JobArgs.UsageException {
        List<String> args = new ArrayList<>(settings);
        args.add("--stream");
        args.add(STREAM);
        return JobArgs.parse((ClassLoader) null, args.toArray(new String[0]));
    }
}
