package io.sluice.protocol.file;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.protocol.ErrorCode;
import io.sluice.protocol.ProtocolException;
import io.sluice.protocol.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;

/**
 * The JSON form of {@link FileRecord}: what the source's records become through Connect's
 * {@code JsonConverter} (with or without schemas: a {@code {"schema":…,"payload":…}} envelope is
 * unwrapped), and what the sink reads. Streaming, so a chunk's base64 is decoded once.
 */
public final class FileRecordJson {
    private FileRecordJson() {
    }

    public static byte[] write(FileRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(r instanceof FileRecord.Chunk c ? c.data().length * 4 / 3 + 512 : 512);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(FileRecord.KIND, r instanceof FileRecord.Chunk ? FileRecord.KIND_CHUNK
                    : ((FileRecord.Marker) r).complete() ? FileRecord.KIND_COMPLETE : FileRecord.KIND_FAILED);
            g.writeStringField(FileRecord.DEVICE, r.device());
            g.writeStringField(FileRecord.FILE_ID, r.fileId());
            g.writeStringField(FileRecord.NAME, r.name());
            g.writeNumberField(FileRecord.SIZE, r.size());
            g.writeStringField(FileRecord.SHA256, HexFormat.of().formatHex(r.sha256()));
            g.writeNumberField(FileRecord.CHUNK_SIZE, r.chunkSize());
            if (r instanceof FileRecord.Chunk c) {
                g.writeNumberField(FileRecord.OFFSET, c.offset());
                g.writeNumberField(FileRecord.CRC32C, Integer.toUnsignedLong(c.crc32c()));
                g.writeFieldName(FileRecord.DATA);
                g.writeBinary(c.data());
            } else {
                g.writeNumberField(FileRecord.CHUNKS, ((FileRecord.Marker) r).chunks());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Reads one files-topic value.
     *
     * @throws ProtocolException {@link ErrorCode#BAD_JSON} with a precise message when it is not one
     */
    public static FileRecord parse(byte[] json) {
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("a files-topic value must be a JSON object");
            }
            return readObject(p, true);
        } catch (IOException e) {
            throw bad("not valid JSON: " + e.getMessage().split("\n")[0]);
        }
    }

    /**
     * Whether a files-topic value is a completion marker, reading only as far as its
     * {@code kind} (first in what the source writes); false for chunks and for anything unreadable.
     */
    public static boolean isMarker(byte[] json) {
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals(FileRecord.KIND) && t == JsonToken.VALUE_STRING) {
                    String kind = p.getText();
                    return kind.equals(FileRecord.KIND_COMPLETE) || kind.equals(FileRecord.KIND_FAILED);
                }
                if (field.equals("payload") && t == JsonToken.START_OBJECT) {
                    continue; // the schema envelope: look inside
                }
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static FileRecord readObject(JsonParser p, boolean topLevel) throws IOException {
        String kind = null;
        String device = null;
        String fileId = null;
        String name = null;
        Long size = null;
        String sha = null;
        Long chunkSize = null;
        Long offset = null;
        Long crc = null;
        byte[] data = null;
        Long chunks = null;
        FileRecord payload = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case FileRecord.KIND -> kind = text(p, field);
                case FileRecord.DEVICE -> device = text(p, field);
                case FileRecord.FILE_ID -> fileId = text(p, field);
                case FileRecord.NAME -> name = text(p, field);
                case FileRecord.SIZE -> size = number(p, field);
                case FileRecord.SHA256 -> sha = text(p, field);
                case FileRecord.CHUNK_SIZE -> chunkSize = number(p, field);
                case FileRecord.OFFSET -> offset = number(p, field);
                case FileRecord.CRC32C -> crc = number(p, field);
                case FileRecord.CHUNKS -> chunks = number(p, field);
                case FileRecord.DATA -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw bad("'data' must be a base64 string");
                    }
                    data = p.getBinaryValue();
                }
                case "payload" -> {
                    if (topLevel && t == JsonToken.START_OBJECT) {
                        payload = readObject(p, false);
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (payload != null) {
            return payload;
        }
        if (kind == null) {
            throw bad("'kind' is missing (chunk, complete or failed)");
        }
        require(device, FileRecord.DEVICE);
        require(fileId, FileRecord.FILE_ID);
        require(name, FileRecord.NAME);
        require(size, FileRecord.SIZE);
        require(sha, FileRecord.SHA256);
        require(chunkSize, FileRecord.CHUNK_SIZE);
        byte[] digest;
        try {
            digest = HexFormat.of().parseHex(sha);
        } catch (IllegalArgumentException e) {
            throw bad("'sha256' is not hexadecimal");
        }
        if (digest.length != 32) {
            throw bad("'sha256' must be 64 hex digits, has " + sha.length());
        }
        if (size < 0 || chunkSize < 1 || chunkSize > Integer.MAX_VALUE) {
            throw bad("'size' " + size + " or 'chunk_size' " + chunkSize + " out of range");
        }
        return switch (kind) {
            case FileRecord.KIND_CHUNK -> {
                require(offset, FileRecord.OFFSET);
                require(crc, FileRecord.CRC32C);
                require(data, FileRecord.DATA);
                if (offset < 0 || crc < 0 || crc > 0xffffffffL) {
                    throw bad("'offset' " + offset + " or 'crc32c' " + crc + " out of range");
                }
                yield new FileRecord.Chunk(device, fileId, name, size, digest, chunkSize.intValue(), offset, (int) crc.longValue(),
                        data);
            }
            case FileRecord.KIND_COMPLETE, FileRecord.KIND_FAILED -> {
                require(chunks, FileRecord.CHUNKS);
                yield new FileRecord.Marker(device, fileId, name, size, digest, chunkSize.intValue(), chunks.intValue(),
                        kind.equals(FileRecord.KIND_COMPLETE));
            }
            default -> throw bad("unknown 'kind' '" + kind + "' (chunk, complete or failed)");
        };
    }

    private static String text(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw bad("'" + field + "' must be a string");
        }
        return p.getText();
    }

    private static long number(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw bad("'" + field + "' must be an integer");
        }
        return p.getLongValue();
    }

    private static void require(Object v, String field) {
        if (v == null) {
            throw bad("'" + field + "' is missing");
        }
    }

    private static ProtocolException bad(String message) {
        return new ProtocolException(ErrorCode.BAD_JSON, "files-topic record: " + message);
    }
}
