package io.flinktrickle.connector.trickle.source;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.net.URI;
import java.util.Map;

/**
 * Finds the channels a {@link TrickleSource} reads while it runs. The enumerator calls it every
 * {@code discoveryInterval} on its worker thread; each channel it returns that the source does not
 * read yet becomes a new split. Channels it stops returning keep being read until they end.
 *
 * <p>Implementations are serialized with the job; keep them small (a URL, a registry client).
 */
@PublicEvolving
@FunctionalInterface
public interface ChannelDiscovery extends Serializable {

    /** Channel stream key → channel URL, of all channels that should be read now. */
    Map<String, URI> discover() throws Exception;
}
