package io.sluice.streams.backpressure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackpressureControllerTest {
    private final BackpressureController c = new BackpressureController(1000, 200, 0.8, 0.3);

    @Test
    void pausesAtTheHighMarkAndResumesOnlyAtTheLowMark() {
        assertThat(c.update(999, 0)).isFalse();
        assertThat(c.update(1000, 0)).isTrue();
        assertThat(c.reason()).contains("lag 1000");
        // between the marks: stays paused (hysteresis)
        assertThat(c.update(500, 0)).isTrue();
        assertThat(c.update(201, 0)).isTrue();
        assertThat(c.update(200, 0)).isFalse();
        // between the marks again: stays running
        assertThat(c.update(999, 0)).isFalse();
    }

    @Test
    void theProducerBufferPausesOnItsOwnAndBothSignalsMustBeLowToResume() {
        assertThat(c.update(0, 0.79)).isFalse();
        assertThat(c.update(0, 0.8)).isTrue();
        assertThat(c.reason()).contains("producer buffer 80%");
        assertThat(c.update(0, 0.5)).isTrue();
        assertThat(c.update(500, 0.1)).as("lag still above its low mark").isTrue();
        assertThat(c.update(100, 0.3)).isFalse();
    }

    @Test
    void anUnknownLagNeitherPausesNorResumes() {
        assertThat(c.update(-1, 0)).isFalse();
        c.update(5000, 0);
        assertThat(c.update(-1, 0)).isTrue();
        assertThat(c.update(0, 0)).isFalse();
    }

    @Test
    void marksMustLeaveRoomForHysteresis() {
        assertThatThrownBy(() -> new BackpressureController(100, 100, 0.8, 0.3)).hasMessageContaining("lag low mark");
        assertThatThrownBy(() -> new BackpressureController(100, 10, 0.5, 0.5)).hasMessageContaining("buffer low mark");
    }
}
