package io.flinktrickle.controlapi.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.shaded.netty4.io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.util.List;

/**
 * Flink answered a REST call with an error: the call, the HTTP status and Flink's error, from the
 * {@link RestClientException} Flink's REST client made of the answer. The message says the call,
 * the status and the deepest cause with a message ({@link FailureCauses}), e.g. {@code Flink
 * refused running flink-trickle:s2 (HTTP 400 Bad Request): the job's main threw
 * JobArgs$UsageException: --width and --height must be even (H.264 4:2:0)}.
 *
 * <p>Immutable; made and read on the caller's thread.
 */
@Internal
final class FlinkRestRefusal extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final List<String> exceptions;

    FlinkRestRefusal(String call, RestClientException refusal) {
        this(call, refusal, "");
    }

    private FlinkRestRefusal(String call, RestClientException refusal, String context) {
        super(message(call, refusal, context), refusal);
        this.status = refusal.getHttpResponseStatus().code();
        this.exceptions = FailureCauses.exceptionLines(refusal.getMessage());
    }

    /** The same refusal, its message naming {@code call} and saying {@code context} first. */
    FlinkRestRefusal explained(String call, String context) {
        return new FlinkRestRefusal(call, (RestClientException) getCause(), context);
    }

    /** Whether Flink answered with this HTTP status. */
    boolean is(HttpResponseStatus expected) {
        return status == expected.code();
    }

    /** Whether Flink's exception, or one of its causes, is of exactly this class. */
    boolean threw(Class<? extends Throwable> type) {
        return exceptions.stream()
                .anyMatch(line -> FailureCauses.className(line).equals(type.getName()));
    }

    /** The deepest exception of Flink's error that has a message ({@link FailureCauses}). */
    String rootCause() {
        return FailureCauses.of(exceptions);
    }

    private static String message(String call, RestClientException refusal, String context) {
        return String.format(
                "Flink refused %s (HTTP %s): %s%s",
                call,
                refusal.getHttpResponseStatus(),
                context,
                FailureCauses.of(FailureCauses.exceptionLines(refusal.getMessage())));
    }
}
