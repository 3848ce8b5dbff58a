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
    /** Derivative {@code 1 + tan(x)^2} from the output, as PyTorch's {@code grad * (1 + result^2)}. */
    TAN { public double apply(double x, double a, double b) { return Math.tan(x); }
          public double derivative(double x, double y, double a, double b) { return 1 + y * y; } },
    /** Derivative {@code rsqrt(1 - x^2)}: {@code +inf} at {@code +-1}, NaN outside {@code [-1, 1]} (as PyTorch). */
    ASIN { public double apply(double x, double a, double b) { return Math.asin(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / Math.sqrt(-x * x + 1); } },
    /** Derivative {@code -rsqrt(1 - x^2)}: {@code -inf} at {@code +-1}. */
    ACOS { public double apply(double x, double a, double b) { return Math.acos(x); }
          public double derivative(double x, double y, double a, double b) { return -(1 / Math.sqrt(-x * x + 1)); } },
    ATAN { public double apply(double x, double a, double b) { return Math.atan(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / (x * x + 1); } },
    SINH { public double apply(double x, double a, double b) { return Math.sinh(x); }
          public double derivative(double x, double y, double a, double b) { return Math.cosh(x); } },
    COSH { public double apply(double x, double a, double b) { return Math.cosh(x); }
          public double derivative(double x, double y, double a, double b) { return Math.sinh(x); } },
    /** {@link MathUtil#asinh}; derivative {@code rsqrt(x^2 + 1)}. */
    ASINH { public double apply(double x, double a, double b) { return MathUtil.asinh(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / Math.sqrt(x * x + 1); } },
    /** {@link MathUtil#acosh}; derivative {@code rsqrt(x^2 - 1)}: {@code +inf} at 1, NaN below. */
    ACOSH { public double apply(double x, double a, double b) { return MathUtil.acosh(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / Math.sqrt(x * x - 1); } },
    /** {@link MathUtil#atanh}; derivative {@code 1 / (1 - x^2)}: {@code +inf} at {@code +-1}. */
    ATANH { public double apply(double x, double a, double b) { return MathUtil.atanh(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / (1 - x * x); } },
    /** {@link MathUtil#erf}; derivative {@code 2/sqrt(pi) exp(-x^2)}. */
    ERF { public double apply(double x, double a, double b) { return MathUtil.erf(x); }
          public double derivative(double x, double y, double a, double b) { return TWO_OVER_SQRT_PI * Math.exp(-(x * x)); } },
    /** {@link MathUtil#erfc}; derivative {@code -2/sqrt(pi) exp(-x^2)}. */
    ERFC { public double apply(double x, double a, double b) { return MathUtil.erfc(x); }
          public double derivative(double x, double y, double a, double b) { return -TWO_OVER_SQRT_PI * Math.exp(-(x * x)); } },
    /** {@link MathUtil#erfinv}; derivative {@code sqrt(pi)/2 exp(erfinv(x)^2)} from the output: {@code +inf} at {@code +-1}. */
    ERFINV { public double apply(double x, double a, double b) { return MathUtil.erfinv(x); }
          public double derivative(double x, double y, double a, double b) { return 0.5 * SQRT_PI * Math.exp(y * y); } },
    /** {@link MathUtil#log2} (exact at powers of two); derivative {@code 1 / (x ln 2)}. */
    LOG2 { public double apply(double x, double a, double b) { return MathUtil.log2(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / (x * LN2); } },
    /** {@link Math#log10} (exact at powers of ten); derivative {@code 1 / (x ln 10)}. */
    LOG10 { public double apply(double x, double a, double b) { return Math.log10(x); }
          public double derivative(double x, double y, double a, double b) { return 1 / (x * LN10); } },
    /** Rounding functions: integer-valued, derivative 0 everywhere (PyTorch's {@code zeros_like(grad)}). */
    FLOOR { public double apply(double x, double a, double b) { return Math.floor(x); }
          public double derivative(double x, double y, double a, double b) { return 0; } },
    CEIL { public double apply(double x, double a, double b) { return Math.ceil(x); }
          public double derivative(double x, double y, double a, double b) { return 0; } },
    /** Round half to even ({@code torch.round}, C's {@code nearbyint}): 0.5 to 0, 1.5 and 2.5 to 2, -0.5 to -0. */
    ROUND { public double apply(double x, double a, double b) { return Math.rint(x); }
          public double derivative(double x, double y, double a, double b) { return 0; } },
    /** Round toward zero. */
    TRUNC { public double apply(double x, double a, double b) { return x < 0 ? Math.ceil(x) : Math.floor(x); }
          public double derivative(double x, double y, double a, double b) { return 0; } },
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
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double SQRT_PI = Math.sqrt(Math.PI);
    /** PyTorch's constants in derivatives.yaml for log2 and log10. */
    private static final double LN2 = 0.6931471805599453, LN10 = 2.3025850929940456;

    /** f(x) with the op's scalar arguments. */
    public abstract double apply(double x, double a, double b);

    /** df/dx at x, given y = f(x). */
    public abstract double derivative(double x, double y, double a, double b);

    /** True when the output dtype is bool. */
    public boolean returnsBool() { return this == LOGICAL_NOT || this == IS_NONFINITE; }

    /**
     * True for the piecewise-constant functions (sign and the roundings) whose PyTorch gradient is {@code zeros_like(grad)}:
     * exactly 0, even where the incoming gradient is NaN or infinite.
     */
    public boolean zeroGradient() { return this == SIGN || this == FLOOR || this == CEIL || this == ROUND || this == TRUNC; }

    static double sigmoid(double x) {
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }

    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
