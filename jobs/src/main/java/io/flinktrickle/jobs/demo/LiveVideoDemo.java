package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.cli.Cli;
import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.PixelFormat;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.protocol.TrickleProtocol;
import io.flinktrickle.connector.trickle.protocol.TricklePublisher;
import io.flinktrickle.connector.trickle.server.TrickleServer;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.jobs.live.JobArgs;
import io.flinktrickle.jobs.live.LiveVideoToVideoJob;
import io.flinktrickle.jobs.live.ProcessorJars;
import io.flinktrickle.jobs.media.LivePacing;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one-command local demo: in one JVM, the embedded trickle server, a local Flink MiniCluster
 * running {@link LiveVideoToVideoJob} with a chosen example processor, a publisher that streams
 * clip A (or a file, or a generated test pattern) in real time, looping, as an orchestrator would,
 * and subscribers that write the processed output to a playable {@code .ts} file and follow the
 * job's heartbeat events for progress. Ends with a summary (the output file is decoded to check it)
 * and the file's path. Flink's, FFmpeg's and the libraries' messages go to a log file ({@link
 * DemoLogging}), so that the console shows only the demo's lines. {@code ./bin/demo --help} lists
 * the options. The main thread publishes; the monitor's threads print the progress lines.
 */
@Internal
public final class LiveVideoDemo {
    private static final int MAX_FRAMERATE = 30;

    /** Durations by pts are estimates: --seconds is met within half a frame. */
    private static final long HALF_FRAME_NANOS = 1_000_000_000L / MAX_FRAMERATE / 2;

    private final DemoOptions options;
    private final PrintStream out;

    LiveVideoDemo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (picocli.CommandLine.ParameterException e) {
            Cli.exit(e.getCommandLine(), e.getMessage());
            return;
        }
        if (options == null) {
            System.out.println(DemoOptions.usage());
            return;
        }
        PrintStream console = System.err;
        if (options.verbose) {
            DemoLogging.toConsole();
        } else {
            console = DemoLogging.toFile(options.log);
        }
        DemoSummary s;
        try {
            s = new LiveVideoDemo(options, System.out).run();
        } catch (IllegalArgumentException | JobArgs.UsageException e) {
            // An unknown processor class (or a bad processor jar) is named before anything runs.
            console.println("error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            LoggerFactory.getLogger(LiveVideoDemo.class).error("the demo failed", e);
            console.println(
                    "the demo failed: "
                            + e
                            + (options.verbose
                                    ? ""
                                    : " (details in " + options.log.toAbsolutePath() + ")"));
            System.exit(1);
            return;
        }
        System.exit(s.decodedFrames > 0 ? 0 : 1);
    }

    DemoSummary run() throws Exception {
        DemoInput input = DemoInput.load(options.input, options.width, options.height);
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        try (ProcessorJars jars = ProcessorJars.of(options.processorJars);
                TrickleServer server =
                        TrickleServer.builder()
                                .basePath("/ai/trickle/")
                                .retainedSegments(8)
                                .build()
                                .start()) {
            String id = "demo";
            for (String c : List.of(id, id + "-out")) {
                server.createChannel(c, TrickleProtocol.MIME_MPEGTS);
            }
            server.createChannel(id + "-control", TrickleProtocol.MIME_JSON);
            server.createChannel(id + "-events", TrickleProtocol.MIME_JSON);
            server.createChannel(id + "-data", TrickleProtocol.MIME_JSONL);
            JobArgs jobArgs =
                    JobArgs.parse(
                            jars.classLoader(),
                            "--stream-id",
                            id,
                            "--subscribe-url",
                            server.channelUri(id).toString(),
                            "--publish-url",
                            server.channelUri(id + "-out").toString(),
                            "--control-url",
                            server.channelUri(id + "-control").toString(),
                            "--events-url",
                            server.channelUri(id + "-events").toString(),
                            "--data-url",
                            server.channelUri(id + "-data").toString(),
                            "--processor",
                            options.processorClass(),
                            "--width",
                            Integer.toString(options.width),
                            "--height",
                            Integer.toString(options.height),
                            "--max-framerate",
                            Integer.toString(MAX_FRAMERATE),
                            "--heartbeat-seconds",
                            "2",
                            "--params",
                            options.params);
            out.printf("trickle server: %s%n", server.baseUri());
            out.printf(
                    "job: LiveVideoToVideoJob, processor %s, %dx%d, local MiniCluster%n",
                    options.processorClass(), options.width, options.height);
            out.printf("input: %s, in real time for %d s%n", input.description, options.seconds);

            DemoMonitor monitor =
                    new DemoMonitor(
                            server.channelUri(id + "-out"),
                            server.channelUri(id + "-events"),
                            server.channelUri(id + "-data"),
                            options.out,
                            out);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(
                            1, jars.configure(new Configuration()));
            LiveVideoToVideoJob.build(env, jobArgs);
            JobClient job = env.executeAsync("demo: live-video-to-video");
            try {
                return stream(server, id, input, job, monitor);
            } catch (Exception e) {
                job.cancel(); // nothing may keep the MiniCluster (and the JVM) running
                throw e;
            }
        }
    }

    private DemoSummary stream(
            TrickleServer server, String id, DemoInput input, JobClient job, DemoMonitor monitor)
            throws Exception {
        monitor.start();

        int published = 0;
        // By video time, not wall time: --seconds 6 of 2 s segments is 3 segments, however long
        // each took to send.
        long videoNanos = 0;
        long wanted = TimeUnit.SECONDS.toNanos(options.seconds);
        try (TricklePublisher pub =
                        TricklePublisher.builder(server.channelUri(id))
                                .deleteOnClose(false)
                                .build();
                TricklePublisher control =
                        TricklePublisher.builder(server.channelUri(id + "-control"))
                                .deleteOnClose(false)
                                .build()) {
            control.publish(
                    "{\"keep\":\"alive\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            while (videoNanos + HALF_FRAME_NANOS < wanted) {
                byte[] segment = input.segments.get(published % input.segments.size());
                java.time.Duration duration = LivePacing.segmentDuration(segment);
                LivePacing.publishPaced(pub, segment, duration);
                published++;
                videoNanos += duration.toNanos();
            }
        }
        // End of input: the job finishes its last segment, closes its outputs and ends.
        server.deleteChannel(id);
        server.deleteChannel(id + "-control");
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        monitor.awaitEnd(server, 30, TimeUnit.SECONDS);

        DemoSummary s = monitor.summary();
        s.inputSegments = published;
        s.maxFramerate = MAX_FRAMERATE;
        s.log = options.verbose ? null : options.log;
        s.decodedFrames = decodedFrames(options.out, s);
        s.print(out);
        return s;
    }

    /** Decodes the output file (as any player would) and counts its video frames. */
    private int decodedFrames(Path file, DemoSummary s) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                        MpegTsFrameDecoder.builder()
                                .maxFramerate(0)
                                .size(options.width, options.height)
                                .pixelFormat(PixelFormat.NONE) // counted, not looked at
                                .build()
                                .open("out");
                InputStream in = Files.newInputStream(file)) {
            d.decode(new SegmentInfo("out", 0, TrickleProtocol.MIME_MPEGTS, 0), in, frames::add);
            d.endOfStream(frames::add);
        }
        int video = 0;
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                video++;
                s.outputWidth = ((VideoFrame) f).width();
                s.outputHeight = ((VideoFrame) f).height();
            }
        }
        return video;
    }
}
