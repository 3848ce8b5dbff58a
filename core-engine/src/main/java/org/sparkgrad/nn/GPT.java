package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.ops.AttentionOps;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * A GPT-2 style decoder-only language model (Radford et al. 2019, "Language Models are Unsupervised Multitask
 * Learners"), laid out as Karpathy's nanoGPT so that state dicts carry the same names: token embeddings
 * {@code transformer.wte} {@code (V, C)} plus learned position embeddings {@code transformer.wpe}
 * {@code (blockSize, C)}, dropout {@code transformer.drop}, {@code nLayer} pre-LayerNorm causal {@link Block}s
 * {@code transformer.h.i} ({@code ln_1}, {@code attn.c_attn} (the packed q/k/v projection {@code (3C, C)}),
 * {@code attn.c_proj}, {@code ln_2}, {@code mlp.c_fc}, exact GELU, {@code mlp.c_proj}), a final LayerNorm
 * {@code transformer.ln_f}, and the language-model head {@code lm_head} whose weight <b>is</b> the token embedding
 * (one tensor, tied; both keys appear in {@link #stateDict()}, the parameter once in {@link #parameters()}).
 *
 * <p>Initialisation as nanoGPT: Linear and Embedding weights N(0, 0.02^2), biases 0, and the residual projections
 * ({@code c_proj} weights) N(0, (0.02 / sqrt(2 nLayer))^2). Attention is the fused causal packed self-attention
 * ({@link AttentionOps#packedSelfAttention}); dropout applies in training mode only.
 *
 * <p>Training: {@code Tensor loss = gpt.loss(idx, targets); loss.backward();} then an optimizer step (or
 * {@code p.add_(p.grad(), -lr)} under {@code GradMode.noGrad()}). Generation:
 * {@code gpt.generate(prompt, 100, 0.8, 40, new Generator(seed))}.
 */
public class GPT extends Module {
    /**
     * Model hyper-parameters, as nanoGPT's {@code GPTConfig}.
     *
     * @param vocabSize number of tokens V
     * @param blockSize maximum context length (number of position embeddings)
     * @param nLayer    number of transformer blocks
     * @param nHead     attention heads per block (must divide nEmbd)
     * @param nEmbd     model width C
     * @param dropout   dropout probability (embeddings, attention, residual branches; training only)
     * @param bias      biases in the Linear layers and LayerNorms (nanoGPT's default true, GPT-2 style)
     */
    public record Config(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout, boolean bias) {
        /**
         * @throws IllegalArgumentException for non-positive sizes, nEmbd not divisible by nHead, or a dropout outside [0, 1]
         */
        public Config {
            if (vocabSize <= 0 || blockSize <= 0 || nLayer <= 0 || nHead <= 0 || nEmbd <= 0) {
                throw new IllegalArgumentException("GPT config sizes must be positive: vocabSize=" + vocabSize + ", blockSize=" + blockSize
                        + ", nLayer=" + nLayer + ", nHead=" + nHead + ", nEmbd=" + nEmbd);
            }
            if (nEmbd % nHead != 0) {
                throw new IllegalArgumentException("embed_dim must be divisible by num_heads, got nEmbd=" + nEmbd + " and nHead=" + nHead);
            }
            if (dropout < 0 || dropout > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + dropout);
        }

        /** nanoGPT's defaults: the 124M-parameter GPT-2 (vocab 50304, context 1024, 12 layers, 12 heads, width 768). */
        public static Config gpt2Small() { return new Config(50304, 1024, 12, 12, 768, 0.0, true); }
    }

    /** Causal multi-head self-attention with a packed q/k/v projection ({@code c_attn}) and an output projection ({@code c_proj}). */
    public static class CausalSelfAttention extends Module {
        public final int nHead;
        public final double dropout;
        public final Linear cAttn, cProj;
        public final Dropout attnDropout, residDropout;
        private final Generator generator;

        /** For width {@code c.nEmbd()}, {@code c.nHead()} heads; {@code g} draws the initial weights and dropout masks. */
        public CausalSelfAttention(Config c, Generator g) {
            this.nHead = c.nHead();
            this.dropout = c.dropout();
            this.generator = g;
            this.cAttn = registerModule("c_attn", new Linear(c.nEmbd(), 3 * c.nEmbd(), c.bias(), g));
            this.cProj = registerModule("c_proj", new Linear(c.nEmbd(), c.nEmbd(), c.bias(), g));
            this.attnDropout = registerModule("attn_dropout", new Dropout(c.dropout(), g));
            this.residDropout = registerModule("resid_dropout", new Dropout(c.dropout(), g));
        }

        /** {@code (B, T, C) -> (B, T, C)}; query {@code i} attends to positions {@code <= i}. */
        @Override public Tensor forward(Tensor x) {
            Tensor y = AttentionOps.packedSelfAttention(cAttn.forward(x), nHead, null, isTraining() ? dropout : 0.0, true, null, generator);
            return residDropout.forward(cProj.forward(y));
        }
    }

    /** The feed-forward network: {@code c_fc} (C to 4C), exact GELU, {@code c_proj} (4C to C), dropout. */
    public static class MLP extends Module {
        public final Linear cFc, cProj;
        public final GELU gelu;
        public final Dropout dropout;

        /** For width {@code c.nEmbd()} (hidden width 4 x that); {@code g} draws the initial weights and dropout masks. */
        public MLP(Config c, Generator g) {
            this.cFc = registerModule("c_fc", new Linear(c.nEmbd(), 4 * c.nEmbd(), c.bias(), g));
            this.gelu = registerModule("gelu", new GELU());
            this.cProj = registerModule("c_proj", new Linear(4 * c.nEmbd(), c.nEmbd(), c.bias(), g));
            this.dropout = registerModule("dropout", new Dropout(c.dropout(), g));
        }

        @Override public Tensor forward(Tensor x) { return dropout.forward(cProj.forward(gelu.forward(cFc.forward(x)))); }
    }

    /** A pre-LayerNorm transformer block: {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}. */
    public static class Block extends Module {
        public final LayerNorm ln1, ln2;
        public final CausalSelfAttention attn;
        public final MLP mlp;

        /** One block of {@code c}; {@code g} draws the initial weights (PyTorch defaults here; {@link GPT} re-initialises). */
        public Block(Config c, Generator g) {
            this.ln1 = registerModule("ln_1", new LayerNorm(new int[] {c.nEmbd()}, 1e-5, true, c.bias()));
            this.attn = registerModule("attn", new CausalSelfAttention(c, g));
            this.ln2 = registerModule("ln_2", new LayerNorm(new int[] {c.nEmbd()}, 1e-5, true, c.bias()));
            this.mlp = registerModule("mlp", new MLP(c, g));
        }

        /** {@code (B, T, C) -> (B, T, C)}. */
        @Override public Tensor forward(Tensor x) {
            x = x.add(attn.forward(ln1.forward(x)));
            return x.add(mlp.forward(ln2.forward(x)));
        }
    }

    /** The language-model head: a bias-free projection whose weight is the token embedding. */
    static final class TiedHead extends Module {
        final Tensor weight;

        TiedHead(Tensor tied) { this.weight = registerParameter("weight", tied); }

        @Override public Tensor forward(Tensor x) { return F.linear(x, weight, null); }

        @Override public String extraRepr() {
            return "in_features=" + weight.size(1) + ", out_features=" + weight.size(0) + ", bias=False";
        }
    }

    public final Config config;
    public final Embedding wte, wpe;
    public final Dropout drop;
    public final ModuleList h;
    public final LayerNorm lnF;
    private final TiedHead lmHead;

    /** A GPT with weights drawn from the default generator. */
    public GPT(Config config) { this(config, Generator.defaultGenerator()); }

    /**
     * @param config hyper-parameters
     * @param g      generator for the initial weights and for dropout masks
     */
    public GPT(Config config, Generator g) {
        this.config = config;
        ModuleDict transformer = registerModule("transformer", new ModuleDict());
        this.wte = new Embedding(config.vocabSize(), config.nEmbd(), null, g);
        this.wpe = new Embedding(config.blockSize(), config.nEmbd(), null, g);
        this.drop = new Dropout(config.dropout(), g);
        this.h = new ModuleList();
        for (int i = 0; i < config.nLayer(); i++) h.add(new Block(config, g));
        this.lnF = new LayerNorm(new int[] {config.nEmbd()}, 1e-5, true, config.bias());
        transformer.put("wte", wte).put("wpe", wpe).put("drop", drop).put("h", h).put("ln_f", lnF);
        this.lmHead = registerModule("lm_head", new TiedHead(wte.weight));
        double residStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        for (Module m : modules()) {
            if (m instanceof Linear) {
                Linear l = (Linear) m;
                Init.normal_(l.weight, 0, 0.02, g);
                if (l.bias != null) Init.zeros_(l.bias);
            } else if (m instanceof Embedding) {
                Init.normal_(((Embedding) m).weight, 0, 0.02, g);
            }
        }
        for (Module m : modules()) {
            if (m instanceof CausalSelfAttention) Init.normal_(((CausalSelfAttention) m).cProj.weight, 0, residStd, g);
            if (m instanceof MLP) Init.normal_(((MLP) m).cProj.weight, 0, residStd, g);
        }
    }

    /** The weight of the language-model head: the same tensor object as {@code wte.weight}. */
    public Tensor lmHeadWeight() { return lmHead.weight; }

    private void checkIdx(Tensor idx, String what) {
        if (idx.dtype() != DType.INT64 || idx.dim() != 2) {
            throw new IllegalArgumentException("GPT: " + what + " must be an int64 tensor (B, T), got " + idx.dtype().torchName() + " of shape "
                    + Shape.str(idx.shapeRef()));
        }
        int t = idx.size(1);
        if (t > config.blockSize()) {
            throw new IllegalArgumentException("Cannot forward sequence of length " + t + ", block size is only " + config.blockSize());
        }
        if (t == 0) throw new IllegalArgumentException("GPT: " + what + " must hold at least one token per row, got shape " + Shape.str(idx.shapeRef()));
    }

    /** Embeddings, blocks and the final LayerNorm: {@code (B, T)} token ids to hidden states {@code (B, T, C)}. */
    public Tensor hidden(Tensor idx) {
        checkIdx(idx, "idx");
        int t = idx.size(1);
        Tensor pos = Tensor.arange(t);
        Tensor x = drop.forward(wte.forward(idx).add(wpe.forward(pos)));
        for (Module b : h) x = b.forward(x);
        return lnF.forward(x);
    }

    /**
     * Logits of the next token at every position.
     *
     * @param idx token ids {@code (B, T)}, int64, {@code 1 <= T <= blockSize}
     * @return {@code (B, T, vocabSize)} logits (float dtype of the parameters)
     * @throws IllegalArgumentException for a non-int64 or non-2-D input, or a sequence longer than blockSize
     */
    @Override public Tensor forward(Tensor idx) { return lmHead.forward(hidden(idx)); }

    /**
     * The mean next-token cross entropy of {@code forward(idx)} against {@code targets}, as nanoGPT's
     * {@code F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)}: targets equal to -1 are ignored
     * (excluded from the mean).
     *
     * @param idx     token ids {@code (B, T)}
     * @param targets next-token ids {@code (B, T)}, int64, in {@code [0, V)} or -1
     * @return a 0-d loss tensor ({@link Losses#crossEntropy(Tensor, Tensor, Tensor, long, Losses.Reduction, double)})
     * @throws IllegalArgumentException  when the shapes differ (naming both)
     * @throws IndexOutOfBoundsException for a target outside {@code [0, V)} other than -1
     */
    public Tensor loss(Tensor idx, Tensor targets) {
        if (targets.dtype() != DType.INT64 || !Arrays.equals(targets.shapeRef(), idx.shapeRef())) {
            throw new IllegalArgumentException("GPT.loss: targets must be int64 of the shape of idx, got " + targets.dtype().torchName() + " "
                    + Shape.str(targets.shapeRef()) + " for idx " + Shape.str(idx.shapeRef()));
        }
        Tensor logits = forward(idx);
        return Losses.crossEntropy(logits.reshape(-1, config.vocabSize()), targets.reshape(-1), null, -1, Losses.Reduction.MEAN, 0.0);
    }

    /**
     * Samples {@code maxNewTokens} tokens after {@code prompt}, nanoGPT's {@code generate}: at each step the context
     * is cropped to the last {@code blockSize} tokens, the last position's logits are divided by {@code temperature},
     * restricted to the {@code topK} largest (ties with the k-th kept), turned into probabilities with a softmax and
     * sampled with {@code generator}. Runs in evaluation mode without gradients (the training mode is restored).
     *
     * @param prompt       {@code (B, T)} int64 token ids, T >= 1
     * @param maxNewTokens number of tokens to append (>= 0)
     * @param temperature  > 0; below 1 sharpens, above 1 flattens
     * @param topK         null (no filtering) or >= 1 (clamped to the vocabulary size)
     * @param generator    the random source (the same seed gives the same tokens)
     * @return {@code (B, T + maxNewTokens)} int64: the prompt followed by the samples
     * @throws IllegalArgumentException for bad arguments
     */
    public Tensor generate(Tensor prompt, int maxNewTokens, double temperature, Integer topK, Generator generator) {
        if (prompt.dtype() != DType.INT64 || prompt.dim() != 2 || prompt.size(1) == 0) {
            throw new IllegalArgumentException("GPT.generate: prompt must be a non-empty int64 tensor (B, T), got " + prompt.dtype().torchName()
                    + " " + Shape.str(prompt.shapeRef()));
        }
        if (maxNewTokens < 0) throw new IllegalArgumentException("GPT.generate: maxNewTokens must be >= 0, got " + maxNewTokens);
        if (!(temperature > 0)) throw new IllegalArgumentException("GPT.generate: temperature must be > 0, got " + temperature);
        if (topK != null && topK < 1) throw new IllegalArgumentException("GPT.generate: topK must be >= 1, got " + topK);
        boolean wasTraining = isTraining();
        eval();
        try (GradMode.Guard ng = GradMode.noGrad()) {
            Tensor idx = prompt;
            int b = prompt.size(0), vocab = config.vocabSize();
            for (int step = 0; step < maxNewTokens; step++) {
                int t = idx.size(1);
                Tensor cond = t <= config.blockSize() ? idx : idx.narrow(1, t - config.blockSize(), config.blockSize()).contiguous();
                Tensor last = hidden(cond).select(1, cond.size(1) - 1);
                double[] logits = lmHead.forward(last).toDoubleArray();
                long[] next = new long[b];
                for (int r = 0; r < b; r++) next[r] = sample(logits, r * vocab, vocab, temperature, topK, generator);
                idx = Tensor.cat(1, idx, Tensor.fromArray(next, b, 1).to(idx.device()));
            }
            return idx;
        } finally {
            train(wasTraining);
        }
    }

    /** One draw from softmax(logits / temperature) restricted to the top k (package-private for tests). */
    static int sample(double[] logits, int off, int v, double temperature, Integer topK, Generator g) {
        // shift by the largest logit before dividing: (l - max) / T <= 0 never overflows, so a temperature near 0
        // gives exp(0) = 1 for the argmax and 0 elsewhere (greedy) instead of inf - inf = NaN
        double top = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) top = Math.max(top, logits[off + i]);
        double[] z = new double[v];
        for (int i = 0; i < v; i++) z[i] = logits[off + i] == top ? 0.0 : (logits[off + i] - top) / temperature;
        if (topK != null && topK < v) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[v - topK];
            for (int i = 0; i < v; i++) if (z[i] < kth) z[i] = Double.NEGATIVE_INFINITY;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double x : z) max = Math.max(max, x);
        double sum = 0;
        for (int i = 0; i < v; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        double u = g.nextDouble() * sum, cum = 0;
        int lastPositive = 0;
        for (int i = 0; i < v; i++) {
            if (z[i] <= 0) continue;
            cum += z[i];
            lastPositive = i;
            if (u < cum) return i;
        }
        return lastPositive;
    }
}
