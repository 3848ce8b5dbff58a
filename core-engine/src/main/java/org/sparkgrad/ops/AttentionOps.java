package org.sparkgrad.ops;

import org.sparkgrad.amp.Autocast;
import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need") as fused differentiable ops:
 * the forward is {@code scale * q k^T}, mask, softmax and the product with v in one {@link Function} whose backward
 * is one fused kernel ({@link Backend#attentionForward} / {@link Backend#attentionBackward}); only the
 * probabilities are kept for the backward, never the masked scores.
 *
 * <p>Mask conventions (those of PyTorch 2.x {@code F.scaled_dot_product_attention}): a bool mask is true where a
 * query <b>may attend</b>; a float mask is added to the scaled scores; {@code isCausal} lets query {@code i} see
 * keys {@code j <= i} (top-left aligned when L != S). A query row with every key masked yields NaN, as PyTorch's
 * softmax of all {@code -inf} does. Note that {@code nn.MultiheadAttention}'s bool masks use the opposite convention
 * (true = masked); {@code org.sparkgrad.nn.MultiheadAttention} converts.
 */
public final class AttentionOps {
    private AttentionOps() {}

    private static int[] batchOf(Tensor t) { return Arrays.copyOf(t.shapeRef(), t.dim() - 2); }

    private static int[] withLast2(int[] batch, int a, int b) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = a;
        s[batch.length + 1] = b;
        return s;
    }

    /** A detached broadcast view of t to {@code shape} (no graph node). */
    private static Tensor expandTo(Tensor t, int[] shape) {
        return Arrays.equals(t.shapeRef(), shape) ? t.detach() : t.detach().expand(shape);
    }

    private static Tensor checkMask(Tensor mask, int[] scoreShape, DType dt, String op) {
        if (mask == null) return null;
        if (mask.dtype() != DType.BOOL && !mask.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": attn_mask must be bool or floating point, got dtype " + mask.dtype().torchName());
        }
        int[] b;
        try {
            b = Shape.broadcast(mask.shapeRef(), scoreShape);
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || !Arrays.equals(b, scoreShape)) {
            throw new IllegalArgumentException(op + ": attn_mask of shape " + Shape.str(mask.shapeRef())
                    + " cannot be broadcast to the attention scores of shape " + Shape.str(scoreShape));
        }
        if (mask.dtype().isFloatingPoint() && mask.dtype() != dt) return mask.to(dt);
        return mask;
    }

    /** The inverted-dropout multiplier {@code (u >= p) / (1 - p)} of the given shape, or null when p == 0. */
    static Tensor dropoutKeep(int[] shape, double p, DType dt, Tensor like, Generator g) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        if (p == 0) return null;
        try (GradMode.Guard ng = GradMode.noGrad()) {
            if (p == 1) return Tensor.zeros(dt, like.device(), shape);
            Generator gen = g == null ? Generator.defaultGenerator() : g;
            return Tensor.rand(gen, shape).ge(p).to(dt).mul(1 / (1 - p)).to(like.device());
        }
    }

    /**
     * {@code scaled_dot_product_attention(q, k, v)} with no mask, no dropout and scale {@code 1/sqrt(E)}.
     *
     * @see #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, Double, Generator)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        return scaledDotProductAttention(q, k, v, null, 0, false, null, null);
    }

    /**
     * Scaled dot-product attention, {@code softmax(scale * q k^T + mask) v}, as PyTorch 2.x
     * {@code F.scaled_dot_product_attention}.
     *
     * @param q         query {@code (..., L, E)} (typically {@code (B, H, L, E)} or {@code (B, L, E)}), float32/float64
     * @param k         key {@code (..., S, E)}
     * @param v         value {@code (..., S, Ev)}; Ev may differ from E. The leading dims of q, k, v broadcast.
     * @param attnMask  null, bool {@code (1 = may attend)} or float (added to the scores), broadcastable to
     *                  {@code (..., L, S)}; a float mask that requires grad gets a gradient
     * @param dropoutP  dropout probability applied to the attention probabilities (0 = none; PyTorch applies it
     *                  whenever it is positive, so pass 0 in evaluation)
     * @param isCausal  mask keys {@code j > i}; may not be combined with {@code attnMask}, as in PyTorch
     * @param scale     factor on {@code q k^T}; null means {@code 1 / sqrt(E)}
     * @param generator source of the dropout mask (null = the default generator)
     * @return {@code (..., L, Ev)} of q's dtype. For 4-D inputs the result is laid out {@code (B, L, H, Ev)} in memory
     *         (a transposed view), so {@code out.transpose(1, 2).reshape(B, L, H * Ev)} is free.
     * @throws IllegalArgumentException on mismatched shapes or dtypes (naming the shapes), a mask that does not
     *                                  broadcast to {@code (..., L, S)} (naming both shapes), or {@code attnMask} together
     *                                  with {@code isCausal}
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP, boolean isCausal,
                                                   Double scale, Generator generator) {
        if (isCausal && attnMask != null) {
            throw new IllegalArgumentException("scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True");
        }
        return attention(q, k, v, attnMask, dropoutP, isCausal, scale, generator);
    }

    /**
     * As {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, Double, Generator)} but
     * allowing a mask together with the causal limit (both apply); used by the attention modules, which merge key
     * padding and attention masks.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP, boolean isCausal, Double scale,
                                   Generator generator) {
        Tensor[] ac = Autocast.lowerPrecision(q, k, v, attnMask);
        q = ac[0];
        k = ac[1];
        v = ac[2];
        attnMask = ac[3];
        String op = "scaled_dot_product_attention";
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2) {
            throw new IllegalArgumentException(op + ": query, key and value must be at least 2-D (..., L, E), got "
                    + Shape.str(q.shapeRef()) + ", " + Shape.str(k.shapeRef()) + " and " + Shape.str(v.shapeRef()));
        }
        if (!q.dtype().isFloatingPoint() || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
            throw new IllegalArgumentException(op + ": expected query, key and value of one floating dtype, got "
                    + q.dtype().torchName() + ", " + k.dtype().torchName() + " and " + v.dtype().torchName());
        }
        Arithmetic.sameDevice(q, k, op);
        Arithmetic.sameDevice(q, v, op);
        int l = q.size(-2), e = q.size(-1), s = k.size(-2), ev = v.size(-1);
        if (k.size(-1) != e) {
            throw new IllegalArgumentException(op + ": query and key must have the same embedding dim, got query "
                    + Shape.str(q.shapeRef()) + " and key " + Shape.str(k.shapeRef()));
        }
        if (v.size(-2) != s) {
            throw new IllegalArgumentException(op + ": key and value must have the same sequence length, got key "
                    + Shape.str(k.shapeRef()) + " and value " + Shape.str(v.shapeRef()));
        }
        int[] batch;
        try {
            batch = Shape.broadcast(Shape.broadcast(batchOf(q), batchOf(k)), batchOf(v));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(op + ": the batch dims of query " + Shape.str(q.shapeRef()) + ", key "
                    + Shape.str(k.shapeRef()) + " and value " + Shape.str(v.shapeRef()) + " do not broadcast");
        }
        int[] scoreShape = withLast2(batch, l, s);
        Tensor mask = checkMask(attnMask, scoreShape, q.dtype(), op);
        double sc = scale == null ? 1 / Math.sqrt(e) : scale;
        Tensor keep = dropoutKeep(scoreShape, dropoutP, q.dtype(), q, generator);
        Tensor qe = expandTo(q, withLast2(batch, l, e)), ke = expandTo(k, withLast2(batch, s, e)), ve = expandTo(v, withLast2(batch, s, ev));
        Tensor maskE = mask == null ? null : mask.detach();
        Backend be = q.backend();
        Tensor probs = Tensor.zeros(q.dtype(), q.device(), scoreShape);
        Tensor out, outView;
        if (batch.length == 2) {
            // (B, L, H, Ev) in memory: the heads' outputs interleave as a following transpose(1, 2).reshape needs
            Tensor buf = Tensor.zeros(q.dtype(), q.device(), batch[0], l, batch[1], ev);
            outView = buf.permute(0, 2, 1, 3);
        } else {
            outView = Tensor.zeros(q.dtype(), q.device(), withLast2(batch, l, ev));
        }
        be.attentionForward(qe, ke, ve, maskE, isCausal, sc, keep, probs, outView);
        out = outView.detach();
        boolean maskGrad = mask != null && mask.requiresGrad();
        int[] qs = q.shape(), ks = k.shape(), vs = v.shape(), ms = mask == null ? null : mask.shape();
        return Function.record("scaled_dot_product_attention", out, new Tensor[] {q, k, v, maskGrad ? mask : null}, (ctx, g) -> {
            ctx.saved(0);
            ctx.saved(1);
            ctx.saved(2);
            Tensor gq = ctx.needsInputGrad(0) ? Tensor.zeros(g.dtype(), g.device(), withLast2(batch, l, e)) : null;
            Tensor gk = ctx.needsInputGrad(1) ? Tensor.zeros(g.dtype(), g.device(), withLast2(batch, s, e)) : null;
            Tensor gv = ctx.needsInputGrad(2) ? Tensor.zeros(g.dtype(), g.device(), withLast2(batch, s, ev)) : null;
            Tensor gz = ctx.needsInputGrad(3) ? Tensor.zeros(g.dtype(), g.device(), scoreShape) : null;
            g.backend().attentionBackward(g, qe, ke, ve, probs, keep, sc, isCausal, gq, gk, gv, gz);
            return new Tensor[] {gq == null ? null : Arithmetic.sumToShape(gq, qs), gk == null ? null : Arithmetic.sumToShape(gk, ks),
                    gv == null ? null : Arithmetic.sumToShape(gv, vs), gz == null ? null : Arithmetic.sumToShape(gz, ms)};
        }, q, k, v, probs);
    }

    /**
     * Multi-head self-attention over a packed projection, the fast path of {@code nn.MultiheadAttention} and GPT:
     * {@code qkv (B, T, 3 * H * hd)} holds {@code [q | k | v]} along the last dim and head {@code h} uses columns
     * {@code h*hd .. (h+1)*hd} of each part. Equivalent to splitting, viewing as {@code (B, H, T, hd)}, calling
     * {@link #attention} and merging the heads back to {@code (B, T, H * hd)}, without any copy: the heads are read in
     * place and the backward writes the gradient of {@code qkv} directly.
     *
     * @param qkv       packed projections {@code (B, T, 3 * C)}, {@code C = numHeads * hd}, float32/float64
     * @param numHeads  number of heads H (must divide C)
     * @param attnMask  null, bool (1 = may attend) or float additive mask broadcastable to {@code (B, H, T, T)}
     * @param dropoutP  dropout on the attention probabilities (0 = none)
     * @param isCausal  query {@code i} sees keys {@code j <= i} (combinable with {@code attnMask})
     * @param scale     null = {@code 1 / sqrt(hd)}
     * @param generator source of the dropout mask
     * @return {@code (B, T, C)}, heads concatenated
     * @throws IllegalArgumentException when qkv is not 3-D or its last dim is not {@code 3 * numHeads * hd}
     */
    public static Tensor packedSelfAttention(Tensor qkv, int numHeads, Tensor attnMask, double dropoutP, boolean isCausal, Double scale,
                                             Generator generator) {
        Tensor[] ac = Autocast.lowerPrecision(qkv, attnMask);
        qkv = ac[0];
        attnMask = ac[1];
        String op = "packed_self_attention";
        if (qkv.dim() != 3 || numHeads <= 0 || qkv.size(2) % (3 * numHeads) != 0) {
            throw new IllegalArgumentException(op + ": expected qkv of shape (B, T, 3 * num_heads * head_dim) with num_heads="
                    + numHeads + ", got " + Shape.str(qkv.shapeRef()));
        }
        if (!qkv.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating point qkv, got dtype " + qkv.dtype().torchName());
        }
        int b = qkv.size(0), t = qkv.size(1), c3 = qkv.size(2), c = c3 / 3, hd = c / numHeads;
        int[] scoreShape = {b, numHeads, t, t};
        Tensor mask = checkMask(attnMask, scoreShape, qkv.dtype(), op);
        double sc = scale == null ? 1 / Math.sqrt(hd) : scale;
        Tensor keep = dropoutKeep(scoreShape, dropoutP, qkv.dtype(), qkv, generator);
        Tensor src = qkv.isContiguous() ? qkv.detach() : qkv.backend().contiguous(qkv);
        int base = src.storageOffset();
        int[] headShape = {b, numHeads, t, hd};
        int[] inStrides = {t * c3, hd, c3, 1};
        Tensor qv = new Tensor(src.storage(), base, headShape, inStrides);
        Tensor kv = new Tensor(src.storage(), base + c, headShape, inStrides);
        Tensor vv = new Tensor(src.storage(), base + 2 * c, headShape, inStrides);
        Tensor out = Tensor.zeros(qkv.dtype(), qkv.device(), b, t, c);
        int[] outStrides = {t * c, hd, c, 1};
        Tensor outView = new Tensor(out.storage(), 0, headShape, outStrides);
        Tensor probs = Tensor.zeros(qkv.dtype(), qkv.device(), scoreShape);
        Backend be = qkv.backend();
        be.attentionForward(qv, kv, vv, mask == null ? null : mask.detach(), isCausal, sc, keep, probs, outView);
        boolean maskGrad = mask != null && mask.requiresGrad();
        int[] ms = mask == null ? null : mask.shape();
        return Function.record(op, out, new Tensor[] {qkv, maskGrad ? mask : null}, (ctx, g) -> {
            ctx.saved(0);
            Tensor gc = g.isContiguous() ? g : g.contiguous();
            Tensor gView = new Tensor(gc.storage(), gc.storageOffset(), headShape, outStrides);
            Tensor gqkv = Tensor.zeros(g.dtype(), g.device(), b, t, c3);
            Tensor gq = null, gk = null, gv = null;
            if (ctx.needsInputGrad(0)) {
                gq = new Tensor(gqkv.storage(), 0, headShape, inStrides);
                gk = new Tensor(gqkv.storage(), c, headShape, inStrides);
                gv = new Tensor(gqkv.storage(), 2 * c, headShape, inStrides);
            }
            Tensor gz = ctx.needsInputGrad(1) ? Tensor.zeros(g.dtype(), g.device(), scoreShape) : null;
            g.backend().attentionBackward(gView, qv, kv, vv, probs, keep, sc, isCausal, gq, gk, gv, gz);
            return new Tensor[] {ctx.needsInputGrad(0) ? gqkv : null, gz == null ? null : Arithmetic.sumToShape(gz, ms)};
        }, src, probs);
    }

    /**
     * {@code softmax(scale * scores + mask)} along the last dim with the mask conventions of this class (bool: 1 = may
     * attend; float: added; {@code isCausal}: keys {@code j > i} masked), as one differentiable op. The building block
     * of attention when the probabilities themselves are wanted (e.g. {@code need_weights}).
     *
     * @param scores {@code (..., L, S)}, float32/float64
     * @param mask   null, bool or float, broadcastable to the scores' shape
     * @return the probabilities, of the scores' shape and dtype
     * @throws IllegalArgumentException when the mask does not broadcast (naming both shapes)
     */
    public static Tensor maskedSoftmax(Tensor scores, Tensor mask, boolean isCausal, double scale) {
        if (scores.dim() < 2 || !scores.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("masked_softmax: expected floating scores of at least 2 dims (..., L, S), got "
                    + Shape.str(scores.shapeRef()) + " of dtype " + scores.dtype().torchName());
        }
        Tensor m = checkMask(mask, scores.shapeRef(), scores.dtype(), "masked_softmax");
        Backend be = scores.backend();
        Tensor out = be.maskedSoftmax_(be.contiguous(scores), scale, m == null ? null : m.detach(), isCausal);
        boolean maskGrad = m != null && m.requiresGrad();
        int[] ms = m == null ? null : m.shape();
        return Function.record("masked_softmax", out, new Tensor[] {scores, maskGrad ? m : null}, (ctx, g) -> {
            Tensor p = ctx.saved(0);
            Tensor gs = ctx.needsInputGrad(0) ? g.backend().maskedSoftmaxBackward(g, p, scale) : null;
            Tensor gm = null;
            if (ctx.needsInputGrad(1)) gm = Arithmetic.sumToShape(g.backend().maskedSoftmaxBackward(g, p, 1.0), ms);
            return new Tensor[] {gs, gm};
        }, out);
    }
}
