package org.sparkgrad.testing;

import java.util.Map;
import org.sparkgrad.nn.F;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of {@code nn_functional.json}: linear, embedding, dropout (its deterministic identities), reading every
 * keyword of PyTorch 1.13's functional.
 */
public final class NnGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        // F.linear(input, weight, bias=None)
        m.put("linear", c -> GoldenResult.of(F.linear(CoreGoldenOps.x(c), c.in("weight"), c.inOpt("bias"))));
        // F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        // the indices are `indices` in the fixtures, `input` in torch; the engine has no max_norm renormalisation and no
        // scale_grad_by_freq; norm_type only acts with max_norm; sparse only changes the gradient's layout
        m.put("embedding", c -> {
            c.requireDefault("max_norm", null);
            c.requireDefault("scale_grad_by_freq", false);
            c.ignore("norm_type", "sparse");
            Tensor idx = CoreGoldenOps.req(c, "indices", "input");
            return GoldenResult.of(F.embedding(idx, c.in("weight"), c.argIntOrNull("padding_idx")));
        });
        // F.dropout(input, p=0.5, training=True, inplace=False): only the deterministic cases (eval, p = 0, p = 1)
        // can be compared value for value
        m.put("dropout", c -> {
            c.ignore("inplace");
            double p = c.argDouble("p", 0.5);
            boolean training = c.argBool("training", true);
            if (training && p > 0 && p < 1) throw c.unsupported("p", p + " with training=True (a random mask cannot match PyTorch's)");
            return GoldenResult.of(F.dropout(CoreGoldenOps.x(c), p, training, new Generator(0)));
        });
    }
}
