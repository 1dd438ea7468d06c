package io.flinktrickle.connector.trickle.server;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * All channels of one server, the channel limit, the idle sweep and the optional changefeed.
 *
 * <p>Thread-safe: request threads create, look up and delete channels; the sweeper thread closes
 * idle ones.
 */
final class ChannelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelStore.class);

    /** Thrown when creating a channel would exceed the configured limit. */
    static final class TooManyChannelsException extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyChannelsException(int max) {
            super("the server holds its maximum of " + max + " channels");
        }
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final int retained;
    private final int maxChannels;
    private final LongSupplier clock;
    private final Channel changefeed;

    ChannelStore(int retained, int maxChannels, boolean changefeed, LongSupplier clock) {
        this.retained = retained;
        this.maxChannels = maxChannels;
        this.clock = clock;
        this.changefeed =
                changefeed
                        ? new Channel(
                                TrickleProtocol.CHANGEFEED_CHANNEL,
                                TrickleProtocol.MIME_JSON,
                                retained,
                                clock.getAsLong())
                        : null;
        if (this.changefeed != null) {
            channels.put(TrickleProtocol.CHANGEFEED_CHANNEL, this.changefeed);
        }
    }

    Channel get(String name) {
        return channels.get(name);
    }

    java.util.Set<String> names() {
        return new java.util.TreeSet<>(channels.keySet());
    }

    int size() {
        return channels.size();
    }

    /** Returns the existing channel, or creates it with {@code mimeType}. */
    Channel getOrCreate(String name, String mimeType) throws TooManyChannelsException {
        checkMimeType(mimeType);
        Channel existing = channels.get(name);
        if (existing != null) {
            return existing;
        }
        Channel channel;
        synchronized (this) {
            existing = channels.get(name);
            if (existing != null) {
                return existing;
            }
            if (channels.size() >= maxChannels) {
                throw new TooManyChannelsException(maxChannels);
            }
            channel = new Channel(name, mimeType, retained, clock.getAsLong());
            channels.put(name, channel);
        }
        LOG.debug("created channel {} ({})", name, mimeType);
        publishChange("added", name);
        return channel;
    }

    /**
     * A channel's type is sent back in every subscriber's {@code Content-Type}: a control character
     * in it (CR, LF, NUL, ...) would split or corrupt those responses' heads, so it is refused.
     *
     * @throws IllegalArgumentException for a type with a control character other than tab
     */
    static void checkMimeType(String mimeType) {
        for (int i = 0; i < mimeType.length(); i++) {
            char c = mimeType.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException(
                        "invalid mime type: control character at index " + i);
            }
        }
    }

    /** Closes and removes a channel; false when it does not exist. */
    boolean delete(String name) {
        if (changefeed != null && changefeed.name.equals(name)) {
            return false;
        }
        Channel channel = channels.remove(name);
        if (channel == null) {
            return false;
        }
        channel.close();
        LOG.debug("closed channel {}", name);
        publishChange("removed", name);
        return true;
    }

    /**
     * Closes every channel whose last segment started longer than {@code idleNanos} ago, except
     * those {@code spared} names (asked only about idle channels).
     */
    void sweep(long idleNanos, Predicate<String> spared) {
        long now = clock.getAsLong();
        List<String> idle = new ArrayList<>();
        for (Channel c : channels.values()) {
            if (!c.name.startsWith(TrickleProtocol.SYSTEM_CHANNEL_PREFIX)
                    && now - c.lastWriteNanos() > idleNanos
                    && !spared.test(c.name)) {
                idle.add(c.name);
            }
        }
        for (String name : idle) {
            LOG.info("closing idle channel {}", name);
            delete(name);
        }
    }

    void closeAll() {
        for (String name : new ArrayList<>(channels.keySet())) {
            Channel c = channels.remove(name);
            if (c != null) {
                c.close();
            }
        }
    }

    /** Writes one complete segment into the changefeed, as the server's in-process publisher. */
    private void publishChange(String kind, String name) {
        if (changefeed == null) {
            return;
        }
        String json = "{\"" + kind + "\":[" + jsonString(name) + "]}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        synchronized (changefeed) {
            long seq = changefeed.nextWrite();
            Segment segment = changefeed.forWrite(seq, false);
            changefeed.markStarted(seq, clock.getAsLong());
            segment.append(bytes, 0, bytes.length);
            segment.close();
        }
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
