package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * One transformer decoder layer (Vaswani et al. 2017, "Attention Is All You Need"), PyTorch's
 * {@code nn.TransformerDecoderLayer} (https://pytorch.org/docs/stable/generated/torch.nn.TransformerDecoderLayer.html):
 * self-attention over the target, attention from the target to the encoder output ({@code memory}), and a
 * feed-forward network, each with dropout and a residual connection, and layer normalisation (Ba et al. 2016) either
 * after each residual (post-norm, {@code normFirst = false}, the paper's and PyTorch's default) or before each block
 * (pre-norm), exactly as {@code torch/nn/modules/transformer.py}:
 * <pre>
 *   sa(x)  = dropout1(self_attn(x, x, x, tgtMask, tgtKeyPaddingMask, tgtIsCausal))
 *   mha(x) = dropout2(multihead_attn(x, memory, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal))
 *   ff(x)  = dropout3(linear2(dropout(act(linear1(x)))))
 *   post-norm: x = norm1(x + sa(x));  x = norm2(x + mha(x));  x = norm3(x + ff(x))
 *   pre-norm:  x = x + sa(norm1(x));  x = x + mha(norm2(x));  x = x + ff(norm3(x))
 * </pre>
 * Sub-modules are named and registered in PyTorch's order ({@code self_attn}, {@code multihead_attn}, {@code linear1},
 * {@code dropout}, {@code linear2}, {@code norm1}, {@code norm2}, {@code norm3}, {@code dropout1}, {@code dropout2},
 * {@code dropout3}) so state dicts match.
 *
 * <p><b>{@code batchFirst} defaults to true here</b> (PyTorch: false), as in {@link TransformerEncoderLayer}:
 * {@code tgt (B, T, E)} and {@code memory (B, S, E)}, or {@code (T, B, E)} / {@code (S, B, E)} with
 * {@code batchFirst = false}, or unbatched {@code (T, E)} / {@code (S, E)}. Masks follow {@link MultiheadAttention}:
 * {@code tgtMask (T, T)} or {@code (B * nhead, T, T)}, {@code memoryMask (T, S)} or {@code (B * nhead, T, S)}, bool with
 * true = not allowed, or float (added); {@code tgtKeyPaddingMask (B, T)} and {@code memoryKeyPaddingMask (B, S)}, bool
 * with true = padding, or float. {@code tgtIsCausal} / {@code memoryIsCausal} mask key {@code j > i} (in addition to
 * any given mask; PyTorch treats them as hints that the given mask is causal, which gives the same result for a causal
 * mask). Dropout (attention weights and the four dropout modules) applies in training mode only.
 */
public class TransformerDecoderLayer extends Module {
    /** Model width, attention heads, feed-forward hidden size. */
    public final int dModel, nhead, dimFeedforward;
    /** Pre-norm (true) or post-norm; {@code (B, T, d)} inputs (true) or {@code (T, B, d)}. */
    public final boolean normFirst, batchFirst;
    /** The feed-forward activation. */
    public final TransformerEncoderLayer.Activation activation;
    /** Self-attention over the target and cross-attention to the memory (PyTorch's {@code self_attn}, {@code multihead_attn}). */
    public final MultiheadAttention selfAttn, multiheadAttn;
    /** The feed-forward layers. */
    public final Linear linear1, linear2;
    /** Feed-forward dropout and the three residual dropouts. */
    public final Dropout dropout, dropout1, dropout2, dropout3;
    /** The norms of the self-attention, cross-attention and feed-forward blocks. */
    public final LayerNorm norm1, norm2, norm3;
    // the constructor arguments not otherwise kept, so that copy() can rebuild the layer
    private final double dropoutP, layerNormEps;
    private final boolean bias;
    private final Generator generator;

    /**
     * {@code TransformerDecoderLayer(dModel, nhead)} with PyTorch's defaults (dim_feedforward 2048, dropout 0.1, relu,
     * layer_norm_eps 1e-5, post-norm, bias) and batch first.
     *
     * @throws IllegalArgumentException when dModel is not divisible by nhead, or sizes are not positive
     */
    public TransformerDecoderLayer(int dModel, int nhead) {
        this(dModel, nhead, 2048, 0.1, TransformerEncoderLayer.Activation.RELU, 1e-5, true, false, true, Generator.defaultGenerator());
    }

    /**
     * @param dModel         model dim E
     * @param nhead          attention heads (must divide dModel)
     * @param dimFeedforward hidden size of the feed-forward network
     * @param dropout        dropout probability (attention weights of both attentions and the four dropout modules)
     * @param activation     RELU or GELU (exact)
     * @param layerNormEps   eps of the three layer norms
     * @param batchFirst     {@code (B, T, E)} inputs (true) or {@code (T, B, E)}
     * @param normFirst      pre-norm (true) or post-norm
     * @param bias           biases in the linear layers, attention projections and layer norms
     * @param g              generator for initialisation and dropout
     * @throws IllegalArgumentException when dModel is not divisible by nhead, sizes are not positive, or dropout is outside [0, 1]
     */
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, TransformerEncoderLayer.Activation activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias, Generator g) {
        this.dModel = dModel;
        this.nhead = nhead;
        this.dimFeedforward = dimFeedforward;
        this.normFirst = normFirst;
        this.batchFirst = batchFirst;
        this.activation = activation;
        this.dropoutP = dropout;
        this.layerNormEps = layerNormEps;
        this.bias = bias;
        this.generator = g;
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst, g));
        this.multiheadAttn = registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst, g));
        this.linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward, bias, g));
        this.dropout = registerModule("dropout", new Dropout(dropout, g));
        this.linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel, bias, g));
        this.norm1 = registerModule("norm1", new LayerNorm(new int[] {dModel}, layerNormEps, true, bias));
        this.norm2 = registerModule("norm2", new LayerNorm(new int[] {dModel}, layerNormEps, true, bias));
        this.norm3 = registerModule("norm3", new LayerNorm(new int[] {dModel}, layerNormEps, true, bias));
        this.dropout1 = registerModule("dropout1", new Dropout(dropout, g));
        this.dropout2 = registerModule("dropout2", new Dropout(dropout, g));
        this.dropout3 = registerModule("dropout3", new Dropout(dropout, g));
    }

    /** {@code forward(tgt, memory)} without masks. */
    public Tensor forward(Tensor tgt, Tensor memory) { return forward(tgt, memory, null, null, null, null, false, false); }

    /**
     * @param tgt                  {@code (B, T, E)} (batch first), {@code (T, B, E)}, or {@code (T, E)}
     * @param memory               the encoder output, {@code (B, S, E)}, {@code (S, B, E)}, or {@code (S, E)}
     * @param tgtMask              null, or {@code (T, T)} / {@code (B * nhead, T, T)} (bool true = not allowed, or float added)
     * @param memoryMask           null, or {@code (T, S)} / {@code (B * nhead, T, S)} (bool true = not allowed, or float added)
     * @param tgtKeyPaddingMask    null, or {@code (B, T)} (bool true = padding, or float added)
     * @param memoryKeyPaddingMask null, or {@code (B, S)} (bool true = padding, or float added)
     * @param tgtIsCausal          mask later target positions in the self-attention
     * @param memoryIsCausal       mask memory positions {@code j > i} in the cross-attention
     * @return a tensor of tgt's shape
     * @throws IllegalArgumentException on inconsistent shapes of the inputs or masks (from {@link MultiheadAttention}, naming them)
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask,
                          boolean tgtIsCausal, boolean memoryIsCausal) {
        Tensor x = tgt;
        if (normFirst) {
            x = x.add(saBlock(norm1.forward(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal));
            x = x.add(mhaBlock(norm2.forward(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal));
            x = x.add(ffBlock(norm3.forward(x)));
        } else {
            x = norm1.forward(x.add(saBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal)));
            x = norm2.forward(x.add(mhaBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal)));
            x = norm3.forward(x.add(ffBlock(x)));
        }
        return x;
    }

    /**
     * A deep copy, as PyTorch's {@code copy.deepcopy} of the layer (used by {@link TransformerDecoder} to stack clones):
     * a new layer with the same configuration whose parameters are new tensors holding copies of this layer's values
     * (same dtype, device and {@code requiresGrad}; no gradients), with the same training/eval modes. The copy shares
     * this layer's generator for dropout. Building it draws (then discards) initial values from that generator.
     */
    TransformerDecoderLayer copy() {
        TransformerDecoderLayer c = new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropoutP, activation, layerNormEps,
                batchFirst, normFirst, bias, generator);
        TransformerClones.copyState(this, c);
        return c;
    }

    private Tensor saBlock(Tensor x, Tensor mask, Tensor kpm, boolean isCausal) {
        return dropout1.forward(selfAttn.forward(x, x, x, kpm, false, mask, true, isCausal).output);
    }

    private Tensor mhaBlock(Tensor x, Tensor mem, Tensor mask, Tensor kpm, boolean isCausal) {
        return dropout2.forward(multiheadAttn.forward(x, mem, mem, kpm, false, mask, true, isCausal).output);
    }

    private Tensor ffBlock(Tensor x) {
        Tensor h = linear1.forward(x);
        h = activation == TransformerEncoderLayer.Activation.GELU ? h.gelu() : h.relu();
        return dropout3.forward(linear2.forward(dropout.forward(h)));
    }
}
