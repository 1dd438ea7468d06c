package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;
import io.flinktrickle.processor.operator.FrameProcessing;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.List;

/**
 * The operator's test job: clip A frames of one stream at real-time pace → reinterpreted as keyed →
 * the operator (+ control messages at a fixed rate) → summaries, events and data into {@link
 * Collect} queues named {@code <name>-frames}, {@code -events}, {@code -data}.
 */
public final class OperatorJob {

    /** What the test keeps of an output frame (not its pixels). */
    public static final class Out {
        public String stream;
        public long pts;
        public boolean video;
        public int stamp;
        public long latencyMillis;
        public long emittedMillis;

        public static Out of(Frame f) {
            Out o = new Out();
            o.stream = f.streamKey();
            o.pts = f.pts();
            o.video = f.isVideo();
            o.emittedMillis = System.currentTimeMillis();
            o.latencyMillis = o.emittedMillis - f.arrivalMillis();
            if (f.isVideo()) {
                o.stamp = TestProcessors.stampOf((VideoFrame) f);
            }
            return o;
        }

        @Override
        public String toString() {
            return (video ? "V" : "A") + pts + "/s" + stamp + "/" + latencyMillis + "ms";
        }
    }

    private OperatorJob() {}

    public static StreamExecutionEnvironment env(Configuration config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(1);
        env.getConfig().enableObjectReuse();
        return env;
    }

    /** Builds the job into {@code env}; returns the operator's output. */
    public static SingleOutputStreamOperator<Frame> build(
            StreamExecutionEnvironment env,
            String name,
            String key,
            int videoFrames,
            FrameProcessing processing,
            List<String> control,
            double controlPerSecond) {
        DataStream<Frame> frames =
                env.fromSource(
                        ClipFrames.source(key, videoFrames),
                        WatermarkStrategy.noWatermarks(),
                        "frames");
        KeyedStream<Frame, String> keyed =
                DataStreamUtils.reinterpretAsKeyedStream(frames, Frame::streamKey, Types.STRING);
        DataStream<TrickleMessage> controlStream =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        new ControlMessages(key, control),
                                        control.size(),
                                        RateLimiterStrategy.perSecond(controlPerSecond),
                                        TypeInformation.of(TrickleMessage.class)),
                                WatermarkStrategy.noWatermarks(),
                                "control")
                        .setParallelism(1);

        SingleOutputStreamOperator<Frame> out = processing.apply(keyed, controlStream);
        out.map(Out::of).returns(Out.class).sinkTo(Collect.into(name + "-frames"));
        out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into(name + "-events"));
        out.getSideOutput(FrameProcessing.DATA).sinkTo(Collect.into(name + "-data"));
        return out;
    }

    private static final class ControlMessages implements GeneratorFunction<Long, TrickleMessage> {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final List<String> json;

        ControlMessages(String key, List<String> json) {
            this.key = key;
            this.json = List.copyOf(json);
        }

        @Override
        public TrickleMessage map(Long index) {
            return new TrickleMessage(key, index, json.get(index.intValue()));
        }
    }
}
