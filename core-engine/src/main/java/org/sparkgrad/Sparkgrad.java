package org.sparkgrad;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about this build of the engine, for provenance records (checkpoints, Spark model metadata). */
public final class Sparkgrad {
    private static final String VERSION = loadVersion();

    private Sparkgrad() {}

    /**
     * The engine version, e.g. {@code 0.1.0-SNAPSHOT}: the Maven project version written into
     * {@code org/sparkgrad/sparkgrad-version.properties} at build time, or {@code "unknown"} when the classes were
     * built without Maven's resource filtering.
     */
    public static String version() {
        return VERSION;
    }

    private static String loadVersion() {
        try (InputStream in = Sparkgrad.class.getResourceAsStream("sparkgrad-version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
