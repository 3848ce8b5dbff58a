package org.sparkgrad.nn;

import java.util.Objects;
import org.sparkgrad.tensor.Tensor;

/**
 * A stack of {@code numLayers} transformer decoder layers (Vaswani et al. 2017, "Attention Is All You Need"),
 * PyTorch's {@code nn.TransformerDecoder} (https://pytorch.org/docs/stable/generated/torch.nn.TransformerDecoder.html):
 * <pre>
 *   x = tgt;  for each layer i: x = layers[i](x, memory, masks...);  return norm == null ? x : norm(x)
 * </pre>
 * Every layer attends to the same {@code memory}. As in PyTorch, {@code layers} holds {@code numLayers} <b>deep
 * copies</b> of the given layer ({@code _get_clones}): all start with the template's parameter values, each with its own
 * tensors; the template itself is not registered. The optional final {@code norm} is registered as given. State-dict
 * keys are PyTorch's: {@code layers.0.self_attn.in_proj_weight}, ..., {@code layers.0.multihead_attn.in_proj_weight},
 * ..., {@code layers.N-1.norm3.bias}, {@code norm.weight}, {@code norm.bias}.
 *
 * <p>Shapes follow the layers' {@code batchFirst} (<b>true by default here</b>, PyTorch: false): {@code tgt (B, T, E)}
 * and {@code memory (B, S, E)}, or {@code (T, B, E)} / {@code (S, B, E)}, or unbatched {@code (T, E)} / {@code (S, E)};
 * the output has tgt's shape. Masks as in {@link TransformerDecoderLayer}. {@code tgtIsCausal} is a plain boolean:
 * PyTorch's {@code None} (detect whether {@code tgtMask} is causal) only chooses a faster kernel there, and here a causal
 * mask gives the same result with or without the flag.
 */
public class TransformerDecoder extends Module {
    /** The {@code numLayers} cloned layers ({@code layers.0}, {@code layers.1}, ...). */
    public final ModuleList layers;
    /** The final layer norm, or null. */
    public final LayerNorm norm;
    /** Number of stacked layer copies. */
    public final int numLayers;

    /** {@code TransformerDecoder(decoderLayer, numLayers, null)}: no final norm. */
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers) { this(decoderLayer, numLayers, null); }

    /**
     * @param decoderLayer the template layer, copied {@code numLayers} times (not itself registered)
     * @param numLayers    number of layers, at least 1
     * @param norm         final layer normalisation, or null for none
     * @throws NullPointerException     when decoderLayer is null
     * @throws IllegalArgumentException when numLayers is less than 1 (PyTorch accepts 0 but then fails in forward)
     */
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, LayerNorm norm) {
        Objects.requireNonNull(decoderLayer, "decoderLayer");
        if (numLayers < 1) throw new IllegalArgumentException("num_layers must be at least 1, got " + numLayers);
        this.numLayers = numLayers;
        this.layers = registerModule("layers", TransformerClones.clones(decoderLayer::copy, numLayers));
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    /** Layer {@code i} (0-based). */
    public TransformerDecoderLayer layer(int i) { return (TransformerDecoderLayer) layers.get(i); }

    /** {@code forward(tgt, memory)} without masks. */
    public Tensor forward(Tensor tgt, Tensor memory) { return forward(tgt, memory, null, null, null, null, false, false); }

    /**
     * See {@link TransformerDecoderLayer#forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)} for the
     * arguments; each layer gets the same masks and flags.
     *
     * @return a tensor of tgt's shape
     * @throws IllegalArgumentException on inconsistent shapes of the inputs or masks (from {@link MultiheadAttention}, naming them)
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask,
                          boolean tgtIsCausal, boolean memoryIsCausal) {
        Tensor x = tgt;
        for (Module m : layers) {
            x = ((TransformerDecoderLayer) m).forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal,
                    memoryIsCausal);
        }
        return norm == null ? x : norm.forward(x);
    }
}
