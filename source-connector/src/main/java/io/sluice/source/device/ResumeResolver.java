package io.sluice.source.device;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up devices' committed seqs off the network threads: the lookup reads Connect's offset
 * store, which can block. Requests that arrive together (many devices reconnecting after a
 * restart) are answered by one lookup.
 */
public final class ResumeResolver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResumeResolver.class);

    /** Committed seq per device; devices without one may be missing from the result. */
    public interface Lookup {
        Map<String, Long> committedSeqs(Collection<String> devices) throws Exception;
    }

    private record Request(String device, BiConsumer<Long, Throwable> callback) {
    }

    private final Lookup lookup;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    public ResumeResolver(Lookup lookup, String name) {
        this.lookup = lookup;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Calls {@code callback} (on the resolver's thread) with the committed seq (0 if none) or the failure. */
    public void resolve(String device, BiConsumer<Long, Throwable> callback) {
        if (closed) {
            callback.accept(null, new IllegalStateException("the source task is stopping"));
            return;
        }
        queue.add(new Request(device, callback));
    }

    private void run() {
        while (!closed) {
            List<Request> batch = new ArrayList<>();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch);
            Set<String> devices = new LinkedHashSet<>();
            batch.forEach(r -> devices.add(r.device()));
            Map<String, Long> seqs;
            try {
                seqs = lookup.committedSeqs(devices);
            } catch (Throwable t) {
                if (!closed) {
                    log.warn("cannot read committed seqs of {} devices: {}", devices.size(), t.toString());
                }
                batch.forEach(r -> r.callback().accept(null, t));
                continue;
            }
            for (Request r : batch) {
                Long s = seqs.get(r.device());
                r.callback().accept(s == null ? 0L : s, null);
            }
        }
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(r -> r.callback().accept(null, new IllegalStateException("the source task is stopping")));
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
