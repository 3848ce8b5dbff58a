package org.sparkgrad.backend;

/** Elementwise binary functions (broadcasting is done by the backend). Comparisons return bool. */
public enum BinaryOp {
    ADD { public double apply(double x, double y) { return x + y; } },
    SUB { public double apply(double x, double y) { return x - y; } },
    MUL { public double apply(double x, double y) { return x * y; } },
    DIV { public double apply(double x, double y) { return x / y; } },
    POW { public double apply(double x, double y) { return Math.pow(x, y); } },
    /** Elementwise maximum; NaN propagates as in {@code torch.maximum}. */
    MAXIMUM { public double apply(double x, double y) { return Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.max(x, y); } },
    MINIMUM { public double apply(double x, double y) { return Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.min(x, y); } },
    /** {@code atan2(x, y)}: the angle of the point {@code (y, x)}, in {@code [-pi, pi]} (C's {@code atan2}). */
    ATAN2 { public double apply(double x, double y) { return Math.atan2(x, y); } },
    /** C's {@code fmod}: {@code x - trunc(x / y) * y} exactly, with the sign of x; NaN for {@code y == 0}. */
    FMOD { public double apply(double x, double y) { return x % y; } },
    /**
     * Python's {@code %} ({@code torch.remainder}): {@code fmod(x, y)}, plus y when that is non-zero and its sign differs
     * from y's, so the result has the sign of y (PyTorch 1.13's kernel, exactly).
     */
    REMAINDER { public double apply(double x, double y) {
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y;
            return r;
        } },
    /** {@code sqrt(x^2 + y^2)} without overflow or underflow (C's {@code hypot}). */
    HYPOT { public double apply(double x, double y) { return Math.hypot(x, y); } },
    /** The magnitude of x with the sign bit of y (C's {@code copysign}). */
    COPYSIGN { public double apply(double x, double y) { return Math.copySign(x, y); } },
    /**
     * Floor division {@code floor(x / y)} computed as PyTorch's {@code div_floor_floating} ({@code div(rounding_mode='floor')}):
     * {@code (x - fmod(x, y)) / y}, less 1 where the remainder's sign differs from y's, rounded to the nearest integer;
     * {@code x / y} for {@code y == 0}; a signed zero for a zero quotient. Used by the gradient of {@link #REMAINDER}.
     */
    FLOOR_DIVIDE { public double apply(double x, double y) {
            if (y == 0) return x / y;
            double mod = x % y;
            double div = (x - mod) / y;
            if (mod != 0 && (y < 0) != (mod < 0)) div -= 1;
            if (div == 0) return Math.copySign(0.0, x / y);
            double fl = Math.floor(div);
            if (div - fl > 0.5) fl += 1;
            return fl;
        } },
    EQ { public double apply(double x, double y) { return x == y ? 1 : 0; } },
    NE { public double apply(double x, double y) { return x != y ? 1 : 0; } },
    LT { public double apply(double x, double y) { return x < y ? 1 : 0; } },
    LE { public double apply(double x, double y) { return x <= y ? 1 : 0; } },
    GT { public double apply(double x, double y) { return x > y ? 1 : 0; } },
    GE { public double apply(double x, double y) { return x >= y ? 1 : 0; } },
    LOGICAL_AND { public double apply(double x, double y) { return x != 0 && y != 0 ? 1 : 0; } },
    LOGICAL_OR { public double apply(double x, double y) { return x != 0 || y != 0 ? 1 : 0; } };

    public abstract double apply(double x, double y);

    /** True for comparison and logical ops, whose result dtype is bool. */
    public boolean returnsBool() { return ordinal() >= EQ.ordinal(); }
}
