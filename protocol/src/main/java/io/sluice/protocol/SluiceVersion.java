package io.sluice.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Sluice's version, from a resource the build fills in. */
public final class SluiceVersion {
    private static final String VERSION = load();

    private SluiceVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = SluiceVersion.class.getResourceAsStream("/sluice-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
