package io.flinktrickle.jobs.processors;

import org.apache.flink.annotation.Internal;

import java.util.Locale;
import java.util.Map;

/**
 * The short names of the example processors ({@code passthrough}, {@code invert}, {@code blur},
 * {@code blur-batch}, {@code gain}, {@code stats}), as {@code ./bin/demo} and {@code ./bin/sidecar}
 * take them in place of a class name.
 *
 * <p>Stateless; any thread.
 */
@Internal
public final class BuiltInProcessors {
    /** Short name → class name. */
    public static final Map<String, String> NAMES =
            Map.of(
                    "passthrough", Passthrough.class.getName(),
                    "invert", InvertColors.class.getName(),
                    "blur", BlurModel.class.getName(),
                    "blur-batch", BlurBatchModel.class.getName(),
                    "gain", AudioGain.class.getName(),
                    "stats", FrameStats.class.getName());

    private BuiltInProcessors() {}

    /** The class a short name stands for (case-insensitive); any other name is a class name. */
    public static String className(String nameOrClass) {
        return NAMES.getOrDefault(nameOrClass.toLowerCase(Locale.ROOT), nameOrClass);
    }
}
