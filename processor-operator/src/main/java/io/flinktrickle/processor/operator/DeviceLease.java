package io.flinktrickle.processor.operator;

import ai.djl.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A slot's hold on one device, shared with every other slot of the TaskManager (and of any process
 * on the host): each device has numbered seats, a seat is an exclusive lock on a file ({@code
 * <tmp>/flink-trickle-device-leases-<user>/<device>.<seat>.lock}), and a slot takes the lowest free
 * seat of any candidate device, in candidate order. So the slots fill every device's first seat
 * before any device gets a second one: two slots never share a GPU while another is free, whatever
 * their subtask indexes, jobs or class loaders. A lease held by a process that died is released by
 * the operating system.
 *
 * <p>Why file locks: a TaskManager runs each job's code in a class loader of its own, so a static
 * registry would be one per job, and one placed outside the job's classes would pin its loader.
 * Within this JVM a seat is first claimed as a system property (a string: shared by every class
 * loader, pins none), and only then is its file opened: closing any channel on a file drops every
 * lock the process holds on it (POSIX), so a seat this JVM holds must never be opened again.
 *
 * <p>Thread-safe; {@link #close()} releases the seat.
 */
final class DeviceLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLease.class);

    /** More seats per device than this is no longer sharing but a leak. */
    private static final int MAX_SEATS = 4096;

    static final String DIRECTORY = "flink-trickle-device-leases";

    /** System property naming a seat file this JVM holds (value {@link #CLAIMED}). */
    private static final String CLAIM_PREFIX = "flinktrickle.device-seat.";

    private static final String CLAIMED = "held";

    final Device device;
    final int seat;
    private final FileChannel channel;
    private final FileLock lock;
    private final String claim;
    private boolean released;

    private DeviceLease(Device device, int seat, FileChannel channel, FileLock lock, String claim) {
        this.device = device;
        this.seat = seat;
        this.channel = channel;
        this.lock = lock;
        this.claim = claim;
    }

    /** Takes the lowest free seat of {@code candidates} (not empty) in {@code directory}. */
    static DeviceLease acquire(List<Device> candidates, Path directory) throws IOException {
        Files.createDirectories(directory);
        for (int seat = 0; seat < MAX_SEATS; seat++) {
            for (Device device : candidates) {
                DeviceLease lease = tryLock(device, seat, directory);
                if (lease != null) {
                    return lease;
                }
            }
        }
        throw new IOException("no free seat on " + candidates + " in " + directory);
    }

    private static DeviceLease tryLock(Device device, int seat, Path directory) throws IOException {
        Path file =
                directory.resolve(
                        DeviceSelector.describe(device).replace(':', '-') + "." + seat + ".lock");
        String claim = CLAIM_PREFIX + file.toAbsolutePath();
        if (System.getProperties().putIfAbsent(claim, CLAIMED) != null) {
            return null; // another slot of this JVM holds the seat
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return new DeviceLease(device, seat, channel, lock, claim);
            }
        } catch (OverlappingFileLockException heldInThisProcess) {
            // held by code of this JVM that does not claim seats (an older version): not ours
        } catch (IOException e) {
            closeQuietly(channel);
            System.getProperties().remove(claim);
            throw e;
        }
        closeQuietly(channel);
        System.getProperties().remove(claim);
        return null;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held on it
            }
        }
    }

    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            LOG.warn("Releasing the lease on {} seat {}: {}", device, seat, e.toString());
        } finally {
            System.getProperties().remove(claim);
        }
    }
}
