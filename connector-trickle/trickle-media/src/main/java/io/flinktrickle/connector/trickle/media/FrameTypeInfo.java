package io.flinktrickle.connector.trickle.media;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type information of {@link Frame}: serialized by {@link FrameSerializer}, never Kryo. */
@PublicEvolving
public final class FrameTypeInfo extends TypeInformation<Frame> {
    private static final long serialVersionUID = 1L;

    public static final FrameTypeInfo INSTANCE = new FrameTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<Frame> getTypeClass() {
        return Frame.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<Frame> createSerializer(SerializerConfig config) {
        return FrameSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "Frame";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FrameTypeInfo;
    }

    @Override
    public int hashCode() {
        return FrameTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof FrameTypeInfo;
    }
}
