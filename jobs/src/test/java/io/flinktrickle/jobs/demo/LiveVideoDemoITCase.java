package io.flinktrickle.jobs.demo;

import io.flinktrickle.connector.trickle.media.Frame;
import io.flinktrickle.connector.trickle.media.MpegTsFrameDecoder;
import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.source.SegmentDecoder;
import io.flinktrickle.connector.trickle.source.SegmentInfo;
import io.flinktrickle.connector.trickle.testutils.ChildProcess;
import io.flinktrickle.processor.testutils.TestJars;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo end to end, shortened: clip A in real time through the job into a playable file. */
class LiveVideoDemoITCase {

    @Test
    void theDemoWritesAPlayableOutputAndASummary(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo.ts");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DemoSummary s =
                new LiveVideoDemo(
                                DemoOptions.parse(
                                        "--seconds",
                                        "6",
                                        "--processor",
                                        "stats",
                                        "--out",
                                        out.toString()),
                                new PrintStream(printed, true, StandardCharsets.UTF_8))
                        .run();
        String text = printed.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(s.inputSegments).isEqualTo(3);
        assertThat(s.decodedFrames).as("frames in the output file").isGreaterThanOrEqualTo(120);
        assertThat(s.outputWidth).isEqualTo(512);
        assertThat(s.dataLines).as("FrameStats sends data").isPositive();
        assertThat(Files.size(out)).isEqualTo(s.outputBytes);
        assertThat(text).contains("fps in", "summary", "output file decodes        yes");
    }

    /**
     * {@code ./bin/demo --processor-jar white-box.jar --processor com.example.WhiteBox}: a jar
     * built at test time (its classes are not on this classpath) goes to the local MiniCluster as
     * the job's {@code pipeline.jars}; its white box is in the output file's pixels.
     */
    @Test
    void aProcessorFromItsOwnJar(@TempDir Path dir) throws Exception {
        Path jar = TestJars.compile(dir, "white-box.jar", TestJars.WHITE_BOX, null);
        assertThatThrownBy(() -> Class.forName("com.example.WhiteBox"))
                .isInstanceOf(ClassNotFoundException.class);
        Path out = dir.resolve("demo.ts");
        DemoSummary s =
                new LiveVideoDemo(
                                DemoOptions.parse(
                                        "--seconds",
                                        "4",
                                        "--processor",
                                        "com.example.WhiteBox",
                                        "--processor-jar",
                                        jar.toString(),
                                        "--out",
                                        out.toString()),
                                new PrintStream(new ByteArrayOutputStream(), true))
                        .run();
        assertThat(s.decodedFrames).isGreaterThanOrEqualTo(60);
        List<VideoFrame> frames = decode(out);
        for (VideoFrame f : List.of(frames.get(0), frames.get(frames.size() - 1))) {
            // Inside the box, off its edges (H.264 and 4:2:0 chroma blur the border).
            assertThat(TestJars.meanRgb(f, 8, TestJars.BOX - 8))
                    .as("the box is white")
                    .isGreaterThan(240);
        }
        assertThatThrownBy(
                        () ->
                                new LiveVideoDemo(
                                                DemoOptions.parse(
                                                        "--processor",
                                                        "com.example.Missing",
                                                        "--processor-jar",
                                                        jar.toString(),
                                                        "--out",
                                                        out.toString()),
                                                new PrintStream(new ByteArrayOutputStream(), true))
                                        .run())
                .hasMessageContaining("class com.example.Missing not found");
    }

    private static List<VideoFrame> decode(Path file) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (SegmentDecoder.ChannelDecoder<Frame> d =
                        MpegTsFrameDecoder.builder().maxFramerate(0).build().open("out");
                InputStream in = Files.newInputStream(file)) {
            d.decode(new SegmentInfo("out", 0, "video/MP2T", 0), in, frames::add);
            d.endOfStream(frames::add);
        }
        List<VideoFrame> video = new ArrayList<>();
        for (Frame f : frames) {
            if (f instanceof VideoFrame) {
                video.add((VideoFrame) f);
            }
        }
        return video;
    }

    /**
     * The demo as {@code ./bin/demo} runs it, in a JVM of its own: its console (standard output and
     * error) shows only its progress lines and the summary; Flink's, DJL's and FFmpeg's messages
     * are in the log file the summary names.
     */
    @Test
    void theConsoleShowsOnlyTheDemosOwnLines(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("demo.log");
        ChildProcess.Result run =
                ChildProcess.runMain(
                        Duration.ofMinutes(3),
                        List.of("-Dai.djl.offline=true"),
                        LiveVideoDemo.class,
                        "--seconds",
                        "4",
                        "--processor",
                        "invert",
                        "--out",
                        dir.resolve("demo.ts").toString(),
                        "--log",
                        log.toString());
        assertThat(run.exitCode).as("%s", run).isZero();
        assertThat(run.stderr.lines().filter(l -> !l.startsWith("Picked up "))) // JVM's notice
                .as("standard error")
                .isEmpty();
        String labels =
                DemoSummary.LABELS.stream().map(Pattern::quote).collect(Collectors.joining("|"));
        Pattern demoLine =
                Pattern.compile(
                        "(trickle server|job|input): .+|  event: \\S+|  fps in .+|summary|"
                                + "|  (" // (a blank line is one too)
                                + labels
                                + ") +\\S.*");
        assertThat(run.stdoutLines())
                .as("the console")
                .allSatisfy(line -> assertThat(line).matches(demoLine))
                .anySatisfy(line -> assertThat(line).startsWith("  fps in"))
                .contains("  log (Flink, FFmpeg)        " + log.toAbsolutePath());
        assertThat(Files.readString(log))
                .as("the log")
                .contains("ffmpeg - Input #0, mpegts")
                .contains("ffmpeg - [libx264 @")
                .contains("WARN ");
    }

    @Test
    void aGeneratedTestPatternStandsInWithoutAClip() throws Exception {
        DemoInput pattern = DemoInput.testPattern(128, 96, 4);
        assertThat(pattern.segments).hasSize(2);
        assertThat(pattern.segments.get(0)[0]).as("MPEG-TS sync byte").isEqualTo((byte) 0x47);
    }

    @Test
    void badOptionsAreRejected() {
        assertThatThrownBy(() -> DemoOptions.parse("--seconds", "0"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> DemoOptions.parse("--width", "511")).hasMessageContaining("even");
        assertThatThrownBy(() -> DemoOptions.parse("--input", "/no/such/file.ts"))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> DemoOptions.parse("--colour"))
                .hasMessageContaining("Unknown option: '--colour'");
        assertThatThrownBy(() -> DemoOptions.parse("--seconds", "ten"))
                .hasMessageContaining("option '--seconds': 'ten' is not an int");
        assertThat(DemoOptions.parse("--help")).as("the usage was asked for").isNull();
        assertThat(DemoOptions.parse("--processor", "blur").processorClass()).endsWith("BlurModel");
        assertThat(DemoOptions.parse("--processor", "blur-batch").processorClass())
                .endsWith("BlurBatchModel");
        assertThat(
                        DemoOptions.parse(
                                        "--processor-jar",
                                        "a.jar,b.jar",
                                        "--processor-jar",
                                        "c.jar")
                                .processorJars)
                .containsExactly(Path.of("a.jar"), Path.of("b.jar"), Path.of("c.jar"));
    }
}
