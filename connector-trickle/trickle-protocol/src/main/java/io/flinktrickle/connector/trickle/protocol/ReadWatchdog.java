package io.flinktrickle.connector.trickle.protocol;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread ({@code trickle-read-watchdog}) that checks the segment reads in progress every
 * 250 ms and ends those blocked for longer than their timeout. It runs only while reads are watched
 * and exits after a second with none, and it is started with no context class loader, so it never
 * keeps a finished job's classes alive on a session cluster.
 */
final class ReadWatchdog {

    private static final long TICK_MILLIS = 250;
    private static final long IDLE_EXIT_MILLIS = 1_000;

    /** A read in progress that the watchdog can end. */
    interface Watchable {
        /** Ends the read if it has been blocked too long at {@code now}; true if it did. */
        boolean checkIdle(long now);
    }

    private static final Set<Watchable> WATCHED = ConcurrentHashMap.newKeySet();
    private static Thread thread;

    private ReadWatchdog() {}

    static void watch(Watchable stream) {
        WATCHED.add(stream);
        synchronized (ReadWatchdog.class) {
            if (thread == null) {
                Thread t = new Thread(ReadWatchdog::run, "trickle-read-watchdog");
                t.setDaemon(true);
                t.setContextClassLoader(null);
                thread = t;
                t.start();
            }
        }
    }

    static void unwatch(Watchable stream) {
        WATCHED.remove(stream);
    }

    private static void run() {
        long idleSince = 0;
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
            long now = System.nanoTime();
            for (Watchable s : WATCHED) {
                if (s.checkIdle(now)) {
                    WATCHED.remove(s);
                }
            }
            synchronized (ReadWatchdog.class) {
                if (WATCHED.isEmpty()) {
                    if (idleSince == 0) {
                        idleSince = now;
                    } else if (now - idleSince > IDLE_EXIT_MILLIS * 1_000_000) {
                        thread = null;
                        return;
                    }
                } else {
                    idleSince = 0;
                }
            }
        }
        synchronized (ReadWatchdog.class) {
            thread = null;
        }
    }
}
