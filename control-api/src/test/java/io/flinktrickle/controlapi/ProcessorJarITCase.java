package io.flinktrickle.controlapi;

import io.flinktrickle.connector.trickle.media.VideoFrame;
import io.flinktrickle.connector.trickle.testutils.Await;
import io.flinktrickle.connector.trickle.testutils.TestMedia;
import io.flinktrickle.controlapi.config.SidecarConfig;
import io.flinktrickle.controlapi.testutils.Api;
import io.flinktrickle.controlapi.testutils.Frames;
import io.flinktrickle.controlapi.testutils.Orchestrator;
import io.flinktrickle.controlapi.testutils.Sidecars;
import io.flinktrickle.processor.testutils.TestJars;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A processor author's jar, built at test time and not on the test's classpath, run by the sidecar
 * as {@code ./bin/sidecar --processor-jar white-box.jar --processor com.example.WhiteBox} does: the
 * embedded MiniCluster's runner job loads it through Flink's user-code class loader, and its white
 * box shows in the decoded output of a live stream (clip A in real time on a real trickle server).
 */
class ProcessorJarITCase {
    private static final String WHITE_BOX = "com.example.WhiteBox";

    /** Inside the box, off its edges (H.264 and 4:2:0 chroma blur the border). */
    private static final int INNER_FROM = 8;

    private static final int INNER_TO = TestJars.BOX - 8;

    @Test
    void theProcessorOfAJarPaintsTheOutput(@TempDir Path tmp) throws Exception {
        Path jar = TestJars.compile(tmp, "white-box.jar", TestJars.WHITE_BOX, null);
        assertThatThrownBy(() -> Class.forName(WHITE_BOX))
                .as("the processor is in its jar only")
                .isInstanceOf(ClassNotFoundException.class);
        double inputCorner = meanOfBox(Frames.videoOf(TestMedia.read(TestMedia.clipA().get(0))));
        assertThat(inputCorner).as("clip A's corner is not white").isLessThan(200);

        SidecarConfig config = Sidecars.withProcessorJar(jar, WHITE_BOX);
        try (Orchestrator orch = new Orchestrator();
                Sidecar sidecar = Sidecar.create(config, Optional.empty())) {
            sidecar.start();
            Api api = new Api(sidecar.baseUri());
            api.awaitHealth("IDLE", Duration.ofSeconds(90));
            Orchestrator.Stream s = orch.stream("jar00001");
            s.publishLive();
            Api.Answer started = api.post("/stream/start", s.startBody(Map.of()));
            assertThat(started.status).as(started.toString()).isEqualTo(200);
            Await.until(() -> s.output.size() >= 2, 60, "two output segments");

            List<VideoFrame> frames = Frames.videoOf(s.output.get(1));
            assertThat(frames).hasSizeGreaterThan(30);
            assertThat(frames.get(0).width()).isEqualTo(512);
            System.out.printf(
                    "processor jar: box mean in %.1f, out %.1f%n", inputCorner, meanOfBox(frames));
            for (VideoFrame f : List.of(frames.get(0), frames.get(frames.size() - 1))) {
                assertThat(meanOfBox(List.of(f))).as("the box is white").isGreaterThan(240);
                assertThat(TestJars.meanRgb(f, 256, 320)).as("the rest is clip A").isLessThan(235);
            }
            assertThat(api.post("/stream/stop", null).status).isEqualTo(200);
            Await.until(() -> s.outputEnded, 10, "the output channel ends");
        }
    }

    private static double meanOfBox(List<VideoFrame> frames) {
        return TestJars.meanRgb(frames.get(0), INNER_FROM, INNER_TO);
    }
}
