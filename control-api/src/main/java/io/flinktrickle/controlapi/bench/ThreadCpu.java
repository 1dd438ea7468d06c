package io.flinktrickle.controlapi.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time per thread group (thread names with digits folded, e.g. {@code mpegts-decoder-#})
 * between two snapshots: where the process's CPU goes, natives included (FFmpeg runs on the calling
 * threads), which a Java sampling profiler cannot show. Threads that ended between the snapshots
 * are missed; the benchmark's threads live through its window.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> cpu = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();

    static ThreadCpu snapshot() {
        ThreadCpu s = new ThreadCpu();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long nanos = THREADS.getThreadCpuTime(t.getThreadId());
            if (nanos >= 0) {
                s.cpu.put(t.getThreadId(), nanos);
                s.names.put(t.getThreadId(), group(t.getThreadName()));
            }
        }
        return s;
    }

    /** CPU-seconds per group from {@code before} to this snapshot, largest first. */
    Map<String, Double> since(ThreadCpu before) {
        Map<String, Double> groups = new HashMap<>();
        for (Map.Entry<Long, Long> e : cpu.entrySet()) {
            long start = before.cpu.getOrDefault(e.getKey(), 0L);
            groups.merge(names.get(e.getKey()), (e.getValue() - start) / 1e9, Double::sum);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        groups.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static String group(String name) {
        String g = name.replaceAll("\\(\\d+/\\d+\\)#\\d+", "(task)").replaceAll("\\d+", "#");
        return g.length() > 60 ? g.substring(0, 60) : g;
    }
}
