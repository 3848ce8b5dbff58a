package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java op codes must be exactly the header's. */
class KernelOpsTest {
    private static Map<String, Integer> defines(String prefix) throws IOException {
        String h = Files.readString(PtxFiles.cudaSourceDir().resolve("sg_ops.h"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^#define SG_" + prefix + "_(\\w+) (\\d+)").matcher(h);
        Map<String, Integer> r = new HashMap<>();
        while (m.find()) r.put(m.group(1), Integer.parseInt(m.group(2)));
        return r;
    }

    private static <E extends Enum<E>> void check(String prefix, Class<E> type, java.util.function.ToIntFunction<E> code)
            throws IOException {
        Map<String, Integer> h = defines(prefix);
        Integer count = h.remove("COUNT");
        E[] values = type.getEnumConstants();
        assertEquals(h.size(), values.length, prefix + ": number of ops (header " + h.keySet() + ")");
        assertEquals(values.length, count, "SG_" + prefix + "_COUNT");
        for (E e : values) {
            assertTrue(h.containsKey(e.name()), "SG_" + prefix + "_" + e.name() + " missing from sg_ops.h");
            assertEquals(h.get(e.name()), code.applyAsInt(e), "code of " + e);
        }
    }

    @Test
    void javaCodesMatchTheHeader() throws IOException {
        check("U", KernelOps.Unary.class, e -> e.code);
        check("G", KernelOps.UnaryGrad.class, e -> e.code);
        check("B", KernelOps.Binary.class, e -> e.code);
        check("C", KernelOps.Compare.class, e -> e.code);
        check("L", KernelOps.Logical.class, e -> e.code);
    }
}
