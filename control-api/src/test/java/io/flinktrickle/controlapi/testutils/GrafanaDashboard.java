package io.flinktrickle.controlapi.testutils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's Grafana dashboard ({@code docker/grafana/dashboards/flink-trickle.json}) as tests
 * read it: its PromQL queries (panel targets and template variables) and the metric names they use.
 * Metric names are the project's: {@code flink_…} (Flink's reporter) and {@code flinktrickle_…}
 * (the sidecar).
 */
public final class GrafanaDashboard {
    /** The dashboard file, from the repository root. */
    public static final String FILE = "docker/grafana/dashboards/flink-trickle.json";

    private static final Pattern METRIC = Pattern.compile("\\b(flink(?:trickle)?_[a-zA-Z0-9_:]+)");

    /** A label matcher's value or a string literal: not a metric name. */
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    public final JsonNode json;

    private GrafanaDashboard(JsonNode json) {
        this.json = json;
    }

    public static GrafanaDashboard read(Path root) throws IOException {
        return new GrafanaDashboard(new ObjectMapper().readTree(root.resolve(FILE).toFile()));
    }

    /** Every panel (rows' panels too). */
    public List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : json.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every PromQL expression: the panels' targets and the query variables. */
    public List<String> queries() {
        List<String> out = new ArrayList<>();
        for (JsonNode p : panels()) {
            for (JsonNode t : p.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        for (JsonNode v : json.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                JsonNode q = v.path("query");
                out.add(q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        return out;
    }

    /** The metric names the queries use. */
    public Set<String> metricNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String q : queries()) {
            Matcher m = METRIC.matcher(QUOTED.matcher(q).replaceAll("\"\""));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
