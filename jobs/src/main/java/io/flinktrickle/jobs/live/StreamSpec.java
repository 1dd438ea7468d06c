package io.flinktrickle.jobs.live;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.net.URI;
import java.util.Objects;

/**
 * One stream the job serves: its id (the stream key) and its trickle channels, as an orchestrator
 * hands them to a runner ({@code subscribe_url}, {@code publish_url}, {@code control_url}, {@code
 * events_url}, {@code data_url}). Control, events and data are optional; so is {@code params}, a
 * control channel of a control-api sidecar (which publishes HTTP params updates on it and ends the
 * stream by deleting it).
 */
@Internal
public final class StreamSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String id;
    public final URI subscribe;
    public final URI publish;
    public final URI control;
    public final URI events;
    public final URI data;
    public final URI params;

    public StreamSpec(String id, URI subscribe, URI publish, URI control, URI events, URI data) {
        this(id, subscribe, publish, control, events, data, null);
    }

    public StreamSpec(
            String id, URI subscribe, URI publish, URI control, URI events, URI data, URI params) {
        this.id = Objects.requireNonNull(id, "id");
        this.subscribe = Objects.requireNonNull(subscribe, "subscribe");
        this.publish = Objects.requireNonNull(publish, "publish");
        this.control = control;
        this.events = events;
        this.data = data;
        this.params = params;
    }

    @Override
    public String toString() {
        return id + " (" + subscribe + " -> " + publish + ")";
    }
}
