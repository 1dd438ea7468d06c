package io.flinktrickle.controlapi.flink;

import io.flinktrickle.processor.api.FrameProcessor;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * Checks, before anything is uploaded, that a job jar holds the processor class a remote cluster
 * will load from it: the class file must be in the jar, and when the class loads here (a class
 * loader over the jar, this JVM's classes as its parent, the class not initialized) it must
 * implement {@link FrameProcessor}. A class that is in the jar but does not link here (a library
 * the cluster has and the sidecar has not) is logged and left to the cluster.
 *
 * <p>Stateless; runs on the caller's thread (the sidecar's launch).
 */
@Internal
public final class JobJarCheck {
    private static final Logger LOG = LoggerFactory.getLogger(JobJarCheck.class);

    private static final String CLASS_SUFFIX = ".class";

    private JobJarCheck() {}

    /**
     * @throws IllegalArgumentException naming the class and the jar when the jar cannot be read,
     *     does not hold the class, or holds a class that is not a {@link FrameProcessor}
     */
    public static void processorIn(Path jobJar, String processorClass) {
        String entry = processorClass.replace('.', '/') + CLASS_SUFFIX;
        try (JarFile jar = new JarFile(jobJar.toFile())) {
            if (jar.getJarEntry(entry) == null) {
                throw new IllegalArgumentException(
                        "PROCESSOR "
                                + processorClass
                                + " is not in JOB_JAR "
                                + jobJar
                                + " (no "
                                + entry
                                + "): the cluster loads the processor from the job jar, so build"
                                + " one that holds it (e.g. the project bin/new-processor"
                                + " writes)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "JOB_JAR " + jobJar + " cannot be read as a jar: " + e, e);
        }
        try (URLClassLoader loader =
                new URLClassLoader(
                        new URL[] {jobJar.toAbsolutePath().toUri().toURL()},
                        JobJarCheck.class.getClassLoader())) {
            Class<?> c = Class.forName(processorClass, false, loader);
            if (!FrameProcessor.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException(
                        "PROCESSOR "
                                + processorClass
                                + " in JOB_JAR "
                                + jobJar
                                + " does not implement "
                                + FrameProcessor.class.getName());
            }
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.warn(
                    "{} is in {} but does not load in the sidecar ({}); the cluster will tell",
                    processorClass,
                    jobJar,
                    e.toString());
        } catch (IOException e) {
            LOG.warn("Loading {} from {}: {}", processorClass, jobJar, e.toString());
        }
    }
}
