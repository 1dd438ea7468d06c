package io.flinktrickle.controlapi.stream;

import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.jobs.live.StreamSpec;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sidecar's settings as the arguments of the jobs it runs, read back by the job's parser. */
class JobArgumentsTest {

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

    @Test
    void aStreamsUrlsMayHoldCommasAndReachTheJobWhole() throws Exception {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("gateway_request_id", "r-1");
        body.put("subscribe_url", "http://o:8935/in?layers=a,b");
        body.put("publish_url", "http://o:8935/out,1");
        body.put("control_url", "http://o:8935/c?x=1,y=2");
        StartRequest r =
                StartRequest.parse(
                        new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(body), "s1");
        String token = "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
        JobArgs[] parsed = new JobArgs[1];
        FlinkTarget target =
                (FlinkTarget)
                        java.lang.reflect.Proxy.newProxyInstance(
                                FlinkTarget.class.getClassLoader(),
                                new Class<?>[] {FlinkTarget.class},
                                (proxy, method, methodArgs) -> {
                                    if (!method.getName().equals("parseArguments")) {
                                        throw new UnsupportedOperationException(method.getName());
                                    }
                                    @SuppressWarnings("unchecked")
                                    List<String> programArgs = (List<String>) methodArgs[0];
                                    parsed[0] =
                                            JobArgs.parse(
                                                    (ClassLoader) null,
                                                    programArgs.toArray(new String[0]));
                                    return parsed[0];
                                });
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
        List<String> args = arguments.forStream(r, "s1-params", "s1-events");
        StreamSpec stream = parsed[0].streams.get(0);
        assertThat(stream.subscribe).hasToString("http://o:8935/in?layers=a,b");
        assertThat(stream.publish).hasToString("http://o:8935/out,1");
        assertThat(stream.control).hasToString("http://o:8935/c?x=1,y=2");
        assertThat(stream.params).hasToString("http://127.0.0.1:2940/s1-params");
        assertThat(parsed[0].sidecarToken.appliesTo(stream.params)).isTrue();
        // The token is a program argument of the job (a REST jar run's programArgsList, or main
        // called in this JVM), never a label, which Flink's REST API shows.
        assertThat(String.join(" ", parsed[0].labels.values())).doesNotContain(token);
        assertThat(args).containsSubsequence("--sidecar-token", token);

        body.put("subscribe_url", "http://o:8935/in?x=1,publish=http://elsewhere/");
        assertThatThrownBy(
                        () ->
                                StartRequest.parse(
                                        new com.fasterxml.jackson.databind.ObjectMapper()
                                                .valueToTree(body),
                                        "s1"))
                .as("a URL that would end its part of --stream early")
                .hasMessageContaining("subscribe_url must not contain ',KEY='");
    }

    private static JobArgs parse(List<String> settings) throws JobArgs.UsageException {
        List<String> args = new ArrayList<>(settings);
        args.add("--stream");
        args.add(STREAM);
        return JobArgs.parse((ClassLoader) null, args.toArray(new String[0]));
    }
}
