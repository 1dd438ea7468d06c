package io.flinktrickle.connector.trickle.media;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one fps cap of the decoder and the operator. */
class FpsCapTest {

    private static int passed(FpsCap cap, long start, int frames, long step) {
        int n = 0;
        for (int i = 0; i < frames; i++) {
            if (cap.admit(start + i * step)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void thirtyCappedTo24Gives24NotFifteen() {
        assertThat(passed(new FpsCap(24), 126_000, 300, 3000)).isBetween(239, 241);
    }

    @Test
    void capsAtOrAboveTheInputRatePassEverything() {
        assertThat(passed(new FpsCap(30), 0, 300, 3000)).isEqualTo(300);
        assertThat(passed(new FpsCap(60), 0, 300, 3000)).isEqualTo(300);
        assertThat(passed(new FpsCap(0), 0, 300, 3000)).isEqualTo(300);
    }

    @Test
    void tenOfThirtyAndLiveChanges() {
        FpsCap cap = new FpsCap(10);
        assertThat(passed(cap, 0, 90, 3000)).isEqualTo(30);
        cap.setFps(0);
        assertThat(passed(cap, 270_000, 30, 3000)).isEqualTo(30);
    }

    @Test
    void aSkippedKeyframeLeavesItsMarkToTheNextFrameThatPasses() {
        FpsCap cap = new FpsCap(10);
        assertThat(cap.admit(0, false)).isTrue();
        assertThat(cap.takeOwedKeyframe()).isFalse();
        assertThat(cap.admit(3_000, true)).as("a keyframe between two due times").isFalse();
        assertThat(cap.admit(6_000, false)).isFalse();
        assertThat(cap.admit(9_000, false)).isTrue();
        assertThat(cap.takeOwedKeyframe()).as("the skipped keyframe's mark").isTrue();
        assertThat(cap.takeOwedKeyframe()).as("taken once").isFalse();
        assertThat(cap.admit(18_000, true)).isTrue();
        assertThat(cap.takeOwedKeyframe()).as("an admitted keyframe owes nothing").isFalse();
    }

    @Test
    void aPtsJumpRestartsTheSchedule() {
        FpsCap cap = new FpsCap(10);
        assertThat(cap.admit(10_000_000)).isTrue();
        assertThat(cap.admit(5_000)).as("pts went back: a new timeline").isTrue();
        assertThat(cap.admit(8_000)).isFalse();
        assertThat(cap.admit(5_000 + 9_000)).isTrue();
    }

    @Test
    void millisecondTimestampsAtTheInputRateLoseNothing() {
        // 30 fps with pts rounded to the millisecond (RTMP ingest): steps of 33, 33, 34 ms.
        FpsCap cap = new FpsCap(30);
        long ms = 0;
        int passed = 0;
        for (int i = 0; i < 300; i++) {
            ms = i * 1000L / 30;
            if (cap.admit(ms * 90)) {
                passed++;
            }
        }
        assertThat(passed).isEqualTo(300);
        assertThat(cap.takeSkipped()).isZero();
    }

    @Test
    void skippedFramesAreCountedUntilTheNextThatPasses() {
        FpsCap cap = new FpsCap(10);
        assertThat(cap.admit(0)).isTrue();
        assertThat(cap.takeSkipped()).isZero();
        assertThat(cap.admit(3_000)).isFalse();
        assertThat(cap.admit(6_000)).isFalse();
        assertThat(cap.admit(9_000)).isTrue();
        assertThat(cap.takeSkipped()).isEqualTo(2);
        assertThat(cap.takeSkipped()).as("taken once").isZero();
    }

    @Test
    void aRepeatWithinASecondDoesNotPassAGapDoesNotBurst() {
        FpsCap cap = new FpsCap(30);
        for (int i = 0; i < 30; i++) {
            assertThat(cap.admit(i * 3_000L)).isTrue();
        }
        assertThat(cap.admit(60_000)).as("a frame seen again, 0.3 s back").isFalse();
        assertThat(cap.admit(87_000)).as("the same again").isFalse();
        // A half-second gap: the next frame passes, and the schedule goes on from it.
        assertThat(cap.admit(132_000)).isTrue();
        assertThat(cap.admit(135_000)).isTrue();
        assertThat(cap.admit(136_000)).as("no burst after the gap").isFalse();
    }

    @Test
    void aRestartStartsANewScheduleAndKeepsAnOwedMark() {
        FpsCap cap = new FpsCap(10);
        assertThat(cap.admit(90_000, false)).isTrue();
        assertThat(cap.admit(93_000, true)).isFalse();
        cap.restart();
        // 0.5 s back: without the restart this is behind the schedule (a repeat) and skipped.
        assertThat(cap.admit(45_000, false)).isTrue();
        assertThat(cap.takeOwedKeyframe()).isTrue();
    }

    @Test
    void aNegativeRateIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FpsCap(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_framerate");
    }
}
