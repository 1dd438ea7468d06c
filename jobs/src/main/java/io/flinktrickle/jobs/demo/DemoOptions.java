package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.jobs.processors.BuiltInProcessors;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's command line ({@link Cli}): filled by picocli on the thread of {@code main}, then read
 * there.
 */
@Command(
        name = "./bin/demo",
        synopsisHeading = "usage: ",
        sortOptions = false,
        description =
                "Streams a clip through a trickle server, a LiveVideoToVideoJob in a local"
                        + " MiniCluster and back, into a playable file.")
final class DemoOptions {

    @Spec CommandLine.Model.CommandSpec spec;

    @Mixin Cli.HelpOption help;

    @Option(
            names = "--processor",
            paramLabel = "NAME|CLASS",
            description =
                    "passthrough, invert (DJL tensor filter), blur (DJL model), blur-batch"
                            + " (batched), gain (audio), stats (data + events), or a"
                            + " FrameProcessor class (default invert)")
    String processor = "invert";

    @Option(
            names = "--processor-jar",
            paramLabel = "JAR",
            split = ",",
            description =
                    "jars with the processor class and its libraries (comma list, may be repeated)")
    List<Path> processorJars = new ArrayList<>();

    @Option(
            names = "--seconds",
            paramLabel = "N",
            description = "how long to stream the input, looping (default 20)")
    int seconds = 20;

    @Option(
            names = "--width",
            paramLabel = "N",
            description = "processing width, even (default 512)")
    int width = 512;

    @Option(
            names = "--height",
            paramLabel = "N",
            description = "processing height, even (default 512)")
    int height = 512;

    @Option(
            names = "--input",
            paramLabel = "FILE.ts|DIR",
            description =
                    "a .ts file or a folder with clip A's segments (default media/, else a"
                            + " generated test pattern)")
    Path input;

    @Option(
            names = "--params",
            paramLabel = "JSON",
            description = "start params (JSON), e.g. {\"amount\":0.5}")
    String params = "{}";

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "the output file (default out/demo-output.ts)")
    Path out = Path.of("out", "demo-output.ts");

    @Option(
            names = "--log",
            paramLabel = "FILE",
            description = "where Flink's and FFmpeg's messages go (default out/demo.log)")
    Path log = Path.of("out", "demo.log");

    @Option(names = "--verbose", description = "show those messages on the console instead")
    boolean verbose;

    String processorClass() {
        return BuiltInProcessors.className(processor);
    }

    /** The usage ({@code --help}). */
    static String usage() {
        return Cli.usage(Cli.of(new DemoOptions()));
    }

    /**
     * Parses and checks {@code args}; null when the usage was asked for.
     *
     * @throws CommandLine.ParameterException naming the option
     */
    static DemoOptions parse(String... args) {
        DemoOptions o = new DemoOptions();
        if (!Cli.parse(Cli.of(o), args)) {
            return null;
        }
        Cli.positive(o.spec, "--seconds", o.seconds);
        Cli.positive(o.spec, "--width", o.width);
        Cli.positive(o.spec, "--height", o.height);
        Cli.check(
                o.spec, o.width % 2 == 0 && o.height % 2 == 0, "--width and --height must be even");
        Cli.check(
                o.spec,
                o.input == null || o.input.toFile().exists(),
                "--input " + o.input + " does not exist");
        o.processorJars.removeIf(jar -> jar.toString().isBlank());
        return o;
    }
}
