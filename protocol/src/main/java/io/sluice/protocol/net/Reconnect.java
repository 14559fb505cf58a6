package io.sluice.protocol.net;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The reconnect loop both clients (devices and peers) use: connect attempts until one succeeds,
 * with exponential backoff and jitter between them, ended early by a {@link PermanentFailure}
 * (a refusal retrying cannot fix) or when the client is closing.
 */
public final class Reconnect {
    private Reconnect() {
    }

    /** Told before each wait: the attempt that failed (1-based) and how long until the next. */
    @FunctionalInterface
    public interface RetryListener {
        void scheduled(int attempt, Duration delay);
    }

    /** Marks a failure that retrying cannot fix. */
    public static final class PermanentFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PermanentFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Runs {@code attempt} until it completes normally; the returned future completes with its
     * result, or exceptionally with the {@link PermanentFailure} (or the last error once {@code stop} says so).
     */
    public static <T> CompletableFuture<T> until(ScheduledExecutorService scheduler, Duration backoffMin, Duration backoffMax,
            double jitter, BooleanSupplier stop, RetryListener listener, Supplier<? extends CompletionStage<T>> attempt) {
        RetryPolicy<T> policy = RetryPolicy.<T>builder()
                .handle(Throwable.class)
                .abortOn(PermanentFailure.class)
                .withBackoff(backoffMin, backoffMax)
                .withJitter(jitter)
                .withMaxRetries(-1)
                .abortIf((result, error) -> stop.getAsBoolean())
                .onRetryScheduled(e -> listener.scheduled(e.getAttemptCount(), e.getDelay()))
                .build();
        return Failsafe.with(policy).with(scheduler).getStageAsync(attempt::get).toCompletableFuture();
    }

    /** The failure to report for a loop that ended exceptionally: the cause a {@link PermanentFailure} wraps. */
    public static Throwable cause(Throwable e) {
        return e instanceof PermanentFailure ? e.getCause() : e;
    }
}
