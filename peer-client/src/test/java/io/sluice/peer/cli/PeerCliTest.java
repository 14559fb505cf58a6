package io.sluice.peer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.protocol.frame.Cursor;
import io.sluice.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCliTest {
    @Test
    void writesNdjsonToAFileWithProgressAndKeepsItsCursors(@TempDir Path dir) throws Exception {
        try (var sink = new io.sluice.peer.FakeSinkAccess()) {
            Path out = dir.resolve("records.ndjson");
            Path cursors = dir.resolve("cursors.json");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> PeerCli.run(new String[] {
                "--connect", "127.0.0.1:" + sink.port(), "--topic", "t", "--name", "cli", "--out", out.toString(),
                "--cursor-file", cursors.toString(), "--max-records", "7", "--progress", "100ms"},
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)));
            await().atMost(Duration.ofSeconds(30)).until(sink::connected);
            sink.send("t", 0, 0, 7);
            assertThat(exit.get()).isZero();
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(7);
            JsonNode first = Json.MAPPER.readTree(lines.get(0));
            assertThat(first.get("offset").asLong()).isZero();
            assertThat(first.get("key").asText()).isEqualTo("d-0");
            assertThat(first.get("value").get("id").asLong()).isZero();
            assertThat(PeerCli.readCursors(cursors)).containsExactly(new Cursor("t", 0, 6));
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("records 7");
        }
    }

    @Test
    void aHalfLineLeftByAKilledPeerIsCutBeforeWritingOn(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("records.ndjson");
        Files.writeString(out, "{\"offset\":1}\n{\"offset\":2}\n{\"offs");
        PeerCli.dropPartialLastLine(out);
        assertThat(Files.readString(out)).isEqualTo("{\"offset\":1}\n{\"offset\":2}\n");
        PeerCli.dropPartialLastLine(out);
        assertThat(Files.readString(out)).isEqualTo("{\"offset\":1}\n{\"offset\":2}\n");
        Files.writeString(out, "{\"off");
        PeerCli.dropPartialLastLine(out);
        assertThat(Files.readString(out)).isEmpty();
    }

    @Test
    void badUsageExitsWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PeerCli.run(new String[] {"--topic", "t"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--connect");
    }

    @Test
    void writesDeliveredFilesToAFolderAndSaysSo(@TempDir Path dir) throws Exception {
        try (var sink = new io.sluice.peer.FakeSinkAccess()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> PeerCli.run(new String[] {
                "--connect", "127.0.0.1:" + sink.port(), "--topic", "files", "--name", "cli-files", "--files",
                dir.resolve("in").toString(), "--max-files", "1", "--progress", "0s"},
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)));
            await().atMost(Duration.ofSeconds(30)).until(sink::connected);
            byte[] content = "hello, files".getBytes(StandardCharsets.UTF_8);
            sink.sendFrames(io.sluice.peer.FakeSinkAccess.deliveries("f-1", "logs/hello.txt", content, 5, 0));
            assertThat(exit.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            assertThat(Files.readAllBytes(dir.resolve("in/hello.txt"))).isEqualTo(content);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("file dev/f-1 (12 bytes, sha256 ");
        }
    }
}
