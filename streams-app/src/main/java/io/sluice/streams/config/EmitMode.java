package io.sluice.streams.config;

/** When aggregates are written. */
public enum EmitMode {
    /** Once per window, when it closes. */
    FINAL,
    /** After every reading (final=false), and once more when the window closes (final=true). */
    UPDATE
}
