package io.flinktrickle.controlapi.registration;

import org.apache.flink.annotation.Internal;

import java.util.Map;
import java.util.Optional;

/**
 * A {@link CapabilityRegistrar} from PyTrickle's environment variables ({@code ORCH_URL}, {@code
 * ORCH_SECRET}, {@code CAPABILITY_*}), with PyTrickle's defaults; an invalid value is reported with
 * its variable's name.
 *
 * <p>Stateless; runs on the caller's thread (the sidecar's launch).
 */
@Internal
public final class CapabilityEnvironment {
    public static final String ENV_ORCH_URL = "ORCH_URL";
    public static final String ENV_ORCH_SECRET = "ORCH_SECRET";
    public static final String ENV_NAME = "CAPABILITY_NAME";
    public static final String ENV_DESCRIPTION = "CAPABILITY_DESCRIPTION";
    public static final String ENV_URL = "CAPABILITY_URL";
    public static final String ENV_CAPACITY = "CAPABILITY_CAPACITY";
    public static final String ENV_PRICE_PER_UNIT = "CAPABILITY_PRICE_PER_UNIT";
    public static final String ENV_PRICE_SCALING = "CAPABILITY_PRICE_SCALING";
    public static final String ENV_CURRENCY = "CAPABILITY_CURRENCY";
    public static final String ENV_TOKEN = "CAPABILITY_TOKEN";

    private CapabilityEnvironment() {}

    /**
     * A registrar from {@code env}, or empty when {@code ORCH_URL} or {@code ORCH_SECRET} is unset
     * or blank. {@code CAPABILITY_URL} defaults to {@code defaultUrl}.
     *
     * @throws IllegalArgumentException naming the variable of an invalid value
     */
    public static Optional<CapabilityRegistrar> registrar(
            Map<String, String> env, String defaultUrl) {
        String orchUrl = env(env, ENV_ORCH_URL, null);
        String secret = env(env, ENV_ORCH_SECRET, null);
        if (orchUrl == null || secret == null) {
            return Optional.empty();
        }
        return Optional.of(
                CapabilityRegistrar.builder()
                        .orchUrl(ExternalCapability.httpUri(ENV_ORCH_URL, orchUrl))
                        .secret(secret)
                        .name(env(env, ENV_NAME, CapabilityRegistrar.DEFAULT_NAME))
                        .description(
                                env(env, ENV_DESCRIPTION, CapabilityRegistrar.DEFAULT_DESCRIPTION))
                        .url(
                                ExternalCapability.httpUri(ENV_URL, env(env, ENV_URL, defaultUrl))
                                        .toString())
                        .capacity((int) number(env, ENV_CAPACITY, 1, 1, Integer.MAX_VALUE))
                        .pricePerUnit(number(env, ENV_PRICE_PER_UNIT, 0, 0, Long.MAX_VALUE))
                        .priceScaling(number(env, ENV_PRICE_SCALING, 1, 1, Long.MAX_VALUE))
                        .currency(env(env, ENV_CURRENCY, null))
                        .token(env(env, ENV_TOKEN, null))
                        .build());
    }

    private static String env(Map<String, String> env, String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static long number(
            Map<String, String> env, String name, long fallback, long min, long max) {
        String value = env(env, name, String.valueOf(fallback));
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                String.format("%s must be a whole number ≥ %d, not '%s'", name, min, value));
    }
}
