package io.sluice.source.device;

import java.util.concurrent.atomic.AtomicBoolean;

/** What one task knows of one device: its seq ledger and its current connection. */
final class DeviceState {
    final String id;
    final SeqLedger ledger = new SeqLedger();
    final AtomicBoolean ackScheduled = new AtomicBoolean();
    volatile FramedSession session;

    DeviceState(String id) {
        this.id = id;
    }
}
