package org.sparkgrad.testing;

import java.util.Map;
import org.sparkgrad.nn.F;
import org.sparkgrad.nn.MultiheadAttention;
import org.sparkgrad.ops.AttentionOps;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of {@code norm.json} (layer_norm, rms_norm, batch_norm, group_norm) and {@code attention.json}
 * (scaled_dot_product_attention, multi_head_attention, gpt_block), with the conventions of
 * {@code shared/golden/README.md}. {@code multi_head_attention} checks the output (and its gradients) through the fused
 * path ({@code need_weights=false}) and the head-averaged weights through the explicit path.
 */
public final class NormAttentionGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        m.put("layer_norm", c -> GoldenResult.of(F.layerNorm(c.in("input"), c.argInts("normalized_shape", 1), c.inOpt("weight"),
                c.inOpt("bias"), c.argDouble("eps", 1e-5))));
        m.put("rms_norm", c -> GoldenResult.of(F.rmsNorm(c.in("input"), c.argInts("normalized_shape", 1), c.inOpt("weight"),
                c.has("eps") ? c.argDouble("eps", 0) : null)));
        m.put("batch_norm", NormAttentionGoldenOps::batchNorm);
        m.put("group_norm", c -> GoldenResult.of(F.groupNorm(c.in("input"), c.argInt("num_groups", 1), c.inOpt("weight"), c.inOpt("bias"),
                c.argDouble("eps", 1e-5))));
        m.put("scaled_dot_product_attention", c -> GoldenResult.of(F.scaledDotProductAttention(c.in("query"), c.in("key"), c.in("value"),
                c.inOpt("attn_mask"), c.argDouble("dropout_p", 0), c.argBool("is_causal", false),
                c.has("scale") ? c.argDouble("scale", 1) : null, null)));
        m.put("multi_head_attention", NormAttentionGoldenOps::multiHeadAttention);
        m.put("gpt_block", NormAttentionGoldenOps::gptBlock);
    }

    private static GoldenResult batchNorm(GoldenCase c) {
        Tensor rm = c.inOpt("running_mean"), rv = c.inOpt("running_var");
        Tensor y = F.batchNorm(c.in("input"), rm, rv, c.inOpt("weight"), c.inOpt("bias"), c.argBool("training", true),
                c.argDouble("momentum", 0.1), c.argDouble("eps", 1e-5));
        GoldenResult r = GoldenResult.of(y);
        if (rm != null) r.extra("running_mean_after", rm);
        if (rv != null) r.extra("running_var_after", rv);
        return r;
    }

    private static GoldenResult multiHeadAttention(GoldenCase c) {
        Tensor x = c.inOpt("x");
        Tensor q = x != null ? x : c.in("query"), k = x != null ? x : c.in("key"), v = x != null ? x : c.in("value");
        int heads = c.argInt("num_heads", 1);
        boolean causal = c.argBool("causal", false);
        Tensor w = c.in("in_proj_weight"), b = c.inOpt("in_proj_bias"), ow = c.in("out_proj_weight"), ob = c.inOpt("out_proj_bias");
        Tensor kpm = c.inOpt("key_padding_mask");
        Tensor out = MultiheadAttention.multiHeadAttentionForward(q, k, v, heads, w, b, ow, ob, kpm, false, null, true, causal, 0, null).output;
        MultiheadAttention.Output withWeights = MultiheadAttention.multiHeadAttentionForward(q, k, v, heads, w, b, ow, ob, kpm, true, null,
                true, causal, 0, null);
        return GoldenResult.of(out).extra("attn_weights", withWeights.weights);
    }

    /** The README's pre-LN block, with every weight an input. */
    private static GoldenResult gptBlock(GoldenCase c) {
        Tensor x = c.in("x");
        int heads = c.argInt("n_heads", 1);
        double eps = c.argDouble("eps", 1e-5);
        boolean tanh = "tanh".equals(c.argString("approximate", "none"));
        int d = x.size(-1);
        int[] ns = {d};
        Tensor a = F.layerNorm(x, ns, c.in("ln1_weight"), c.in("ln1_bias"), eps);
        Tensor qkv = F.linear(a, c.in("attn_in_proj_weight"), c.in("attn_in_proj_bias"));
        Tensor o = AttentionOps.packedSelfAttention(qkv, heads, null, 0, true, null, null);
        Tensor h = x.add(F.linear(o, c.in("attn_out_proj_weight"), c.in("attn_out_proj_bias")));
        Tensor m = F.linear(F.layerNorm(h, ns, c.in("ln2_weight"), c.in("ln2_bias"), eps), c.in("mlp_fc1_weight"), c.in("mlp_fc1_bias"));
        Tensor y = h.add(F.linear(m.gelu(tanh), c.in("mlp_fc2_weight"), c.in("mlp_fc2_bias")));
        return GoldenResult.of(y);
    }
}
