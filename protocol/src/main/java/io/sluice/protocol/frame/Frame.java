package io.sluice.protocol.frame;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One protocol message. The binary form is {@code [u32 length][u8 type][payload]}
 * ({@link io.sluice.protocol.codec.FrameCodec}); the JSON form used over WebSocket is the same
 * record as a JSON object with a {@code "type"} field ({@link io.sluice.protocol.json.FrameJson}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = HelloOk.class, name = "hello_ok"),
    @JsonSubTypes.Type(value = Reading.class, name = "reading"),
    @JsonSubTypes.Type(value = ReadingBatch.class, name = "batch"),
    @JsonSubTypes.Type(value = Ack.class, name = "ack"),
    @JsonSubTypes.Type(value = Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = Pong.class, name = "pong"),
    @JsonSubTypes.Type(value = ErrorFrame.class, name = "error"),
    @JsonSubTypes.Type(value = FileInit.class, name = "file_init"),
    @JsonSubTypes.Type(value = FileChunk.class, name = "file_chunk"),
    @JsonSubTypes.Type(value = FileFin.class, name = "file_fin"),
    @JsonSubTypes.Type(value = FileStatus.class, name = "file_status"),
    @JsonSubTypes.Type(value = PeerHello.class, name = "peer_hello"),
    @JsonSubTypes.Type(value = Subscribe.class, name = "subscribe"),
    @JsonSubTypes.Type(value = Subscribed.class, name = "subscribed"),
    @JsonSubTypes.Type(value = Records.class, name = "records"),
    @JsonSubTypes.Type(value = PeerAck.class, name = "peer_ack"),
    @JsonSubTypes.Type(value = FileDelivery.class, name = "file_delivery"),
})
public sealed interface Frame permits Hello, HelloOk, Reading, ReadingBatch, Ack, Ping, Pong, ErrorFrame,
        FileInit, FileChunk, FileFin, FileStatus, PeerHello, Subscribe, Subscribed, Records, PeerAck, FileDelivery {

    @JsonIgnore
    FrameType type();
}
