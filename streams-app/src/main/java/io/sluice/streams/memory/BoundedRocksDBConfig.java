package io.sluice.streams.memory;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One off-heap memory budget for every RocksDB store of the instance (Kafka Streams' documented
 * pattern): a shared LRU block cache of {@code rocksdb.memory.bytes} holding data, index and
 * filter blocks, and a {@code WriteBufferManager} that counts memtables against the same cache up
 * to {@code rocksdb.memtable.bytes}. Without it each store gets its own 50 MB of block cache and
 * memtables, so memory grows with the number of partitions.
 */
public final class BoundedRocksDBConfig implements RocksDBConfigSetter {
    /** Keys read from the Kafka Streams config map (the app puts them there). */
    public static final String MEMORY_BYTES = "sluice.rocksdb.memory.bytes";
    public static final String MEMTABLE_BYTES = "sluice.rocksdb.memtable.bytes";

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;

    /** One budget per JVM (one app instance per JVM): the first configuration wins. */
    private static synchronized void ensure(long memory, long memtables) {
        if (cache == null) {
            cache = new LRUCache(memory, -1, false, 0.1);
            writeBufferManager = new WriteBufferManager(memtables, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long memory = Long.parseLong(String.valueOf(configs.getOrDefault(MEMORY_BYTES, 64L << 20)));
        long memtables = Long.parseLong(String.valueOf(configs.getOrDefault(MEMTABLE_BYTES, 16L << 20)));
        ensure(memory, memtables);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBufferManager);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(Math.max(1L << 20, memtables / 4));
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and write buffer manager are shared: never closed per store
    }
}
