package org.example.jsonrelay;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.sink.JsonMessageEncoder;
import io.flinktrickle.connector.trickle.sink.TrickleSink;
import io.flinktrickle.connector.trickle.source.JsonMessageDecoder;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.connector.trickle.source.TrickleSource;
import io.flinktrickle.connector.trickle.source.split.StartPosition;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;

/**
 * Reads JSON messages from one trickle channel, stamps each with the sequence number it came in
 * with, and publishes it on another: {@code JsonRelayJob <trickle base URL> <in> <out>}.
 */
public final class JsonRelayJob {

    private JsonRelayJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, URI.create(args[0]), args[1], args[2]);
        env.execute("json relay");
    }

    /** Adds the relay to {@code env}. */
    public static void define(StreamExecutionEnvironment env, URI trickle, String in, String out) {
        String url = trickle.toString();
        URI base = URI.create(url.endsWith("/") ? url : url + "/");
        env.fromSource(
                        TrickleSource.<TrickleMessage>builder()
                                .channels(base, in)
                                .startPosition(StartPosition.fromSeq(0))
                                .decoder(new JsonMessageDecoder())
                                .build(),
                        WatermarkStrategy.noWatermarks(),
                        "json-in")
                .map(new Stamp())
                .sinkTo(
                        TrickleSink.<String>builder()
                                .channel(base.resolve(out))
                                .contentType(TrickleProtocol.MIME_JSON)
                                .encoder(new JsonMessageEncoder<>())
                                .build());
    }

    /** The message with {@code "relayedSeq"}: its input sequence number. */
    static final class Stamp implements MapFunction<TrickleMessage, String> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public String map(TrickleMessage m) throws Exception {
            ObjectNode node = (ObjectNode) JSON.readTree(m.json);
            node.put("relayedSeq", m.seq);
            return JSON.writeValueAsString(node);
        }
    }
}
