package io.sluice.streams.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDBConfigTest {

    @Test
    void everyStoreSharesOneWriteBufferManagerAndCachesIndexAndFilterBlocks() {
        RocksDB.loadLibrary();
        Map<String, Object> configs = Map.of(BoundedRocksDBConfig.MEMORY_BYTES, 32L << 20,
                BoundedRocksDBConfig.MEMTABLE_BYTES, 8L << 20);
        BoundedRocksDBConfig setter = new BoundedRocksDBConfig();
        try (Options a = new Options(); Options b = new Options()) {
            a.setTableFormatConfig(new BlockBasedTableConfig());
            b.setTableFormatConfig(new BlockBasedTableConfig());
            setter.setConfig("store-a", a, configs);
            setter.setConfig("store-b", b, configs);
            assertThat(a.writeBufferManager()).isNotNull().isSameAs(b.writeBufferManager());
            assertThat(a.maxWriteBufferNumber()).isEqualTo(2);
            assertThat(a.writeBufferSize()).isEqualTo(2L << 20); // a quarter of the memtable budget
            BlockBasedTableConfig t = (BlockBasedTableConfig) a.tableFormatConfig();
            assertThat(t.cacheIndexAndFilterBlocks()).isTrue();
            assertThat(t.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
            setter.close("store-a", a);
            setter.close("store-b", b);
        }
    }
}
