package io.sluice.quickstart.view;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link Snapshot} as a block of lines redrawn in place once a second on a terminal,
 * or as one compact line every few seconds when the output is not a terminal (CI logs).
 */
public final class LiveView {
    private final PrintStream out;
    private final boolean redraw;
    private int lastLines;
    private long lastCompact;

    public LiveView(PrintStream out, boolean redraw) {
        this.out = out;
        this.redraw = redraw;
    }

    public void show(Snapshot s, String status) {
        if (!redraw) {
            long now = System.nanoTime();
            if (now - lastCompact >= 5_000_000_000L) {
                lastCompact = now;
                out.println(compact(s, status));
            }
            return;
        }
        String[] lines = render(s, status).split("\n");
        StringBuilder b = new StringBuilder();
        if (lastLines > 0) {
            b.append("\u001b[").append(lastLines).append("F");
        }
        for (String l : lines) {
            b.append("\u001b[2K").append(l).append('\n');
        }
        out.print(b);
        out.flush();
        lastLines = lines.length;
    }

    static String render(Snapshot s, String status) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Sluice quickstart  %s  %s%n", clock(s.elapsedSeconds()), status));
        b.append(String.format(Locale.ROOT, "  devices  %d/%d connected   sent %,d   acked %,d   in flight %,d   resent %,d   rejected %,d   %,.0f/s%n",
                s.devicesConnected(), s.devices(), s.generated(), s.acked(), s.inFlight(), s.resent(), s.rejected(), s.deviceRate()));
        b.append(String.format(Locale.ROOT, "  source   buffer %s records (%s full)   paused connections %s   duplicates dropped %s   drops %s%n",
                n(s.bufferRecords()), pct(s.bufferFill()), n(s.connectionsPaused()), n(s.readingsDuplicate()), drops(s.sourceDrops())));
        b.append("  topics  ");
        s.topicRecords().forEach((t, c) -> b.append(String.format(Locale.ROOT, "  %s %s", t, n(c))));
        b.append('\n');
        b.append(String.format(Locale.ROOT, "  streams  windows emitted %s final, %s updates   late %s   dead-lettered %s   paused %s (%s partitions)   sink lag %s%n",
                n(s.windowsFinal()), n(s.windowsUpdates()), n(s.lateReadings()), n(s.deadLetters()), s.streamsPaused() ? "yes" : "no",
                n(s.streamsPausedPartitions()), n(s.downstreamLag())));
        b.append(String.format(Locale.ROOT, "  sink     peers %s   delivered %s   paused partitions %s   drops %s%n",
                n(s.peersConnected()), n(s.sinkDelivered()), n(s.sinkPausedPartitions()), drops(s.sinkDrops())));
        PeerOutput.Counts p = s.peer();
        b.append(String.format(Locale.ROOT, "  peer     received %,d aggregates (%,d final windows, sum of count %,d)%s",
                p.distinct(), p.finalWindows(), p.finalCountSum(), p.duplicates() > 0 ? String.format("   duplicates dropped %,d", p.duplicates()) : ""));
        return b.toString();
    }

    static String compact(Snapshot s, String status) {
        PeerOutput.Counts p = s.peer();
        return String.format(Locale.ROOT, "[%s] %s | devices %d/%d sent %d acked %d | readings %s | windows %s | peer sum(count) %d | source paused %s | streams paused %s | sink paused %s",
                clock(s.elapsedSeconds()), status, s.devicesConnected(), s.devices(), s.generated(), s.acked(),
                n(s.topicRecords().getOrDefault("readings", -1L)), n(s.windowsFinal()), p.finalCountSum(),
                n(s.connectionsPaused()), n(s.streamsPausedPartitions()), n(s.sinkPausedPartitions()));
    }

    private static String clock(double seconds) {
        long s = (long) seconds;
        return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    private static String n(long v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%,d", v);
    }

    private static String pct(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    private static String drops(Map<String, Long> m) {
        long total = m.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return "0";
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (v > 0) {
                b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%,d", v));
            }
        });
        return b.toString();
    }
}
