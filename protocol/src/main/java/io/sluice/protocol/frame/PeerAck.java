package io.sluice.protocol.frame;

import java.util.List;

/** Peer → sink, cumulative per partition: every record up to each cursor's offset is processed. */
public record PeerAck(List<Cursor> cursors) implements Frame {
    public PeerAck {
        cursors = cursors == null ? List.of() : List.copyOf(cursors);
    }

    @Override
    public FrameType type() {
        return FrameType.PEER_ACK;
    }
}
