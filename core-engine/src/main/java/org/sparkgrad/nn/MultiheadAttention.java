package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.ops.AttentionOps;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Multi-head attention (Vaswani et al. 2017), PyTorch's {@code nn.MultiheadAttention} with
 * {@code kdim = vdim = embed_dim}: {@code MultiHead(Q, K, V) = Concat(head_1..head_H) W_O + b_O},
 * {@code head_h = softmax(Q W_Q^h (K W_K^h)^T / sqrt(hd) + mask) V W_V^h}, {@code hd = embed_dim / num_heads}.
 *
 * <p>Parameters, named as PyTorch's so state dicts match: {@code in_proj_weight (3E, E)} (rows {@code [0, E)} project
 * the query, {@code [E, 2E)} the key, {@code [2E, 3E)} the value; Xavier-uniform), {@code in_proj_bias (3E)} (zeros) when
 * {@code bias}, and {@code out_proj}, a {@link Linear}{@code (E, E)} ({@code out_proj.weight}, {@code out_proj.bias}; its
 * bias zeroed).
 *
 * <p><b>Layout: {@code batchFirst} defaults to true here</b> (PyTorch's default is false): inputs are
 * {@code (B, L, E)} query and {@code (B, S, E)} key/value, or unbatched {@code (L, E)} / {@code (S, E)}; with
 * {@code batchFirst = false} they are {@code (L, B, E)} / {@code (S, B, E)}.
 *
 * <p>Masks follow {@code nn.MultiheadAttention}: {@code keyPaddingMask (B, S)} bool with <b>true = padding (ignored)</b>,
 * or float (added); {@code attnMask (L, S)} or {@code (B * H, L, S)} bool with <b>true = not allowed</b>, or float (added).
 * This is the opposite of {@link F#scaledDotProductAttention}'s bool convention. {@code isCausal} masks key
 * {@code j > i}; unlike PyTorch it needs no accompanying {@code attnMask} (both may be given and both apply). Dropout on
 * the attention probabilities applies in training mode only. When the weights are not needed and query, key and value
 * are the same tensor, one fused packed self-attention op runs ({@link AttentionOps#packedSelfAttention}); otherwise the
 * heads are views of the projections passed to the fused {@link AttentionOps#attention}.
 */
public class MultiheadAttention extends Module {
    public final int embedDim, numHeads, headDim;
    public final double dropout;
    public final boolean batchFirst;
    public final Tensor inProjWeight, inProjBias;
    public final Linear outProj;
    private final Generator generator;

    /** {@code MultiheadAttention(embedDim, numHeads)} with bias, no dropout, batch first. */
    public MultiheadAttention(int embedDim, int numHeads) { this(embedDim, numHeads, 0.0, true, true, Generator.defaultGenerator()); }

    /**
     * @param embedDim   model dim E
     * @param numHeads   number of heads H; must divide E
     * @param dropout    dropout probability on the attention weights (training only)
     * @param bias       whether the input and output projections have biases
     * @param batchFirst inputs are {@code (B, L, E)} (true, our default) or {@code (L, B, E)}
     * @param g          generator for initialisation and dropout
     * @throws IllegalArgumentException when E is not divisible by H, or sizes are not positive
     */
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, boolean batchFirst, Generator g) {
        if (embedDim <= 0 || numHeads <= 0) {
            throw new IllegalArgumentException("embed_dim and num_heads must be greater than 0, got embed_dim=" + embedDim
                    + " and num_heads=" + numHeads);
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim must be divisible by num_heads, got embed_dim=" + embedDim
                    + " and num_heads=" + numHeads);
        }
        if (dropout < 0 || dropout > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + dropout);
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.generator = g;
        this.inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        this.inProjBias = registerParameter("in_proj_bias", bias ? Tensor.zeros(3 * embedDim) : null);
        this.outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, g));
        Init.xavierUniform_(inProjWeight, 1.0, g);
        if (outProj.bias != null) Init.zeros_(outProj.bias);
    }

    /** Output of {@link #forward(Tensor, Tensor, Tensor, Tensor, boolean, Tensor, boolean, boolean)}. */
    public static final class Output {
        /** The attention output: {@code (B, L, E)} (batch first), {@code (L, B, E)}, or {@code (L, E)} unbatched. */
        public final Tensor output;
        /**
         * The attention weights (after dropout) when requested, else null: {@code (B, L, S)} averaged over heads or
         * {@code (B, H, L, S)}; {@code (L, S)} / {@code (H, L, S)} unbatched.
         */
        public final Tensor weights;

        Output(Tensor output, Tensor weights) {
            this.output = output;
            this.weights = weights;
        }
    }

    /** Self-attention {@code forward(x, x, x)} without masks or weights. */
    @Override public Tensor forward(Tensor x) { return forward(x, x, x, null, false, null, true, false).output; }

    /**
     * PyTorch's {@code forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights,
     * is_causal)}.
     *
     * @throws IllegalArgumentException on inconsistent shapes or masks (naming the shapes)
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights, Tensor attnMask,
                          boolean averageAttnWeights, boolean isCausal) {
        boolean unbatched = query.dim() == 2;
        Tensor q = query, k = key, v = value;
        if (!unbatched && !batchFirst) {
            boolean same = query == key && key == value;
            q = query.transpose(0, 1);
            k = same ? q : key.transpose(0, 1);
            v = same ? q : (key == value ? k : value.transpose(0, 1));
        }
        Output o = multiHeadAttentionForward(q, k, v, numHeads, inProjWeight, inProjBias, outProj.weight, outProj.bias, keyPaddingMask,
                needWeights, attnMask, averageAttnWeights, isCausal, isTraining() ? dropout : 0.0, generator);
        if (!unbatched && !batchFirst) return new Output(o.output.transpose(0, 1), o.weights);
        return o;
    }

    /**
     * The functional form ({@code F.multi_head_attention_forward} with packed in-projection, batch first):
     * {@code query (B, L, E)}, {@code key}/{@code value (B, S, E)} or unbatched {@code (L, E)}/{@code (S, E)}.
     * Masks as described in the class comment.
     *
     * @param inProjWeight  {@code (3E, E)} packed q/k/v projection
     * @param inProjBias    {@code (3E)} or null
     * @param outProjWeight {@code (E, E)}
     * @param outProjBias   {@code (E)} or null
     * @param dropoutP      dropout on the attention weights (pass 0 in evaluation)
     * @return the output and, when {@code needWeights}, the (head-averaged when {@code averageAttnWeights}) weights
     * @throws IllegalArgumentException on inconsistent shapes or masks (naming the shapes)
     */
    public static Output multiHeadAttentionForward(Tensor query, Tensor key, Tensor value, int numHeads, Tensor inProjWeight,
                                                   Tensor inProjBias, Tensor outProjWeight, Tensor outProjBias, Tensor keyPaddingMask,
                                                   boolean needWeights, Tensor attnMask, boolean averageAttnWeights, boolean isCausal,
                                                   double dropoutP, Generator g) {
        boolean unbatched = query.dim() == 2;
        if (query.dim() != 2 && query.dim() != 3) {
            throw new IllegalArgumentException("query should be unbatched 2D or batched 3D tensor but received " + query.dim()
                    + "-D query tensor of shape " + Shape.str(query.shapeRef()));
        }
        if (key.dim() != query.dim() || value.dim() != query.dim()) {
            throw new IllegalArgumentException("key and value should have the rank of query: query " + Shape.str(query.shapeRef())
                    + ", key " + Shape.str(key.shapeRef()) + ", value " + Shape.str(value.shapeRef()));
        }
        boolean self = query == key && key == value;
        if (unbatched) {
            Tensor q = query.unsqueeze(0);
            Tensor k = self ? q : key.unsqueeze(0);
            Tensor v = self ? q : (key == value ? k : value.unsqueeze(0));
            Tensor kpm = keyPaddingMask == null ? null : keyPaddingMask.unsqueeze(0);
            Output o = multiHeadAttentionForward(q, k, v, numHeads, inProjWeight, inProjBias, outProjWeight, outProjBias, kpm,
                    needWeights, attnMask, averageAttnWeights, isCausal, dropoutP, g);
            return new Output(o.output.squeeze(0), o.weights == null ? null : o.weights.squeeze(0));
        }
        int e = inProjWeight.size(1);
        int b = query.size(0), l = query.size(1), s = key.size(1);
        if (query.size(2) != e) {
            throw new IllegalArgumentException("was expecting embedding dimension of " + e + ", but got query of shape "
                    + Shape.str(query.shapeRef()));
        }
        if (e % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim must be divisible by num_heads, got embed_dim=" + e + " and num_heads=" + numHeads);
        }
        if (!Arrays.equals(key.shapeRef(), value.shapeRef()) || key.size(0) != b || key.size(2) != e) {
            throw new IllegalArgumentException("key shape " + Shape.str(key.shapeRef()) + " and value shape " + Shape.str(value.shapeRef())
                    + " must match and agree with query shape " + Shape.str(query.shapeRef()) + " in batch and embedding dims");
        }
        int hd = e / numHeads;
        Tensor mask = mergeMasks(keyPaddingMask, attnMask, b, numHeads, l, s, query.dtype());
        Tensor attn;
        Tensor weights = null;
        if (self && !needWeights) {
            Tensor qkv = F.linear(query, inProjWeight, inProjBias);
            attn = AttentionOps.packedSelfAttention(qkv, numHeads, mask, dropoutP, isCausal, null, g);
        } else {
            Tensor q, k, v;
            if (self) {
                Tensor qkv = F.linear(query, inProjWeight, inProjBias);
                q = qkv.narrow(2, 0, e);
                k = qkv.narrow(2, e, e);
                v = qkv.narrow(2, 2 * e, e);
            } else {
                q = F.linear(query, inProjWeight.narrow(0, 0, e), inProjBias == null ? null : inProjBias.narrow(0, 0, e));
                k = F.linear(key, inProjWeight.narrow(0, e, e), inProjBias == null ? null : inProjBias.narrow(0, e, e));
                v = F.linear(value, inProjWeight.narrow(0, 2 * e, e), inProjBias == null ? null : inProjBias.narrow(0, 2 * e, e));
            }
            Tensor q4 = q.view(b, l, numHeads, hd).transpose(1, 2);
            Tensor k4 = k.view(b, s, numHeads, hd).transpose(1, 2);
            Tensor v4 = v.view(b, s, numHeads, hd).transpose(1, 2);
            Tensor o4;
            if (needWeights) {
                Tensor probs = AttentionOps.maskedSoftmax(q4.matmul(k4.mT()), mask, isCausal, 1 / Math.sqrt(hd));
                if (dropoutP > 0) probs = F.dropout(probs, dropoutP, true, g == null ? Generator.defaultGenerator() : g);
                o4 = probs.matmul(v4);
                weights = averageAttnWeights ? probs.mean(1) : probs;
            } else {
                o4 = AttentionOps.attention(q4, k4, v4, mask, dropoutP, isCausal, null, g);
            }
            attn = o4.transpose(1, 2).reshape(b, l, e);
        }
        return new Output(F.linear(attn, outProjWeight, outProjBias), weights);
    }

    /**
     * Merges {@code key_padding_mask (B, S)} (true = padding) and {@code attn_mask (L, S) / (B*H, L, S)} (true = not
     * allowed) into one mask for {@link AttentionOps}: bool "may attend" when both are bool, else additive float.
     */
    static Tensor mergeMasks(Tensor kpm, Tensor am, int b, int h, int l, int s, DType dt) {
        Tensor k4 = null, a4 = null;
        if (kpm != null) {
            if (kpm.dim() != 2 || kpm.size(0) != b || kpm.size(1) != s) {
                throw new IllegalArgumentException("expecting key_padding_mask shape of [" + b + ", " + s + "], but got "
                        + Shape.str(kpm.shapeRef()));
            }
            k4 = kpm.view(b, 1, 1, s);
        }
        if (am != null) {
            if (am.dim() == 2) {
                if (am.size(0) != l || am.size(1) != s) {
                    throw new IllegalArgumentException("The shape of the 2D attn_mask is " + Shape.str(am.shapeRef()) + ", but should be ["
                            + l + ", " + s + "].");
                }
                a4 = am;
            } else if (am.dim() == 3) {
                if (am.size(0) != b * h || am.size(1) != l || am.size(2) != s) {
                    throw new IllegalArgumentException("The shape of the 3D attn_mask is " + Shape.str(am.shapeRef()) + ", but should be ["
                            + (b * h) + ", " + l + ", " + s + "].");
                }
                a4 = am.reshape(b, h, l, s);
            } else {
                throw new IllegalArgumentException("attn_mask's dimension " + am.dim() + " is not supported (shape " + Shape.str(am.shapeRef()) + ")");
            }
        }
        if (k4 == null && a4 == null) return null;
        boolean allBool = (k4 == null || k4.dtype() == DType.BOOL) && (a4 == null || a4.dtype() == DType.BOOL);
        if (allBool) {
            Tensor allowK = k4 == null ? null : k4.logicalNot();
            Tensor allowA = a4 == null ? null : a4.logicalNot();
            if (allowK == null) return allowA;
            if (allowA == null) return allowK;
            return allowA.logicalAnd(allowK);
        }
        Tensor fk = k4 == null ? null : additive(k4, dt), fa = a4 == null ? null : additive(a4, dt);
        if (fk == null) return fa;
        if (fa == null) return fk;
        return fa.add(fk);
    }

    private static Tensor additive(Tensor m, DType dt) {
        if (m.dtype() == DType.BOOL) return Tensor.zeros(dt, m.device(), m.shape()).maskedFill(m, Double.NEGATIVE_INFINITY);
        if (!m.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("only bool and floating types of masks are supported, got " + m.dtype().torchName());
        }
        return m.to(dt);
    }

    @Override public String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads + ", dropout=" + dropout + ", batch_first=" + (batchFirst ? "True" : "False");
    }
}
