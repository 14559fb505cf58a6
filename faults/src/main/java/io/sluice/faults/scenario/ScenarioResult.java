package io.sluice.faults.scenario;

import io.sluice.faults.oracle.Oracle;
import io.sluice.faults.oracle.VerdictText;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one scenario run did and found.
 *
 * @param load        devices, rate and how long they sent
 * @param faults      the faults injected, in words
 * @param recoveries  per fault: from its end (restart, continue) until the devices' acknowledgements (or the peer's
 *                    output) grew again
 * @param notes       measured extras (heap peaks, pauses, policy counters) and anything not met
 */
public record ScenarioResult(String scenario, String load, String faults, Oracle.Verdict verdict, List<Duration> recoveries,
        Duration elapsed, Map<String, String> notes, boolean passed, String failure) {

    public Duration maxRecovery() {
        return recoveries.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    }

    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s — %s%n  load: %s; faults: %s; %d s%n", passed ? "PASSED" : "FAILED", scenario, load,
                faults, elapsed.toSeconds()));
        b.append("  recovery: ").append(recoveries.stream().map(d -> String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0))
                .toList()).append('\n');
        b.append(VerdictText.render(verdict));
        notes.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
        if (failure != null) {
            b.append("  NOT MET: ").append(failure).append('\n');
        }
        return b.toString();
    }

    /** One row of the table in docs/RELIABILITY.md. */
    public String tableRow(String command) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %,d | %,d | %,d | %,d | %s | %s | `%s` |", scenario, load, faults,
                verdict.acked(), verdict.lost(), verdict.duplicates(), verdict.late(), recoveries.isEmpty() ? "-"
                        : String.format(Locale.ROOT, "max %.1f s", maxRecovery().toMillis() / 1000.0),
                passed ? "passed" : "FAILED: " + failure, command);
    }

    public static String tableHeader() {
        return "| scenario | load | faults | acknowledged | lost | duplicates | late | recovery | result | command |\n"
                + "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |";
    }
}
