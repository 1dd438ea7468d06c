package io.flinktrickle.processor.testutils;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A sink into a JVM-wide named queue (the MiniCluster runs in the test's JVM). */
public final class Collect<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Queue<Object>> QUEUES = new ConcurrentHashMap<>();

    private final String name;

    private Collect(String name) {
        this.name = name;
    }

    public static <T> Collect<T> into(String name) {
        QUEUES.put(name, new ConcurrentLinkedQueue<>());
        return new Collect<>(name);
    }

    @SuppressWarnings("unchecked")
    public static <T> List<T> get(String name) {
        return new ArrayList<>((Queue<T>) QUEUES.getOrDefault(name, new ConcurrentLinkedQueue<>()));
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Object> queue = QUEUES.get(name);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                queue.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
