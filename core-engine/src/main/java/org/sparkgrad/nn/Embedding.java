package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * A lookup table (PyTorch {@code nn.Embedding}): int64 indices {@code (*)} to {@code (*, embedding_dim)}.
 * Weight {@code (num_embeddings, embedding_dim)} ~ N(0, 1); the {@code padding_idx} row (if set) is zero and
 * gets no gradient.
 */
public class Embedding extends Module {
    public final int numEmbeddings, embeddingDim;
    public final Integer paddingIdx;
    public final Tensor weight;

    public Embedding(int numEmbeddings, int embeddingDim) { this(numEmbeddings, embeddingDim, null, Generator.defaultGenerator()); }

    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Generator g) {
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        if (paddingIdx != null) {
            if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
                throw new IllegalArgumentException("padding_idx " + paddingIdx + " must be within num_embeddings " + numEmbeddings);
            }
            if (paddingIdx < 0) paddingIdx += numEmbeddings;
        }
        this.paddingIdx = paddingIdx;
        this.weight = registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        Init.normal_(weight, 0, 1, g);
        if (paddingIdx != null) {
            try (var ng = org.sparkgrad.autograd.GradMode.noGrad()) {
                weight.select(0, paddingIdx).fill_(0);
            }
        }
    }

    @Override public Tensor forward(Tensor indices) { return F.embedding(indices, weight, paddingIdx); }

    @Override public String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx != null ? ", padding_idx=" + paddingIdx : "");
    }
}
