package io.sluice.bench;

import io.sluice.quickstart.stack.Jmx;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heap used (JMX, or this JVM's own MXBean) and RSS ({@code /proc/<pid>/status}) of each process
 * of the benchmark, sampled at a fixed interval on a thread of its own, as time series.
 */
final class MemoryProbe implements AutoCloseable {
    /** One sample: seconds since the probe started, heap used and RSS in bytes. */
    record Sample(double seconds, double heap, double rss) {
    }

    private record Target(String name, long pid, Jmx jmx) {
    }

    private final List<Target> targets = new ArrayList<>();
    private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
    private final long intervalMs;
    private volatile boolean running;
    private Thread thread;
    private long t0;

    MemoryProbe(long intervalMs) {
        this.intervalMs = intervalMs;
    }

    /** A process with JMX on {@code jmxPort}; this JVM itself when {@code jmxPort} is 0. */
    MemoryProbe watch(String name, long pid, int jmxPort) {
        Jmx jmx = null;
        if (jmxPort > 0) {
            try {
                jmx = Jmx.connect(jmxPort);
            } catch (Exception e) {
                System.err.println("memory probe: no JMX for " + name + " on port " + jmxPort + ": " + e.getMessage());
            }
        }
        targets.add(new Target(name, pid, jmx));
        samples.put(name, new ArrayList<>());
        return this;
    }

    MemoryProbe start() {
        running = true;
        t0 = System.nanoTime();
        thread = new Thread(this::loop, "bench-memory-probe");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void loop() {
        long self = ProcessHandle.current().pid();
        while (running) {
            double t = (System.nanoTime() - t0) / 1e9;
            for (Target target : targets) {
                double heap = target.pid() == self
                        ? ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()
                        : target.jmx() == null ? Double.NaN : BenchStack.heapUsed(target.jmx());
                double rss = BenchStack.rss(target.pid());
                synchronized (samples) {
                    samples.get(target.name()).add(new Sample(t, heap, rss));
                }
            }
            try {
                Thread.sleep(intervalMs); // the sampling period of a measurement, not a wait for a result
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Seconds since the probe started (the time base of its samples). */
    double elapsed() {
        return (System.nanoTime() - t0) / 1e9;
    }

    Map<String, List<Sample>> samples() {
        synchronized (samples) {
            Map<String, List<Sample>> copy = new LinkedHashMap<>();
            samples.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return copy;
        }
    }

    double peakHeap(String name) {
        return samples().get(name).stream().mapToDouble(Sample::heap).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
    }

    double peakRss(String name) {
        return samples().get(name).stream().mapToDouble(Sample::rss).max().orElse(Double.NaN);
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Target t : targets) {
            if (t.jmx() != null) {
                try {
                    t.jmx().close();
                } catch (Exception ignored) {
                    // the process may be gone already
                }
            }
        }
    }
}
