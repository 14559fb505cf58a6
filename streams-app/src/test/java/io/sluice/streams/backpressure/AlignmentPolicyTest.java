package io.sluice.streams.backpressure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlignmentPolicyTest {
    private final AlignmentPolicy<String> policy = new AlignmentPolicy<>(60_000, 30_000);

    private static AlignmentPolicy.View v(long t, boolean backlog) {
        return new AlignmentPolicy.View(t, backlog);
    }

    @Test
    void pausesAPartitionRacingAheadOfTheSlowestAndResumesItWithHysteresis() {
        Map<String, AlignmentPolicy.View> m = new HashMap<>();
        m.put("p0", v(100_000, true));
        m.put("p1", v(30_000, true));
        m.put("p2", v(50_000, true));
        Set<String> paused = policy.decide(m, Set.of());
        assertThat(paused).containsExactly("p0"); // 70 s ahead of p1
        assertThat(policy.lastSkew()).isEqualTo(70_000);
        m.put("p1", v(60_000, true)); // 40 s behind now: still above the resume drift
        paused = policy.decide(m, paused);
        assertThat(paused).containsExactly("p0");
        m.put("p1", v(70_000, true));
        m.put("p2", v(75_000, true)); // p0 is 30 s ahead: resumes
        assertThat(policy.decide(m, paused)).isEmpty();
    }

    @Test
    void aCaughtUpPartitionIsIdleNotSlowAndHoldsNobodyBack() {
        Map<String, AlignmentPolicy.View> m = new HashMap<>();
        m.put("p0", v(500_000, true));
        m.put("p1", v(10_000, false)); // nothing to read
        m.put("p2", v(AlignmentPolicy.UNKNOWN, true)); // no stream time yet
        assertThat(policy.decide(m, Set.of())).isEmpty();
        assertThat(policy.decide(m, Set.of("p0"))).as("resumes once no slower partition has data").isEmpty();
    }

    @Test
    void withNoBacklogAnywhereNothingIsPaused() {
        assertThat(policy.decide(Map.of("a", v(1, false), "b", v(10_000_000, false)), Set.of("b"))).isEmpty();
        assertThat(policy.lastSkew()).isZero();
    }
}
