package io.sluice.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNamesTest {
    @TempDir
    Path dir;

    @Test
    void hostileNamesStayInsideTheFolder() {
        assertThat(FileNames.sanitize("../../etc/passwd", false)).isEqualTo("passwd");
        assertThat(FileNames.sanitize("../../etc/passwd", true)).isEqualTo("etc/passwd");
        assertThat(FileNames.sanitize("/etc/shadow", false)).isEqualTo("shadow");
        assertThat(FileNames.sanitize("C:\\Windows\\system.ini", true)).isEqualTo("C_/Windows/system.ini");
        assertThat(FileNames.sanitize("\\\\server\\share\\x", false)).isEqualTo("x");
        assertThat(FileNames.sanitize("a\u0000b.txt", false)).isEqualTo("a_b.txt");
        assertThat(FileNames.sanitize("..", false)).isEqualTo("unnamed");
        assertThat(FileNames.sanitize("", false)).isEqualTo("unnamed");
        assertThat(FileNames.sanitize("./././", false)).isEqualTo("unnamed");
        assertThat(FileNames.sanitize(".bashrc", false)).isEqualTo("_bashrc");
        assertThat(FileNames.sanitize(".sluice-partial/x", true)).isEqualTo("_sluice-partial/x");
        assertThat(FileNames.sanitize("CON.txt", false)).isEqualTo("_CON.txt");
        assertThat(FileNames.sanitize("what?<>|\"*:.log", false)).isEqualTo("what_______.log");
        assertThat(FileNames.sanitize("trailing. . ", false)).isEqualTo("trailing");
        assertThat(FileNames.sanitize("logs/2024/app.log", false)).isEqualTo("app.log");
    }

    @Test
    void longNamesAreCutKeepingTheExtension() {
        String s = FileNames.sanitize("x".repeat(10_240) + ".tar.gz", false);
        assertThat(s.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(FileNames.MAX_SEGMENT_BYTES);
        assertThat(s).endsWith(".gz");
        String multi = FileNames.sanitize("\u00e9".repeat(300), false);
        assertThat(multi.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(FileNames.MAX_SEGMENT_BYTES);
        assertThat(multi).matches("\u00e9+");
    }

    @Test
    void suffixesGoBeforeTheExtension() {
        assertThat(FileNames.withSuffix("a/report.pdf", 2)).isEqualTo("a/report-2.pdf");
        assertThat(FileNames.withSuffix("README", 1)).isEqualTo("README-1");
    }

    @Test
    void aLinkInTheFolderCannotLeadOut() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path folder = Files.createDirectory(dir.resolve("folder"));
        Files.createSymbolicLink(folder.resolve("sub"), outside);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileNames.resolveInside(folder, "sub/x"))
                .hasMessageContaining("through a link");
        assertThat(FileNames.resolveInside(folder, "a/b/c.txt").startsWith(folder.toRealPath())).isTrue();
    }

    @Property(tries = 500)
    void anythingSanitizedResolvesInsideTheFolder(@ForAll String name, @ForAll boolean dirs) throws Exception {
        String s = FileNames.sanitize(name, dirs);
        assertThat(s).isNotEmpty().doesNotContain("\u0000").doesNotStartWith("/").doesNotStartWith(".");
        for (String seg : s.split("/")) {
            assertThat(seg).isNotIn("", ".", "..");
        }
        Path root = Path.of("/srv/in").toAbsolutePath();
        Path resolved = root.resolve(s).normalize();
        assertThat(resolved.startsWith(root) && !resolved.equals(root)).as(resolved.toString()).isTrue();
    }
}
