package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.jobs.media.ClipFiles;
import io.flinktrickle.jobs.media.LivePacing;

import org.apache.flink.annotation.Internal;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The local demo of the foundation: starts the embedded trickle server, streams a clip's MPEG-TS
 * segments through it in real time (as a gateway would), and subscribes to the channel, writing
 * what arrives to a playable {@code .ts} file. It prints each segment as it goes and a summary.
 *
 * <p>Threads: main publishes; one subscriber thread reads.
 */
@Internal
public final class TrickleRelayDemo {

    private final Options options;
    private final PrintStream out;

    TrickleRelayDemo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (CommandLine.ParameterException e) {
            Cli.exit(e.getCommandLine(), e.getMessage());
            return;
        }
        if (options == null) {
            System.out.println(Cli.usage(Cli.of(new Options())));
            return;
        }
        Summary s = new TrickleRelayDemo(options, System.out).run();
        System.exit(s.identical ? 0 : 1);
    }

    /** What a run did. */
    static final class Summary {
        int segments;
        long bytes;
        boolean identical;
        double medianFirstByteMillis;
        Path output;
    }

    Summary run() throws Exception {
        List<Path> segments = options.segments();
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        try (TrickleServer server =
                TrickleServer.builder().basePath("/ai/trickle/").build().start()) {
            String channel = "demo";
            server.createChannel(channel, TrickleProtocol.MIME_MPEGTS);
            out.printf(
                    "trickle server: %s (channel %s)%n",
                    server.baseUri(), server.channelUri(channel));
            out.printf(
                    "publishing %d segments of %s x%d %s%n",
                    segments.size(),
                    options.clip,
                    options.loops,
                    options.fast ? "(fast)" : "in real time");
            ExecutorService reader = Executors.newSingleThreadExecutor();
            List<Long> publishStarts = new ArrayList<>();
            try (TrickleSubscriber sub =
                            TrickleSubscriber.builder(server.channelUri(channel))
                                    .startSeq(0)
                                    .build();
                    TricklePublisher pub =
                            TricklePublisher.builder(server.channelUri(channel)).build()) {
                Future<Summary> received = reader.submit(() -> receive(sub, publishStarts));
                long t0 = System.nanoTime();
                MessageDigest sent = sha256();
                for (int loop = 0; loop < options.loops; loop++) {
                    for (Path file : segments) {
                        byte[] data = Files.readAllBytes(file);
                        sent.update(data);
                        Duration duration = options.fast ? Duration.ZERO : segmentDuration(data);
                        synchronized (publishStarts) {
                            publishStarts.add(System.nanoTime());
                        }
                        publishPaced(pub, data, duration);
                    }
                }
                // Wait until everything was read, then end the stream (DELETE).
                Summary summary;
                awaitCount(publishStarts.size(), received);
                pub.close();
                summary = received.get(30, TimeUnit.SECONDS);
                summary.identical =
                        summary.identical
                                && HexFormat.of()
                                        .formatHex(sent.digest())
                                        .equals(digestOf(summary.output));
                out.printf(
                        "done in %.1f s: %d segments, %d bytes relayed, median first-byte latency"
                                + " %.2f ms, output %s (%s the input)%n",
                        (System.nanoTime() - t0) / 1e9,
                        summary.segments,
                        summary.bytes,
                        summary.medianFirstByteMillis,
                        summary.output.toAbsolutePath(),
                        summary.identical ? "byte-identical to" : "DIFFERENT from");
                return summary;
            } finally {
                reader.shutdownNow();
            }
        }
    }

    private volatile int receivedCount;

    private void awaitCount(int expected, Future<Summary> received) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (receivedCount < expected && !received.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private Summary receive(TrickleSubscriber sub, List<Long> publishStarts) throws Exception {
        Summary s = new Summary();
        s.output = options.out;
        List<Double> latencies = new ArrayList<>();
        try (OutputStream file = Files.newOutputStream(options.out)) {
            Optional<TrickleSegment> next;
            while ((next = sub.next()).isPresent()) {
                try (TrickleSegment segment = next.get()) {
                    long started;
                    synchronized (publishStarts) {
                        int i = (int) segment.seq();
                        started =
                                i < publishStarts.size()
                                        ? publishStarts.get(i)
                                        : segment.arrivalNanos();
                    }
                    double firstByteMs = (segment.arrivalNanos() - started) / 1e6;
                    latencies.add(firstByteMs);
                    long n = segment.body().transferTo(file);
                    s.segments++;
                    s.bytes += n;
                    receivedCount = s.segments;
                    out.printf(
                            "  segment %d: %d bytes, first byte after %.2f ms, complete after %.2f"
                                    + " s%n",
                            segment.seq(), n, firstByteMs, (System.nanoTime() - started) / 1e9);
                }
            }
        }
        latencies.sort(Double::compare);
        s.medianFirstByteMillis = latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2);
        s.identical = true;
        return s;
    }

    /** The duration of an MPEG-TS segment (see {@link LivePacing#segmentDuration}). */
    static Duration segmentDuration(byte[] ts) {
        return LivePacing.segmentDuration(ts);
    }

    private static void publishPaced(TricklePublisher pub, byte[] data, Duration duration)
            throws IOException, InterruptedException {
        LivePacing.publishPaced(pub, data, duration);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digestOf(Path file) throws IOException {
        MessageDigest d = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** Command-line options, validated before anything starts. */
    /** The command line ({@link Cli}), parsed and checked on the thread of {@code main}. */
    @Command(
            name = "bin/relay-demo",
            synopsisHeading = "usage: ",
            sortOptions = false,
            description =
                    "Streams a clip's segments through the embedded trickle server and writes what"
                            + " a subscriber reads to a playable file.")
    static final class Options {
        @Spec CommandLine.Model.CommandSpec spec;

        @Mixin Cli.HelpOption help;

        @Option(
                names = "--media-dir",
                paramLabel = "DIR",
                description = "folder with the clip segments (default: the repository's media/)")
        Path mediaDir;

        @Option(
                names = "--clip",
                paramLabel = "PREFIX",
                description = "file prefix of the clip (default clip-a-512-h264-aac)")
        String clip = "clip-a-512-h264-aac";

        @Option(
                names = "--loops",
                paramLabel = "N",
                description = "how many times the clip is streamed, at least 1 (default 1)")
        int loops = 1;

        @Option(
                names = "--out",
                paramLabel = "FILE",
                description = "output file (default out/demo-output.ts)")
        Path out = Path.of("out", "demo-output.ts");

        @Option(
                names = "--fast",
                description = "publish as fast as possible instead of in real time")
        boolean fast;

        /**
         * Parses and checks {@code args}; null when the usage was asked for.
         *
         * @throws CommandLine.ParameterException naming the option
         */
        static Options parse(String[] args) {
            Options o = new Options();
            if (!Cli.parse(Cli.of(o), args)) {
                return null;
            }
            Cli.check(o.spec, o.loops >= 1, "--loops must be at least 1 but is " + o.loops);
            if (o.mediaDir == null) {
                o.mediaDir = ClipFiles.findMediaDir();
            }
            Cli.check(
                    o.spec,
                    Files.isDirectory(o.mediaDir),
                    "--media-dir " + o.mediaDir + " does not exist");
            Cli.check(
                    o.spec,
                    !o.segments().isEmpty(),
                    "--clip: no " + o.clip + "-*.ts segments in " + o.mediaDir);
            return o;
        }

        List<Path> segments() {
            return ClipFiles.segments(mediaDir, clip);
        }
    }
}
