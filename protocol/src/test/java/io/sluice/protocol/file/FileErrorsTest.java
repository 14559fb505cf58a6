package io.sluice.protocol.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.frame.ErrorFrame;
import org.junit.jupiter.api.Test;

class FileErrorsTest {

    @Test
    void anErrorNamesItsFileAndChunk() {
        ErrorFrame e = FileErrors.error(ErrorCode.CHUNK_CHECKSUM, "f-1:x@y", 4096, "CRC-32C does not match");
        assertThat(e.seq()).isEqualTo(4096);
        assertThat(e.code().fatal()).isFalse();
        assertThat(FileErrors.fileIdOf(e)).isEqualTo("f-1:x@y");
        assertThat(FileErrors.fileIdOf(new ErrorFrame(ErrorCode.BAD_VALUE, "x"))).isNull();
        assertThat(FileErrors.isFileError(ErrorCode.FILE_CHECKSUM)).isTrue();
        assertThat(FileErrors.isFileError(ErrorCode.BAD_VALUE)).isFalse();
    }
}
