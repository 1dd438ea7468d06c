package io.flinktrickle.connector.trickle.server.http;

import org.apache.flink.annotation.Internal;

import java.io.IOException;

/** Serves one request; runs on the connection's thread and may block (long polls). */
@FunctionalInterface
@Internal
public interface HttpHandler {
    void handle(HttpExchange exchange) throws IOException;
}
