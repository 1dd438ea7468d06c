package io.flinktrickle.controlapi.registration;

import io.flinktrickle.connector.trickle.retry.RetryBackoff;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Registers this sidecar as a BYOC capability with a go-livepeer orchestrator, like PyTrickle's
 * {@code utils/register.py}: {@code POST {orch}/capability/register} with {@code Authorization:
 * <secret>} (no {@code Bearer}) and the {@link ExternalCapability} JSON. Connection errors,
 * timeouts and 5xx/408/429 answers are retried; any other non-200 answer (400: wrong secret or
 * settings) is final. Failure never throws: it is logged and returned, so that startup goes on. The
 * settings come from a {@link Builder}, or from PyTrickle's environment variables ({@link
 * CapabilityEnvironment}).
 *
 * <p>Waits between attempts: {@code retryDelay} is the <em>initial</em> delay. The wait after the
 * {@code n}-th failed attempt is jittered ({@link RetryBackoff}: random between half and all of
 * {@code min(max(retryDelay, }{@link #MAX_RETRY_DELAY}{@code ), retryDelay × 2^(n−1))}), so the
 * runners of an orchestrator that restarted do not all register again at the same instant.
 *
 * <p>Threads: immutable and thread-safe. {@link #register()} blocks its caller for up to {@code
 * attempts × timeout} plus the sum of those caps for {@code n = 1 … attempts − 1} (by default 3 ×
 * 1.5 s + 2 s + 4 s = 10.5 s), so call it from a startup or background thread ({@code
 * byoc-register}), never from a Javalin request thread; the waits run on that thread. {@link
 * #unregister()} makes one attempt (at most one timeout) and is meant for a shutdown hook. The JDK
 * {@link HttpClient}'s own daemon threads do the I/O.
 */
@Internal
public final class CapabilityRegistrar {

    private static final Logger LOG = LoggerFactory.getLogger(CapabilityRegistrar.class);

    public static final int DEFAULT_ATTEMPTS = 3;
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(2);

    /** The longest wait between attempts, unless {@code retryDelay} itself is longer. */
    public static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(1_500);

    /** PyTrickle's default name, used when {@code CAPABILITY_NAME} is unset. */
    public static final String DEFAULT_NAME = "pytrickle-worker";

    public static final String DEFAULT_DESCRIPTION = "flink-trickle video processing worker";

    /** {@link Result#status()} when no HTTP answer arrived. */
    public static final int NO_STATUS = -1;

    static final String REGISTER_PATH = "/capability/register";
    static final String UNREGISTER_PATH = "/capability/unregister";
    private static final int HTTP_OK = 200;
    private static final int HTTP_REQUEST_TIMEOUT = 408;
    private static final int HTTP_TOO_MANY_REQUESTS = 429;
    private static final int HTTP_SERVER_ERROR = 500;
    private static final int MAX_DETAIL_CHARS = 200;

    /** How {@link #register()} ended: REJECTED is a final non-200 answer such as 400. */
    public enum Outcome {
        REGISTERED,
        REJECTED,
        FAILED,
        INTERRUPTED
    }

    /** The outcome, attempts made, last HTTP status ({@link #NO_STATUS} if none) and detail. */
    public record Result(Outcome outcome, int attempts, int status, String detail) {
        public boolean registered() {
            return outcome == Outcome.REGISTERED;
        }
    }

    private final String orchBase;
    private final String secret;
    private final String name;
    private final String registerBody;
    private final int attempts;
    private final RetryBackoff backoff;
    private final Duration timeout;
    private final HttpClient client;

    private CapabilityRegistrar(Builder b) {
        orchBase = ExternalCapability.withoutTrailingSlashes(b.orchUrl.toString());
        secret = b.secret;
        name = b.name;
        attempts = b.attempts;
        backoff = backoff(b.retryDelay);
        timeout = b.timeout;
        registerBody =
                new ExternalCapability(
                                b.name,
                                b.description,
                                b.url,
                                b.capacity,
                                b.pricePerUnit,
                                b.priceScaling,
                                b.currency,
                                b.token)
                        .toJson();
        client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The capability name, as registered and unregistered. */
    public String name() {
        return name;
    }

    /** Registers the capability, retrying as the class describes; never throws on I/O errors. */
    public Result register() {
        LOG.info("Registering capability '{}' with orchestrator {}", name, orchBase);
        HttpRequest request = post(REGISTER_PATH, "application/json", registerBody);
        int status = NO_STATUS;
        String detail = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                if (attempt > 1) {
                    backoff.sleep(attempt - 1); // the failures so far
                }
                HttpResponse<String> response =
                        client.send(request, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                detail = abbreviate(response.body());
                if (status == HTTP_OK) {
                    LOG.info("Capability '{}' registered with {}", name, orchBase);
                    return new Result(Outcome.REGISTERED, attempt, status, detail);
                }
                if (!retryable(status)) {
                    LOG.error("Registration rejected (wrong secret?): {} {}", status, detail);
                    return new Result(Outcome.REJECTED, attempt, status, detail);
                }
                LOG.warn("Register attempt {}/{} failed: {} {}", attempt, attempts, status, detail);
            } catch (IOException e) {
                status = NO_STATUS;
                detail = abbreviate(e.toString());
                LOG.warn("Register attempt {}/{} failed: {}", attempt, attempts, detail);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(Outcome.INTERRUPTED, attempt, NO_STATUS, "interrupted");
            }
        }
        LOG.error("Capability '{}' not registered after {} attempts", name, attempts);
        return new Result(Outcome.FAILED, attempts, status, detail);
    }

    /** Unregisters the capability in one attempt; true on a 200 answer. Never throws on I/O. */
    public boolean unregister() {
        HttpRequest request = post(UNREGISTER_PATH, "text/plain; charset=utf-8", name);
        try {
            HttpResponse<String> response =
                    client.send(request, HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            LOG.info("Unregistering '{}' from {}: {}", name, orchBase, status);
            return status == HTTP_OK;
        } catch (IOException e) {
            LOG.warn("Unregistering '{}' from {} failed: {}", name, orchBase, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /**
     * A registrar from PyTrickle's environment variables ({@link CapabilityEnvironment}), or empty
     * when {@code ORCH_URL} or {@code ORCH_SECRET} is unset or blank. {@code CAPABILITY_URL}
     * defaults to {@code defaultUrl}. Throws {@link IllegalArgumentException} naming the variable
     * of an invalid value.
     */
    public static Optional<CapabilityRegistrar> fromEnv(
            Map<String, String> env, String defaultUrl) {
        return CapabilityEnvironment.registrar(env, defaultUrl);
    }

    private HttpRequest post(String path, String contentType, String body) {
        return HttpRequest.newBuilder(URI.create(orchBase + path))
                .timeout(timeout)
                .header("Authorization", secret)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** The waits between attempts: from {@code retryDelay}, doubling, jittered. */
    static RetryBackoff backoff(Duration retryDelay) {
        return new RetryBackoff(
                retryDelay,
                retryDelay.compareTo(MAX_RETRY_DELAY) > 0 ? retryDelay : MAX_RETRY_DELAY);
    }

    private static boolean retryable(int status) {
        return status >= HTTP_SERVER_ERROR
                || status == HTTP_REQUEST_TIMEOUT
                || status == HTTP_TOO_MANY_REQUESTS;
    }

    private static String abbreviate(String text) {
        String s = text == null ? "" : text.strip();
        return s.length() <= MAX_DETAIL_CHARS ? s : s.substring(0, MAX_DETAIL_CHARS) + "…";
    }

    /**
     * Settings for a {@link CapabilityRegistrar}, validated by {@link #build()}: orchUrl, secret
     * (sent as the raw {@code Authorization} header), name and url (this sidecar's public base URL)
     * are required; description defaults to "", capacity to 1 (≥ 1), pricePerUnit to 0 (≥ 0),
     * priceScaling to 1 (≥ 1); currency (e.g. {@code wei}) and token (which the orchestrator sends
     * back as {@code Authorization: Bearer <token>}) are omitted when null; attempts default to 3
     * (≥ 1), retryDelay to 2 s (≥ 0; the initial wait between attempts, see the class) and the
     * per-attempt timeout to 1.5 s (> 0).
     */
    public static final class Builder {
        private URI orchUrl;
        private String secret;
        private String name;
        private String description = "";
        private String url;
        private int capacity = 1;
        private long pricePerUnit;
        private long priceScaling = 1;
        private String currency;
        private String token;
        private int attempts = DEFAULT_ATTEMPTS;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        public Builder orchUrl(URI orchUrl) {
            this.orchUrl = orchUrl;
            return this;
        }

        public Builder secret(String secret) {
            this.secret = secret;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        public Builder pricePerUnit(long pricePerUnit) {
            this.pricePerUnit = pricePerUnit;
            return this;
        }

        public Builder priceScaling(long priceScaling) {
            this.priceScaling = priceScaling;
            return this;
        }

        public Builder currency(String currency) {
            this.currency = currency;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder attempts(int attempts) {
            this.attempts = attempts;
            return this;
        }

        /**
         * The cap of the first wait between attempts; it doubles per failed attempt up to {@link
         * #MAX_RETRY_DELAY} (or itself, if longer), and each wait is random between half its cap
         * and its cap. Zero: no waits.
         */
        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public CapabilityRegistrar build() {
            ExternalCapability.httpUri("orchUrl", orchUrl == null ? null : orchUrl.toString());
            require(secret != null && !secret.isBlank(), "secret must be set");
            require(name != null && !name.isBlank(), "name must be set");
            require(description != null, "description must not be null");
            ExternalCapability.httpUri("url", url);
            require(capacity >= 1, "capacity must be ≥ 1: " + capacity);
            require(pricePerUnit >= 0, "pricePerUnit must be ≥ 0: " + pricePerUnit);
            require(priceScaling >= 1, "priceScaling must be ≥ 1: " + priceScaling);
            require(attempts >= 1, "attempts must be ≥ 1: " + attempts);
            require(retryDelay != null && !retryDelay.isNegative(), "retryDelay must be ≥ 0");
            require(timeout != null && timeout.compareTo(Duration.ZERO) > 0, "timeout must be > 0");
            return new CapabilityRegistrar(this);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
