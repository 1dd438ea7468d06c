package io.flinktrickle.controlapi;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scripts that build a classpath with {@code dependency:build-classpath} (every launcher in
 * {@code bin/}, {@code docker/test-stack}) name its scope with the plugin's own property, {@code
 * -DincludeScope}. maven-dependency-plugin ignores {@code -Dmdep.includeScope}: the scripts that
 * said so ran with the test scope, so the sidecar, the soak, the end-to-end benchmark and the
 * cluster had JUnit, the test jars and a test jar's {@code log4j2-test.properties} on their
 * classpath (which took precedence over the sidecar's {@code log4j2.properties} and hid its INFO
 * log). What runs the product (not a test or a benchmark of pieces) takes the runtime scope.
 */
class LauncherScriptsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The scripts that run the product: their classpath takes the runtime scope. */
    private static final List<String> RUNTIME_LAUNCHERS =
            List.of(
                    "bin/sidecar",
                    "bin/soak",
                    "bin/bench-e2e",
                    "bin/cluster",
                    "bin/new-processor",
                    "docker/test-stack");

    private static final Pattern SCOPE = Pattern.compile("-DincludeScope=(\\w+)");

    @Test
    void everyClasspathNamesItsScopeWithThePluginsProperty() throws IOException {
        List<Path> scripts = scripts();
        assertThat(scripts).hasSizeGreaterThanOrEqualTo(RUNTIME_LAUNCHERS.size());
        int commands = 0;
        for (Path script : scripts) {
            for (String command : buildClasspathCommands(script)) {
                commands++;
                assertThat(command)
                        .as("%s: %s", ROOT.relativize(script), command)
                        .doesNotContain("mdep.includeScope")
                        .containsPattern(SCOPE);
            }
        }
        assertThat(commands).as("dependency:build-classpath commands found").isGreaterThan(5);
    }

    @Test
    void whatRunsTheProductTakesTheRuntimeScope() throws IOException {
        for (String launcher : RUNTIME_LAUNCHERS) {
            List<String> commands = buildClasspathCommands(ROOT.resolve(launcher));
            assertThat(commands).as(launcher).isNotEmpty();
            for (String command : commands) {
                Matcher m = SCOPE.matcher(command);
                assertThat(m.find()).as("%s: %s", launcher, command).isTrue();
                assertThat(m.group(1)).as("%s: %s", launcher, command).isEqualTo("runtime");
            }
        }
    }

    private static List<Path> scripts() throws IOException {
        List<Path> scripts = new ArrayList<>();
        try (Stream<Path> bin = Files.list(ROOT.resolve("bin"))) {
            bin.filter(Files::isRegularFile).sorted().forEach(scripts::add);
        }
        scripts.add(ROOT.resolve("docker/test-stack"));
        scripts.add(ROOT.resolve(".ci/run"));
        return scripts;
    }

    /** Each {@code dependency:build-classpath} command, its continuation lines joined. */
    private static List<String> buildClasspathCommands(Path script) throws IOException {
        List<String> commands = new ArrayList<>();
        StringBuilder command = new StringBuilder();
        for (String line : Files.readAllLines(script)) {
            command.append(line.strip());
            if (line.endsWith("\\")) {
                command.setLength(command.length() - 1);
                command.append(' ');
                continue;
            }
            String joined = command.toString();
            command.setLength(0);
            if (!joined.startsWith("#") && joined.contains("dependency:build-classpath")) {
                commands.add(joined);
            }
        }
        return commands;
    }
}
