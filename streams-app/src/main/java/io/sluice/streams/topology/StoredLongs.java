package io.sluice.streams.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Longs by name under one prefix byte of a store (the task's changelogged meta store): every one
 * on the heap while there are at most {@code heapMax}, beyond that an LRU cache of the store.
 * {@link #put} writes through; {@link #putHeap} keeps the value on the heap only until
 * {@link #store} (or eviction from the cache) writes it.
 */
final class StoredLongs {
    private final KeyValueStore<Bytes, byte[]> store;
    private final byte prefix;
    private final int heapMax;
    private final long absent;
    /** name to {value, stored value}. */
    private Map<String, long[]> heap = new HashMap<>();
    private boolean allInHeap = true;

    StoredLongs(KeyValueStore<Bytes, byte[]> store, byte prefix, int heapMax, long absent) {
        this.store = store;
        this.prefix = prefix;
        this.heapMax = heapMax;
        this.absent = absent;
        load();
    }

    long get(String name) {
        return entry(name)[0];
    }

    void put(String name, long value) {
        long[] e = entry(name);
        e[0] = value;
        write(name, e);
    }

    void putHeap(String name, long value) {
        entry(name)[0] = value;
    }

    void store(String name) {
        long[] e = entry(name);
        if (e[0] != e[1]) {
            write(name, e);
        }
    }

    private void write(String name, long[] e) {
        store.put(key(name), ByteBuffer.allocate(8).putLong(e[0]).array());
        e[1] = e[0];
    }

    private long[] entry(String name) {
        long[] e = heap.get(name);
        if (e != null) {
            return e;
        }
        long v = absent;
        if (!allInHeap) {
            byte[] b = store.get(key(name));
            v = b == null ? absent : ByteBuffer.wrap(b).getLong();
        }
        e = new long[] {v, v};
        heap.put(name, e);
        if (allInHeap && heap.size() > heapMax) {
            useCache();
        }
        return e;
    }

    private void load() {
        try (KeyValueIterator<Bytes, byte[]> it = store.range(Bytes.wrap(new byte[] {prefix}),
                Bytes.wrap(new byte[] {(byte) (prefix + 1)}))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (k.length == 0 || k[0] != prefix) {
                    continue;
                }
                if (heap.size() >= heapMax) {
                    useCache();
                    return;
                }
                long v = ByteBuffer.wrap(kv.value).getLong();
                heap.put(new String(k, 1, k.length - 1, StandardCharsets.UTF_8), new long[] {v, v});
            }
        }
    }

    private void useCache() {
        allInHeap = false;
        Map<String, long[]> cache = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                if (size() <= heapMax) {
                    return false;
                }
                if (eldest.getValue()[0] != eldest.getValue()[1]) {
                    write(eldest.getKey(), eldest.getValue());
                }
                return true;
            }
        };
        heap.forEach((k, v) -> {
            if (v[0] != v[1]) {
                write(k, v);
            }
        });
        cache.putAll(heap);
        heap = cache;
    }

    private Bytes key(String name) {
        byte[] g = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[g.length + 1];
        k[0] = prefix;
        System.arraycopy(g, 0, k, 1, g.length);
        return Bytes.wrap(k);
    }
}
