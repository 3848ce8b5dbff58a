package org.sparkgrad.nn;

import java.util.Objects;
import org.sparkgrad.tensor.Tensor;

/**
 * A stack of {@code numLayers} transformer encoder layers (Vaswani et al. 2017, "Attention Is All You Need"),
 * PyTorch's {@code nn.TransformerEncoder} (https://pytorch.org/docs/stable/generated/torch.nn.TransformerEncoder.html):
 * <pre>
 *   x = src;  for each layer i: x = layers[i](x, mask, srcKeyPaddingMask, isCausal);  return norm == null ? x : norm(x)
 * </pre>
 * As in PyTorch, {@code layers} holds {@code numLayers} <b>deep copies</b> of the given layer ({@code _get_clones}):
 * every layer starts with the template's parameter values, but each has its own tensors, which then train
 * independently. The template itself is not registered (changing it afterwards changes nothing here). The optional
 * final {@code norm} is registered as given (not copied). State-dict keys are PyTorch's:
 * {@code layers.0.self_attn.in_proj_weight}, ..., {@code layers.N-1.norm2.bias}, {@code norm.weight}, {@code norm.bias}.
 *
 * <p>Shapes follow the layers' {@code batchFirst} (<b>true by default here</b>, PyTorch: false): {@code src (B, S, E)},
 * or {@code (S, B, E)} with {@code batchFirst = false}, or unbatched {@code (S, E)}; the output has src's shape. Masks
 * as {@link TransformerEncoderLayer} / {@link MultiheadAttention}: {@code mask (S, S)} or {@code (B * nhead, S, S)},
 * bool (true = not allowed) or float (added); {@code srcKeyPaddingMask (B, S)}, bool (true = padding) or float.
 *
 * <p>Differences from PyTorch: PyTorch's inference fast path with nested tensors ({@code enable_nested_tensor=True},
 * its default; taken when, among other conditions, the stack is in eval mode, no input requires grad, the layers are
 * batch-first post-norm layers with an even head count, and a {@code src_key_padding_mask} but no {@code mask} is
 * given) drops the padded positions and returns <b>0 there</b>; this class always runs the regular path and returns
 * the values computed at padded positions (as PyTorch's regular path does, e.g. in training mode). Positions that are
 * not padding are the same either way. {@code isCausal} is a plain
 * boolean: PyTorch's {@code None} (detect whether {@code mask} is causal) only chooses a faster kernel there, and here a
 * causal mask gives the same result with or without {@code isCausal} (both are applied).
 */
public class TransformerEncoder extends Module {
    /** The {@code numLayers} cloned layers ({@code layers.0}, {@code layers.1}, ...). */
    public final ModuleList layers;
    /** The final layer norm, or null. */
    public final LayerNorm norm;
    /** Number of stacked layer copies. */
    public final int numLayers;

    /** {@code TransformerEncoder(encoderLayer, numLayers, null)}: no final norm. */
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers) { this(encoderLayer, numLayers, null); }

    /**
     * @param encoderLayer the template layer, copied {@code numLayers} times (not itself registered)
     * @param numLayers    number of layers, at least 1
     * @param norm         final layer normalisation, or null for none
     * @throws NullPointerException     when encoderLayer is null
     * @throws IllegalArgumentException when numLayers is less than 1 (PyTorch accepts 0 but then fails in forward)
     */
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, LayerNorm norm) {
        Objects.requireNonNull(encoderLayer, "encoderLayer");
        if (numLayers < 1) throw new IllegalArgumentException("num_layers must be at least 1, got " + numLayers);
        this.numLayers = numLayers;
        this.layers = registerModule("layers", TransformerClones.clones(encoderLayer::copy, numLayers));
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    /** Layer {@code i} (0-based). */
    public TransformerEncoderLayer layer(int i) { return (TransformerEncoderLayer) layers.get(i); }

    /** {@code forward(src, null, null, false)}. */
    @Override public Tensor forward(Tensor src) { return forward(src, null, null, false); }

    /**
     * @param src               {@code (B, S, E)} (batch first), {@code (S, B, E)}, or {@code (S, E)}
     * @param mask              null, or {@code (S, S)} / {@code (B * nhead, S, S)} attention mask (bool true = not allowed, or float added)
     * @param srcKeyPaddingMask null, or {@code (B, S)} (bool true = padding, or float added)
     * @param isCausal          also mask later positions (key {@code j > i}) in every layer
     * @return a tensor of src's shape
     * @throws IllegalArgumentException on inconsistent shapes of src or the masks (from {@link MultiheadAttention}, naming them)
     */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        for (Module m : layers) x = ((TransformerEncoderLayer) m).forward(x, mask, srcKeyPaddingMask, isCausal);
        return norm == null ? x : norm.forward(x);
    }
}
