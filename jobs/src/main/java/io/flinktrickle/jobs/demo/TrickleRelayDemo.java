package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.protocol.TrickleSegment;
import io.flinktrickle.connector.trickle.protocol.TrickleSubscriber;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.jobs.media.ClipFiles;
import io.flinktrickle.jobs.media.LivePacing;

import org.apache.flink.annotation.Internal;

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

    static final String USAGE =
            "usage: bin/relay-demo [--media-dir DIR] [--clip PREFIX] [--loops N] [--out FILE]"
                    + " [--fast]\n"
                    + "  --media-dir  folder with the clip segments (default: the repository's"
                    + " media/)\n"
                    + "  --clip       file prefix of the clip (default clip-a-512-h264-aac)\n"
                    + "  --loops      how many times the clip is streamed (default 1)\n"
                    + "  --out        output file (default out/demo-output.ts)\n"
                    + "  --fast       publish as fast as possible instead of in real time";

    private final Options options;
    private final PrintStream out;

    TrickleRelayDemo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
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
    static final class Options {
        Path mediaDir;
        String clip = "clip-a-512-h264-aac";
        int loops = 1;
        Path out = Path.of("out", "demo-output.ts");
        boolean fast;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--media-dir":
                        o.mediaDir = Path.of(value(args, ++i, a));
                        break;
                    case "--clip":
                        o.clip = value(args, ++i, a);
                        break;
                    case "--loops":
                        try {
                            o.loops = Integer.parseInt(value(args, ++i, a));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--loops needs a whole number");
                        }
                        if (o.loops < 1) {
                            throw new IllegalArgumentException("--loops must be at least 1");
                        }
                        break;
                    case "--out":
                        o.out = Path.of(value(args, ++i, a));
                        break;
                    case "--fast":
                        o.fast = true;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (o.mediaDir == null) {
                o.mediaDir = ClipFiles.findMediaDir();
            }
            if (!Files.isDirectory(o.mediaDir)) {
                throw new IllegalArgumentException("media dir " + o.mediaDir + " does not exist");
            }
            if (o.segments().isEmpty()) {
                throw new IllegalArgumentException(
                        "no " + o.clip + "-*.ts segments in " + o.mediaDir);
            }
            return o;
        }

        List<Path> segments() {
            return ClipFiles.segments(mediaDir, clip);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }
}
