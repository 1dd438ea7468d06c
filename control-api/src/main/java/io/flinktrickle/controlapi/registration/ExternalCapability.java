package io.flinktrickle.controlapi.registration;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The capability a sidecar registers: go-livepeer's {@code ExternalCapability} JSON, as PyTrickle's
 * {@code utils/register.py} sends it ({@code currency} and {@code token} only when set, the URL
 * without trailing slashes).
 *
 * <p>Immutable; its JSON is made once, on the building thread.
 */
@Internal
record ExternalCapability(
        String name,
        String description,
        String url,
        int capacity,
        long pricePerUnit,
        long priceScaling,
        String currency,
        String token) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRAILING_SLASHES = "/+$";
    private static final Set<String> HTTP_SCHEMES = Set.of("http", "https");

    /** The registration's body. */
    String toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("description", description);
        body.put("url", withoutTrailingSlashes(url));
        body.put("capacity", capacity);
        body.put("price_per_unit", pricePerUnit);
        body.put("price_scaling", priceScaling);
        if (currency != null) {
            body.put("currency", currency);
        }
        if (token != null) {
            body.put("token", token);
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String withoutTrailingSlashes(String url) {
        return url.replaceAll(TRAILING_SLASHES, "");
    }

    /** {@code value} as an http(s) URI with a host; the exception names {@code what}. */
    static URI httpUri(String what, String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getHost() != null
                    && HTTP_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                return uri;
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be an http(s) URL, not '" + value + "'");
    }
}
