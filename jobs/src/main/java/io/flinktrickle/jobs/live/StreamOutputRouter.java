package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.StreamLifecycle;
import io.flinktrickle.connector.trickle.sink.ChannelRouter;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * Routes a stream's processed frames to its publish channel: the channel given with the job ({@code
 * --stream … publish=}, {@code --publish-url}), or the one its in-band start names ({@link
 * StreamLifecycle}, attribute {@code url.publish}: a stream announced to a running job). The
 * stream's end ends the channel (its open segment completed, the channel deleted) and the router
 * forgets it.
 *
 * <p>Each sink subtask has its own copy, called on its mailbox thread only; after a restore the
 * operator passes each stream's start on again before its frames.
 */
final class StreamOutputRouter implements ChannelRouter<Frame> {
    private static final long serialVersionUID = 1L;

    static final String PUBLISH = StreamLifecycle.URL_PREFIX + "publish";

    private final HashMap<String, URI> fixed;
    private transient Map<String, URI> learned;

    StreamOutputRouter(Map<String, URI> fixed) {
        this.fixed = new HashMap<>(fixed);
    }

    @Override
    public URI channelFor(Frame frame, int subtaskIndex) {
        if (learned == null) {
            learned = new HashMap<>();
        }
        String key = frame.streamKey();
        if (StreamLifecycle.isStart(frame)) {
            String publish = StreamLifecycle.attributes(frame).get(PUBLISH);
            URI publishTo = ChannelRouter.channelUrl(publish);
            if (publishTo != null) {
                learned.put(key, publishTo);
            }
        } else if (StreamLifecycle.isEnd(frame)) {
            URI ended = learned.remove(key);
            return ended != null ? ended : fixed.get(key);
        }
        URI uri = learned.get(key);
        return uri != null ? uri : fixed.get(key);
    }

    @Override
    public boolean endsChannel(Frame frame) {
        return StreamLifecycle.isEnd(frame);
    }
}
