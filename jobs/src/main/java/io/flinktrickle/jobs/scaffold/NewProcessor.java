package io.flinktrickle.jobs.scaffold;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The counterpart of {@code pytrickle init}: writes a new processor project (a Maven build that
 * makes a job jar with {@code LiveVideoToVideoJob} and the processor, a processor class, its test
 * and a README) from the templates in {@code /scaffold}. Run it with {@code bin/new-processor}.
 */
public final class NewProcessor {
    static final String USAGE =
            "usage: bin/new-processor ClassName [--package com.example.video] [--dir DIR]"
                    + " [--group-id com.example] [--artifact-id NAME]";

    private static final Pattern JAVA_IDENTIFIER = Pattern.compile("[A-Z][A-Za-z0-9_]*");
    private static final Pattern PACKAGE =
            Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*");
    private static final String VERSION = "0.1.0-SNAPSHOT";

    private NewProcessor() {}

    public static void main(String[] args) throws IOException {
        try {
            Path dir = generate(args);
            System.out.println("created " + dir.toAbsolutePath());
            System.out.println("next: (once, in flink-trickle) ./mvnw install -DskipTests");
            System.out.println("      cd " + dir + " && mvn verify");
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
    }

    /** Writes the project; returns its folder. */
    public static Path generate(String... args) throws IOException {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new IllegalArgumentException("the processor's class name comes first");
        }
        String className = args[0];
        String pkg = "com.example.video";
        String groupId = "com.example";
        String artifactId = null;
        Path dir = null;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--package":
                    pkg = args[i + 1];
                    break;
                case "--dir":
                    dir = Path.of(args[i + 1]);
                    break;
                case "--group-id":
                    groupId = args[i + 1];
                    break;
                case "--artifact-id":
                    artifactId = args[i + 1];
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
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
        if (dir == null) {
            dir = Path.of(artifactId);
        }
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dir + " exists and is not empty");
                }
            }
        }
        Map<String, String> values =
                Map.of(
                        "className", className,
                        "package", pkg,
                        "groupId", groupId,
                        "artifactId", artifactId,
                        "flinkTrickleVersion", VERSION);
        String pkgPath = pkg.replace('.', '/');
        List<String[]> files = new ArrayList<>();
        files.add(new String[] {"pom.xml.template", "pom.xml"});
        files.add(new String[] {"README.md.template", "README.md"});
        files.add(
                new String[] {
                    "Processor.java.template",
                    "src/main/java/" + pkgPath + "/" + className + ".java"
                });
        files.add(
                new String[] {
                    "ProcessorTest.java.template",
                    "src/test/java/" + pkgPath + "/" + className + "Test.java"
                });
        for (String[] f : files) {
            Path target = dir.resolve(f[1]);
            Files.createDirectories(target.getParent());
            Files.writeString(target, fill(template(f[0]), values));
        }
        return dir;
    }

    private static String template(String name) throws IOException {
        try (InputStream in = NewProcessor.class.getResourceAsStream("/scaffold/" + name)) {
            if (in == null) {
                throw new IOException("template " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
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
