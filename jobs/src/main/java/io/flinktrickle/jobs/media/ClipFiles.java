package io.flinktrickle.jobs.media;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The repository's test clips ({@code media/}), for the demo and the benchmark. */
@Internal
public final class ClipFiles {

    private ClipFiles() {}

    /** The {@code media/} folder, found from the working directory upwards. */
    public static Path findMediaDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("media"))) {
                return dir.resolve("media");
            }
            dir = dir.getParent();
        }
        throw new IllegalArgumentException("no media/ folder found above the working directory");
    }

    /** The segment files {@code <clip>-*.ts} in {@code dir}, in order. */
    public static List<Path> segments(Path dir, String clip) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(
                            p -> {
                                String n = p.getFileName().toString();
                                return n.startsWith(clip + "-") && n.endsWith(".ts");
                            })
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
        }
    }
}
