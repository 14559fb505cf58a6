package io.sluice.file;

import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A file received whole and verified.
 *
 * @param device the device that sent it
 * @param fileId the device's id for the transfer
 * @param name   the name the device gave (untrusted: {@code path} is where it went)
 * @param size   bytes
 * @param sha256 SHA-256 of the content, checked
 * @param path   where it is now, inside the destination folder
 */
public record ReceivedFile(String device, String fileId, String name, long size, byte[] sha256, Path path) {
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    @Override
    public String toString() {
        return "ReceivedFile[" + device + "/" + fileId + " '" + name + "' " + size + " bytes -> " + path + "]";
    }
}
