package org.sparkgrad.testing;

import java.util.Map;
import org.sparkgrad.nn.F;
import org.sparkgrad.tensor.Generator;

/** Golden ops of {@code nn_functional.json}: linear, embedding, dropout (its deterministic identities). */
public final class NnGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        m.put("linear", c -> GoldenResult.of(F.linear(c.in("input"), c.in("weight"), c.inOpt("bias"))));
        m.put("embedding", c -> GoldenResult.of(F.embedding(c.in("indices"), c.in("weight"),
                c.has("padding_idx") ? c.argInt("padding_idx", 0) : null)));
        m.put("dropout", c -> GoldenResult.of(F.dropout(c.in("input"), c.argDouble("p", 0.5), c.argBool("training", true),
                new Generator(0))));
    }
}
