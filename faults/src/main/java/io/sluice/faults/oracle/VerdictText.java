package io.sluice.faults.oracle;

import java.util.Locale;

/** The verdict as a few lines of text: totals, peers, the first differing windows and the devices that lost data. */
public final class VerdictText {
    private VerdictText() {
    }

    public static String render(Oracle.Verdict v) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  readings sent %,d, acknowledged %,d, in the readings topic %,d (duplicate copies %,d, "
                + "gaps %,d), LOST %,d%n", v.sent(), v.acked(), v.inTopic(), v.duplicates(), v.gaps(), v.lost()));
        b.append(String.format(Locale.ROOT, "  counted in %,d final windows %,d, late %,d%s; recomputed windows %,d, differing %,d "
                + "(over-count %,d, under-count %,d, not emitted %,d), finals emitted twice %,d%n", v.windows(), v.counted(), v.late(),
                v.lateRepeated() == 0 ? "" : String.format(Locale.ROOT, " (and %,d late records written twice)", v.lateRepeated()),
                v.recomputedWindows(), v.diffs().size(), v.overCount(), v.underCount(), v.windowsMissing(), v.repeatedFinals()));
        if (v.lateByDevice() > 0 || v.lateOtherwise() > 0) {
            b.append(String.format(Locale.ROOT, "  late by the per-device rule %,d, closed by stream time or idle %,d%n",
                    v.lateByDevice(), v.lateOtherwise()));
        }
        for (Oracle.PeerLine p : v.peers()) {
            b.append(String.format(Locale.ROOT, "  peer %s: %,d of %,d final windows (sum of counts %,d), missing %,d, duplicates %,d"
                    + "%s%s%n", p.peer(), p.delivered(), p.expected(), p.countDelivered(), p.missing(), p.duplicates(),
                    p.unreadable() > 0 ? ", unreadable lines " + p.unreadable() : "",
                    p.notCommitted() > 0 ? ", NOT COMMITTED in the topic " + p.notCommitted() : ""));
        }
        v.diffs().stream().limit(5).forEach(d -> b.append("  window ").append(d.key()).append(": emitted ").append(d.emittedCount())
                .append(", recomputed ").append(d.recomputedCount()).append(" (").append(d.what()).append(")\n"));
        v.devices().stream().filter(d -> d.lost() > 0).limit(5).forEach(d -> b.append(String.format(Locale.ROOT,
                "  device %s: acked %,d, in topic %,d, LOST %,d%n", d.device(), d.acked(), d.inTopic(), d.lost())));
        return b.toString();
    }
}
