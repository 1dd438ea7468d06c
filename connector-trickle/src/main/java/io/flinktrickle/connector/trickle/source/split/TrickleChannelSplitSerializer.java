package io.flinktrickle.connector.trickle.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;

/** Serializes {@link TrickleChannelSplit}s into checkpoints. */
@Internal
public final class TrickleChannelSplitSerializer
        implements SimpleVersionedSerializer<TrickleChannelSplit> {

    /** Version 0: key (UTF), URI (UTF), next seq, records to skip, stopping seq (longs). */
    static final int VERSION_0 = 0;

    static final int CURRENT_VERSION = VERSION_0;

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
        if (version != VERSION_0) {
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
        return new TrickleChannelSplit(key, uri, next, skip, stop);
    }
}
