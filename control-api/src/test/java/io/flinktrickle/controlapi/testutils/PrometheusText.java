package io.flinktrickle.controlapi.testutils;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (no Java library parses it): a
 * line is blank, a {@code # HELP name text} or {@code # TYPE name type} line (each at most once per
 * metric family, TYPE before the family's samples), another comment, or a sample {@code
 * name{label="value",…} value [timestamp]}; anything else fails the parse with the line. Each
 * sample belongs to a family declared by a TYPE line (its name, or the name less {@code _bucket},
 * {@code _count}, {@code _sum} for histograms and summaries, {@code _total} for counters).
 */
public final class PrometheusText {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern TYPE =
            Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped|info)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ")( .*)?");
    private static final Pattern SAMPLE_NAME = Pattern.compile(NAME);
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE =
            Pattern.compile("(NaN|[+-]?Inf|[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)( -?[0-9]+)?");
    private static final String[] SUFFIXES = {"_bucket", "_count", "_sum", "_total", "_created"};

    /** One sample: its name (with a suffix such as {@code _bucket}), labels and value. */
    public static final class Sample {
        public final String name;
        public final Map<String, String> labels;
        public final double value;

        Sample(String name, Map<String, String> labels, double value) {
            this.name = name;
            this.labels = Collections.unmodifiableMap(labels);
            this.value = value;
        }

        @Override
        public String toString() {
            return name + labels + " " + value;
        }
    }

    public final List<Sample> samples;

    /** Family name → type. */
    public final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Collections.unmodifiableMap(types);
    }

    /** GETs {@code url} and parses the body (status 200 and the text format's content type). */
    public static PrometheusText scrape(URI url) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(url)
                                        .timeout(Duration.ofSeconds(30))
                                        .header("Accept", "text/plain")
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/plain")) {
            throw new AssertionError(url + " answered Content-Type " + type);
        }
        return parse(r.body());
    }

    /**
     * @throws IllegalArgumentException naming the first line that is not the text format
     */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> helps = new LinkedHashSet<>();
        Set<String> sampled = new LinkedHashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            try {
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("#")) {
                    Matcher t = TYPE.matcher(line);
                    Matcher h = HELP.matcher(line);
                    if (t.matches()) {
                        require(!sampled.contains(t.group(1)), "TYPE after samples");
                        require(types.put(t.group(1), t.group(2)) == null, "a second TYPE");
                    } else if (h.matches()) {
                        require(helps.add(h.group(1)), "a second HELP");
                    } else {
                        require(
                                !line.startsWith("# TYPE") && !line.startsWith("# HELP"),
                                "a malformed TYPE or HELP");
                    }
                    continue;
                }
                Sample s = sample(line);
                String family = family(s.name, types);
                require(family != null, "a sample of no declared family");
                sampled.add(family);
                samples.add(s);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException(
                        "line " + (i + 1) + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new PrometheusText(samples, types);
    }

    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line) {
        Matcher n = SAMPLE_NAME.matcher(line);
        require(n.lookingAt(), "no metric name");
        String name = n.group();
        int i = n.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher l = LABEL_NAME.matcher(line).region(i, line.length());
                require(l.lookingAt(), "no label name");
                i = l.end();
                require(line.startsWith("=\"", i), "no =\" after a label name");
                i += 2;
                StringBuilder v = new StringBuilder();
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        require(e == '\\' || e == '"' || e == 'n', "a bad escape");
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                }
                i++;
                require(labels.put(l.group(), v.toString()) == null, "a repeated label");
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        require(i < line.length() && line.charAt(i) == ' ', "no space before the value");
        Matcher v = VALUE.matcher(line.substring(i + 1));
        require(v.matches(), "a malformed value");
        String number = v.group(1);
        double value =
                number.equals("NaN")
                        ? Double.NaN
                        : number.endsWith("Inf")
                                ? (number.startsWith("-")
                                        ? Double.NEGATIVE_INFINITY
                                        : Double.POSITIVE_INFINITY)
                                : Double.parseDouble(number);
        return new Sample(name, labels, value);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what);
        }
    }

    /** Every sample name (with suffixes), e.g. for checking what a dashboard queries. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (Sample s : samples) {
            names.add(s.name);
        }
        return names;
    }

    /** The samples named {@code name} whose labels include {@code labels}. */
    public List<Sample> find(String name, Map<String, String> labels) {
        Predicate<Sample> match =
                s -> s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet());
        return samples.stream().filter(match).toList();
    }

    /** The one sample named {@code name} with {@code labels}; fails when there is not one. */
    public Sample one(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(
                    found.size() + " samples " + name + labels + " (one expected): " + found);
        }
        return found.get(0);
    }
}
