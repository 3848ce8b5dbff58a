package org.sparkgrad.testing;

import java.util.Map;
import org.sparkgrad.nn.F;
import org.sparkgrad.nn.MultiheadAttention;
import org.sparkgrad.ops.AttentionOps;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of {@code norm.json} (layer_norm, rms_norm, batch_norm, group_norm) and {@code attention.json}
 * (scaled_dot_product_attention, multi_head_attention, gpt_block), with the conventions of
 * {@code shared/golden/README.md}, plus {@code instance_norm}. {@code multi_head_attention} checks the output (and its
 * gradients) through the fused path ({@code need_weights=false}) and the weights through the explicit path. Every
 * keyword of the PyTorch functional (or module) is read; dropout above 0 is refused as unsupported, since a random mask
 * cannot be compared.
 */
public final class NormAttentionGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        // F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)
        m.put("layer_norm", c -> GoldenResult.of(F.layerNorm(CoreGoldenOps.x(c), normalizedShape(c), c.inOpt("weight"),
                c.inOpt("bias"), c.argDouble("eps", 1e-5))));
        // F.rms_norm(input, normalized_shape, weight=None, eps=None) (torch 2.4; eps None = finfo(dtype).eps)
        m.put("rms_norm", c -> GoldenResult.of(F.rmsNorm(CoreGoldenOps.x(c), normalizedShape(c), c.inOpt("weight"),
                c.argDoubleOrNull("eps"))));
        m.put("batch_norm", NormAttentionGoldenOps::batchNorm);
        m.put("instance_norm", NormAttentionGoldenOps::instanceNorm);
        // F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5)
        m.put("group_norm", c -> {
            if (!c.has("num_groups")) throw new IllegalArgumentException("group_norm: num_groups is required");
            return GoldenResult.of(F.groupNorm(CoreGoldenOps.x(c), c.argInt("num_groups", 1), c.inOpt("weight"), c.inOpt("bias"),
                    c.argDouble("eps", 1e-5)));
        });
        // F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None)
        m.put("scaled_dot_product_attention", c -> {
            double p = c.argDouble("dropout_p", 0);
            if (p != 0) throw c.unsupported("dropout_p", p + " (a random dropout mask cannot match PyTorch's)");
            return GoldenResult.of(F.scaledDotProductAttention(c.in("query"), c.in("key"), c.in("value"), c.inOpt("attn_mask"), 0,
                    c.argBool("is_causal", false), c.argDoubleOrNull("scale"), null));
        });
        m.put("multi_head_attention", NormAttentionGoldenOps::multiHeadAttention);
        m.put("gpt_block", NormAttentionGoldenOps::gptBlock);
    }

    private static int[] normalizedShape(GoldenCase c) {
        int[] s = c.argInts("normalized_shape", 1);
        if (s == null) throw new IllegalArgumentException(c.op() + ": normalized_shape is required");
        return s;
    }

    /** F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5). */
    private static GoldenResult batchNorm(GoldenCase c) {
        Tensor rm = c.inOpt("running_mean"), rv = c.inOpt("running_var");
        Tensor y = F.batchNorm(CoreGoldenOps.x(c), rm, rv, c.inOpt("weight"), c.inOpt("bias"), c.argBool("training", false),
                momentum(c), c.argDouble("eps", 1e-5));
        return withRunningStats(GoldenResult.of(y), rm, rv);
    }

    /**
     * F.instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1,
     * eps=1e-5).
     */
    private static GoldenResult instanceNorm(GoldenCase c) {
        Tensor rm = c.inOpt("running_mean"), rv = c.inOpt("running_var");
        Tensor y = F.instanceNorm(CoreGoldenOps.x(c), rm, rv, c.inOpt("weight"), c.inOpt("bias"), c.argBool("use_input_stats", true),
                momentum(c), c.argDouble("eps", 1e-5));
        return withRunningStats(GoldenResult.of(y), rm, rv);
    }

    /** {@code momentum}: a float (default 0.1); None (the modules' cumulative average) is not a functional option here. */
    private static double momentum(GoldenCase c) {
        if (c.present("momentum") && !c.has("momentum")) throw c.unsupported("momentum", "None (cumulative moving average)");
        return c.argDouble("momentum", 0.1);
    }

    private static GoldenResult withRunningStats(GoldenResult r, Tensor rm, Tensor rv) {
        if (rm != null) r.extra("running_mean_after", rm);
        if (rv != null) r.extra("running_var_after", rv);
        return r;
    }

    /**
     * {@code nn.MultiheadAttention(embed_dim, num_heads, dropout=0, bias=True, add_bias_kv=False, add_zero_attn=False,
     * kdim=None, vdim=None, batch_first=True)} (the README's module; batch_first may be given) and its
     * {@code forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True)},
     * with the exported parameters as inputs; {@code causal} (fixtures) / {@code is_causal} (torch 2.x) masks j > i.
     * The output (and its gradients) goes through the fused path (need_weights=False), the weights through the explicit
     * path.
     */
    private static GoldenResult multiHeadAttention(GoldenCase c) {
        Tensor x = c.inOpt("x");
        Tensor q = x != null ? x : c.in("query"), k = x != null ? x : c.in("key"), v = x != null ? x : c.in("value");
        if (!c.has("num_heads")) throw new IllegalArgumentException("multi_head_attention: num_heads is required");
        int heads = c.argInt("num_heads", 1);
        boolean causal = c.argBool("causal", false) || c.argBool("is_causal", false);
        boolean needWeights = c.argBool("need_weights", true);
        boolean average = c.argBool("average_attn_weights", true);
        boolean batchFirst = c.argBool("batch_first", true);
        double dropout = c.argDouble("dropout", 0);
        if (dropout != 0) throw c.unsupported("dropout", dropout + " (a random dropout mask cannot match PyTorch's)");
        c.requireDefault("add_bias_kv", false);
        c.requireDefault("add_zero_attn", false);
        Tensor w = c.in("in_proj_weight"), b = c.inOpt("in_proj_bias"), ow = c.in("out_proj_weight"), ob = c.inOpt("out_proj_bias");
        int e = w.size(1);
        if (c.has("embed_dim") && c.argInt("embed_dim", e) != e) {
            throw new IllegalArgumentException("multi_head_attention: embed_dim " + c.arg("embed_dim") + " but in_proj_weight " + w.size(0) + "x" + e);
        }
        for (String kd : new String[] {"kdim", "vdim"}) {
            // separate k/v projection weights (kdim/vdim != embed_dim) are not in the engine's functional form
            if (c.has(kd) && c.argInt(kd, e) != e) throw c.unsupported(kd, c.arg(kd) + " (only None or embed_dim " + e + ")");
        }
        boolean bias = c.argBool("bias", true);
        if (bias != (b != null) || bias != (ob != null)) {
            throw new IllegalArgumentException("multi_head_attention: bias=" + bias + " but in_proj_bias/out_proj_bias "
                    + (b != null ? "given" : "absent") + "/" + (ob != null ? "given" : "absent"));
        }
        Tensor kpm = c.inOpt("key_padding_mask"), am = c.inOpt("attn_mask");
        if (!batchFirst && q.dim() == 3) {
            // (L, B, E) as nn.MultiheadAttention.forward with batch_first=False
            boolean same = q == k && k == v;
            Tensor qt = q.transpose(0, 1);
            Tensor kt = same ? qt : k.transpose(0, 1);
            Tensor vt = same ? qt : (k == v ? kt : v.transpose(0, 1));
            q = qt;
            k = kt;
            v = vt;
        }
        Tensor out = MultiheadAttention.multiHeadAttentionForward(q, k, v, heads, w, b, ow, ob, kpm, false, am, average, causal, 0, null).output;
        if (!batchFirst && q.dim() == 3) out = out.transpose(0, 1);
        GoldenResult r = GoldenResult.of(out);
        if (needWeights) {
            MultiheadAttention.Output withWeights = MultiheadAttention.multiHeadAttentionForward(q, k, v, heads, w, b, ow, ob, kpm, true, am,
                    average, causal, 0, null);
            r.extra("attn_weights", withWeights.weights);
        }
        return r;
    }

    /** The README's pre-LN block, with every weight an input. */
    private static GoldenResult gptBlock(GoldenCase c) {
        Tensor x = c.in("x");
        int heads = c.argInt("n_heads", 1);
        double eps = c.argDouble("eps", 1e-5);
        String approximate = c.argString("approximate", "none");
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("gpt_block: approximate must be 'none' or 'tanh', got " + approximate);
        }
        boolean tanh = approximate.equals("tanh");
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
