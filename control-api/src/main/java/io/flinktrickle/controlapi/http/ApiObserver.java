package io.flinktrickle.controlapi.http;

import org.apache.flink.annotation.Internal;

/**
 * What the {@link SidecarApp} tells an observer (the sidecar's metrics) about the requests it
 * answers. Called on Jetty's request threads; each method must return at once.
 */
@Internal
public interface ApiObserver {

    /** Observes nothing. */
    ApiObserver NONE = new ApiObserver() {};

    /**
     * A request was answered: {@code route} is the matched route's path ({@code /stream/start}), or
     * {@link SidecarApp#UNMATCHED_ROUTE} for a path no route serves.
     */
    default void request(String method, String route, int status, double seconds) {}

    /**
     * A stream start was answered: {@code accepted}, or why not ({@code busy}, {@code not_ready},
     * {@code already_running}, {@code failed}, {@code bad_request}).
     */
    default void start(String outcome) {}

    /**
     * A params update was answered: {@code applied}, {@code queued} (not confirmed in time), {@code
     * ignored} (a keep-alive), or why not ({@code rejected}, {@code no_stream}, {@code
     * bad_request}).
     */
    default void params(String outcome) {}
}
