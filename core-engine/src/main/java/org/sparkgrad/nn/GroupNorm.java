package org.sparkgrad.nn;

import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Group normalisation (Wu and He 2018), PyTorch's {@code nn.GroupNorm}: the {@code numChannels} channels of an input
 * {@code (N, C, *)} are split into {@code numGroups} groups; each (sample, group) is normalised over its channels and
 * all trailing dims with the biased variance, then {@code y = xhat * weight[c] + bias[c]}. Parameters {@code weight}
 * (ones) and {@code bias} (zeros) of shape {@code (C)} when {@code affine}. The same in training and evaluation.
 */
public class GroupNorm extends Module {
    public final int numGroups, numChannels;
    public final double eps;
    public final boolean affine;
    public final Tensor weight, bias;

    /** {@code GroupNorm(numGroups, numChannels)} with eps 1e-5, affine. */
    public GroupNorm(int numGroups, int numChannels) { this(numGroups, numChannels, 1e-5, true); }

    /**
     * @throws IllegalArgumentException when numChannels is not divisible by numGroups
     */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        if (numGroups <= 0 || numChannels % numGroups != 0) {
            throw new IllegalArgumentException("num_channels must be divisible by num_groups, got num_channels=" + numChannels
                    + " and num_groups=" + numGroups);
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.affine = affine;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numChannels) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numChannels) : null);
    }

    /**
     * @throws IllegalArgumentException when the input is not {@code (N, numChannels, *)} (naming its shape)
     */
    @Override public Tensor forward(Tensor x) {
        if (x.dim() < 2 || x.size(1) != numChannels) {
            throw new IllegalArgumentException("GroupNorm(" + numGroups + ", " + numChannels + "): expected input of shape (N, "
                    + numChannels + ", *), got " + Shape.str(x.shapeRef()));
        }
        return F.groupNorm(x, numGroups, weight, bias, eps);
    }

    @Override public String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + ReprUtil.num(eps) + ", affine=" + (affine ? "True" : "False");
    }
}
