package io.flinktrickle.connector.trickle.protocol;

import java.net.URI;
import java.util.Optional;

/** Small helpers shared by the client classes: numeric trickle headers, channel URLs. */
final class TrickleHeaders {

    private TrickleHeaders() {}

    /**
     * A numeric header ({@code Lp-Trickle-Seq}, {@code Lp-Trickle-Latest}); empty if absent or bad.
     */
    static Optional<Long> headerLong(TrickleHttp.Response r, String name) {
        Optional<String> v = r.header(name);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(v.get().trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The channel URL without a trailing slash, so that {@code channel + "/" + seq} is right. */
    static URI stripSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : uri;
    }
}
