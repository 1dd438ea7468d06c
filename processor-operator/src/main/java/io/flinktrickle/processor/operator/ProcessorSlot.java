package io.flinktrickle.processor.operator;

import io.flinktrickle.processor.api.BatchFrameProcessor;
import io.flinktrickle.processor.api.FrameProcessor;
import io.flinktrickle.processor.api.SlotContext;

import org.apache.flink.metrics.MetricGroup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One slot's processor: the user's {@link FrameProcessor}, the device it is pinned to, and the
 * single processor thread every processor call runs on ({@code frame-processor-<task>}). The
 * mailbox thread submits work; results come back through the mailbox. The {@link NDManager} is
 * created on first use, on the processor thread, and closed after the processor.
 */
final class ProcessorSlot implements SlotContext, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorSlot.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    private final FrameProcessor processor;
    private final DeviceSelector.Choice choice;
    private final Device device;
    private final int subtaskIndex;
    private final MetricGroup metrics;
    private final ExecutorService executor;
    private final BatchMetrics batchMetrics;
    private volatile NDManager manager;
    private volatile boolean closing;

    ProcessorSlot(
            ProcessingSettings settings,
            DeviceSelector.Choice choice,
            int subtaskIndex,
            MetricGroup metrics,
            String threadName) {
        this.processor = settings.processor;
        this.batchMetrics =
                processor instanceof BatchFrameProcessor
                        ? new BatchMetrics(metrics, settings.maxBatchSize)
                        : null;
        this.choice = choice;
        this.device = choice.device;
        this.subtaskIndex = subtaskIndex;
        this.metrics = metrics;
        this.executor =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
    }

    FrameProcessor processor() {
        return processor;
    }

    /** The slot's batch metrics, or null if its processor does not take batches. */
    BatchMetrics batchMetrics() {
        return batchMetrics;
    }

    /**
     * Runs {@code open} and {@code warmUp} on the processor thread and waits for them; then, with
     * {@code warmUp} settings, a short synthetic stream through the whole path ({@link
     * PathWarmUp}).
     */
    void open(WarmUpSettings warmUp) throws Exception {
        Future<?> done =
                executor.submit(
                        () -> {
                            processor.open(this);
                            processor.warmUp(this);
                            if (warmUp != null) {
                                PathWarmUp.run(processor, this, warmUp);
                            }
                            return null;
                        });
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new Exception(
                    "the frame processor failed to open: " + e.getCause(), e.getCause());
        }
    }

    /** Whether the slot is closing: queued work is then skipped. */
    boolean isClosing() {
        return closing;
    }

    /** Queues work for the processor thread; false once the slot is closed. */
    boolean submit(Runnable work) {
        try {
            executor.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public NDManager ndManager() {
        NDManager m = manager;
        if (m == null) {
            synchronized (this) {
                if (manager == null) {
                    manager = NDManager.newBaseManager(device);
                }
                m = manager;
            }
        }
        return m;
    }

    @Override
    public int subtaskIndex() {
        return subtaskIndex;
    }

    @Override
    public MetricGroup metricGroup() {
        return metrics;
    }

    /**
     * Closes the processor and the manager on the processor thread, skipping work still queued,
     * then stops the thread (interrupting it after {@value #CLOSE_TIMEOUT_SECONDS} s).
     */
    @Override
    public void close() throws Exception {
        closing = true; // work still queued is skipped: close() runs next
        Future<?> closed;
        try {
            closed =
                    executor.submit(
                            () -> {
                                try {
                                    processor.close();
                                } finally {
                                    NDManager m = manager;
                                    if (m != null) {
                                        m.close();
                                    }
                                }
                                return null;
                            });
        } catch (RejectedExecutionException e) {
            choice.close();
            return; // closed already
        }
        executor.shutdown();
        try {
            closed.get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            LOG.warn("The frame processor failed to close", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn(
                    "The frame processor did not close within {} s; interrupting it",
                    CLOSE_TIMEOUT_SECONDS);
        } finally {
            executor.shutdownNow();
            if (executor.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                choice.close(); // the device is free for another slot
            } else {
                // Its model may still be on the device: the lease stays with the thread.
                LOG.warn("The frame processor thread did not stop; it is left behind");
            }
        }
    }
}
