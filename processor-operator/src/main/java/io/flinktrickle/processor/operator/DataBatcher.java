package io.flinktrickle.processor.operator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The data channel of one stream: values queued by {@code sendData} (any thread) and cut into JSON
 * array lines on the mailbox thread every flush interval, as PyTrickle batches them. Lines stay
 * under the gateway's 64 KiB scanner limit (a batch that would exceed it is split into several
 * lines, each its own segment); past {@code maxItems} the oldest values are dropped and counted.
 * Values are JSON texts already, serialized on the caller's thread.
 */
final class DataBatcher {
    private static final int BRACKETS_AND_NEWLINE = 3;

    private final int maxItems;
    private final int maxLineBytes;
    private final ArrayDeque<String> items = new ArrayDeque<>();
    private long dropped;
    private long oversized;

    DataBatcher(int maxItems, int maxLineBytes) {
        this.maxItems = maxItems;
        this.maxLineBytes = maxLineBytes;
    }

    /** Queues one JSON value; false if it alone cannot fit in a line (it is dropped). */
    synchronized boolean add(String json) {
        if (json.getBytes(StandardCharsets.UTF_8).length + BRACKETS_AND_NEWLINE > maxLineBytes) {
            oversized++;
            return false;
        }
        if (items.size() == maxItems) {
            items.removeFirst();
            dropped++;
        }
        items.addLast(json);
        return true;
    }

    /** The queued values as lines ({@code [v1,v2,…]\n}), each under the line limit; empties it. */
    synchronized List<String> drain() {
        List<String> lines = new ArrayList<>();
        StringBuilder line = null;
        int lineBytes = 0;
        while (!items.isEmpty()) {
            String item = items.removeFirst();
            int bytes = item.getBytes(StandardCharsets.UTF_8).length;
            if (line != null && lineBytes + 1 + bytes + BRACKETS_AND_NEWLINE > maxLineBytes) {
                lines.add(line.append("]\n").toString());
                line = null;
            }
            if (line == null) {
                line = new StringBuilder("[").append(item);
                lineBytes = bytes;
            } else {
                line.append(',').append(item);
                lineBytes += 1 + bytes;
            }
        }
        if (line != null) {
            lines.add(line.append("]\n").toString());
        }
        return lines;
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized long oversized() {
        return oversized;
    }
}
