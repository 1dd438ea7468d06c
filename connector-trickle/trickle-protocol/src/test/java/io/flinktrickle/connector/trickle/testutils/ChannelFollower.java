package io.flinktrickle.connector.trickle.testutils;

import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;

import java.io.InputStream;
import java.net.URI;
import java.util.Optional;

/**
 * Reads a channel from seq 0 on a daemon thread until it ends, handing each segment over. A failure
 * (of the channel or of the handler) ends the thread and is printed to stderr.
 */
public final class ChannelFollower {

    /** What to do with a segment as it arrives (its body is read by the handler). */
    public interface SegmentHandler {
        void accept(InputStream body) throws Exception;
    }

    private ChannelFollower() {}

    /** Starts following {@code channel}; the thread ends with the channel (or on an error). */
    public static Thread follow(URI channel, SegmentHandler handler) {
        Thread t =
                new Thread(
                        () -> {
                            try (TrickleSubscriber sub =
                                    TrickleSubscriber.builder(channel).startSeq(0).build()) {
                                Optional<TrickleSegment> s;
                                while ((s = sub.next()).isPresent()) {
                                    try (TrickleSegment seg = s.get()) {
                                        handler.accept(seg.body());
                                    }
                                }
                            } catch (InterruptedException | java.io.InterruptedIOException e) {
                                // the test is over
                            } catch (Exception e) {
                                // Said, so that a test waiting for this channel's segments in
                                // vain shows why they stopped coming.
                                System.err.println("following " + channel + " ended: " + e);
                                e.printStackTrace();
                            }
                        },
                        "follow-" + channel);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
