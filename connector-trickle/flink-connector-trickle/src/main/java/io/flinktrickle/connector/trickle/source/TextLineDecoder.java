package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One UTF-8 {@code String} per line of each segment (e.g. a {@code application/jsonl} data
 * channel). Lines are emitted as soon as their newline arrives, while the segment streams in; a
 * last line without a newline ends with the segment. Empty lines are skipped; a line longer than
 * {@code maxLineBytes} fails the segment.
 */
@PublicEvolving
public final class TextLineDecoder implements SegmentDecoder<String> {
    private static final long serialVersionUID = 1L;

    private final int maxLineBytes;

    public TextLineDecoder() {
        this(1024 * 1024);
    }

    public TextLineDecoder(int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** Every line counts: a reader that fell behind resumes at the oldest segment retained. */
    @Override
    public boolean keepsEverySegment(String channelKey) {
        return true;
    }

    @Override
    public ChannelDecoder<String> open(String channelKey) {
        return (segment, body, out) -> decodeLines(segment, body, out);
    }

    private void decodeLines(SegmentInfo segment, InputStream body, Consumer<String> out)
            throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        byte[] buf = new byte[8192];
        int n;
        while ((n = body.read(buf)) >= 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.write(buf, start, i - start);
                    emit(line, out);
                    start = i + 1;
                }
            }
            line.write(buf, start, n - start);
            if (line.size() > maxLineBytes) {
                throw new IOException(
                        segment + ": a line is longer than " + maxLineBytes + " bytes");
            }
        }
        emit(line, out);
    }

    private static void emit(ByteArrayOutputStream line, Consumer<String> out) {
        int len = line.size();
        if (len > 0) {
            byte[] bytes = line.toByteArray();
            if (bytes[len - 1] == '\r') {
                len--;
            }
            if (len > 0) {
                out.accept(new String(bytes, 0, len, StandardCharsets.UTF_8));
            }
        }
        line.reset();
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }
}
