package io.flinktrickle.connector.trickle.server;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the embedded trickle server on its own until it is stopped (Ctrl-C / SIGTERM).
 *
 * <pre>
 * java -cp connector-trickle.jar:... io.flinktrickle.connector.trickle.server.TrickleServerMain \
 *     --host 127.0.0.1 --port 2939 --path /ai/trickle/ [--no-autocreate] [--changefeed]
 *     [--retained 5] [--max-segment-bytes 67108864] [--max-channels 1024] [--idle-timeout-s 300]
 * </pre>
 */
@Internal
public final class TrickleServerMain {

    static final String USAGE =
            "usage: bin/trickle-server [--host H] [--port P] [--path /base/] [--no-autocreate]"
                    + " [--changefeed] [--retained N] [--max-segment-bytes N] [--max-channels N]"
                    + " [--idle-timeout-s N]";

    private TrickleServerMain() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        TrickleServer server;
        try {
            server = parse(args).build();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        server.start();
        System.out.println("trickle server ready at " + server.baseUri());
        CountDownLatch stopped = new CountDownLatch(1);
        TrickleServer running = server;
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    running.close();
                                    stopped.countDown();
                                }));
        stopped.await();
    }

    /** Parses the command line into a builder (default port 2939, as http-trickle's server). */
    static TrickleServer.Builder parse(String[] args) {
        TrickleServer.Builder b = TrickleServer.builder().port(2939);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--no-autocreate":
                    b.autocreate(false);
                    break;
                case "--changefeed":
                    b.changefeed(true);
                    break;
                case "--host":
                    b.host(value(args, ++i, a));
                    break;
                case "--port":
                    b.port(intValue(args, ++i, a));
                    break;
                case "--path":
                    b.basePath(value(args, ++i, a));
                    break;
                case "--retained":
                    b.retainedSegments(intValue(args, ++i, a));
                    break;
                case "--max-segment-bytes":
                    b.maxSegmentBytes(Long.parseLong(value(args, ++i, a)));
                    break;
                case "--max-channels":
                    b.maxChannels(intValue(args, ++i, a));
                    break;
                case "--idle-timeout-s":
                    b.idleTimeout(Duration.ofSeconds(intValue(args, ++i, a)));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        return b;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String name) {
        try {
            return Integer.parseInt(value(args, i, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number");
        }
    }
}
