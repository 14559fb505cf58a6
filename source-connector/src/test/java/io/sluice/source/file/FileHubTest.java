package io.sluice.source.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.file.FileErrors;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.ByteRange;
import io.sluice.protocol.frame.ErrorFrame;
import io.sluice.protocol.frame.FileChunk;
import io.sluice.protocol.frame.FileFin;
import io.sluice.protocol.frame.FileInit;
import io.sluice.protocol.frame.FileStatus;
import io.sluice.protocol.frame.Frame;
import io.sluice.source.device.SourceStats;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The file side of a task, without Kafka or sockets. */
class FileHubTest {
    private static final int CHUNK = 1024;
    private final Map<Map<String, Object>, Map<String, Object>> offsets = new ConcurrentHashMap<>();
    private final List<FileHub> hubs = new ArrayList<>();
    private final Link link = new Link();

    /** A device connection that records what it is sent and runs tasks at once. */
    static final class Link implements FileLink {
        final List<Frame> sent = new CopyOnWriteArrayList<>();

        @Override
        public void send(Frame frame) {
            sent.add(frame);
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public String label() {
            return "test";
        }

        List<ErrorFrame> errors() {
            return sent.stream().filter(ErrorFrame.class::isInstance).map(ErrorFrame.class::cast).toList();
        }

        FileStatus lastStatus() {
            for (int i = sent.size() - 1; i >= 0; i--) {
                if (sent.get(i) instanceof FileStatus s) {
                    return s;
                }
            }
            return null;
        }
    }

    @AfterEach
    void close() {
        hubs.forEach(FileHub::close);
    }

    private FileHub hub(FileSettings s) {
        FileHub h = new FileHub(s, new FileStats(), new SourceStats(), Clock.systemUTC(), offsets::get, () -> { }, "test");
        hubs.add(h);
        return h;
    }

    private static FileSettings settings() {
        return new FileSettings("files", 1 << 20, 512, 64 << 10, 1 << 20, 64 << 10, 16, 100, Duration.ofMinutes(10));
    }

    record TestFile(byte[] content, byte[] sha, FileLayout layout) {
        FileChunk chunk(String id, int i) {
            byte[] data = Arrays.copyOfRange(content, (int) layout.offsetOf(i), (int) layout.offsetOf(i) + layout.lengthOf(i));
            CRC32C crc = new CRC32C();
            crc.update(data);
            return new FileChunk(id, layout.offsetOf(i), (int) crc.getValue(), data);
        }

        FileInit init(String id, String name) {
            return new FileInit(id, name, content.length, sha, layout.chunkSize());
        }
    }

    static TestFile file(int size, long seed) throws Exception {
        byte[] c = new byte[size];
        new Random(seed).nextBytes(c);
        return new TestFile(c, MessageDigest.getInstance("SHA-256").digest(c), new FileLayout(size, CHUNK));
    }

    private void init(FileHub h, TestFile f, String id) {
        int before = link.sent.size();
        assertThat(h.onFrame(link, "dev", f.init(id, "a.bin"))).isEqualTo(FileHub.Result.DONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> link.sent.size() > before);
    }

    /** Commits everything waiting as Connect would, remembering the offsets it would store. */
    private List<FileItem> commitAll(FileHub h) {
        List<FileItem> all = new ArrayList<>();
        List<FileItem> items;
        while (!(items = h.drain(100)).isEmpty()) {
            for (FileItem i : items) {
                offsets.put(i.transfer().partition().toMap(), new HashMap<>(i.sourceOffset()));
                h.committed(i);
                all.add(i);
            }
        }
        return all;
    }

    @Test
    void aFileGoesChunkByChunkAndIsCompleteOnceItsMarkerIsInKafka() throws Exception {
        FileHub h = hub(settings());
        TestFile f = file(5 * CHUNK + 10, 1);
        init(h, f, "f1");
        assertThat(link.lastStatus()).isEqualTo(new FileStatus("f1", List.of(), false));
        for (int i = 0; i < 6; i++) {
            assertThat(h.onFrame(link, "dev", f.chunk("f1", i))).isEqualTo(FileHub.Result.DONE);
        }
        List<FileItem> chunks = commitAll(h);
        assertThat(chunks).hasSize(6).allMatch(i -> !i.marker());
        assertThat(chunks).extracting(FileItem::chunk).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(link.lastStatus().committed()).containsExactly(new ByteRange(0, 5 * CHUNK + 10));
        assertThat(link.lastStatus().complete()).isFalse();

        h.onFrame(link, "dev", new FileFin("f1"));
        List<FileItem> marker = commitAll(h);
        assertThat(marker).singleElement().satisfies(m -> {
            assertThat(m.marker()).isTrue();
            assertThat(m.complete()).isTrue();
            assertThat(m.sourceOffset()).containsEntry("status", "complete");
        });
        assertThat(link.lastStatus().complete()).isTrue();
        assertThat(h.stats().filesCompleted.sum()).isEqualTo(1);
        assertThat(h.stats().chunksOut.sum()).isEqualTo(6);
        assertThat(link.errors()).isEmpty();
    }

    @Test
    void finBeforeTheLastCommitWaitsForItAndAnEmptyFileIsOneEmptyChunk() throws Exception {
        FileHub h = hub(settings());
        TestFile empty = file(0, 2);
        init(h, empty, "e");
        h.onFrame(link, "dev", empty.chunk("e", 0));
        h.onFrame(link, "dev", new FileFin("e"));
        List<FileItem> items = commitAll(h);
        assertThat(items).extracting(FileItem::marker).containsExactly(false, true);
        assertThat(items.get(0).data()).isEmpty();
        assertThat(link.lastStatus()).isEqualTo(new FileStatus("e", List.of(new ByteRange(0, 0)), true));
    }

    @Test
    void duplicatesAreNotWrittenAgainAndARefusedChunkHoldsBackTheOnesAfterIt() throws Exception {
        FileHub h = hub(settings());
        TestFile f = file(6 * CHUNK, 3);
        init(h, f, "f");
        h.onFrame(link, "dev", f.chunk("f", 0));
        h.onFrame(link, "dev", f.chunk("f", 0));
        FileChunk bad = f.chunk("f", 1);
        h.onFrame(link, "dev", new FileChunk("f", bad.offset(), bad.crc32c() ^ 1, bad.data()));
        h.onFrame(link, "dev", f.chunk("f", 2));
        h.onFrame(link, "dev", f.chunk("f", 3));
        assertThat(link.errors()).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_CHECKSUM);
            assertThat(e.seq()).isEqualTo(CHUNK);
            assertThat(FileErrors.fileIdOf(e)).isEqualTo("f");
        });
        for (int i = 1; i < 6; i++) {
            h.onFrame(link, "dev", f.chunk("f", i));
        }
        // out of order without a refusal before: refused
        h.onFrame(link, "dev", new FileChunk("f", 0, 0, new byte[CHUNK]));
        List<FileItem> items = commitAll(h);
        assertThat(items).extracting(FileItem::chunk).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(h.stats().chunksDuplicate.sum()).isEqualTo(2);
        assertThat(h.stats().chunksDiscarded.sum()).isEqualTo(2);
        assertThat(h.stats().checksumFailures.sum()).isEqualTo(1);
        h.onFrame(link, "dev", f.chunk("f", 5));
        h.onFrame(link, "dev", new FileChunk("f", 3 * CHUNK + 1, 0, new byte[3]));
        assertThat(link.errors()).last().satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_OUT_OF_RANGE));
    }

    @Test
    void anotherTaskResumesFromTheStoredOffsetAndStillChecksTheWholeFile() throws Exception {
        TestFile f = file(8 * CHUNK + 100, 4);
        FileHub first = hub(settings());
        init(first, f, "r");
        for (int i = 0; i < 5; i++) {
            first.onFrame(link, "dev", f.chunk("r", i));
        }
        commitAll(first);
        first.close();

        FileHub second = hub(settings());
        init(second, f, "r");
        assertThat(link.lastStatus().committed()).containsExactly(new ByteRange(0, 5 * CHUNK));
        assertThat(second.stats().filesResumed.sum()).isEqualTo(1);
        for (int i = 5; i < 9; i++) {
            second.onFrame(link, "dev", f.chunk("r", i));
        }
        second.onFrame(link, "dev", new FileFin("r"));
        List<FileItem> rest = commitAll(second);
        assertThat(rest).extracting(FileItem::chunk).containsExactly(5, 6, 7, 8, -1);
        assertThat(rest.get(4).complete()).isTrue();
        assertThat(link.lastStatus().complete()).isTrue();

        // a third task told about the finished file answers at once that it is complete
        FileHub third = hub(settings());
        init(third, f, "r");
        assertThat(link.lastStatus().complete()).isTrue();
        assertThat(third.drain(10)).isEmpty();
    }

    @Test
    void aWrongShaFailsTheFileWithAFailedMarker() throws Exception {
        FileHub h = hub(settings());
        TestFile f = file(3 * CHUNK, 5);
        byte[] wrong = f.sha().clone();
        wrong[0] ^= 1;
        h.onFrame(link, "dev", new FileInit("w", "w.bin", f.content().length, wrong, CHUNK));
        await().until(() -> link.lastStatus() != null);
        for (int i = 0; i < 3; i++) {
            h.onFrame(link, "dev", f.chunk("w", i));
        }
        h.onFrame(link, "dev", new FileFin("w"));
        assertThat(link.errors()).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FILE_CHECKSUM);
            assertThat(e.message()).contains("did the file change");
        });
        List<FileItem> items = commitAll(h);
        assertThat(items.get(items.size() - 1).marker()).isTrue();
        assertThat(items.get(items.size() - 1).complete()).isFalse();
        assertThat(h.stats().filesFailed.sum()).isEqualTo(1);
    }

    @Test
    void refusalsAtInitNameTheFileAndHarmNothingElse() throws Exception {
        FileHub h = hub(settings());
        TestFile ok = file(2 * CHUNK, 6);
        init(h, ok, "ok");
        byte[] sha = new byte[32];
        h.onFrame(link, "dev", new FileInit("big", "big.bin", (1 << 20) + 1, sha, CHUNK));
        h.onFrame(link, "dev", new FileInit("up", "../../etc/passwd", 10, sha, CHUNK));
        h.onFrame(link, "dev", new FileInit("abs", "/etc/passwd", 10, sha, CHUNK));
        h.onFrame(link, "dev", new FileInit("nul", "a\u0000b", 10, sha, CHUNK));
        h.onFrame(link, "dev", new FileInit("tiny", "t.bin", 10_000, sha, 16));
        h.onFrame(link, "dev", new FileInit("huge", "t.bin", 10_000, sha, 1 << 20));
        h.onFrame(link, "dev", new FileInit("ok", "other-name.bin", ok.content().length, ok.sha(), CHUNK));
        h.onFrame(link, "dev", new FileChunk("nobody", 0, 0, new byte[1]));
        assertThat(link.errors()).extracting(ErrorFrame::code).containsExactly(ErrorCode.FILE_TOO_LARGE, ErrorCode.BAD_FILE_NAME,
                ErrorCode.BAD_FILE_NAME, ErrorCode.BAD_FILE_NAME, ErrorCode.CHUNK_OUT_OF_RANGE, ErrorCode.CHUNK_OUT_OF_RANGE,
                ErrorCode.FILE_CHECKSUM, ErrorCode.FILE_UNKNOWN);
        assertThat(link.errors()).extracting(FileErrors::fileIdOf).containsExactly("big", "up", "abs", "nul", "tiny", "huge", "ok",
                "nobody");
        assertThat(link.errors().get(0).message()).contains("1048577 bytes, the limit is 1048576 (files.max.bytes)");
        // the good transfer goes on
        h.onFrame(link, "dev", ok.chunk("ok", 0));
        h.onFrame(link, "dev", ok.chunk("ok", 1));
        h.onFrame(link, "dev", new FileFin("ok"));
        commitAll(h);
        assertThat(link.lastStatus()).isEqualTo(new FileStatus("ok", List.of(new ByteRange(0, 2 * CHUNK)), true));

        FileHub off = FileHub.disabled(new SourceStats());
        hubs.add(off);
        off.onFrame(link, "dev", ok.init("x", "x"));
        assertThat(link.errors()).last().satisfies(e -> assertThat(e.message()).contains("files.topic is not set"));
    }

    @Test
    void aFullQueuePushesBackUntilPollTakesChunks() throws Exception {
        FileHub h = hub(new FileSettings("files", 1 << 20, 512, 4096, 1 << 20, 4 * CHUNK, 16, 100, Duration.ofMinutes(10)));
        TestFile f = file(10 * CHUNK, 7);
        init(h, f, "q");
        int i = 0;
        while (h.onFrame(link, "dev", f.chunk("q", i)) == FileHub.Result.DONE) {
            i++;
        }
        assertThat(i).isEqualTo(4);
        boolean[] woken = {false};
        h.whenSpace(() -> woken[0] = true);
        assertThat(woken[0]).isFalse();
        assertThat(h.drain(100)).hasSize(4);
        assertThat(woken[0]).isTrue();
        assertThat(h.onFrame(link, "dev", f.chunk("q", i))).isEqualTo(FileHub.Result.DONE);
    }

    @Test
    void idleTransfersAreForgottenButNotWhileRecordsAreInFlight() throws Exception {
        FileHub h = hub(settings());
        TestFile f = file(2 * CHUNK, 8);
        init(h, f, "i");
        h.onFrame(link, "dev", f.chunk("i", 0));
        long later = System.currentTimeMillis() + Duration.ofHours(1).toMillis();
        assertThat(h.forgetIdle(later)).isZero();
        commitAll(h);
        assertThat(h.forgetIdle(later)).isEqualTo(1);
        assertThat(h.transfers()).isZero();
    }
}
