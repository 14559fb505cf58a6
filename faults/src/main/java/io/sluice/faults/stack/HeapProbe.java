package io.sluice.faults.stack;

import io.sluice.quickstart.stack.JavaProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap in use of the stack's JVMs, from {@code jcmd <pid> GC.heap_info} (works for every process,
 * with or without JMX). Keeps the peak per process name.
 */
public final class HeapProbe {
    private static final Pattern USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private final Map<String, Long> peakUsedBytes = new LinkedHashMap<>();
    private final String jcmd;

    public HeapProbe() {
        this.jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    /** Samples each live process once; returns what was read (bytes in use by name). */
    public Map<String, Long> sample(Map<String, JavaProcess> processes) {
        Map<String, Long> now = new LinkedHashMap<>();
        processes.forEach((name, p) -> {
            if (p == null || !p.isAlive()) {
                return;
            }
            long used = usedBytes(p.pid());
            if (used >= 0) {
                now.put(name, used);
                peakUsedBytes.merge(name, used, Math::max);
            }
        });
        return now;
    }

    /** Peak heap in use per process since this probe was made. */
    public Map<String, Long> peaks() {
        return Map.copyOf(peakUsedBytes);
    }

    long usedBytes(long pid) {
        try {
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            Matcher m = USED.matcher(out);
            return m.find() ? Long.parseLong(m.group(2)) * 1024 : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
