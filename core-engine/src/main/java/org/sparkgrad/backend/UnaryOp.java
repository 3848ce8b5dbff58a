package org.sparkgrad.backend;

/**
 * Elementwise unary functions with their derivatives. Parameters {@code a} and {@code b} carry the
 * op's scalar arguments (documented per constant; unused ones are ignored). Formulas follow the PyTorch
 * documentation of the function of the same name.
 */
public enum UnaryOp {
    NEG { public double apply(double x, double a, double b) { return -x; }
          public double derivative(double x, double y, double a, double b) { return -1; } },
    EXP { public double apply(double x, double a, double b) { return Math.exp(x); }
          public double derivative(double x, double y, double a, double b) { return y; } },
    LOG { public double apply(double x, double a, double b) { return Math.log(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / x; } },
    LOG1P { public double apply(double x, double a, double b) { return Math.log1p(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / (1 + x); } },
    EXPM1 { public double apply(double x, double a, double b) { return Math.expm1(x); }
          public double derivative(double x, double y, double a, double b) { return y + 1; } },
    SQRT { public double apply(double x, double a, double b) { return Math.sqrt(x); }
          public double derivative(double x, double y, double a, double b) { return 0.5 / y; } },
    RSQRT { public double apply(double x, double a, double b) { return 1 / Math.sqrt(x); }
          public double derivative(double x, double y, double a, double b) { return -0.5 * y * y * y; } },
    ABS { public double apply(double x, double a, double b) { return Math.abs(x); }
          public double derivative(double x, double y, double a, double b) { return Math.signum(x); } },
    SIGN { public double apply(double x, double a, double b) { return Math.signum(x); }
          public double derivative(double x, double y, double a, double b) { return 0; } },
    RECIPROCAL { public double apply(double x, double a, double b) { return 1 / x; }
          public double derivative(double x, double y, double a, double b) { return -y * y; } },
    SQUARE { public double apply(double x, double a, double b) { return x * x; }
          public double derivative(double x, double y, double a, double b) { return 2 * x; } },
    SIN { public double apply(double x, double a, double b) { return Math.sin(x); }
          public double derivative(double x, double y, double a, double b) { return Math.cos(x); } },
    COS { public double apply(double x, double a, double b) { return Math.cos(x); }
          public double derivative(double x, double y, double a, double b) { return -Math.sin(x); } },
    TANH { public double apply(double x, double a, double b) { return Math.tanh(x); }
          public double derivative(double x, double y, double a, double b) { return 1 - y * y; } },
    /** Numerically stable logistic function. */
    SIGMOID { public double apply(double x, double a, double b) { return sigmoid(x); }
          public double derivative(double x, double y, double a, double b) { return y * (1 - y); } },
    /**
     * {@code max(x, 0)} with NaN propagated (PyTorch's {@code clamp_min}); derivative 0 where {@code x <= 0} (so 0 at
     * the kink) and 1 elsewhere, NaN included (PyTorch's {@code threshold_backward}: {@code x <= 0 ? 0 : grad}).
     */
    RELU { public double apply(double x, double a, double b) { return x > 0 || x != x ? x : 0; }
          public double derivative(double x, double y, double a, double b) { return x <= 0 ? 0 : 1; } },
    /** {@code a} = negative_slope. */
    LEAKY_RELU { public double apply(double x, double a, double b) { return x > 0 ? x : a * x; }
          public double derivative(double x, double y, double a, double b) { return x > 0 ? 1 : a; } },
    /**
     * {@code a} = alpha: {@code x > 0 ? x : alpha * (exp(x) - 1)}; derivative {@code alpha * exp(x)} for {@code x <= 0}
     * (alpha at 0), computed directly as PyTorch's {@code elu_backward} does, not as {@code y + alpha}, which cancels
     * to 0 for very negative x.
     */
    ELU { public double apply(double x, double a, double b) { return x > 0 ? x : a * Math.expm1(x); }
          public double derivative(double x, double y, double a, double b) { return x > 0 ? 1 : a * Math.exp(x); } },
    /** Exact GELU {@code x * Phi(x)} with the error function. */
    GELU { public double apply(double x, double a, double b) { return 0.5 * x * (1 + MathUtil.erf(x / Math.sqrt(2))); }
          public double derivative(double x, double y, double a, double b) {
              double cdf = 0.5 * (1 + MathUtil.erf(x / Math.sqrt(2)));
              return cdf + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
          } },
    /** GELU, tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    GELU_TANH { public double apply(double x, double a, double b) {
              return 0.5 * x * (1 + Math.tanh(K_GELU * (x + 0.044715 * x * x * x)));
          }
          public double derivative(double x, double y, double a, double b) {
              double inner = K_GELU * (x + 0.044715 * x * x * x);
              double t = Math.tanh(inner);
              double dInner = K_GELU * (1 + 3 * 0.044715 * x * x);
              return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dInner;
          } },
    SILU { public double apply(double x, double a, double b) { return x * sigmoid(x); }
          public double derivative(double x, double y, double a, double b) {
              double s = sigmoid(x);
              return s * (1 + x * (1 - s));
          } },
    /** {@code a} = beta, {@code b} = threshold: {@code log(1 + exp(beta x)) / beta}, linear above threshold. */
    SOFTPLUS { public double apply(double x, double a, double b) {
              return x * a > b ? x : softplus(a * x) / a;
          }
          public double derivative(double x, double y, double a, double b) { return x * a > b ? 1 : sigmoid(a * x); } },
    /** {@code x * tanh(softplus(x))}. */
    MISH { public double apply(double x, double a, double b) { return x * Math.tanh(softplus(x)); }
          public double derivative(double x, double y, double a, double b) {
              double t = Math.tanh(softplus(x));
              return t + x * (1 - t * t) * sigmoid(x);
          } },
    /** {@code a} = min_val, {@code b} = max_val. */
    HARDTANH { public double apply(double x, double a, double b) { return x < a ? a : (x > b ? b : x); }
          public double derivative(double x, double y, double a, double b) { return x > a && x < b ? 1 : 0; } },
    /** {@code log(sigmoid(x))}, computed as {@code min(x,0) - log1p(exp(-|x|))}. */
    LOGSIGMOID { public double apply(double x, double a, double b) { return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))); }
          public double derivative(double x, double y, double a, double b) { return sigmoid(-x); } },
    /** {@code a} = min (NaN = none), {@code b} = max (NaN = none). Gradient 1 inside [min, max]. */
    CLAMP { public double apply(double x, double a, double b) {
              double r = x;
              if (!Double.isNaN(a) && r < a) r = a;
              if (!Double.isNaN(b) && r > b) r = b;
              return r;
          }
          public double derivative(double x, double y, double a, double b) {
              return (Double.isNaN(a) || x >= a) && (Double.isNaN(b) || x <= b) ? 1 : 0;
          } },
    /** {@code x ^ a}. */
    POW_SCALAR { public double apply(double x, double a, double b) { return a == 2 ? x * x : Math.pow(x, a); }
          public double derivative(double x, double y, double a, double b) {
              return a == 0 ? 0 : a * Math.pow(x, a - 1);
          } },
    /** {@code a ^ x}; for base 0 the derivative is 0 where {@code x >= 0} (PyTorch's pow_backward_exponent). */
    RPOW_SCALAR { public double apply(double x, double a, double b) { return Math.pow(a, x); }
          public double derivative(double x, double y, double a, double b) { return a == 0 && x >= 0 ? 0 : y * Math.log(a); } },
    /** {@code x + a}. */
    ADD_SCALAR { public double apply(double x, double a, double b) { return x + a; }
          public double derivative(double x, double y, double a, double b) { return 1; } },
    /** {@code x * a}. */
    MUL_SCALAR { public double apply(double x, double a, double b) { return x * a; }
          public double derivative(double x, double y, double a, double b) { return a; } },
    /** {@code a - x}. */
    RSUB_SCALAR { public double apply(double x, double a, double b) { return a - x; }
          public double derivative(double x, double y, double a, double b) { return -1; } },
    /** {@code a / x}. */
    RDIV_SCALAR { public double apply(double x, double a, double b) { return a / x; }
          public double derivative(double x, double y, double a, double b) { return -y / x; } },
    /** {@code a * x + b}. */
    AFFINE { public double apply(double x, double a, double b) { return a * x + b; }
          public double derivative(double x, double y, double a, double b) { return a; } },
    /** Logical not for bool tensors (1 where x == 0). */
    LOGICAL_NOT { public double apply(double x, double a, double b) { return x == 0 ? 1 : 0; }
          public double derivative(double x, double y, double a, double b) { return 0; } },
    /** 1 where x is NaN or infinite. */
    IS_NONFINITE { public double apply(double x, double a, double b) { return Double.isFinite(x) ? 0 : 1; }
          public double derivative(double x, double y, double a, double b) { return 0; } };

    private static final double K_GELU = Math.sqrt(2 / Math.PI);

    /** f(x) with the op's scalar arguments. */
    public abstract double apply(double x, double a, double b);

    /** df/dx at x, given y = f(x). */
    public abstract double derivative(double x, double y, double a, double b);

    /** True when the output dtype is bool. */
    public boolean returnsBool() { return this == LOGICAL_NOT || this == IS_NONFINITE; }

    static double sigmoid(double x) {
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }

    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
