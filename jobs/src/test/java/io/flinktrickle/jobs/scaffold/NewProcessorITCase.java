package io.flinktrickle.jobs.scaffold;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A generated processor project compiles against flink-trickle and passes its own test (compiled
 * with the JDK's compiler on this classpath and run here; {@code bin/new-processor} prints the
 * Maven commands for the real build, which needs flink-trickle installed in the local repository).
 */
class NewProcessorITCase {

    @Test
    void aGeneratedProjectCompilesAndPassesItsOwnTest(@TempDir Path tmp) throws Exception {
        Path dir =
                NewProcessor.generate(
                        "MyFilter",
                        "--package",
                        "org.acme.video",
                        "--dir",
                        tmp.resolve("my-filter").toString());
        assertThat(Files.readString(dir.resolve("pom.xml")))
                .contains("<artifactId>my-filter</artifactId>")
                .contains("<groupId>com.example</groupId>")
                .contains("${flink-trickle.version}");
        Path main = dir.resolve("src/main/java/org/acme/video/MyFilter.java");
        Path test = dir.resolve("src/test/java/org/acme/video/MyFilterTest.java");
        assertThat(main).exists();
        assertThat(test).exists();

        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc =
                javac.run(
                        null,
                        null,
                        errors,
                        "-d",
                        classes.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        main.toString(),
                        test.toString());
        assertThat(rc).as("javac: %s", errors).isZero();

        try (URLClassLoader loader =
                new URLClassLoader(
                        new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> testClass = loader.loadClass("org.acme.video.MyFilterTest");
            Constructor<?> ctor = testClass.getDeclaredConstructor();
            ctor.setAccessible(true);
            Object instance = ctor.newInstance();
            List<String> ran = new ArrayList<>();
            for (Method m : testClass.getDeclaredMethods()) {
                if (m.isAnnotationPresent(org.junit.jupiter.api.Test.class)) {
                    m.setAccessible(true);
                    m.invoke(instance); // an assertion failure fails this test
                    ran.add(m.getName());
                }
            }
            assertThat(ran).hasSize(2);
        }
    }

    @Test
    void badNamesAndNonEmptyFoldersAreRefused(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> NewProcessor.generate("myFilter"))
                .hasMessageContaining("Java identifier");
        assertThatThrownBy(() -> NewProcessor.generate("F", "--package", "Com.Bad-Name"))
                .hasMessageContaining("package");
        Files.writeString(tmp.resolve("x"), "taken");
        assertThatThrownBy(() -> NewProcessor.generate("F", "--dir", tmp.toString()))
                .hasMessageContaining("not empty");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.collect(Collectors.toList())).hasSize(1);
        }
    }
}
