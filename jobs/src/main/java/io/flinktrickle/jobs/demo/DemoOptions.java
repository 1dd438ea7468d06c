package io.flinktrickle.jobs.demo;

import io.flinktrickle.jobs.processors.BuiltInProcessors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The demo's command line. */
final class DemoOptions {

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: ./bin/demo [--processor NAME|CLASS] [--processor-jar JAR[,JAR]]"
                            + " [--seconds N]",
                    "                  [--width N --height N]",
                    "                  [--input FILE.ts|DIR] [--params JSON] [--out FILE]",
                    "                  [--log FILE] [--verbose]",
                    "",
                    "  --processor  passthrough, invert (DJL tensor filter), blur (DJL model),"
                            + " blur-batch (batched),",
                    "               gain (audio), stats (data + events), or a FrameProcessor"
                            + " class; default invert",
                    "  --processor-jar  jars with the processor class and its libraries (comma"
                            + " list, may be repeated)",
                    "  --seconds    how long to stream the input, looping (default 20)",
                    "  --width/--height  processing size (default 512x512)",
                    "  --input      a .ts file or a folder with clip A's segments"
                            + " (default media/, else a generated test pattern)",
                    "  --params     start params (JSON), e.g. {\"amount\":0.5}",
                    "  --out        the output file (default out/demo-output.ts)",
                    "  --log        where Flink's and FFmpeg's messages go (default out/demo.log)",
                    "  --verbose    show them on the console instead");

    String processor = "invert";
    final List<Path> processorJars = new ArrayList<>();
    int seconds = 20;
    int width = 512;
    int height = 512;
    Path input;
    String params = "{}";
    Path out = Path.of("out", "demo-output.ts");
    Path log = Path.of("out", "demo.log");
    boolean verbose;

    /** Whether the command line asks for the usage (then nothing else is parsed). */
    static boolean helpRequested(String... args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    String processorClass() {
        return BuiltInProcessors.className(processor);
    }

    static DemoOptions parse(String... args) {
        DemoOptions o = new DemoOptions();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--verbose")) {
                o.verbose = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--processor":
                    o.processor = v;
                    break;
                case "--processor-jar":
                    for (String jar : v.split(",")) {
                        if (!jar.isBlank()) {
                            o.processorJars.add(Path.of(jar.trim()));
                        }
                    }
                    break;
                case "--seconds":
                    o.seconds = positive(flag, v);
                    break;
                case "--width":
                    o.width = positive(flag, v);
                    break;
                case "--height":
                    o.height = positive(flag, v);
                    break;
                case "--input":
                    o.input = Path.of(v);
                    if (!o.input.toFile().exists()) {
                        throw new IllegalArgumentException("--input " + v + " does not exist");
                    }
                    break;
                case "--params":
                    o.params = v;
                    break;
                case "--out":
                    o.out = Path.of(v);
                    break;
                case "--log":
                    o.log = Path.of(v);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (o.width % 2 != 0 || o.height % 2 != 0) {
            throw new IllegalArgumentException("--width and --height must be even");
        }
        return o;
    }

    private static int positive(String flag, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be a positive integer but is " + v);
    }
}
