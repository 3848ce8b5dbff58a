package org.sparkgrad.spark.ml;

import java.net.URISyntaxException;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session per test class. */
final class SparkTestSupport {
    private SparkTestSupport() {}

    static SparkSession session(String app) {
        return SparkSession.builder().master("local[2]").appName(app)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    static String resource(String name) {
        try {
            return Paths.get(SparkTestSupport.class.getResource("/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final String DIGITS_MLP = "{\"type\":\"Sequential\",\"layers\":["
            + "{\"type\":\"Linear\",\"in_features\":64,\"out_features\":128},{\"type\":\"ReLU\"},"
            + "{\"type\":\"Linear\",\"in_features\":128,\"out_features\":10}]}";
}
