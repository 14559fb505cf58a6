package io.sluice.source.buffer;

/** Why the buffer dropped a reading; the name is what gap records and metrics carry. */
public enum DropReason {
    DROP_OLDEST("drop_oldest"),
    DROP_NEWEST("drop_newest");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
