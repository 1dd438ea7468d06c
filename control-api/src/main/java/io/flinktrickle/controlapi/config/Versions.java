package io.flinktrickle.controlapi.config;

import org.apache.flink.annotation.Internal;

/** The project's version, from the jar manifest when packaged, else the build's resource. */
@Internal
public final class Versions {
    private static final String UNKNOWN = "0.1.0-SNAPSHOT";

    private Versions() {}

    public static String projectVersion() {
        String v = Versions.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (java.io.InputStream in =
                Versions.class.getResourceAsStream("/flink-trickle-version.properties")) {
            if (in == null) {
                return UNKNOWN;
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version", UNKNOWN);
        } catch (java.io.IOException e) {
            return UNKNOWN;
        }
    }
}
