package io.sluice.sink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.frame.Subscribe;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionTest {
    @Test
    void matchesTopicsByNameOrPatternAndSubjectsByGlob() {
        Subscription s = Subscription.of(new Subscribe(List.of("aggregates"), List.of("files-.*"), List.of("pump-*", "valve-?"),
                List.of("temp*"), List.of()));
        assertThat(s.matchesTopic("aggregates")).isTrue();
        assertThat(s.matchesTopic("files-2")).isTrue();
        assertThat(s.matchesTopic("readings")).isFalse();
        assertThat(s.matchesSubject("pump-7", "temperature")).isTrue();
        assertThat(s.matchesSubject("valve-1", "temp")).isTrue();
        assertThat(s.matchesSubject("valve-12", "temp")).isFalse();
        assertThat(s.matchesSubject("pump-7", "pressure")).isFalse();
        assertThat(s.matchesSubject(null, "temp")).isFalse();
        assertThat(s.hasSubjectFilter()).isTrue();
    }

    @Test
    void globsQuoteEverythingElse() {
        assertThat(Subscription.glob("a.b*").matcher("a.bcd").matches()).isTrue();
        assertThat(Subscription.glob("a.b*").matcher("axbcd").matches()).isFalse();
        assertThat(Subscription.glob("(x)+").matcher("(x)+").matches()).isTrue();
    }

    @Test
    void refusesEmptyOrInvalidSubscriptions() {
        assertThatThrownBy(() -> Subscription.of(new Subscribe(List.of(), List.of(), List.of(), List.of(), List.of())))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_SUBSCRIPTION));
        assertThatThrownBy(() -> Subscription.of(new Subscribe(List.of(), List.of("files-[" ), List.of(), List.of(), List.of())))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_SUBSCRIPTION))
                .hasMessageContaining("files-[");
    }
}
