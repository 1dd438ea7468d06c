package io.flinktrickle.jobs.live;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.protocol.AccessToken;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.util.Map;

/**
 * The token for a sidecar's trickle server ({@code --sidecar-url}), from {@code
 * --sidecar-token-file} (the file's first line), {@code --sidecar-token}, or the environment
 * variable {@value JobOptions#SIDECAR_TOKEN_ENV}, in that order; the environment counts only with
 * {@code --sidecar-url}. No message ever holds the token.
 *
 * <p>Stateless; called on the thread that parses the arguments.
 */
@Internal
final class SidecarTokens {

    private static final String SOURCES =
            "--sidecar-token-file, " + JobOptions.SIDECAR_TOKEN_ENV + " or --sidecar-token";

    private SidecarTokens() {}

    /** The token of {@code o}'s sidecar, or null without {@code --sidecar-url}. */
    static AccessToken of(JobOptions o, Map<String, String> env) throws JobArgs.UsageException {
        boolean given = o.sidecarToken != null || o.sidecarTokenFile != null;
        if (o.sidecarUrl == null) {
            JobArgs.check(!given, "--sidecar-url and the sidecar's token go together");
            return null;
        }
        JobArgs.check(
                o.sidecarToken == null || o.sidecarTokenFile == null,
                "--sidecar-token and --sidecar-token-file: give one of them");
        String source;
        String secret;
        if (o.sidecarTokenFile != null) {
            source = "--sidecar-token-file " + o.sidecarTokenFile;
            secret = read(o);
        } else if (o.sidecarToken != null) {
            source = "--sidecar-token";
            secret = o.sidecarToken;
        } else {
            source = JobOptions.SIDECAR_TOKEN_ENV;
            secret = env.get(JobOptions.SIDECAR_TOKEN_ENV);
            JobArgs.check(
                    secret != null && !secret.isBlank(),
                    "--sidecar-url and the sidecar's token (" + SOURCES + ") go together");
            secret = secret.trim();
        }
        try {
            return AccessToken.forServer(o.sidecarUrl, secret);
        } catch (IllegalArgumentException e) {
            throw new JobArgs.UsageException(source + ": " + e.getMessage()); // never the token
        }
    }

    private static String read(JobOptions o) throws JobArgs.UsageException {
        String secret;
        try {
            secret = Cli.secretFromFile(o.sidecarTokenFile);
        } catch (IOException e) {
            throw new JobArgs.UsageException(
                    "--sidecar-token-file: cannot read " + o.sidecarTokenFile + " (" + e + ")");
        }
        JobArgs.check(
                !secret.isEmpty(), "--sidecar-token-file: " + o.sidecarTokenFile + " is empty");
        return secret;
    }
}
