package io.flinktrickle.controlapi.stream;

import io.flinktrickle.processor.params.InvalidParamsException;
import io.flinktrickle.processor.params.StreamParams;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP params updates: validated as PyTrickle does, published on the stream's params channel (read
 * by its job as a control channel), answered with the processor's verdict, which the job reports as
 * a {@code params_updated} event naming the message's seq ({@code source: params}).
 *
 * <p>Threads: request threads; one stream's updates are published one at a time (its params lock)
 * so their order is the order of the seqs.
 */
@Internal
public final class ParamsUpdates {
    private static final Logger LOG = LoggerFactory.getLogger(ParamsUpdates.class);

    /** The outcome of an update that was not refused. */
    public enum Outcome {
        /** The processor accepted it. */
        APPLIED,
        /** Sent; the processor did not answer in time (e.g. the job is still starting). */
        QUEUED,
        /** A {@code {"keep":"alive"}} message: nothing to do. */
        IGNORED
    }

    private ParamsUpdates() {}

    /**
     * @throws StreamException BAD_REQUEST with PyTrickle's "Parameter update failed: …"
     */
    static Map<String, Object> validate(JsonNode body) {
        try {
            if (body == null || !body.isObject()) {
                throw new InvalidParamsException("the params must be a JSON object");
            }
            return StreamParams.parseAndValidate(body.toString());
        } catch (InvalidParamsException e) {
            throw new StreamException(
                    StreamException.Reason.BAD_REQUEST,
                    "Parameter update failed: " + e.getMessage());
        }
    }

    /**
     * @throws StreamException REJECTED when the processor refused, FAILED when unreachable
     */
    static Outcome send(ManagedStream s, Map<String, Object> update, Duration timeout)
            throws InterruptedException {
        if (StreamParams.isKeepAlive(update)) {
            return Outcome.IGNORED;
        }
        try {
            // The update is one message; the merged params travel in the job's verdict event.
            StartRequest.checkParamsSize(update, "the params");
            StartRequest.checkParamsSize(
                    StreamParams.merge(s.params(), update), "the params with this update");
        } catch (StreamException e) {
            throw new StreamException(
                    StreamException.Reason.BAD_REQUEST,
                    "Parameter update failed: " + e.getMessage());
        }
        CompletableFuture<JsonNode> verdict;
        synchronized (s.paramsLock) {
            long seq = s.paramsPublisher.publisher().nextSeq();
            verdict = s.relay.verdictFor(seq);
            try {
                long sent = s.paramsPublisher.publish(update);
                if (sent != seq) {
                    s.relay.forget(seq);
                    verdict = s.relay.verdictFor(sent);
                }
            } catch (IOException e) {
                s.relay.forget(seq);
                // The I/O error names internal channels and hosts: the log has it, not the answer.
                LOG.warn("Stream {}: a params update could not be sent to its job", s.id, e);
                throw new StreamException(
                        StreamException.Reason.FAILED,
                        "Parameter update failed: the stream's job cannot be reached",
                        e);
            }
        }
        JsonNode event;
        try {
            event = verdict.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException
                | ExecutionException
                | java.util.concurrent.CancellationException e) {
            return Outcome.QUEUED;
        }
        if ("ok".equals(event.path("status").asText())) {
            // The stream's params were updated from this event by its relay.
            return Outcome.APPLIED;
        }
        throw new StreamException(
                StreamException.Reason.REJECTED,
                "Parameter update failed: " + event.path("error").asText("rejected"));
    }
}
