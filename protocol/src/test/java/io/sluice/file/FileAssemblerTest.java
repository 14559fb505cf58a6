package io.sluice.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.FileDelivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAssemblerTest {
    @TempDir
    Path dir;
    private final List<ReceivedFile> received = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private final FileReceivedListener listener = new FileReceivedListener() {
        @Override
        public void received(ReceivedFile file) {
            received.add(file);
        }

        @Override
        public void failed(String device, String fileId, String name, String reason) {
            failed.add(fileId + ": " + reason);
        }
    };

    private FileAssembler assembler(Path folder) throws Exception {
        return new FileAssembler(FileAssembler.Settings.of(folder), listener);
    }

    static byte[] content(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The deliveries of a whole file, in order, as the sink would send them. */
    static List<FileDelivery> chunks(String device, String fileId, String name, byte[] content, int chunkSize) throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(content);
        FileLayout l = new FileLayout(content.length, chunkSize);
        List<FileDelivery> out = new ArrayList<>();
        for (int i = 0; i < l.chunkCount(); i++) {
            byte[] data = java.util.Arrays.copyOfRange(content, (int) l.offsetOf(i), (int) l.offsetOf(i) + l.lengthOf(i));
            CRC32C crc = new CRC32C();
            crc.update(data);
            out.add(new FileDelivery("files", 0, 100 + i, device, fileId, name, content.length, sha, chunkSize, l.offsetOf(i),
                    (int) crc.getValue(), data));
        }
        return out;
    }

    @Test
    void filesOfBoundarySizesAreAssembledVerifiedAndNamed() throws Exception {
        Path folder = dir.resolve("in");
        try (FileAssembler a = assembler(folder)) {
            int[] sizes = {0, 1, 1000, 1001, 5500};
            for (int size : sizes) {
                byte[] c = content(size, size);
                List<FileDelivery> ds = chunks("dev", "f" + size, "file-" + size + ".bin", c, 1000);
                for (int i = 0; i < ds.size(); i++) {
                    FileAssembler.Outcome o = a.accept(ds.get(i));
                    assertThat(o).isEqualTo(i == ds.size() - 1 ? FileAssembler.Outcome.COMPLETED : FileAssembler.Outcome.WRITTEN);
                }
                assertThat(Files.readAllBytes(folder.resolve("file-" + size + ".bin"))).isEqualTo(c);
            }
            assertThat(received).hasSize(sizes.length);
            AssemblerStats s = a.stats();
            assertThat(s.filesCompleted()).isEqualTo(5);
            assertThat(s.chunksWritten()).isEqualTo(1 + 1 + 1 + 2 + 6);
            assertThat(s.partialsOpen()).isZero();
            try (Stream<Path> partial = Files.list(folder.resolve(FileAssembler.PARTIAL_DIR))) {
                assertThat(partial.map(p -> p.getFileName().toString())).allMatch(n -> n.endsWith(".done"));
            }
        }
    }

    @Test
    void outOfOrderAndDuplicateChunksAreWrittenOnceAndARestartKeepsWhatWasWritten() throws Exception {
        Path folder = dir.resolve("in");
        byte[] c = content(10_000, 5);
        List<FileDelivery> ds = chunks("dev", "f", "restart.bin", c, 1000);
        try (FileAssembler a = assembler(folder)) {
            a.accept(ds.get(3));
            a.accept(ds.get(0));
            a.accept(ds.get(3));
            a.accept(ds.get(1));
            assertThat(a.stats().chunksWritten()).isEqualTo(3);
            assertThat(a.stats().chunksSkipped()).isEqualTo(1);
        }
        // a new assembler (a restarted peer) on the same folder: redelivered chunks are not written again
        try (FileAssembler b = assembler(folder)) {
            for (FileDelivery d : ds) {
                b.accept(d);
            }
            assertThat(b.stats().chunksWritten()).isEqualTo(7);
            assertThat(b.stats().chunksSkipped()).isEqualTo(3);
            assertThat(b.stats().filesCompleted()).isEqualTo(1);
            // a late duplicate of a finished file changes nothing
            assertThat(b.accept(ds.get(2))).isEqualTo(FileAssembler.Outcome.FINISHED_BEFORE);
        }
        assertThat(Files.readAllBytes(folder.resolve("restart.bin"))).isEqualTo(c);
        assertThat(received).hasSize(1);
    }

    @Test
    void aBadChunkIsNotWrittenAndAWrongShaFailsTheFile() throws Exception {
        Path folder = dir.resolve("in");
        byte[] c = content(3000, 9);
        List<FileDelivery> ds = chunks("dev", "f", "x.bin", c, 1000);
        try (FileAssembler a = assembler(folder)) {
            FileDelivery bad = ds.get(1);
            byte[] flipped = bad.data().clone();
            flipped[10] ^= 1;
            FileDelivery corrupt = new FileDelivery(bad.topic(), bad.partition(), bad.offset(), bad.deviceId(), bad.fileId(),
                    bad.name(), bad.size(), bad.sha256(), bad.chunkSize(), bad.chunkOffset(), bad.crc32c(), flipped);
            assertThat(a.accept(corrupt)).isEqualTo(FileAssembler.Outcome.BAD_CHECKSUM);
            assertThat(a.stats().checksumFailures()).isEqualTo(1);
            for (FileDelivery d : ds) {
                a.accept(d);
            }
            assertThat(received).hasSize(1);

            // the content does not match the announced SHA-256 (CRCs right): the whole file fails
            byte[] other = content(3000, 10);
            List<FileDelivery> wrong = chunks("dev", "g", "y.bin", other, 1000);
            byte[] announced = MessageDigest.getInstance("SHA-256").digest(c);
            FileAssembler.Outcome last = null;
            for (FileDelivery d : wrong) {
                last = a.accept(new FileDelivery(d.topic(), d.partition(), d.offset(), d.deviceId(), d.fileId(), d.name(), d.size(),
                        announced, d.chunkSize(), d.chunkOffset(), d.crc32c(), d.data()));
            }
            assertThat(last).isEqualTo(FileAssembler.Outcome.FAILED);
            assertThat(failed).singleElement().asString().startsWith("g: SHA-256");
            assertThat(Files.exists(folder.resolve("y.bin"))).isFalse();
            assertThat(a.stats().filesFailed()).isEqualTo(1);
        }
    }

    @Test
    void chunksThatContradictTheirFileAreRefused() throws Exception {
        try (FileAssembler a = assembler(dir.resolve("in"))) {
            List<FileDelivery> ds = chunks("dev", "f", "x.bin", content(3000, 1), 1000);
            a.accept(ds.get(0));
            FileDelivery d = ds.get(1);
            assertThat(a.accept(new FileDelivery(d.topic(), d.partition(), d.offset(), d.deviceId(), d.fileId(), d.name(), 4000,
                    d.sha256(), d.chunkSize(), d.chunkOffset(), d.crc32c(), d.data()))).isEqualTo(FileAssembler.Outcome.INVALID);
            assertThat(a.accept(new FileDelivery(d.topic(), d.partition(), d.offset(), d.deviceId(), d.fileId(), d.name(), d.size(),
                    d.sha256(), d.chunkSize(), 1500, d.crc32c(), d.data()))).isEqualTo(FileAssembler.Outcome.INVALID);
            assertThat(a.stats().invalidChunks()).isEqualTo(2);
        }
    }

    @Test
    void collidingNamesGetSuffixesAndHostileNamesStayInside() throws Exception {
        Path folder = dir.resolve("in");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("passwd"), "already here");
        try (FileAssembler a = assembler(folder)) {
            for (String id : List.of("a", "b")) {
                for (FileDelivery d : chunks("dev", id, "../../etc/passwd", content(10, id.hashCode()), 1000)) {
                    a.accept(d);
                }
            }
            for (FileDelivery d : chunks("dev", "c", "/abs/x\u0000y", content(10, 3), 1000)) {
                a.accept(d);
            }
            for (FileDelivery d : chunks("dev", "d", "z".repeat(10_240), content(10, 4), 1000)) {
                a.accept(d);
            }
        }
        assertThat(Files.readString(folder.resolve("passwd"))).isEqualTo("already here");
        assertThat(received).extracting(f -> folder.relativize(f.path()).toString())
                .containsExactly("passwd-1", "passwd-2", "x_y", "z".repeat(FileNames.MAX_SEGMENT_BYTES));
        Path real = folder.toRealPath();
        assertThat(received).allSatisfy(f -> assertThat(f.path().startsWith(real)).isTrue());
        assertThat(Files.exists(dir.resolve("etc"))).isFalse();
    }

    @Test
    void partialFilesOlderThanTheTtlAreRemovedAndCounted() throws Exception {
        Path folder = dir.resolve("in");
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        List<FileDelivery> ds = chunks("dev", "old", "old.bin", content(3000, 1), 1000);
        try (FileAssembler a = assembler(folder)) {
            a.accept(ds.get(0));
            assertThat(a.sweep()).isZero();
            assertThat(a.stats().partialsOpen()).isEqualTo(1);
        }
        try (FileAssembler b = new FileAssembler(FileAssembler.Settings.of(folder).withPartialTtl(Duration.ofHours(1))
                .withClock(later), listener)) {
            assertThat(b.sweep()).isEqualTo(1);
            assertThat(b.stats().partialsRemoved()).isEqualTo(1);
            try (Stream<Path> partial = Files.list(folder.resolve(FileAssembler.PARTIAL_DIR))) {
                assertThat(partial).isEmpty();
            }
        }
    }
}
