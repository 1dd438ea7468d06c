package io.flinktrickle.controlapi.testutils;

import java.io.File;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The classpath of a real cluster's JVMs in tests: Flink (with flink-runtime-web, whose {@code
 * /jars} handlers the JobManager needs) and DJL (a cluster's lib/), without the project's own
 * classes and without what the job jar must bring (JavaCV, Jackson, flink-connector-base), nor the
 * sidecar's Javalin and Jetty.
 */
public final class ClusterClasspath {
    private ClusterClasspath() {}

    public static String get() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("/target/") && !e.contains("/io/flinktrickle/"))
                .filter(e -> !e.contains("/org/bytedeco/") && !e.contains("/jackson/core/"))
                .filter(e -> !e.contains("/flink-connector-base/"))
                .filter(e -> !e.contains("/io/javalin/") && !e.contains("/eclipse/jetty/"))
                .collect(Collectors.joining(File.pathSeparator));
    }
}
