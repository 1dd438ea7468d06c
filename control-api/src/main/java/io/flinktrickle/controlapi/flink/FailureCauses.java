package io.flinktrickle.controlapi.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.util.SerializedThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One-line accounts of what Flink reports failed: the deepest exception with a message, as {@code
 * SimpleName: first line of its message}, at most {@link #MAX_CHARS}. From a failed job's {@link
 * SerializedThrowable} (its chain as objects), or from the error text Flink's REST API answers a
 * refused call with: a server-side exception as its stringified stack trace, read as {@link
 * Throwable#printStackTrace} lays it out (its first line and its top-level {@code Caused by: }
 * lines, each {@code class: message}).
 *
 * <p>Stateless; runs on the caller's thread.
 */
@Internal
final class FailureCauses {

    /** The longest account. */
    static final int MAX_CHARS = 500;

    private static final String CAUSED_BY = "Caused by: ";
    private static final String SEPARATOR = ": ";
    private static final String ELLIPSIS = "…";
    private static final String NO_MESSAGE = "(no message)";

    private FailureCauses() {}

    /**
     * The deepest cause with a message of a job's failure. A {@link SerializedThrowable}'s message
     * is its original's {@code class: message}, or the class name alone.
     */
    static String of(SerializedThrowable failure) {
        String found = failure.getOriginalErrorClassName();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String type =
                    t instanceof SerializedThrowable
                            ? ((SerializedThrowable) t).getOriginalErrorClassName()
                            : t.getClass().getName();
            String message = Objects.toString(t.getMessage(), "");
            if (message.startsWith(type + SEPARATOR)) {
                message = message.substring(type.length() + SEPARATOR.length());
            } else if (message.equals(type)) {
                message = "";
            }
            if (!message.isBlank()) {
                found = simpleName(type) + SEPARATOR + message.strip().lines().findFirst().get();
            }
        }
        return abbreviate(found);
    }

    /** The deepest of {@code exceptionLines} with a message; the first line when none has one. */
    static String of(List<String> exceptionLines) {
        String found = exceptionLines.isEmpty() ? NO_MESSAGE : exceptionLines.get(0);
        for (String line : exceptionLines) {
            int separator = line.indexOf(SEPARATOR);
            if (separator > 0) {
                found = simpleName(line.substring(0, separator)) + line.substring(separator);
            }
        }
        return abbreviate(found);
    }

    /**
     * The exception lines of Flink's error text, outermost first: its first line, then each
     * top-level {@code Caused by: } line without that prefix. Flink's REST client joins the errors
     * of an answer as a list ({@code [...]}); its brackets are dropped.
     */
    static List<String> exceptionLines(String errors) {
        String text = errors == null ? "" : errors.strip();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1).strip();
        }
        List<String> lines = new ArrayList<>();
        text.lines()
                .findFirst()
                .map(String::strip)
                .filter(first -> !first.isEmpty())
                .ifPresent(lines::add);
        text.lines()
                .filter(line -> line.startsWith(CAUSED_BY))
                .map(line -> line.substring(CAUSED_BY.length()).strip())
                .forEach(lines::add);
        return lines;
    }

    /** The class name an exception line starts with. */
    static String className(String exceptionLine) {
        int separator = exceptionLine.indexOf(SEPARATOR);
        return separator < 0 ? exceptionLine : exceptionLine.substring(0, separator);
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String abbreviate(String s) {
        return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS) + ELLIPSIS;
    }
}
