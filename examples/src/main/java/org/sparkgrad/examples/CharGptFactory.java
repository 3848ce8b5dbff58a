package org.sparkgrad.examples;

import org.sparkgrad.nn.GPT;
import org.sparkgrad.nn.Module;
import org.sparkgrad.spark.ml.ModuleFactory;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The character-level GPT of the {@code gpt} job as a {@link ModuleFactory}, so that {@link
 * org.sparkgrad.spark.ml.SparkgradEstimator} trains it by parameter averaging: the class name is the architecture
 * (it survives save/load and reaches executors). A sample is a window of {@code T = featuresShape[0]} token ids stored
 * as floats (Spark array columns hold numbers); the module casts them to int64, runs {@link GPT} and returns the
 * next-token logits flattened to {@code (N*T, V)}, which the estimator's {@code cross_entropy} loss scores against the
 * {@code (N, T)} next-token targets.
 *
 * <p>Fixed hyper-parameters ({@link #VOCAB} tokens, {@link #LAYERS} layers, {@link #HEADS} heads, width {@link #WIDTH},
 * dropout {@link #DROPOUT}); the context length is the sample length. The vocabulary is a character table of at most
 * {@link #VOCAB} entries that the job builds and saves next to the model ({@code vocab.json}); ids it leaves unused
 * simply never occur.
 */
public class CharGptFactory implements ModuleFactory {
    private static final long serialVersionUID = 1L;
    /** Embedding rows: room for any character table of up to 128 symbols. */
    public static final int VOCAB = 128;
    public static final int LAYERS = 4, HEADS = 4, WIDTH = 128;
    public static final double DROPOUT = 0.0;

    @Override public Module create(int[] featuresShape, int outputs, long seed) {
        if (featuresShape.length != 1 || featuresShape[0] < 1) {
            throw new IllegalArgumentException("CharGptFactory needs featuresShape [T] (a window of T token ids), got "
                    + java.util.Arrays.toString(featuresShape));
        }
        int t = featuresShape[0];
        if (outputs != t) throw new IllegalArgumentException("CharGptFactory: the label must hold the T = " + t + " next tokens, got " + outputs);
        return new Net(new GPT.Config(VOCAB, t, LAYERS, HEADS, WIDTH, DROPOUT, true), new Generator(seed));
    }

    /** The GPT behind a float-token adapter; {@link #gpt} is the language model itself (sampling, evaluation). */
    public static final class Net extends Module {
        /** The language model; its state-dict names are nanoGPT's under {@code gpt.}. */
        public final GPT gpt;

        Net(GPT.Config c, Generator g) {
            this.gpt = registerModule("gpt", new GPT(c, g));
        }

        /** {@code (N, T)} token ids (any dtype) to {@code (N*T, V)} next-token logits. */
        @Override public Tensor forward(Tensor x) {
            Tensor idx = x.dtype() == DType.INT64 ? x : x.to(DType.INT64);
            Tensor logits = gpt.forward(idx);
            return logits.reshape(-1, gpt.config.vocabSize());
        }
    }
}
