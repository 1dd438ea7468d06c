package io.flinktrickle.connector.trickle.testutils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The real MPEG-TS test clips in the repository's {@code media/} folder (see its README). */
public final class TestMedia {

    private TestMedia() {}

    /** The repository's {@code media/} folder, found from the working directory upwards. */
    public static Path mediaDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("media");
            if (Files.isRegularFile(candidate.resolve("clip-a-512-h264-aac-000.ts"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "media/ with the test clips not found above " + Path.of("").toAbsolutePath());
    }

    /** The segment files of a clip, in order, e.g. {@code clip-a-512-h264-aac}. */
    public static List<Path> segments(String clipPrefix) {
        try (Stream<Path> files = Files.list(mediaDir())) {
            List<Path> result = new ArrayList<>();
            files.filter(
                            p ->
                                    p.getFileName().toString().startsWith(clipPrefix)
                                            && p.toString().endsWith(".ts"))
                    .sorted()
                    .forEach(result::add);
            if (result.isEmpty()) {
                throw new IllegalStateException("no segments for " + clipPrefix);
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Clip A: 512×512 H.264 + AAC, 5 segments of 2 s. */
    public static List<Path> clipA() {
        return segments("clip-a-512-h264-aac");
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
