package io.flinktrickle.controlapi.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every public top-level type of every module says how stable it is, as Flink's own connectors do:
 * {@code @PublicEvolving} for what users touch, {@code @Internal} for the rest. Flink's annotations
 * are not kept at run time, so the sources are read (this module is the last of the build, run from
 * its own directory, one level below the root the module folders are found from).
 */
class StabilityAnnotationsTest {

    private static final Pattern PUBLIC_TYPE =
            Pattern.compile(
                    "^public (final |abstract |sealed )*(class|interface|enum|record|@interface) ",
                    Pattern.MULTILINE);
    private static final Pattern STABILITY =
            Pattern.compile(
                    "^@(PublicEvolving|Internal|Public|Experimental)\\b", Pattern.MULTILINE);

    private static final List<String> MODULES =
            List.of(
                    "connector-trickle/trickle-protocol",
                    "connector-trickle/flink-connector-trickle",
                    "connector-trickle/trickle-media",
                    "processor-operator",
                    "jobs",
                    "control-api");

    @Test
    void everyPublicTypeIsPublicEvolvingOrInternal() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> missing = new java.util.ArrayList<>();
        for (String module : MODULES) {
            Path sources = root.resolve(module).resolve("src/main/java");
            assertThat(sources).isDirectory();
            try (Stream<Path> files = Files.walk(sources)) {
                missing.addAll(
                        files.filter(p -> p.toString().endsWith(".java"))
                                .filter(StabilityAnnotationsTest::unannotatedPublicType)
                                .map(p -> root.relativize(p).toString())
                                .sorted()
                                .collect(Collectors.toList()));
            }
        }
        assertThat(missing).as("public types without @PublicEvolving or @Internal").isEmpty();
    }

    private static boolean unannotatedPublicType(Path file) {
        try {
            String source = Files.readString(file);
            return PUBLIC_TYPE.matcher(source).find() && !STABILITY.matcher(source).find();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
