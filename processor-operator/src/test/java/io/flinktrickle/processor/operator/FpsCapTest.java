package io.flinktrickle.processor.operator;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
