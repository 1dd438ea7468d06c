package io.flinktrickle.connector.trickle.source.enumerator;

import io.flinktrickle.connector.trickle.source.StreamAnnouncement;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplit;
import io.flinktrickle.connector.trickle.source.split.TrickleChannelSplitSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Serializes {@link TrickleSourceEnumState}; nests the split serializer's version; reads every
 * earlier version.
 */
@Internal
public final class TrickleSourceEnumStateSerializer
        implements SimpleVersionedSerializer<TrickleSourceEnumState> {

    /**
     * Version 0: split serializer version (int), pending count (int) and splits, assigned count
     * (int) and keys (UTF).
     */
    static final int VERSION_0 = 0;

    /**
     * Version 1: version 0, then the announced streams (count, then key and announcement JSON as
     * length-prefixed UTF-8) and the seq of the next announcement (long).
     */
    static final int VERSION_1 = 1;

    static final int CURRENT_VERSION = VERSION_1;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(TrickleSourceEnumState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(TrickleChannelSplitSerializer.INSTANCE.getVersion());
            out.writeInt(state.pending().size());
            for (TrickleChannelSplit split : state.pending().values()) {
                TrickleChannelSplitSerializer.write(split, out);
            }
            out.writeInt(state.assigned().size());
            for (String key : state.assigned()) {
                out.writeUTF(key);
            }
            out.writeInt(state.streams().size());
            for (Map.Entry<String, StreamAnnouncement> s : state.streams().entrySet()) {
                out.writeUTF(s.getKey());
                byte[] json = s.getValue().toJson().getBytes(StandardCharsets.UTF_8);
                out.writeInt(json.length);
                out.write(json);
            }
            out.writeLong(state.announcementsSeq());
        }
        return bytes.toByteArray();
    }

    @Override
    public TrickleSourceEnumState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION_0 && version != VERSION_1) {
            throw new IOException(
                    "unknown trickle enumerator state version "
                            + version
                            + " (this build reads up to "
                            + CURRENT_VERSION
                            + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int splitVersion = in.readInt();
            int pendingCount = in.readInt();
            Map<String, TrickleChannelSplit> pending = new LinkedHashMap<>();
            for (int i = 0; i < pendingCount; i++) {
                TrickleChannelSplit split = TrickleChannelSplitSerializer.read(splitVersion, in);
                pending.put(split.key(), split);
            }
            int assignedCount = in.readInt();
            Set<String> assigned = new TreeSet<>();
            for (int i = 0; i < assignedCount; i++) {
                assigned.add(in.readUTF());
            }
            Map<String, StreamAnnouncement> streams = new LinkedHashMap<>();
            long announcementsSeq = TrickleSourceEnumState.NO_ANNOUNCEMENTS;
            if (version >= VERSION_1) {
                int streamCount = in.readInt();
                for (int i = 0; i < streamCount; i++) {
                    String key = in.readUTF();
                    int length = in.readInt();
                    if (length < 0 || length > serialized.length) {
                        throw new IOException("corrupt trickle enumerator state");
                    }
                    byte[] json = new byte[length];
                    in.readFully(json);
                    try {
                        streams.put(
                                key,
                                StreamAnnouncement.fromJson(
                                        new String(json, StandardCharsets.UTF_8)));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("corrupt announcement of stream " + key, e);
                    }
                }
                announcementsSeq = in.readLong();
            }
            if (in.available() > 0) {
                throw new IOException(
                        "unexpected "
                                + in.available()
                                + " trailing bytes in trickle enumerator state");
            }
            return new TrickleSourceEnumState(pending, assigned, streams, announcementsSeq);
        }
    }
}
