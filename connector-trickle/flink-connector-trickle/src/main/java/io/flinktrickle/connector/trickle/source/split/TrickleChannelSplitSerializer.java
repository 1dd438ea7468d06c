package io.flinktrickle.connector.trickle.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;

/** Serializes {@link TrickleChannelSplit}s into checkpoints; reads every earlier version. */
@Internal
public final class TrickleChannelSplitSerializer
        implements SimpleVersionedSerializer<TrickleChannelSplit> {

    /** Version 0: key (UTF), URI (UTF), next seq, records to skip, stopping seq (longs). */
    static final int VERSION_0 = 0;

    /** Version 1: version 0, then the attributes: a count (int) and name, value pairs (UTF). */
    static final int VERSION_1 = 1;

    static final int CURRENT_VERSION = VERSION_1;

    /** An attribute longer than this is corrupt data, not an attribute. */
    private static final int MAX_ATTRIBUTE_BYTES = 64 * 1024 * 1024;

    public static final TrickleChannelSplitSerializer INSTANCE =
            new TrickleChannelSplitSerializer();

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(TrickleChannelSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(split, out);
        }
        return bytes.toByteArray();
    }

    /** Writes the current version's fields (used nested by the enumerator state serializer). */
    public static void write(TrickleChannelSplit split, DataOutputStream out) throws IOException {
        out.writeUTF(split.key());
        out.writeUTF(split.uri().toString());
        out.writeLong(split.nextSeq());
        out.writeLong(split.recordsToSkip());
        out.writeLong(split.stoppingSeq());
        out.writeInt(split.attributes().size());
        for (java.util.Map.Entry<String, String> a : split.attributes().entrySet()) {
            writeLongUtf(out, a.getKey());
            writeLongUtf(out, a.getValue());
        }
    }

    /**
     * Strings of any length: {@code writeUTF} stops at 64 KiB, and an attribute may hold a JSON
     * document (a stream's start params).
     */
    private static void writeLongUtf(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readLongUtf(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_ATTRIBUTE_BYTES) {
            throw new IOException("corrupt trickle split: an attribute of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public TrickleChannelSplit deserialize(int version, byte[] serialized) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            TrickleChannelSplit split = read(version, in);
            if (in.available() > 0) {
                throw new IOException(
                        "unexpected " + in.available() + " trailing bytes in a trickle split");
            }
            return split;
        }
    }

    /** Reads a split written by {@link #write} in {@code version}. */
    public static TrickleChannelSplit read(int version, DataInputStream in) throws IOException {
        if (version != VERSION_0 && version != VERSION_1) {
            throw new IOException(
                    "unknown trickle split version "
                            + version
                            + " (this build reads up to "
                            + CURRENT_VERSION
                            + ")");
        }
        String key = in.readUTF();
        URI uri = URI.create(in.readUTF());
        long next = in.readLong();
        long skip = in.readLong();
        long stop = in.readLong();
        java.util.Map<String, String> attributes = new java.util.TreeMap<>();
        if (version >= VERSION_1) {
            int count = in.readInt();
            if (count < 0) {
                throw new IOException("corrupt trickle split: " + count + " attributes");
            }
            for (int i = 0; i < count; i++) {
                attributes.put(readLongUtf(in), readLongUtf(in));
            }
        }
        return new TrickleChannelSplit(key, uri, next, skip, stop, attributes);
    }
}
