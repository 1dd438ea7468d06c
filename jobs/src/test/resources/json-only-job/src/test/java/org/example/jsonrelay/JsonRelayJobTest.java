package org.example.jsonrelay;

import io.flinktrickle.connector.trickle.protocol.JsonMessagePublisher;
import io.flinktrickle.connector.trickle.protocol.JsonMessageSubscriber;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The relay on a local Flink against the real embedded trickle server, JSON in and JSON out. */
class JsonRelayJobTest {

    @Test
    void jsonMessagesAreRelayedWithTheirSequenceNumbers() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try (TrickleServer server = TrickleServer.builder().build().start()) {
            server.createChannel("prompts", TrickleProtocol.MIME_JSON);
            server.createChannel("prompts-out", TrickleProtocol.MIME_JSON);
            List<JsonNode> out = Collections.synchronizedList(new ArrayList<>());
            Future<?> reading = reader.submit(() -> readAll(server, "prompts-out", json, out));

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            JsonRelayJob.define(env, server.baseUri(), "prompts", "prompts-out");
            JobClient job = env.executeAsync("json relay");
            try (JsonMessagePublisher in =
                    new JsonMessagePublisher(
                            TricklePublisher.builder(server.channelUri("prompts"))
                                    .contentType(TrickleProtocol.MIME_JSON)
                                    .build(),
                            json)) {
                in.publish(Map.of("prompt", "a red fox"));
                in.publish(Map.of("prompt", "a blue heron"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (out.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            } // the input channel ends: so does the job, and with it the output channel
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
            reading.get(30, TimeUnit.SECONDS);

            assertEquals(2, out.size(), "messages out: " + out);
            assertEquals("a red fox", out.get(0).get("prompt").asText());
            assertEquals(0, out.get(0).get("relayedSeq").asLong());
            assertEquals("a blue heron", out.get(1).get("prompt").asText());
            assertEquals(1, out.get(1).get("relayedSeq").asLong());
        } finally {
            reader.shutdownNow();
        }
    }

    /** Reads {@code channel} from its first message to its end into {@code out}. */
    private static Void readAll(
            TrickleServer server, String channel, ObjectMapper json, List<JsonNode> out)
            throws Exception {
        try (JsonMessageSubscriber sub =
                new JsonMessageSubscriber(
                        TrickleSubscriber.builder(server.channelUri(channel))
                                .startSeq(0)
                                .awaitChannel(Duration.ofSeconds(60))
                                .build(),
                        json)) {
            Optional<JsonNode> m;
            while ((m = sub.next()).isPresent()) {
                out.add(m.get());
            }
        }
        return null;
    }
}
