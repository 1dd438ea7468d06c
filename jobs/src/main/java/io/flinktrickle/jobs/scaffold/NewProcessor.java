package io.flinktrickle.jobs.scaffold;

import io.flinktrickle.connector.trickle.cli.Cli;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The counterpart of {@code pytrickle init}: writes a new processor project (a Maven build with the
 * Maven wrapper that makes a job jar with {@code LiveVideoToVideoJob} and the processor, a
 * processor class, its test and a README) from the templates in {@code /scaffold}; with {@code
 * --batch} the processor is a {@code BatchFrameProcessor} and its test calls it with batches. The
 * build's versions (flink-trickle, Flink, JUnit and every Maven plugin) are this repository's,
 * filtered into {@code /scaffold/versions.properties} by Maven. Run it with {@code
 * bin/new-processor}; it runs on the caller's thread and writes nothing outside the new project's
 * folder.
 */
@Internal
public final class NewProcessor {
    /** The command line ({@link Cli}), parsed on the caller's thread. */
    @Command(
            name = "bin/new-processor",
            synopsisHeading = "usage: ",
            sortOptions = false,
            description =
                    "Creates a Maven project with a FrameProcessor, its test and a build that"
                            + " packages it for the sidecar and the job.")
    static final class Options {
        @Mixin Cli.HelpOption help;

        @Parameters(
                index = "0",
                paramLabel = "ClassName",
                description = "the processor class, a Java identifier starting upper case")
        String className;

        @Option(
                names = "--package",
                paramLabel = "PKG",
                description = "its package (default com.example.video)")
        String pkg = "com.example.video";

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description = "the project's folder, absent or empty (default ./NAME)")
        Path dir;

        @Option(
                names = "--group-id",
                paramLabel = "ID",
                description = "the project's Maven groupId (default com.example)")
        String groupId = "com.example";

        @Option(
                names = "--artifact-id",
                paramLabel = "NAME",
                description =
                        "the project's artifactId (default: the class name in kebab case, MyFilter"
                                + " -> my-filter)")
        String artifactId;

        @Option(
                names = "--batch",
                description = "a BatchFrameProcessor: one call for the frames of several streams")
        boolean batch;
    }

    /** System property naming the flink-trickle checkout (set by {@code bin/new-processor}). */
    static final String HOME_PROPERTY = "flinktrickle.home";

    private static final Pattern JAVA_IDENTIFIER = Pattern.compile("[A-Z][A-Za-z0-9_]*");
    private static final Pattern PACKAGE =
            Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*");
    private static final String TEMPLATES = "/scaffold/";
    private static final String VERSIONS = "versions.properties";
    private static final String WRAPPER_SCRIPT = "mvnw";

    /** Templates filled with the project's values: template name, then the file it becomes. */
    private static final String[][] TEMPLATED = {
        {"pom.xml.template", "pom.xml"},
        {"README.md.template", "README.md"},
    };

    /** Files copied as they are: resource name, then the file it becomes. */
    private static final String[][] VERBATIM = {
        {WRAPPER_SCRIPT, WRAPPER_SCRIPT},
        {"maven-wrapper.properties", ".mvn/wrapper/maven-wrapper.properties"},
    };

    private NewProcessor() {}

    public static void main(String[] args) throws IOException {
        Options options = new Options();
        if (!Cli.parseOrExit(options, args)) {
            return;
        }
        Path dir;
        try {
            dir = generate(options);
        } catch (IllegalArgumentException e) {
            Cli.exit(Cli.of(new Options()), e.getMessage());
            return;
        }
        printNextSteps(dir, System.getProperty(HOME_PROPERTY), System.out);
    }

    /** What to do with the new project: its absolute path and the commands that build it. */
    static void printNextSteps(Path dir, String flinkTrickleHome, PrintStream out) {
        String home =
                flinkTrickleHome == null
                        ? "your flink-trickle checkout"
                        : Path.of(flinkTrickleHome).toAbsolutePath().normalize().toString();
        out.println("created " + dir);
        out.println("next: (once, in " + home + ") ./mvnw install -DskipTests");
        out.println("      cd " + dir + " && ./mvnw verify");
    }

    /**
     * Writes the project described by {@code args} (as {@code bin/new-processor} takes them);
     * returns its folder (absolute, normalised).
     *
     * @throws IllegalArgumentException naming the argument that is wrong
     */
    public static Path generate(String... args) throws IOException {
        Options options = new Options();
        try {
            Cli.parse(Cli.of(options), args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return generate(options);
    }

    private static Path generate(Options o) throws IOException {
        String className = o.className;
        String pkg = o.pkg;
        String groupId = o.groupId;
        String artifactId = o.artifactId;
        Path dir = o.dir;
        boolean batch = o.batch;
        if (!JAVA_IDENTIFIER.matcher(className).matches()) {
            throw new IllegalArgumentException(
                    "class name must be a Java identifier starting upper case: " + className);
        }
        if (!PACKAGE.matcher(pkg).matches()) {
            throw new IllegalArgumentException("not a Java package name: " + pkg);
        }
        if (artifactId == null) {
            artifactId = className.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
        }
        dir = (dir == null ? Path.of(artifactId) : dir).toAbsolutePath().normalize();
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dir + " exists and is not empty");
                }
            }
        }
        Map<String, String> values = new HashMap<>(versions());
        values.put("className", className);
        values.put("package", pkg);
        values.put("groupId", groupId);
        values.put("artifactId", artifactId);

        String pkgPath = pkg.replace('.', '/');
        String[][] sources = {
            {
                (batch ? "Batch" : "") + "Processor.java.template",
                "src/main/java/" + pkgPath + "/" + className + ".java"
            },
            {
                (batch ? "Batch" : "") + "ProcessorTest.java.template",
                "src/test/java/" + pkgPath + "/" + className + "Test.java"
            },
        };
        for (String[][] group : new String[][][] {TEMPLATED, sources}) {
            for (String[] f : group) {
                write(dir.resolve(f[1]), fill(text(f[0]), values).getBytes(StandardCharsets.UTF_8));
            }
        }
        for (String[] f : VERBATIM) {
            write(dir.resolve(f[1]), bytes(f[0]));
        }
        makeExecutable(dir.resolve(WRAPPER_SCRIPT));
        return dir;
    }

    /** The versions the generated build uses: this repository's, filled in by Maven. */
    public static Map<String, String> versions() throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text(VERSIONS)));
        Map<String, String> versions = new HashMap<>();
        for (String name : p.stringPropertyNames()) {
            String value = p.getProperty(name);
            if (value.contains("${")) {
                throw new IOException(
                        TEMPLATES + VERSIONS + " was not filtered by Maven: " + name + "=" + value);
            }
            versions.put(name, value);
        }
        return versions;
    }

    private static void write(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.getParent());
        Files.write(target, content);
    }

    private static void makeExecutable(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            if (!file.toFile().setExecutable(true, false)) {
                throw new IOException("cannot make " + file + " executable", e);
            }
        }
    }

    private static String text(String name) throws IOException {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = NewProcessor.class.getResourceAsStream(TEMPLATES + name)) {
            if (in == null) {
                throw new IOException("template " + name + " missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    private static String fill(String template, Map<String, String> values) {
        String out = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue());
        }
        return out;
    }
}
