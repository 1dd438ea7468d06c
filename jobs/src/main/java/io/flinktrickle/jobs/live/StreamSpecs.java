package io.flinktrickle.jobs.live;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The value of a {@code --stream}: {@code id=ID,subscribe=URL,publish=URL[,control=URL]
 * [,events=URL][,data=URL][,params=URL]}, and the job's check of an http(s) URL.
 *
 * <p>A comma separates two parts only where the next part starts with one of the known keys and
 * {@code =}, or with a word, {@code =} and a URL (so a misspelt key, {@code ,contrl=http://...}, is
 * an error rather than part of the URL before it): a URL may hold commas and any other character as
 * long as it does not hold {@code ,KEY=} for one of the seven keys, nor {@code ,word=scheme://},
 * e.g. {@code subscribe=http://o/in?layers=a,b&x=1}. This is the compact form for people typing a
 * command line; a program that passes URLs it does not control gives each stream as a {@code
 * --stream-id} group ({@link StreamOptions}), one URL per argument, where nothing is split.
 *
 * <p>Stateless; called on the thread that parses the arguments.
 */
@Internal
public final class StreamSpecs implements CommandLine.ITypeConverter<StreamSpec> {

    /** The keys of a {@code --stream}, in the order the sidecar writes them. */
    public static final List<String> KEYS =
            List.of("id", "subscribe", "publish", "control", "events", "data", "params");

    /** A comma before a known key, or before any word key whose value is a URL (a misspelt key). */
    private static final Pattern PARTS =
            Pattern.compile(
                    ",(?=\\s*(?:(?:"
                            + String.join("|", KEYS)
                            + ")\\s*=|[A-Za-z_]+=[A-Za-z][A-Za-z0-9+.-]*://))");

    @Override
    public StreamSpec convert(String value) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : PARTS.split(value, -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw invalid("'" + part + "' is not key=value (keys: " + KEYS + ")");
            }
            String key = part.substring(0, eq).trim();
            if (!KEYS.contains(key)) {
                throw invalid("unknown key " + key + " (known: " + Set.copyOf(KEYS) + ")");
            }
            if (kv.put(key, part.substring(eq + 1).trim()) != null) {
                throw invalid(key + "= is given twice in " + value);
            }
        }
        for (String required : List.of("id", "subscribe", "publish")) {
            if (!kv.containsKey(required) || kv.get(required).isEmpty()) {
                throw invalid(required + "= is required in " + value);
            }
        }
        String id = kv.get("id");
        if (id.indexOf('#') >= 0) {
            throw invalid("id must not contain '#': " + id);
        }
        return new StreamSpec(
                id,
                url(kv.get("subscribe")),
                url(kv.get("publish")),
                url(kv.get("control")),
                url(kv.get("events")),
                url(kv.get("data")),
                url(kv.get("params")));
    }

    /** An http(s) URL with a host; null for null. */
    static URI url(String value) {
        if (value == null) {
            return null;
        }
        URI u;
        try {
            u = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw invalid("not a URL: " + value);
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw invalid("not an http(s) URL: " + value);
        }
        if (u.getHost() == null) {
            throw invalid("URL without host: " + value);
        }
        return u;
    }

    private static CommandLine.TypeConversionException invalid(String message) {
        return new CommandLine.TypeConversionException(message);
    }

    /** Converts an option's value with {@link #url}. */
    @Internal
    public static final class HttpUrl implements CommandLine.ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            return url(value);
        }
    }
}
