package io.flinktrickle.jobs.processors;

import io.flinktrickle.processor.api.ProcessorContext;

import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** A stream context for calling processors directly (CPU, recorded data and events). */
final class TestContext implements ProcessorContext, AutoCloseable {
    final NDManager manager = NDManager.newBaseManager(Device.cpu());
    final List<Object> data = new ArrayList<>();
    final List<Map<String, Object>> events = new ArrayList<>();
    Map<String, Object> params = new HashMap<>();
    private Object state;

    @Override
    public String streamKey() {
        return "test";
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T state(Supplier<T> initial) {
        if (state == null) {
            state = initial.get();
        }
        return (T) state;
    }

    @Override
    public void sendData(Object value) {
        data.add(value);
    }

    @Override
    public void sendEvent(String type, Map<String, ?> fields) {
        Map<String, Object> e = new HashMap<>(fields);
        e.put("type", type);
        events.add(e);
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public NDManager ndManager() {
        return manager;
    }

    @Override
    public int subtaskIndex() {
        return 0;
    }

    @Override
    public MetricGroup metricGroup() {
        return new UnregisteredMetricsGroup();
    }

    @Override
    public void close() {
        manager.close();
    }
}
