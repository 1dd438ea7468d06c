package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.FrameTypeInfo;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.testutils.TestClusters;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.ProcessorContext;
import io.flinktrickle.processor.testutils.Collect;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream's life in band through the operator: its start (with attributes: start params, output
 * channels) is passed on before its frames, its events and data are addressed to its channels, its
 * end stops it after its frames and ends its channels downstream, and a new run of the same key
 * starts afresh (its state was cleared). A stream that ends with a failure reports it.
 */
class StreamLifecycleITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(1);

    @Test
    void aStreamStartsAndEndsInBandAndItsOutputsFollow() throws Exception {
        List<Frame> input = new ArrayList<>();
        input.add(StreamLifecycle.start("k", attributes("{\"a\":1}")));
        addVideo(input, 30, 0);
        input.add(StreamLifecycle.end("k", null));
        input.add(StreamLifecycle.start("k", attributes("{\"b\":2}")));
        addVideo(input, 5, 30);
        input.add(StreamLifecycle.error("k", "the input could not be decoded: noise"));
        addVideo(input, 5, 35);
        input.add(StreamLifecycle.end("k", "trickle channel k failed: gone"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.getConfig().enableObjectReuse();
        SingleOutputStreamOperator<Frame> out =
                FrameProcessing.builder(new Passthrough())
                        .maxFramerate(0)
                        .build()
                        .apply(
                                DataStreamUtils.reinterpretAsKeyedStream(
                                        env.fromData(input, FrameTypeInfo.INSTANCE),
                                        Frame::streamKey,
                                        Types.STRING));
        out.map(StreamLifecycleITCase::describe).sinkTo(Collect.into("life-frames"));
        out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into("life-events"));
        out.getSideOutput(FrameProcessing.DATA).sinkTo(Collect.into("life-data"));
        env.execute("lifecycle");

        List<String> frames = Collect.get("life-frames");
        List<String> expected = new ArrayList<>();
        expected.add("start k");
        for (int i = 0; i < 30; i++) {
            expected.add("video");
        }
        expected.add("end k");
        expected.add("start k");
        for (int i = 0; i < 10; i++) {
            expected.add("video");
        }
        expected.add("end k");
        assertThat(frames).as("starts before, ends after the stream's frames").isEqualTo(expected);

        List<TrickleMessage> events = Collect.get("life-events");
        List<TrickleMessage> messages = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            TrickleMessage m = events.get(i);
            assertThat(m.destination).as(m.toString()).isEqualTo("http://e/k-events");
            if (m.isEndOfChannel()) {
                ends.add(i);
            } else {
                messages.add(m);
            }
        }
        assertThat(ends).as("the events channel ends once per run, last").hasSize(2);
        assertThat(ends.get(1)).isEqualTo(events.size() - 1);
        List<JsonNode> started = ofType(messages, "stream_started");
        assertThat(started).hasSize(2);
        assertThat(started.get(0).path("params").path("a").asInt()).isEqualTo(1);
        assertThat(started.get(1).path("params").has("a"))
                .as("the second run does not inherit the first one's params")
                .isFalse();
        assertThat(started.get(1).path("params").path("b").asInt()).isEqualTo(2);
        List<JsonNode> stopped = ofType(messages, "stream_stopped");
        assertThat(stopped).hasSize(2);
        assertThat(stopped.get(0).has("error")).as("a regular end").isFalse();
        assertThat(stopped.get(1).path("error").asText())
                .as("a failed end says why")
                .isEqualTo("trickle channel k failed: gone");
        assertThat(ofType(messages, "error"))
                .extracting(e -> e.path("message").asText() + " " + e.path("source").asText())
                .as(
                        "an input problem (the stream goes on: its frames after it leave), then"
                                + " the failure")
                .containsExactly(
                        "the input could not be decoded: noise input",
                        "trickle channel k failed: gone ");
        assertThat(ofType(messages, "heartbeat").get(0).path("urls").path("events").asText())
                .isEqualTo("http://e/k-events");

        List<TrickleMessage> data = Collect.get("life-data");
        assertThat(data).filteredOn(TrickleMessage::isEndOfChannel).hasSize(2);
        assertThat(data).allMatch(m -> "http://e/k-data".equals(m.destination));
    }

    private static Map<String, String> attributes(String params) {
        return Map.of(
                StreamLifecycle.PARAMS,
                params,
                "url.events",
                "http://e/k-events",
                "url.data",
                "http://e/k-data",
                "url.publish",
                "http://e/k-out");
    }

    private static void addVideo(List<Frame> input, int n, int from) {
        for (int i = from; i < from + n; i++) {
            input.add(new VideoFrame("k", i * 3000L, 0, 4, 4, new byte[48], 0));
        }
    }

    private static String describe(Frame f) {
        if (StreamLifecycle.isStart(f)) {
            return "start " + f.streamKey();
        }
        if (StreamLifecycle.isEnd(f)) {
            return "end " + f.streamKey();
        }
        return f.isVideo() ? "video" : "other";
    }

    private static List<JsonNode> ofType(List<TrickleMessage> messages, String type) {
        List<JsonNode> out = new ArrayList<>();
        for (TrickleMessage m : messages) {
            try {
                JsonNode e = JSON.readTree(m.json).path("event");
                if (type.equals(e.path("type").asText())) {
                    out.add(e);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Sends every frame on. */
    public static final class Passthrough implements FrameProcessor {
        private static final long serialVersionUID = 1L;

        @Override
        public VideoFrame processVideo(VideoFrame frame, ProcessorContext context) {
            return frame;
        }
    }
}
