package org.sparkgrad.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registry of golden ops: the engine core's, plus those of any {@link Provider} on the class path
 * (found with {@link ServiceLoader}), so other families and backends plug in without editing this class.
 */
public final class GoldenOps {
    private GoldenOps() {}

    /** Contributes golden ops (register in {@code META-INF/services/org.sparkgrad.testing.GoldenOps$Provider}). */
    public interface Provider {
        void register(Map<String, GoldenOp> ops);
    }

    /** All known golden ops by fixture op name. */
    public static Map<String, GoldenOp> all() {
        Map<String, GoldenOp> m = new HashMap<>();
        CoreGoldenOps.register(m);
        for (Provider p : ServiceLoader.load(Provider.class, GoldenOps.class.getClassLoader())) p.register(m);
        return m;
    }
}
