package io.flinktrickle.controlapi.hardware;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The GPUs of this host as PyTrickle's {@code /hardware/info} and {@code /hardware/stats} report
 * them under {@code gpu_info} and {@code gpu_stats}, read through {@code nvidia-smi} instead of
 * NVML. Both maps are keyed by the GPU index as a string; memory is in bytes (NVML's unit;
 * nvidia-smi reports MiB); {@code id} is the GPU UUID like PyTrickle's, or the index when
 * nvidia-smi has none. A value nvidia-smi reports as {@code [N/A]} or {@code [Not Supported]} is
 * {@code null}. Without nvidia-smi, or when it fails or times out, both maps are empty, as in
 * PyTrickle without NVML; that is logged at debug level once.
 *
 * <p>Threads: thread-safe and stateless apart from the log-once flag. Every call runs nvidia-smi
 * once and blocks the calling thread (e.g. a Javalin request thread) for at most the timeout
 * (default {@value #DEFAULT_TIMEOUT_MILLIS} ms) plus {@value #READ_GRACE_MILLIS} ms; one
 * short-lived daemon thread per call reads the output, and a process that outlives the timeout is
 * killed together with its child processes.
 */
@Internal
public final class GpuInfo {

    private static final Logger LOG = LoggerFactory.getLogger(GpuInfo.class);

    /** The query; the parser expects these columns in this order. */
    public static final List<String> NVIDIA_SMI_COMMAND =
            List.of(
                    "nvidia-smi",
                    "--query-gpu=index,name,memory.total,memory.free,utilization.gpu,"
                            + "utilization.memory,compute_cap,uuid",
                    "--format=csv,noheader,nounits");

    static final long DEFAULT_TIMEOUT_MILLIS = 2_000;
    static final long READ_GRACE_MILLIS = 500;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);

    private static final long BYTES_PER_MIB = 1024L * 1024L;

    /** index, name, then {@link #FIXED_TAIL_COLUMNS} columns; a name may contain commas. */
    private static final int MIN_COLUMNS = 8;

    private static final int FIXED_TAIL_COLUMNS = 6;
    private static final String READER_THREAD_NAME = "nvidia-smi-reader";

    private final List<String> command;
    private final Duration timeout;
    private final AtomicBoolean unavailableLogged = new AtomicBoolean();

    /** Runs {@link #NVIDIA_SMI_COMMAND} with the {@link #DEFAULT_TIMEOUT}. */
    public GpuInfo() {
        this(NVIDIA_SMI_COMMAND, DEFAULT_TIMEOUT);
    }

    /** Runs {@code command} (which must print nvidia-smi's CSV) with the default timeout. */
    public GpuInfo(List<String> command) {
        this(command, DEFAULT_TIMEOUT);
    }

    public GpuInfo(List<String> command, Duration timeout) {
        this.command = List.copyOf(Objects.requireNonNull(command, "command"));
        if (this.command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** {@code gpu_info}: {@code {"<idx>": {id, name, memory_total, memory_free, major, minor}}}. */
    public Map<String, Map<String, Object>> info() {
        Map<String, Map<String, Object>> result = new LinkedHashMap<>();
        for (Gpu gpu : query()) {
            Map<String, Object> entry = base(gpu);
            entry.put("major", gpu.major());
            entry.put("minor", gpu.minor());
            result.put(Integer.toString(gpu.index()), Collections.unmodifiableMap(entry));
        }
        return Collections.unmodifiableMap(result);
    }

    /**
     * {@code gpu_stats}: {@code {"<idx>": {id, name, memory_total, memory_free,
     * utilization_compute, utilization_memory}}}, utilization in percent.
     */
    public Map<String, Map<String, Object>> stats() {
        Map<String, Map<String, Object>> result = new LinkedHashMap<>();
        for (Gpu gpu : query()) {
            Map<String, Object> entry = base(gpu);
            entry.put("utilization_compute", gpu.utilizationCompute());
            entry.put("utilization_memory", gpu.utilizationMemory());
            result.put(Integer.toString(gpu.index()), Collections.unmodifiableMap(entry));
        }
        return Collections.unmodifiableMap(result);
    }

    private static Map<String, Object> base(Gpu gpu) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", gpu.uuid() != null ? gpu.uuid() : Integer.toString(gpu.index()));
        entry.put("name", gpu.name());
        entry.put("memory_total", gpu.memoryTotal());
        entry.put("memory_free", gpu.memoryFree());
        return entry;
    }

    private List<Gpu> query() {
        String output = run();
        return output == null ? List.of() : parse(output);
    }

    /** The command's standard output, or null when it is missing, fails or times out. */
    private String run() {
        Process process;
        try {
            process =
                    new ProcessBuilder(command)
                            .redirectInput(ProcessBuilder.Redirect.PIPE)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
        } catch (IOException | RuntimeException e) {
            logUnavailable("cannot run " + command.get(0) + ": " + e.getMessage());
            return null;
        }
        try {
            process.getOutputStream().close();
            FutureTask<String> reader =
                    new FutureTask<>(
                            () ->
                                    new String(
                                            process.getInputStream().readAllBytes(),
                                            StandardCharsets.UTF_8));
            Thread readerThread = new Thread(reader, READER_THREAD_NAME);
            readerThread.setDaemon(true);
            readerThread.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                logUnavailable(command.get(0) + " did not answer within " + timeout);
                return null;
            }
            String output = reader.get(READ_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            if (process.exitValue() != 0) {
                logUnavailable(command.get(0) + " exited with " + process.exitValue());
                return null;
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (IOException | ExecutionException | TimeoutException e) {
            logUnavailable("cannot read the output of " + command.get(0) + ": " + e);
            return null;
        } finally {
            // Children first: a shell's child keeps the output pipe open after the shell dies.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private void logUnavailable(String why) {
        if (unavailableLogged.compareAndSet(false, true)) {
            LOG.debug("No GPU information ({}); reporting no GPUs", why);
        }
    }

    /**
     * Parses {@code nvidia-smi --format=csv,noheader,nounits} output of {@link
     * #NVIDIA_SMI_COMMAND}'s columns. Lines with too few columns or a value that is neither a
     * number nor a bracketed marker such as {@code [N/A]} are skipped.
     */
    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] fields = line.split(",", -1);
            if (line.isBlank() || fields.length < MIN_COLUMNS) {
                continue;
            }
            int tail = fields.length - FIXED_TAIL_COLUMNS;
            try {
                int index = Integer.parseInt(fields[0].trim());
                String name = text(String.join(",", List.of(fields).subList(1, tail)));
                Long memoryTotal = mebibytesToBytes(number(fields[tail]));
                Long memoryFree = mebibytesToBytes(number(fields[tail + 1]));
                Long compute = number(fields[tail + 2]);
                Long memory = number(fields[tail + 3]);
                String capability = text(fields[tail + 4]);
                Integer major = null;
                Integer minor = null;
                if (capability != null) {
                    int dot = capability.indexOf('.');
                    if (dot < 0) {
                        throw new NumberFormatException("compute capability " + capability);
                    }
                    major = Integer.parseInt(capability.substring(0, dot));
                    minor = Integer.parseInt(capability.substring(dot + 1));
                }
                gpus.add(
                        new Gpu(
                                index,
                                name,
                                text(fields[tail + 5]),
                                memoryTotal,
                                memoryFree,
                                compute == null ? null : compute.intValue(),
                                memory == null ? null : memory.intValue(),
                                major,
                                minor));
            } catch (NumberFormatException e) {
                LOG.trace("Skipping a malformed nvidia-smi line: {}", line);
            }
        }
        return gpus;
    }

    /** The trimmed value, or null for nvidia-smi's {@code [N/A]}-style markers. */
    private static String text(String field) {
        String value = field.trim();
        return value.startsWith("[") && value.endsWith("]") ? null : value;
    }

    private static Long number(String field) {
        String value = text(field);
        return value == null ? null : Long.parseLong(value);
    }

    private static Long mebibytesToBytes(Long mebibytes) {
        return mebibytes == null ? null : mebibytes * BYTES_PER_MIB;
    }

    /** One GPU as nvidia-smi reports it; memory in bytes, utilization in percent. */
    record Gpu(
            int index,
            String name,
            String uuid,
            Long memoryTotal,
            Long memoryFree,
            Integer utilizationCompute,
            Integer utilizationMemory,
            Integer major,
            Integer minor) {}
}
