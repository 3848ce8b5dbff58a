package org.sparkgrad.nn;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Parameter initialisers, as {@code torch.nn.init}: fan and gain rules of PyTorch (Glorot and Bengio 2010
 * for Xavier, He et al. 2015 for Kaiming). All fill in place under no-grad and return the tensor.
 */
public final class Init {
    private Init() {}

    /** {@code (fan_in, fan_out)} of a weight: dim 1 x receptive field and dim 0 x receptive field. */
    public static int[] fans(Tensor w) {
        if (w.dim() < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, got shape "
                    + java.util.Arrays.toString(w.shape()));
        }
        int rf = 1;
        for (int i = 2; i < w.dim(); i++) rf *= w.size(i);
        return new int[] {w.size(1) * rf, w.size(0) * rf};
    }

    /** {@code calculate_gain}: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2/(1+a^2)), selu 3/4. */
    public static double calculateGain(String nonlinearity, double param) {
        switch (nonlinearity) {
            case "linear": case "conv1d": case "conv2d": case "conv3d": case "sigmoid": case "conv_transpose1d":
            case "conv_transpose2d": case "conv_transpose3d": return 1;
            case "tanh": return 5.0 / 3;
            case "relu": return Math.sqrt(2);
            case "leaky_relu": return Math.sqrt(2 / (1 + param * param));
            case "selu": return 0.75;
            default: throw new IllegalArgumentException("Unsupported nonlinearity " + nonlinearity);
        }
    }

    private static Tensor fill(Tensor t, Tensor values) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            t.copy_(values);
        }
        return t;
    }

    public static Tensor uniform_(Tensor t, double a, double b, Generator g) {
        return fill(t, Tensor.rand(g, t.shape()).mul(b - a).add(a));
    }

    public static Tensor normal_(Tensor t, double mean, double std, Generator g) {
        return fill(t, Tensor.randn(g, t.shape()).mul(std).add(mean));
    }

    public static Tensor constant_(Tensor t, double v) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            return t.fill_(v);
        }
    }

    public static Tensor zeros_(Tensor t) { return constant_(t, 0); }

    public static Tensor ones_(Tensor t) { return constant_(t, 1); }

    /** U(-a, a) with {@code a = gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform_(Tensor t, double gain, Generator g) {
        int[] f = fans(t);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform_(t, -a, a, g);
    }

    /** N(0, std^2) with {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal_(Tensor t, double gain, Generator g) {
        int[] f = fans(t);
        return normal_(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), g);
    }

    /**
     * U(-bound, bound), {@code bound = gain * sqrt(3 / fan)}; fan = fan_in ({@code fanIn}) or fan_out;
     * gain of {@code nonlinearity} with parameter {@code a}.
     */
    public static Tensor kaimingUniform_(Tensor t, double a, boolean fanIn, String nonlinearity, Generator g) {
        int[] f = fans(t);
        double bound = calculateGain(nonlinearity, a) * Math.sqrt(3.0 / (fanIn ? f[0] : f[1]));
        return uniform_(t, -bound, bound, g);
    }

    /** N(0, std^2), {@code std = gain / sqrt(fan)}. */
    public static Tensor kaimingNormal_(Tensor t, double a, boolean fanIn, String nonlinearity, Generator g) {
        int[] f = fans(t);
        return normal_(t, 0, calculateGain(nonlinearity, a) / Math.sqrt(fanIn ? f[0] : f[1]), g);
    }

    /**
     * PyTorch's default for Linear and Conv weights: {@code kaiming_uniform_(w, a=sqrt(5))}, i.e.
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)); and the matching bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static void defaultLayerInit(Tensor weight, Tensor bias, Generator g) {
        kaimingUniform_(weight, Math.sqrt(5), true, "leaky_relu", g);
        if (bias != null) {
            int fanIn = fans(weight)[0];
            double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
            uniform_(bias, -bound, bound, g);
        }
    }
}
