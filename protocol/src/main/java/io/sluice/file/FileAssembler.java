package io.sluice.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.file.FileLayout;
import io.sluice.protocol.frame.FileDelivery;
import io.sluice.protocol.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reassembles files from their chunks in a destination folder, the one implementation used by
 * {@code PeerClient} and by the sink connector's folder writer.
 *
 * <p>Each file in progress is a partial file under {@code <folder>/.sluice-partial/}: the data
 * ({@code <key>.part}, chunks written at their offsets), its identity ({@code <key>.meta}) and
 * an append-only list of the chunks written ({@code <key>.chunks}), so after a restart or a
 * reconnect a chunk already written is not written again. Each chunk's CRC-32C is checked before
 * it is written; when the last chunk is in, the whole file's SHA-256 is checked, the file gets
 * its final, {@linkplain FileNames sanitized} name (a unique suffix on a collision: a hard link
 * never replaces an existing file) and the listener is told, once. A small {@code <key>.done}
 * (or {@code .failed}) marker makes late duplicates of a finished file harmless; partial files
 * and markers older than the TTL are removed by {@link #sweep()}.
 *
 * <p>Chunks are written without {@code fsync} unless asked: what a killed process wrote
 * survives, an operating system crash may lose it (the SHA-256 check then fails the file).
 * Thread-safe (one lock); meant for one writer thread.
 */
public final class FileAssembler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileAssembler.class);
    public static final String PARTIAL_DIR = ".sluice-partial";
    private static final int MAX_OPEN_CHANNELS = 16;

    /**
     * @param folder           destination folder (created if missing)
     * @param allowDirectories keep the directories in device-given names (created under the folder)
     * @param partialTtl       partial files (and finished-file markers) idle for longer are removed
     * @param fsync            force each chunk and the chunk list to disk before counting it written
     * @param clock            for the TTL
     */
    public record Settings(Path folder, boolean allowDirectories, Duration partialTtl, boolean fsync, Clock clock) {
        public Settings {
            if (folder == null) {
                throw new IllegalArgumentException("a destination folder is needed");
            }
            if (partialTtl == null || partialTtl.isNegative() || partialTtl.isZero()) {
                throw new IllegalArgumentException("the partial-file TTL must be positive");
            }
            clock = clock == null ? Clock.systemUTC() : clock;
        }

        public static Settings of(Path folder) {
            return new Settings(folder, false, Duration.ofHours(24), false, Clock.systemUTC());
        }

        public Settings withAllowDirectories(boolean v) {
            return new Settings(folder, v, partialTtl, fsync, clock);
        }

        public Settings withPartialTtl(Duration v) {
            return new Settings(folder, allowDirectories, v, fsync, clock);
        }

        public Settings withFsync(boolean v) {
            return new Settings(folder, allowDirectories, partialTtl, v, clock);
        }

        public Settings withClock(Clock v) {
            return new Settings(folder, allowDirectories, partialTtl, fsync, v);
        }
    }

    /** What {@link #accept} did with a chunk. */
    public enum Outcome {
        /** Written to the partial file. */
        WRITTEN,
        /** Written, and it was the last one: the file is verified and in place. */
        COMPLETED,
        /** It was the last one, but the whole file's SHA-256 did not match: removed. */
        FAILED,
        /** Already written before: skipped. */
        DUPLICATE,
        /** Its file was finished (or failed) before: skipped. */
        FINISHED_BEFORE,
        /** Its CRC-32C did not match: not written. */
        BAD_CHECKSUM,
        /** It contradicts its file (offset, length, size, chunk size): not written. */
        INVALID
    }

    private final Settings settings;
    private final FileReceivedListener listener;
    private final Path folder;
    private final Path partialDir;
    private final Map<String, Partial> partials = new HashMap<>();
    private final LinkedHashMap<String, Partial> open = new LinkedHashMap<>(16, 0.75f, true);

    private long filesStarted;
    private long filesCompleted;
    private long filesFailed;
    private long chunksReceived;
    private long chunksWritten;
    private long bytesWritten;
    private long chunksSkipped;
    private long checksumFailures;
    private long invalidChunks;
    private long partialsRemoved;

    public FileAssembler(Settings settings, FileReceivedListener listener) throws IOException {
        this.settings = settings;
        this.listener = listener == null ? FileReceivedListener.NONE : listener;
        Files.createDirectories(settings.folder());
        this.folder = settings.folder().toRealPath();
        this.partialDir = folder.resolve(PARTIAL_DIR);
        Files.createDirectories(partialDir);
    }

    public Settings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ chunks

    /** Takes one delivered chunk: checks, writes it unless it is there already, finishes the file after its last chunk. */
    public synchronized Outcome accept(FileDelivery d) throws IOException {
        chunksReceived++;
        String key = key(d.deviceId(), d.fileId());
        if (Files.exists(partialDir.resolve(key + ".done")) || Files.exists(partialDir.resolve(key + ".failed"))) {
            chunksSkipped++;
            return Outcome.FINISHED_BEFORE;
        }
        FileLayout layout;
        try {
            layout = new FileLayout(d.size(), d.chunkSize());
        } catch (IllegalArgumentException e) {
            return invalid(d, e.getMessage());
        }
        int index = layout.indexOf(d.chunkOffset());
        if (index < 0) {
            return invalid(d, "no chunk starts at offset " + d.chunkOffset());
        }
        if (d.data().length != layout.lengthOf(index) || d.sha256().length != 32) {
            return invalid(d, "chunk at " + d.chunkOffset() + " has " + d.data().length + " bytes, the file's layout says "
                    + layout.lengthOf(index));
        }
        CRC32C crc = new CRC32C();
        crc.update(d.data());
        if ((int) crc.getValue() != d.crc32c()) {
            checksumFailures++;
            log.warn("chunk at {} of file {}/{} has a bad CRC-32C (delivered from {}-{}@{}): not written", d.chunkOffset(),
                    d.deviceId(), d.fileId(), d.topic(), d.partition(), d.offset());
            return Outcome.BAD_CHECKSUM;
        }
        Partial p = partial(key, d, layout);
        if (p == null) {
            return invalid(d, "size, chunk size or SHA-256 differ from the file's earlier chunks");
        }
        if (p.have.get(index)) {
            chunksSkipped++;
            if (p.have.cardinality() == layout.chunkCount()) {
                return finish(p);
            }
            return Outcome.DUPLICATE;
        }
        write(p, index, d.data());
        if (p.have.cardinality() == layout.chunkCount()) {
            return finish(p);
        }
        return Outcome.WRITTEN;
    }

    private Outcome invalid(FileDelivery d, String why) {
        invalidChunks++;
        log.warn("chunk at {} of file {}/{} refused: {}", d.chunkOffset(), d.deviceId(), d.fileId(), why);
        return Outcome.INVALID;
    }

    /** The partial of this file, from memory, from disk, or new; null if the chunk contradicts it. */
    private Partial partial(String key, FileDelivery d, FileLayout layout) throws IOException {
        Partial p = partials.get(key);
        if (p == null) {
            p = load(key);
            if (p == null) {
                p = create(key, d, layout);
            }
            partials.put(key, p);
        }
        if (p.layout.size() != d.size() || p.layout.chunkSize() != d.chunkSize() || !Arrays.equals(p.sha256, d.sha256())
                || !p.device.equals(d.deviceId()) || !p.fileId.equals(d.fileId())) {
            return null;
        }
        return p;
    }

    private Partial create(String key, FileDelivery d, FileLayout layout) throws IOException {
        ObjectNode meta = Json.MAPPER.createObjectNode();
        meta.put("device", d.deviceId());
        meta.put("fileId", d.fileId());
        meta.put("name", d.name());
        meta.put("size", d.size());
        meta.put("sha256", HexFormat.of().formatHex(d.sha256()));
        meta.put("chunkSize", d.chunkSize());
        meta.put("created", settings.clock().millis());
        Path tmp = partialDir.resolve(key + ".meta.tmp");
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(meta));
        Files.move(tmp, partialDir.resolve(key + ".meta"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(partialDir.resolve(key + ".chunks"));
        filesStarted++;
        return new Partial(key, d.deviceId(), d.fileId(), d.name(), d.sha256(), layout, new BitSet());
    }

    private Partial load(String key) throws IOException {
        Path metaPath = partialDir.resolve(key + ".meta");
        if (!Files.exists(metaPath)) {
            return null;
        }
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(Files.readAllBytes(metaPath));
        } catch (IOException | RuntimeException e) {
            log.warn("partial file {} has unreadable metadata, starting it again: {}", key, e.toString());
            return null;
        }
        FileLayout layout = new FileLayout(m.path("size").asLong(), m.path("chunkSize").asInt());
        BitSet have = new BitSet();
        Path chunks = partialDir.resolve(key + ".chunks");
        if (Files.exists(chunks)) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(chunks));
            while (b.remaining() >= 4) {
                int i = b.getInt();
                if (i >= 0 && i < layout.chunkCount()) {
                    have.set(i);
                }
            }
        }
        return new Partial(key, m.path("device").asText(), m.path("fileId").asText(), m.path("name").asText(),
                HexFormat.of().parseHex(m.path("sha256").asText()), layout, have);
    }

    private void write(Partial p, int index, byte[] data) throws IOException {
        channels(p);
        ByteBuffer b = ByteBuffer.wrap(data);
        long pos = p.layout.offsetOf(index);
        while (b.hasRemaining()) {
            pos += p.data.write(b, pos);
        }
        if (settings.fsync()) {
            p.data.force(false);
        }
        ByteBuffer idx = ByteBuffer.allocate(4).putInt(0, index);
        while (idx.hasRemaining()) {
            p.index.write(idx);
        }
        if (settings.fsync()) {
            p.index.force(false);
        }
        p.have.set(index);
        chunksWritten++;
        bytesWritten += data.length;
    }

    /** Opens the partial's files, keeping at most a few open at once. */
    private void channels(Partial p) throws IOException {
        if (p.data == null) {
            p.data = FileChannel.open(partialDir.resolve(p.key + ".part"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            p.index = FileChannel.open(partialDir.resolve(p.key + ".chunks"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        open.put(p.key, p);
        if (open.size() > MAX_OPEN_CHANNELS) {
            Iterator<Partial> it = open.values().iterator();
            Partial eldest = it.next();
            it.remove();
            eldest.closeChannels();
        }
    }

    // ------------------------------------------------------------------ finishing

    private Outcome finish(Partial p) throws IOException {
        p.closeChannels();
        open.remove(p.key);
        partials.remove(p.key);
        Path part = partialDir.resolve(p.key + ".part");
        if (!Files.exists(part)) {
            // the empty file's one chunk writes nothing
            Files.createFile(part);
        }
        byte[] actual = sha256(part);
        if (!Arrays.equals(actual, p.sha256)) {
            filesFailed++;
            checksumFailures++;
            String why = "SHA-256 of the assembled " + p.layout.size() + " bytes is " + HexFormat.of().formatHex(actual)
                    + ", the device announced " + HexFormat.of().formatHex(p.sha256);
            log.warn("file {}/{} '{}' failed: {}", p.device, p.fileId, p.name, why);
            marker(p.key, ".failed", why);
            deletePartial(p.key);
            listener.failed(p.device, p.fileId, p.name, why);
            return Outcome.FAILED;
        }
        Path target = place(part, FileNames.sanitize(p.name, settings.allowDirectories()));
        marker(p.key, ".done", folder.relativize(target).toString());
        deletePartial(p.key);
        filesCompleted++;
        ReceivedFile f = new ReceivedFile(p.device, p.fileId, p.name, p.layout.size(), p.sha256, target);
        log.debug("file complete: {}", f);
        listener.received(f);
        return Outcome.COMPLETED;
    }

    /** Gives the verified partial its final name: a hard link never replaces a file, so a taken name gets a suffix. */
    private Path place(Path part, String relative) throws IOException {
        for (int n = 0; n < 10_000; n++) {
            String candidate = n == 0 ? relative : FileNames.withSuffix(relative, n);
            Path target = FileNames.resolveInside(folder, candidate);
            if (Files.exists(target) && Files.isSameFile(target, part)) {
                return target; // linked before a crash
            }
            try {
                Files.createLink(target, part);
                return target;
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(target)) {
                    continue;
                }
                // no hard links here: a plain rename, which checks for an existing file first
                Files.move(part, target);
                return target;
            }
        }
        throw new IOException("no free name for '" + relative + "' in " + folder);
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            while (ch.read(b) >= 0) {
                b.flip();
                md.update(b);
                b.clear();
            }
        }
        return md.digest();
    }

    private void marker(String key, String suffix, String content) throws IOException {
        Files.write(partialDir.resolve(key + suffix), content.getBytes(StandardCharsets.UTF_8));
    }

    private void deletePartial(String key) throws IOException {
        for (String s : new String[] {".part", ".meta", ".chunks", ".meta.tmp"}) {
            Files.deleteIfExists(partialDir.resolve(key + s));
        }
    }

    // ------------------------------------------------------------------ housekeeping

    /**
     * Removes partial files whose last chunk was written longer than the TTL ago (counted), and
     * finished-file markers older than the TTL. Returns how many partial files were removed.
     */
    public synchronized int sweep() {
        long now = settings.clock().millis();
        long ttl = settings.partialTtl().toMillis();
        int removed = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(partialDir)) {
            for (Path f : dir) {
                String file = f.getFileName().toString();
                int dot = file.indexOf('.');
                if (dot <= 0) {
                    continue;
                }
                String key = file.substring(0, dot);
                String suffix = file.substring(dot);
                try {
                    if (suffix.equals(".meta")) {
                        Path chunks = partialDir.resolve(key + ".chunks");
                        long last = Files.getLastModifiedTime(Files.exists(chunks) ? chunks : f).toMillis();
                        if (now - last > ttl) {
                            Partial p = partials.remove(key);
                            if (p != null) {
                                p.closeChannels();
                                open.remove(key);
                            }
                            deletePartial(key);
                            removed++;
                            log.info("removed partial file {} (idle for {} ms, TTL {} ms)", key, now - last, ttl);
                        }
                    } else if (suffix.equals(".done") || suffix.equals(".failed")) {
                        if (now - Files.getLastModifiedTime(f).toMillis() > ttl) {
                            Files.deleteIfExists(f);
                        }
                    } else if (suffix.equals(".part") && !Files.exists(partialDir.resolve(key + ".meta"))
                            && now - Files.getLastModifiedTime(f).toMillis() > ttl) {
                        Files.deleteIfExists(f);
                        Files.deleteIfExists(partialDir.resolve(key + ".chunks"));
                        removed++;
                    }
                } catch (NoSuchFileException e) {
                    // removed meanwhile (another writer sharing the folder)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sweep " + partialDir, e);
        }
        partialsRemoved += removed;
        return removed;
    }

    public synchronized AssemblerStats stats() {
        return new AssemblerStats(filesStarted, filesCompleted, filesFailed, chunksReceived, chunksWritten, bytesWritten,
                chunksSkipped, checksumFailures, invalidChunks, partialsRemoved, partials.size());
    }

    /** The final path of a file finished here (its marker still kept), or null. */
    public synchronized Path finishedPath(String device, String fileId) {
        Path done = partialDir.resolve(key(device, fileId) + ".done");
        try {
            return Files.exists(done) ? folder.resolve(Files.readString(done)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public synchronized void close() {
        for (Partial p : partials.values()) {
            p.closeChannels();
        }
        open.clear();
    }

    /** A file-system-safe name for a (device, file id) pair. */
    static String key(String device, String fileId) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(device.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(fileId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Partial {
        final String key;
        final String device;
        final String fileId;
        final String name;
        final byte[] sha256;
        final FileLayout layout;
        final BitSet have;
        FileChannel data;
        FileChannel index;

        Partial(String key, String device, String fileId, String name, byte[] sha256, FileLayout layout, BitSet have) {
            this.key = key;
            this.device = device;
            this.fileId = fileId;
            this.name = name;
            this.sha256 = sha256;
            this.layout = layout;
            this.have = have;
        }

        void closeChannels() {
            for (FileChannel c : new FileChannel[] {data, index}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (IOException e) {
                        log.debug("closing a partial file failed: {}", e.toString());
                    }
                }
            }
            data = null;
            index = null;
        }
    }
}
