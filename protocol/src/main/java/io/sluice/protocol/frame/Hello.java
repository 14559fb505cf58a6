package io.sluice.protocol.frame;

/**
 * Device → source, first frame of a connection.
 *
 * @param version  protocol version the device speaks
 * @param deviceId the device's id (see {@link io.sluice.protocol.ProtocolLimits#checkDeviceId})
 * @param token    a per-device secret, or empty
 */
public record Hello(int version, String deviceId, String token) implements Frame {
    public Hello {
        token = token == null ? "" : token;
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    @Override
    public String toString() {
        return "Hello[version=" + version + ", deviceId=" + deviceId + ", token=" + (token.isEmpty() ? "" : "***") + "]";
    }
}
