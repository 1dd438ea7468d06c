package io.flinktrickle.connector.trickle.testutils;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition every 20 ms until it holds, failing with what was awaited after a timeout. */
public final class Await {
    private Await() {}

    public static void until(BooleanSupplier condition, int seconds, String what)
            throws InterruptedException {
        until(condition, seconds, what, () -> "");
    }

    /** As {@link #until(BooleanSupplier, int, String)}; {@code diagnostics} goes in the failure. */
    public static void until(
            BooleanSupplier condition, int seconds, String what, Supplier<String> diagnostics)
            throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String more = diagnostics.get();
                throw new AssertionError(
                        "timed out after "
                                + seconds
                                + " s waiting for "
                                + what
                                + (more.isEmpty() ? "" : "\n" + more));
            }
            Thread.sleep(20);
        }
    }
}
