package io.flinktrickle.jobs.live;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A processor author's jars for a job run in this JVM's local MiniCluster (the demo, the sidecar's
 * embedded cluster), given as Flink's own user jars: {@link #configure} sets {@code pipeline.jars}
 * (a client submitting a graph itself adds {@link #urls()} to its job graph), so each task loads
 * them through its user-code class loader, exactly as on a session cluster; {@link #classLoader()}
 * sees them on top of this JVM's classes, for building the job graph (the processor instance is
 * created in the client and serialized into the graph).
 *
 * <p>The project's own classes, JavaCV's and DJL's are loaded parent-first from this JVM (a jar
 * that also holds them, e.g. a whole job jar, does not load FFmpeg's or PyTorch's natives a second
 * time, and the operators deserialize as the classes that built them); everything else of the jars,
 * the processor and its libraries, child-first, as Flink does by default.
 *
 * <p>Threads: immutable after creation; {@link #close()} once, after the jobs ended.
 */
@Internal
public final class ProcessorJars implements AutoCloseable {

    /** Loaded from this JVM even when a processor jar holds them too. */
    public static final List<String> PARENT_FIRST_PATTERNS =
            List.of("io.flinktrickle.", "org.bytedeco.", "ai.djl.");

    private final List<Path> jars;
    private final List<URL> urls;
    private final URLClassLoader loader;

    private ProcessorJars(List<Path> jars) {
        this.jars = List.copyOf(jars);
        List<URL> u = new ArrayList<>();
        for (Path jar : this.jars) {
            try {
                u.add(jar.toAbsolutePath().toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("processor jar " + jar + ": " + e, e);
            }
        }
        this.urls = List.copyOf(u);
        this.loader =
                this.jars.isEmpty()
                        ? null
                        : new URLClassLoader(
                                urls.toArray(new URL[0]), ProcessorJars.class.getClassLoader());
    }

    /**
     * @param jars jar files (may be empty: the processor is on this JVM's classpath)
     * @throws IllegalArgumentException naming a jar that is not a readable file
     */
    public static ProcessorJars of(List<Path> jars) {
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar) || !Files.isReadable(jar)) {
                throw new IllegalArgumentException("processor jar " + jar + " is not a file");
            }
        }
        return new ProcessorJars(jars);
    }

    public List<Path> jars() {
        return jars;
    }

    /** The jars as {@code file:} URLs. */
    public List<URL> urls() {
        return urls;
    }

    /** The jars over this JVM's classes, or this JVM's class loader when there are none. */
    public ClassLoader classLoader() {
        return loader != null ? loader : ProcessorJars.class.getClassLoader();
    }

    /**
     * Sets {@code pipeline.jars} and adds {@link #PARENT_FIRST_PATTERNS} to the cluster's
     * parent-first patterns (keeping those already set); nothing without jars.
     */
    public Configuration configure(Configuration configuration) {
        if (jars.isEmpty()) {
            return configuration;
        }
        List<String> names = new ArrayList<>(configuration.get(PipelineOptions.JARS, List.of()));
        urls.forEach(u -> names.add(u.toString()));
        configuration.set(PipelineOptions.JARS, names);
        Set<String> patterns =
                new LinkedHashSet<>(
                        configuration.get(
                                CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL));
        patterns.addAll(PARENT_FIRST_PATTERNS);
        configuration.set(
                CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL,
                new ArrayList<>(patterns));
        return configuration;
    }

    /** Closes the class loader (the jobs built with it must have ended). */
    @Override
    public void close() {
        if (loader != null) {
            try {
                loader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public String toString() {
        return jars.toString();
    }
}
