package io.flinktrickle.controlapi.http;

import io.flinktrickle.controlapi.config.ChannelAccess;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.flink.FlinkTarget;
import io.flinktrickle.controlapi.hardware.GpuInfo;
import io.flinktrickle.controlapi.stream.StreamManager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catch-all of {@link SidecarApp}: an unexpected exception answers 500 with a generic message
 * and an error id, never the exception's class or text, and the log has the same id with the stack
 * trace. The sidecar behind the app is not started: its Flink target throws when the status route
 * describes it, as an unexpected bug would.
 */
class SidecarAppInternalErrorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the unexpected exception says: internal details that must not reach the client. */
    private static final String SECRET =
            "jobmanager at 10.1.2.3:8081 rejected /opt/flink/secret.jar";

    private static final String ID_PATTERN = "[0-9a-f]{12}";

    private final Captured captured = new Captured();
    private Logger appLogger;
    private StreamManager manager;

    @BeforeEach
    void setUp() {
        captured.start();
        appLogger = (Logger) LogManager.getLogger(SidecarApp.class);
        appLogger.addAppender(captured);
        SidecarConfig config =
                SidecarConfig.builder().host("127.0.0.1").port(0).modelId("noop").build();
        manager =
                new StreamManager(
                        config,
                        failingTarget(),
                        null, // no trickle server: the route under test never reaches it
                        ChannelAccess.of(config));
    }

    @AfterEach
    void tearDown() {
        manager.close();
        appLogger.removeAppender(captured);
        captured.stop();
    }

    @Test
    void anUnexpectedExceptionAnswersAGenericMessageWithAnErrorIdThatTheLogHasToo() {
        JavalinTest.test(
                SidecarApp.create(manager, new GpuInfo(List.of("no-such-nvidia-smi"))),
                (server, client) -> {
                    Response first = client.get("/stream/status");
                    assertThat(first.code()).isEqualTo(500);
                    String text = first.body().string();
                    assertThat(text)
                            .doesNotContain(SECRET)
                            .doesNotContain("10.1.2.3")
                            .doesNotContain("IllegalStateException")
                            .doesNotContain("java.");
                    JsonNode body = JSON.readTree(text);
                    String id = body.path(SidecarApp.ERROR_ID_FIELD).asText();
                    assertThat(id).matches(ID_PATTERN);
                    assertThat(body.path("status").asText()).isEqualTo("error");
                    assertThat(body.path("message").asText()).contains(id);
                    assertThat(body.path("detail").path("msg").asText())
                            .isEqualTo(body.path("message").asText());

                    // The log has the id, the request and the exception with its stack trace.
                    LogEvent logged = captured.withMessageContaining(id);
                    assertThat(logged.getMessage().getFormattedMessage())
                            .contains("GET /stream/status");
                    assertThat(logged.getThrown())
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage(SECRET);
                    assertThat(logged.getThrown().getStackTrace()).isNotEmpty();

                    // Each failure has an id of its own.
                    JsonNode second =
                            JSON.readTree(client.get("/api/stream/status").body().string());
                    String other = second.path(SidecarApp.ERROR_ID_FIELD).asText();
                    assertThat(other).matches(ID_PATTERN).isNotEqualTo(id);
                    assertThat(captured.withMessageContaining(other).getThrown()).isNotNull();
                });
    }

    @Test
    void errorIdsAreShortHexAndDistinct() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String id = SidecarApp.newErrorId();
            assertThat(id).matches(ID_PATTERN);
            ids.add(id);
        }
        assertThat(ids).hasSize(1_000);
    }

    /** A Flink target whose every call fails; {@code describe()} with {@link #SECRET}. */
    private static FlinkTarget failingTarget() {
        return (FlinkTarget)
                Proxy.newProxyInstance(
                        FlinkTarget.class.getClassLoader(),
                        new Class<?>[] {FlinkTarget.class},
                        (proxy, method, args) -> {
                            switch (method.getName()) {
                                case "outlivesSidecar":
                                    return false;
                                case "toString":
                                    return "failing target";
                                case "describe":
                                    throw new IllegalStateException(SECRET);
                                default:
                                    throw new UnsupportedOperationException(method.getName());
                            }
                        });
    }

    /** Keeps the events logged by {@link SidecarApp} during a test. */
    private static final class Captured extends AbstractAppender {
        private final List<LogEvent> events = new CopyOnWriteArrayList<>();

        Captured() {
            super("sidecar-app-captured", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            events.add(event.toImmutable());
        }

        LogEvent withMessageContaining(String text) {
            return events.stream()
                    .filter(e -> e.getMessage().getFormattedMessage().contains(text))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no log event with " + text));
        }
    }
}
