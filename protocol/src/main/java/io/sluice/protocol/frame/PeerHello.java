package io.sluice.protocol.frame;

/**
 * Peer → sink, first frame of a connection.
 *
 * @param version  protocol version
 * @param peerName a durable peer's name (at-least-once, resumable), or empty for a live-only peer
 * @param token    the peer's secret, or empty
 */
public record PeerHello(int version, String peerName, String token) implements Frame {
    public PeerHello {
        peerName = peerName == null ? "" : peerName;
        token = token == null ? "" : token;
    }

    public boolean durable() {
        return !peerName.isEmpty();
    }

    @Override
    public FrameType type() {
        return FrameType.PEER_HELLO;
    }

    @Override
    public String toString() {
        return "PeerHello[version=" + version + ", peerName=" + peerName + ", token=" + (token.isEmpty() ? "" : "***") + "]";
    }
}
