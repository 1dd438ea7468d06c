package io.flinktrickle.processor.testutils;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Jars built at test time, as a processor author builds theirs: sources compiled with the JDK's
 * compiler against this test's classpath and packed with {@code java.util.jar}. Their classes are
 * in the jar only, never on the test's classpath.
 */
public final class TestJars {
    private TestJars() {}

    /** The side of {@link #WHITE_BOX}'s box, in pixels. */
    public static final int BOX = 64;

    /**
     * A processor that paints a {@value #BOX}×{@value #BOX} white box into the top-left corner of
     * every frame, with its painting in a second class of the jar (a processor's library).
     */
    public static final Map<String, String> WHITE_BOX =
            Map.of(
                    "com.example.WhiteBox",
                    String.join(
                            "\n",
                            "package com.example;",
                            "import io.flinktrickle.connector.trickle.media.VideoFrame;",
                            "import io.flinktrickle.processor.api.FrameProcessor;",
                            "import io.flinktrickle.processor.api.ProcessorContext;",
                            "public class WhiteBox implements FrameProcessor {",
                            "  private static final long serialVersionUID = 1L;",
                            "  @Override",
                            "  public VideoFrame processVideo(VideoFrame f, ProcessorContext c) {",
                            "    byte[] rgb = f.rgb().clone();",
                            "    Painter.box(rgb, f.width(), " + BOX + ");",
                            "    return f.withPixels(f.width(), f.height(), rgb);",
                            "  }",
                            "}"),
                    "com.example.Painter",
                    String.join(
                            "\n",
                            "package com.example;",
                            "final class Painter {",
                            "  static void box(byte[] rgb, int width, int size) {",
                            "    for (int y = 0; y < size; y++) {",
                            "      java.util.Arrays.fill(rgb, y * width * 3, (y * width + size) *"
                                    + " 3, (byte) 255);",
                            "    }",
                            "  }",
                            "}"),
                    "com.example.NotAProcessor",
                    "package com.example; public class NotAProcessor {}");

    /**
     * Compiles {@code sources} (class name → source) into {@code dir/jarName}, with {@code
     * mainClass} as the manifest's {@code Main-Class} unless null.
     */
    public static Path compile(
            Path dir, String jarName, Map<String, String> sources, String mainClass)
            throws IOException {
        Path src = dir.resolve(jarName + "-src");
        Path classes = dir.resolve(jarName + "-classes");
        Files.createDirectories(classes);
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "-d",
                                classes.toString(),
                                "-cp",
                                System.getProperty("java.class.path")));
        for (Map.Entry<String, String> s : sources.entrySet()) {
            Path file = src.resolve(s.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, s.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        if (javac.run(null, null, errors, args.toArray(new String[0])) != 0) {
            throw new IllegalStateException("javac failed: " + errors);
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Path jar = dir.resolve(jarName);
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream jarOut = new JarOutputStream(out, manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                jarOut.putNextEntry(
                        new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jarOut.write(Files.readAllBytes(f));
                jarOut.closeEntry();
            }
        }
        return jar;
    }

    /** Mean of R, G and B over the square [from, to)² of a frame: where a white box shows. */
    public static double meanRgb(
            io.flinktrickle.connector.trickle.media.VideoFrame f, int from, int to) {
        long sum = 0;
        int n = 0;
        for (int y = from; y < to; y++) {
            for (int x = from; x < to; x++) {
                int i = f.indexOf(x, y);
                for (int c = 0; c < 3; c++) {
                    sum += f.rgb()[i + c] & 0xff;
                    n++;
                }
            }
        }
        return (double) sum / n;
    }
}
