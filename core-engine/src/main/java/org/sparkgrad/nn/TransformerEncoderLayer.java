package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * One transformer encoder layer (Vaswani et al. 2017), PyTorch's {@code nn.TransformerEncoderLayer}: self-attention
 * and a feed-forward network, each with dropout and a residual connection, and layer normalisation (Ba et al. 2016)
 * either after each residual (post-norm, {@code normFirst = false}, the paper's and PyTorch's default) or before each
 * block (pre-norm):
 * <pre>
 *   post-norm: x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))
 *   pre-norm:  x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(linear2(dropout(act(linear1(norm2(x))))))
 * </pre>
 * Sub-modules are named as PyTorch's ({@code self_attn}, {@code linear1}, {@code dropout}, {@code linear2},
 * {@code norm1}, {@code norm2}, {@code dropout1}, {@code dropout2}) so state dicts match.
 *
 * <p><b>{@code batchFirst} defaults to true here</b> (PyTorch: false): input {@code (B, T, d_model)}, or
 * {@code (T, B, d_model)} with {@code batchFirst = false}, or unbatched {@code (T, d_model)}. Masks follow
 * {@link MultiheadAttention}: {@code srcMask (T, T)} / {@code (B * nhead, T, T)} bool true = not allowed (or float,
 * added), {@code srcKeyPaddingMask (B, T)} true = padding; {@code isCausal} masks later positions.
 */
public class TransformerEncoderLayer extends Module {
    /** The feed-forward activation. */
    public enum Activation { RELU, GELU }

    public final int dModel, nhead, dimFeedforward;
    public final boolean normFirst, batchFirst;
    public final Activation activation;
    public final MultiheadAttention selfAttn;
    public final Linear linear1, linear2;
    public final Dropout dropout, dropout1, dropout2;
    public final LayerNorm norm1, norm2;
    // the constructor arguments not otherwise kept, so that copy() can rebuild the layer
    private final double dropoutP, layerNormEps;
    private final boolean bias;
    private final Generator generator;

    /**
     * {@code TransformerEncoderLayer(dModel, nhead)} with PyTorch's defaults (dim_feedforward 2048, dropout 0.1, relu,
     * layer_norm_eps 1e-5, post-norm, bias) and batch first.
     */
    public TransformerEncoderLayer(int dModel, int nhead) {
        this(dModel, nhead, 2048, 0.1, Activation.RELU, 1e-5, true, false, true, Generator.defaultGenerator());
    }

    /**
     * @param dModel         model dim
     * @param nhead          attention heads (must divide dModel)
     * @param dimFeedforward hidden size of the feed-forward network
     * @param dropout        dropout probability (attention weights and the three dropout modules)
     * @param activation     RELU or GELU (exact)
     * @param layerNormEps   eps of both layer norms
     * @param batchFirst     {@code (B, T, d)} inputs (true) or {@code (T, B, d)}
     * @param normFirst      pre-norm (true) or post-norm
     * @param bias           biases in the linear layers, attention projections and layer norms
     * @param g              generator for initialisation and dropout
     * @throws IllegalArgumentException when dModel is not divisible by nhead
     */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, Activation activation, double layerNormEps,
                                   boolean batchFirst, boolean normFirst, boolean bias, Generator g) {
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
        this.linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward, bias, g));
        this.dropout = registerModule("dropout", new Dropout(dropout, g));
        this.linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel, bias, g));
        this.norm1 = registerModule("norm1", new LayerNorm(new int[] {dModel}, layerNormEps, true, bias));
        this.norm2 = registerModule("norm2", new LayerNorm(new int[] {dModel}, layerNormEps, true, bias));
        this.dropout1 = registerModule("dropout1", new Dropout(dropout, g));
        this.dropout2 = registerModule("dropout2", new Dropout(dropout, g));
    }

    @Override public Tensor forward(Tensor src) { return forward(src, null, null, false); }

    /**
     * @param src               {@code (B, T, d)} (batch first), {@code (T, B, d)}, or {@code (T, d)}
     * @param srcMask           null or {@code (T, T)} / {@code (B * nhead, T, T)} attention mask (true = not allowed)
     * @param srcKeyPaddingMask null or {@code (B, T)} (true = padding)
     * @param isCausal          mask later positions
     * @return a tensor of src's shape
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        if (normFirst) {
            x = x.add(saBlock(norm1.forward(x), srcMask, srcKeyPaddingMask, isCausal));
            x = x.add(ffBlock(norm2.forward(x)));
        } else {
            x = norm1.forward(x.add(saBlock(x, srcMask, srcKeyPaddingMask, isCausal)));
            x = norm2.forward(x.add(ffBlock(x)));
        }
        return x;
    }

    /**
     * A deep copy, as PyTorch's {@code copy.deepcopy} of the layer (used by {@link TransformerEncoder} to stack clones):
     * a new layer with the same configuration whose parameters are new tensors holding copies of this layer's values
     * (same dtype, device and {@code requiresGrad}; no gradients), with the same training/eval modes. The copy shares
     * this layer's generator for dropout. Building it draws (then discards) initial values from that generator.
     */
    TransformerEncoderLayer copy() {
        TransformerEncoderLayer c = new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropoutP, activation, layerNormEps,
                batchFirst, normFirst, bias, generator);
        TransformerClones.copyState(this, c);
        return c;
    }

    private Tensor saBlock(Tensor x, Tensor mask, Tensor kpm, boolean isCausal) {
        return dropout1.forward(selfAttn.forward(x, x, x, kpm, false, mask, true, isCausal).output);
    }

    private Tensor ffBlock(Tensor x) {
        Tensor h = linear1.forward(x);
        h = activation == Activation.GELU ? h.gelu() : h.relu();
        return dropout2.forward(linear2.forward(dropout.forward(h)));
    }
}
