package org.sparkgrad.spark.ml;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where a model came from: engine, Spark, Java versions and the time it was written. */
final class Provenance {
    private Provenance() {}

    static String engineVersion() {
        return org.sparkgrad.Sparkgrad.version();
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", "sparkgrad " + engineVersion());
        m.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        m.put("java", System.getProperty("java.version"));
        m.put("blas", org.sparkgrad.backend.Blas.description());
        m.put("writtenAt", Instant.now().toString());
        return m;
    }
}
