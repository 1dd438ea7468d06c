package io.flinktrickle.processor.testutils;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.processor.operator.FrameProcessing;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Map;

/**
 * The operator's test job: clip A frames of one stream at real-time pace, with control messages in
 * band → reinterpreted as keyed → the operator → summaries, events and data into {@link Collect}
 * queues named {@code <name>-frames}, {@code -events}, {@code -data}.
 */
public final class OperatorJob {

    /** What the test keeps of an output frame (not its pixels). */
    public static final class Out {
        public String stream;
        public long pts;
        public boolean video;
        public boolean keyframe;
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
                o.keyframe = ((VideoFrame) f).keyframe();
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

    /**
     * Builds the job into {@code env}: {@code control} maps a video frame index to a control
     * message sent in band just before it. Returns the operator's output.
     */
    public static SingleOutputStreamOperator<Frame> build(
            StreamExecutionEnvironment env,
            String name,
            String key,
            int videoFrames,
            FrameProcessing processing,
            Map<Integer, String> control) {
        return build(env, name, key, videoFrames, processing, control, true);
    }

    /** As above; {@code realTime} false delivers all frames at once (a burst). */
    public static SingleOutputStreamOperator<Frame> build(
            StreamExecutionEnvironment env,
            String name,
            String key,
            int videoFrames,
            FrameProcessing processing,
            Map<Integer, String> control,
            boolean realTime) {
        DataStream<Frame> frames =
                env.fromSource(
                        ClipFrames.source(key, videoFrames, control, realTime),
                        WatermarkStrategy.noWatermarks(),
                        "frames");
        KeyedStream<Frame, String> keyed =
                DataStreamUtils.reinterpretAsKeyedStream(frames, Frame::streamKey, Types.STRING);
        SingleOutputStreamOperator<Frame> out = processing.apply(keyed);
        out.map(Out::of).returns(Out.class).sinkTo(Collect.into(name + "-frames"));
        out.getSideOutput(FrameProcessing.EVENTS).sinkTo(Collect.into(name + "-events"));
        out.getSideOutput(FrameProcessing.DATA).sinkTo(Collect.into(name + "-data"));
        return out;
    }
}
