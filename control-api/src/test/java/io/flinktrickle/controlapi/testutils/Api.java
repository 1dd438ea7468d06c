package io.flinktrickle.controlapi.testutils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client of the sidecar's API for integration tests (the JDK's HTTP client). */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;

    public Api(URI base) {
        this.base = base;
    }

    /** An answer: status and JSON body. */
    public static final class Answer {
        public final int status;
        public final JsonNode body;

        Answer(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), null);
    }

    public Answer post(String path, Object body, String... headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        body == null ? "" : JSON.writeValueAsString(body)));
        return send(b, headers);
    }

    private Answer send(HttpRequest.Builder b, String[] headers) throws Exception {
        if (headers != null) {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
        }
        HttpResponse<String> r =
                http.send(
                        b.timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString());
        String text = r.body();
        return new Answer(r.statusCode(), text.isEmpty() ? null : JSON.readTree(text));
    }

    /** Polls {@code /health} until it reports {@code status} (or fails after {@code timeout}). */
    public void awaitHealth(String status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = get("/health").body.path("status").asText();
            if (status.equals(last)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("health stayed " + last + ", expected " + status);
    }
}
