package io.sluice.quickstart.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.json.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Restarts the launcher's connectors when Connect reports them or one of their tasks
 * {@code FAILED}: Connect itself never restarts a failed task ("will not recover until manually
 * restarted"), even when the cause was passing, such as a transaction the broker refused to
 * commit. Every {@code interval} it reads {@code GET /connectors/{name}/status} and, for a
 * failed connector or task, calls {@code POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true},
 * at most once per back-off: the back-off starts at {@code minBackoff}, doubles with each restart
 * up to {@code maxBackoff}, and starts again once the connector has run without a failure for
 * {@code maxBackoff}. The same policy as an operator's auto-restart (Strimzi's
 * {@code autoRestart}), kept in the launcher because we build no cluster manager of our own.
 */
public final class FailedTaskRestarter implements AutoCloseable {
    private final ConnectWorker connect;
    private final List<String> connectors;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final Consumer<String> log;
    private final Map<String, Backoff> backoffs = new HashMap<>();
    private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    private static final class Backoff {
        long nextAllowedMs;
        long currentMs;
        long lastFailureMs;
    }

    private FailedTaskRestarter(ConnectWorker connect, List<String> connectors, Duration minBackoff, Duration maxBackoff, Clock clock,
            Consumer<String> log) {
        this.connect = connect;
        this.connectors = List.copyOf(connectors);
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.clock = clock;
        this.log = log;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "failed-task-restarter");
            t.setDaemon(true);
            return t;
        });
    }

    /** The launcher's policy: checks every 5 s, back-off from 5 s to 5 min. */
    public static FailedTaskRestarter start(ConnectWorker connect, List<String> connectors, Consumer<String> log) {
        return start(connect, connectors, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(5), log);
    }

    /** Starts checking {@code connectors} every {@code interval}. */
    public static FailedTaskRestarter start(ConnectWorker connect, List<String> connectors, Duration interval, Duration minBackoff,
            Duration maxBackoff, Consumer<String> log) {
        FailedTaskRestarter r = new FailedTaskRestarter(connect, connectors, minBackoff, maxBackoff, Clock.systemUTC(), log);
        r.timer.scheduleWithFixedDelay(r::checkQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return r;
    }

    /** Restarts asked for so far, by connector name. */
    public Map<String, Integer> restarts() {
        return Map.copyOf(restarts);
    }

    public int totalRestarts() {
        return restarts.values().stream().mapToInt(Integer::intValue).sum();
    }

    private void checkQuietly() {
        for (String name : connectors) {
            try {
                check(name);
            } catch (IOException | RuntimeException e) {
                // the worker may be restarting or unreachable: next round
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void check(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = connect.get("/connectors/" + name + "/status");
        if (r.statusCode() != 200) {
            return;
        }
        String failure = failure(Json.MAPPER.readTree(r.body()));
        long now = clock.millis();
        Backoff b = backoffs.computeIfAbsent(name, n -> new Backoff());
        if (failure == null) {
            if (b.currentMs > 0 && now - b.lastFailureMs >= maxBackoff.toMillis()) {
                b.currentMs = 0; // ran long enough without failing: the next failure is restarted at once
            }
            return;
        }
        b.lastFailureMs = now;
        if (now < b.nextAllowedMs) {
            return;
        }
        HttpResponse<String> restart = connect.post("/connectors/" + name + "/restart?includeTasks=true&onlyFailed=true");
        if (restart.statusCode() / 100 != 2) {
            log.accept("restarting " + name + " failed (HTTP " + restart.statusCode() + "): " + restart.body());
            return;
        }
        int n = restarts.merge(name, 1, Integer::sum);
        b.currentMs = b.currentMs == 0 ? minBackoff.toMillis() : Math.min(b.currentMs * 2, maxBackoff.toMillis());
        b.nextAllowedMs = now + b.currentMs;
        log.accept("restarted " + name + " (restart " + n + "; next no sooner than in " + b.currentMs / 1000 + " s): " + failure);
    }

    /** The first line of the failed connector's or task's trace, or null when nothing failed. */
    static String failure(JsonNode status) {
        JsonNode c = status.path("connector");
        if ("FAILED".equals(c.path("state").asText())) {
            return "connector FAILED: " + firstLine(c.path("trace").asText());
        }
        for (JsonNode t : status.path("tasks")) {
            if ("FAILED".equals(t.path("state").asText())) {
                return "task " + t.path("id").asInt() + " FAILED: " + firstLine(t.path("trace").asText());
            }
        }
        return null;
    }

    private static String firstLine(String trace) {
        int nl = trace.indexOf('\n');
        return nl < 0 ? trace : trace.substring(0, nl);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
