package io.flinktrickle.processor.operator;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.TrickleMessage;

import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * What the operator emits: a stream's frames (with their metrics), its lifecycle frames for the
 * sinks downstream, its events and data batches addressed to its events and data channels ({@link
 * TrickleMessage#destination}, from the stream's URLs), and the end of those channels when the
 * stream ends.
 *
 * <p>Mailbox thread only.
 */
final class StreamOutputs {
    static final String EVENTS_ROLE = "events";
    static final String DATA_ROLE = "data";

    private final Output<StreamRecord<Frame>> output;
    private final ProcessingSettings settings;
    private final StreamRecord<Frame> reuse = new StreamRecord<>(null);

    StreamOutputs(Output<StreamRecord<Frame>> output, ProcessingSettings settings) {
        this.output = output;
        this.settings = settings;
    }

    /**
     * Stream {@code s} fails: an {@code error} event now, and its {@code stream_stopped} will say
     * why (the first failure counts).
     */
    void failed(StreamRuntime s, String failure) {
        event(s, StreamEvents.error(failure, null));
        if (s.failure == null) {
            s.failure = failure;
        }
    }

    /** A processed frame of {@code s}. */
    void frame(StreamRuntime s, Frame f) {
        long now = System.currentTimeMillis();
        if (f.isVideo()) {
            s.videoOut.inc();
            VideoFrame v = (VideoFrame) f;
            s.outWidth = v.width();
            s.outHeight = v.height();
            if (f.arrivalMillis() > 0) {
                s.endToEndMillis.update(now - f.arrivalMillis());
            }
            if (!s.firstOutputSent) {
                s.firstOutputSent = true;
                event(s, StreamEvents.event(StreamEvents.FIRST_OUTPUT, now));
            }
        } else {
            s.audioOut.inc();
        }
        output.collect(reuse.replace(f));
    }

    /** A stream's start or end, passed on to the sinks (which learn and forget its channels). */
    void lifecycle(Frame lifecycle) {
        output.collect(reuse.replace(lifecycle));
    }

    void event(StreamRuntime s, ObjectNode event) {
        event(s, event, StreamEvents.QUEUE_STREAM_EVENTS);
    }

    void event(StreamRuntime s, ObjectNode event, String queueType) {
        message(s, StreamEvents.wrap(event, queueType));
    }

    /** An event envelope of {@code s}, numbered in its event sequence. */
    void message(StreamRuntime s, String json) {
        output.collect(
                FrameProcessing.EVENTS,
                new StreamRecord<>(
                        new TrickleMessage(s.key, s.messageSeq++, json, s.urls.get(EVENTS_ROLE))));
    }

    /** An event of a stream that has no runtime (yet), to its events channel if it has one. */
    void message(String key, Map<String, String> urls, String json) {
        output.collect(
                FrameProcessing.EVENTS,
                new StreamRecord<>(new TrickleMessage(key, -1, json, urls.get(EVENTS_ROLE))));
    }

    /** Sends {@code s}'s data batch when due ({@code last}: now, at its end). */
    void flushData(StreamRuntime s, long now, boolean last) {
        if (now - s.lastDataMillis < settings.dataFlushMillis && !last) {
            return;
        }
        List<String> lines = s.data.drain();
        if (lines.isEmpty() && now - s.lastDataMillis >= settings.dataKeepAliveMillis && !last) {
            lines = List.of("[]\n"); // keeps the data channel alive, as PyTrickle does
        }
        String destination = s.urls.get(DATA_ROLE);
        for (String line : lines) {
            output.collect(
                    FrameProcessing.DATA,
                    new StreamRecord<>(
                            new TrickleMessage(s.key, s.messageSeq++, line, destination)));
        }
        if (!lines.isEmpty()) {
            s.lastDataMillis = now;
        }
        long drops = s.data.dropped() + s.data.oversized();
        if (drops > s.reportedDataDrops) {
            ObjectNode event = StreamEvents.event(StreamEvents.ERROR, now);
            event.put(
                    "message",
                    "data values dropped: "
                            + s.data.dropped()
                            + " past the queue bound, "
                            + s.data.oversized()
                            + " over the line limit");
            event(s, event);
            s.reportedDataDrops = drops;
        }
    }

    /**
     * The stream ended for good: its sinks complete and delete its channels (video, events, data),
     * after everything it emitted.
     */
    void endChannels(String key, Map<String, String> urls) {
        lifecycle(StreamLifecycle.end(key, null));
        for (String role : new String[] {EVENTS_ROLE, DATA_ROLE}) {
            String url = urls.get(role);
            if (url != null) {
                output.collect(
                        role.equals(EVENTS_ROLE) ? FrameProcessing.EVENTS : FrameProcessing.DATA,
                        new StreamRecord<>(TrickleMessage.endOf(key, url)));
            }
        }
    }
}
