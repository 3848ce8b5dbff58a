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
