package org.sparkgrad.nn;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * The encoder-decoder transformer of Vaswani et al. 2017, "Attention Is All You Need", as PyTorch's
 * {@code nn.Transformer} (https://pytorch.org/docs/stable/generated/torch.nn.Transformer.html):
 * <pre>
 *   memory = encoder(src, srcMask, srcKeyPaddingMask, srcIsCausal)
 *   output = decoder(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal)
 * </pre>
 * {@code encoder} is a {@link TransformerEncoder} of {@code numEncoderLayers} copies of a {@link TransformerEncoderLayer}
 * with a final {@link LayerNorm}, {@code decoder} a {@link TransformerDecoder} of {@code numDecoderLayers} copies of a
 * {@link TransformerDecoderLayer} with a final LayerNorm (both norms with {@code layerNormEps} and {@code bias}), so the
 * state-dict keys are PyTorch's ({@code encoder.layers.0.self_attn.in_proj_weight}, ..., {@code encoder.norm.weight},
 * {@code decoder.layers.0.multihead_attn.in_proj_weight}, ..., {@code decoder.norm.bias}). As PyTorch's
 * {@code _reset_parameters}, after construction every parameter with more than one dimension is re-drawn from
 * Xavier-uniform (Glorot and Bengio 2010) with gain 1, in {@link #parameters()} order, from the given generator; so
 * the weight matrices differ between layers while the 1-D parameters (biases, norm weights) start equal in every layer.
 * The embeddings, positional encodings and output projection of the paper are not part of this module (as in PyTorch).
 *
 * <p><b>{@code batchFirst} defaults to true here</b> (PyTorch: false). Shapes, with S the source length, T the target
 * length, B the batch, E = {@code dModel}:
 * {@code src (B, S, E)}, {@code tgt (B, T, E)} (batch first), {@code (S, B, E)} / {@code (T, B, E)} otherwise, or
 * unbatched {@code (S, E)} / {@code (T, E)}; output: tgt's shape. {@code srcMask (S, S)} or {@code (B * nhead, S, S)},
 * {@code tgtMask (T, T)} or {@code (B * nhead, T, T)}, {@code memoryMask (T, S)}: bool with true = not allowed, or float
 * added to the attention scores (e.g. {@link #generateSquareSubsequentMask}). {@code srcKeyPaddingMask (B, S)},
 * {@code tgtKeyPaddingMask (B, T)}, {@code memoryKeyPaddingMask (B, S)}: bool with true = padding, or float. The
 * {@code *IsCausal} flags mask later positions ({@code j > i}) in addition to any given mask; PyTorch treats them as
 * hints that the given mask is causal, which gives the same result when it is. Dropout applies in training mode only.
 */
public class Transformer extends Module {
    /** The encoder stack with its final LayerNorm. */
    public final TransformerEncoder encoder;
    /** The decoder stack with its final LayerNorm. */
    public final TransformerDecoder decoder;
    /** Model width and attention heads. */
    public final int dModel, nhead;
    /** {@code (B, T, d)} inputs (true) or {@code (T, B, d)}. */
    public final boolean batchFirst;

    /**
     * PyTorch's defaults: {@code dModel} 512, 8 heads, 6 encoder and 6 decoder layers, feed-forward 2048, dropout 0.1,
     * relu, layer-norm eps 1e-5, post-norm, bias, and <b>batch first</b> (this project's convention), with the default
     * generator.
     */
    public Transformer() {
        this(512, 8, 6, 6, 2048, 0.1, TransformerEncoderLayer.Activation.RELU, 1e-5, true, false, true, Generator.defaultGenerator());
    }

    /**
     * @param dModel           model dim E, the feature size of src, tgt and the output
     * @param nhead            attention heads (must divide dModel)
     * @param numEncoderLayers encoder layers, at least 1
     * @param numDecoderLayers decoder layers, at least 1
     * @param dimFeedforward   hidden size of the feed-forward networks
     * @param dropout          dropout probability
     * @param activation       feed-forward activation, RELU or GELU (exact)
     * @param layerNormEps     eps of every layer norm
     * @param batchFirst       {@code (B, L, E)} inputs (true) or {@code (L, B, E)}
     * @param normFirst        pre-norm (true) or post-norm layers
     * @param bias             biases in linear layers, attention projections and layer norms
     * @param generator        generator for initialisation and dropout
     * @throws IllegalArgumentException when dModel is not divisible by nhead, a size is not positive, a layer count is
     *                                  less than 1, or dropout is outside [0, 1]
     */
    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward, double dropout,
                       TransformerEncoderLayer.Activation activation, double layerNormEps, boolean batchFirst, boolean normFirst, boolean bias,
                       Generator generator) {
        TransformerEncoderLayer encoderLayer = new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps,
                batchFirst, normFirst, bias, generator);
        LayerNorm encoderNorm = new LayerNorm(new int[] {dModel}, layerNormEps, true, bias);
        this.encoder = registerModule("encoder", new TransformerEncoder(encoderLayer, numEncoderLayers, encoderNorm));
        TransformerDecoderLayer decoderLayer = new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps,
                batchFirst, normFirst, bias, generator);
        LayerNorm decoderNorm = new LayerNorm(new int[] {dModel}, layerNormEps, true, bias);
        this.decoder = registerModule("decoder", new TransformerDecoder(decoderLayer, numDecoderLayers, decoderNorm));
        this.dModel = dModel;
        this.nhead = nhead;
        this.batchFirst = batchFirst;
        resetParameters(generator);
    }

    /** PyTorch's {@code _reset_parameters}: Xavier-uniform for every parameter with more than one dimension. */
    private void resetParameters(Generator g) {
        try (GradMode.Guard guard = GradMode.noGrad()) {
            for (Tensor p : parameters()) if (p.dim() > 1) Init.xavierUniform_(p, 1.0, g);
        }
    }

    /** {@code forward(src, tgt)} without masks. */
    public Tensor forward(Tensor src, Tensor tgt) { return forward(src, tgt, null, null, null, null, null, null, false, false, false); }

    /**
     * Encodes {@code src} and decodes {@code tgt} against the result (shapes and mask conventions in the class comment).
     *
     * @param src                  {@code (B, S, E)} (batch first), {@code (S, B, E)}, or {@code (S, E)}
     * @param tgt                  {@code (B, T, E)} (batch first), {@code (T, B, E)}, or {@code (T, E)}
     * @param srcMask              null, or {@code (S, S)} / {@code (B * nhead, S, S)}
     * @param tgtMask              null, or {@code (T, T)} / {@code (B * nhead, T, T)}
     * @param memoryMask           null, or {@code (T, S)} / {@code (B * nhead, T, S)}
     * @param srcKeyPaddingMask    null, or {@code (B, S)}
     * @param tgtKeyPaddingMask    null, or {@code (B, T)}
     * @param memoryKeyPaddingMask null, or {@code (B, S)}
     * @param srcIsCausal          mask later source positions in the encoder's self-attention
     * @param tgtIsCausal          mask later target positions in the decoder's self-attention
     * @param memoryIsCausal       mask memory positions {@code j > i} in the decoder's cross-attention
     * @return {@code (B, T, E)} (batch first), {@code (T, B, E)}, or {@code (T, E)}
     * @throws IllegalArgumentException "the batch number of src and tgt must be equal" (batched inputs) or "the feature
     *                                  number of src and tgt must be equal to d_model", naming both shapes; when one of
     *                                  src and tgt is batched and the other not; or on inconsistent mask shapes (from
     *                                  {@link MultiheadAttention})
     */
    public Tensor forward(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask, Tensor memoryMask, Tensor srcKeyPaddingMask,
                          Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask, boolean srcIsCausal, boolean tgtIsCausal,
                          boolean memoryIsCausal) {
        boolean isBatched = src.dim() == 3;
        if ((src.dim() != 2 && src.dim() != 3) || tgt.dim() != src.dim()) {
            throw new IllegalArgumentException("src and tgt must both be batched (3-D) or both unbatched (2-D), got src of shape "
                    + Shape.str(src.shapeRef()) + " and tgt of shape " + Shape.str(tgt.shapeRef()));
        }
        int batchDim = batchFirst ? 0 : 1;
        if (isBatched && src.size(batchDim) != tgt.size(batchDim)) {
            throw new IllegalArgumentException("the batch number of src and tgt must be equal, got src of shape " + Shape.str(src.shapeRef())
                    + " and tgt of shape " + Shape.str(tgt.shapeRef()) + " (batch dim " + batchDim + ")");
        }
        if (src.size(-1) != dModel || tgt.size(-1) != dModel) {
            throw new IllegalArgumentException("the feature number of src and tgt must be equal to d_model (" + dModel + "), got src of shape "
                    + Shape.str(src.shapeRef()) + " and tgt of shape " + Shape.str(tgt.shapeRef()));
        }
        Tensor memory = encoder.forward(src, srcMask, srcKeyPaddingMask, srcIsCausal);
        return decoder.forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
    }

    /**
     * PyTorch's {@code Transformer.generate_square_subsequent_mask(sz)}: a float32 CPU {@code (sz, sz)} mask with
     * {@code -inf} above the diagonal (position i may not attend to j &gt; i) and 0 elsewhere, to add to attention scores.
     *
     * @throws IllegalArgumentException when sz is negative
     */
    public static Tensor generateSquareSubsequentMask(int sz) { return generateSquareSubsequentMask(sz, DType.FLOAT32, Device.CPU); }

    /**
     * As {@link #generateSquareSubsequentMask(int)} with the given floating dtype and device.
     *
     * @throws IllegalArgumentException when sz is negative or dtype is not floating point
     */
    public static Tensor generateSquareSubsequentMask(int sz, DType dtype, Device device) {
        if (sz < 0) throw new IllegalArgumentException("mask size must be non-negative, got " + sz);
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("the mask holds -inf, so its dtype must be floating, got " + dtype.torchName());
        double[] m = new double[sz * sz];
        for (int i = 0; i < sz; i++) for (int j = i + 1; j < sz; j++) m[i * sz + j] = Double.NEGATIVE_INFINITY;
        Tensor t = Tensor.fromArray(m, sz, sz).to(dtype);
        return device.equals(Device.CPU) ? t : t.to(device);
    }
}
