package org.sparkgrad.cuda;

import java.util.EnumMap;
import java.util.Map;
import org.sparkgrad.backend.UnaryOp;

/**
 * How the engine's {@link UnaryOp}s map onto elementwise.cu: the forward op code, and for the backward either a
 * gradient kernel fed with the saved input x or output y, or a scaled copy of the incoming gradient.
 * {@code LOGICAL_NOT} and {@code IS_NONFINITE} have dedicated kernels and are not in {@link #FORWARD}.
 */
final class UnaryKernels {
    private UnaryKernels() {
    }

    static final Map<UnaryOp, KernelOps.Unary> FORWARD = new EnumMap<>(UnaryOp.class);

    static {
        FORWARD.put(UnaryOp.NEG, KernelOps.Unary.NEG);
        FORWARD.put(UnaryOp.EXP, KernelOps.Unary.EXP);
        FORWARD.put(UnaryOp.LOG, KernelOps.Unary.LOG);
        FORWARD.put(UnaryOp.LOG1P, KernelOps.Unary.LOG1P);
        FORWARD.put(UnaryOp.EXPM1, KernelOps.Unary.EXPM1);
        FORWARD.put(UnaryOp.SQRT, KernelOps.Unary.SQRT);
        FORWARD.put(UnaryOp.RSQRT, KernelOps.Unary.RSQRT);
        FORWARD.put(UnaryOp.ABS, KernelOps.Unary.ABS);
        FORWARD.put(UnaryOp.SIGN, KernelOps.Unary.SIGN);
        FORWARD.put(UnaryOp.RECIPROCAL, KernelOps.Unary.RECIPROCAL);
        FORWARD.put(UnaryOp.SQUARE, KernelOps.Unary.SQUARE);
        FORWARD.put(UnaryOp.SIN, KernelOps.Unary.SIN);
        FORWARD.put(UnaryOp.COS, KernelOps.Unary.COS);
        FORWARD.put(UnaryOp.TANH, KernelOps.Unary.TANH);
        FORWARD.put(UnaryOp.SIGMOID, KernelOps.Unary.SIGMOID);
        FORWARD.put(UnaryOp.RELU, KernelOps.Unary.RELU);
        FORWARD.put(UnaryOp.LEAKY_RELU, KernelOps.Unary.LEAKY_RELU);
        FORWARD.put(UnaryOp.ELU, KernelOps.Unary.ELU);
        FORWARD.put(UnaryOp.GELU, KernelOps.Unary.GELU);
        FORWARD.put(UnaryOp.GELU_TANH, KernelOps.Unary.GELU_TANH);
        FORWARD.put(UnaryOp.SILU, KernelOps.Unary.SILU);
        FORWARD.put(UnaryOp.SOFTPLUS, KernelOps.Unary.SOFTPLUS);
        FORWARD.put(UnaryOp.MISH, KernelOps.Unary.MISH);
        FORWARD.put(UnaryOp.HARDTANH, KernelOps.Unary.CLAMP);
        FORWARD.put(UnaryOp.LOGSIGMOID, KernelOps.Unary.LOGSIGMOID);
        FORWARD.put(UnaryOp.CLAMP, KernelOps.Unary.CLAMP);
        FORWARD.put(UnaryOp.POW_SCALAR, KernelOps.Unary.POW_SCALAR);
        FORWARD.put(UnaryOp.RPOW_SCALAR, KernelOps.Unary.RPOW_SCALAR);
        FORWARD.put(UnaryOp.ADD_SCALAR, KernelOps.Unary.ADD_SCALAR);
        FORWARD.put(UnaryOp.MUL_SCALAR, KernelOps.Unary.MUL_SCALAR);
        FORWARD.put(UnaryOp.RSUB_SCALAR, KernelOps.Unary.RSUB_SCALAR);
        FORWARD.put(UnaryOp.RDIV_SCALAR, KernelOps.Unary.RDIV_SCALAR);
        FORWARD.put(UnaryOp.AFFINE, KernelOps.Unary.AFFINE);
        FORWARD.put(UnaryOp.TAN, KernelOps.Unary.TAN);
        FORWARD.put(UnaryOp.ASIN, KernelOps.Unary.ASIN);
        FORWARD.put(UnaryOp.ACOS, KernelOps.Unary.ACOS);
        FORWARD.put(UnaryOp.ATAN, KernelOps.Unary.ATAN);
        FORWARD.put(UnaryOp.SINH, KernelOps.Unary.SINH);
        FORWARD.put(UnaryOp.COSH, KernelOps.Unary.COSH);
        FORWARD.put(UnaryOp.ASINH, KernelOps.Unary.ASINH);
        FORWARD.put(UnaryOp.ACOSH, KernelOps.Unary.ACOSH);
        FORWARD.put(UnaryOp.ATANH, KernelOps.Unary.ATANH);
        FORWARD.put(UnaryOp.ERF, KernelOps.Unary.ERF);
        FORWARD.put(UnaryOp.ERFC, KernelOps.Unary.ERFC);
        FORWARD.put(UnaryOp.ERFINV, KernelOps.Unary.ERFINV);
        FORWARD.put(UnaryOp.LOG2, KernelOps.Unary.LOG2);
        FORWARD.put(UnaryOp.LOG10, KernelOps.Unary.LOG10);
        FORWARD.put(UnaryOp.FLOOR, KernelOps.Unary.FLOOR);
        FORWARD.put(UnaryOp.CEIL, KernelOps.Unary.CEIL);
        FORWARD.put(UnaryOp.ROUND, KernelOps.Unary.ROUND);
        FORWARD.put(UnaryOp.TRUNC, KernelOps.Unary.TRUNC);
    }

    /** How the backward of a unary op runs: a gradient kernel with the saved x or y, or a scaled copy of g. */
    record GradRule(KernelOps.UnaryGrad kernel, boolean needsOutput, KernelOps.Unary onGrad, boolean scaleByA,
                    double scale) {
        static GradRule of(KernelOps.UnaryGrad k, boolean needsOutput) {
            return new GradRule(k, needsOutput, null, false, 0);
        }

        /** dx = g * constant (NEG: -1; RSUB: -1; ADD_SCALAR: 1; SIGN, LOGICAL_NOT, IS_NONFINITE: 0). */
        static GradRule times(double c) {
            return new GradRule(null, false, KernelOps.Unary.MUL_SCALAR, false, c);
        }

        /** dx = g * a (MUL_SCALAR, AFFINE). */
        static GradRule timesA() {
            return new GradRule(null, false, KernelOps.Unary.MUL_SCALAR, true, 0);
        }
    }

    static final Map<UnaryOp, GradRule> BACKWARD = new EnumMap<>(UnaryOp.class);

    static {
        BACKWARD.put(UnaryOp.NEG, GradRule.times(-1));
        BACKWARD.put(UnaryOp.EXP, GradRule.of(KernelOps.UnaryGrad.EXP, true));
        BACKWARD.put(UnaryOp.LOG, GradRule.of(KernelOps.UnaryGrad.LOG, false));
        BACKWARD.put(UnaryOp.LOG1P, GradRule.of(KernelOps.UnaryGrad.LOG1P, false));
        BACKWARD.put(UnaryOp.EXPM1, GradRule.of(KernelOps.UnaryGrad.EXPM1, true));
        BACKWARD.put(UnaryOp.SQRT, GradRule.of(KernelOps.UnaryGrad.SQRT, true));
        BACKWARD.put(UnaryOp.RSQRT, GradRule.of(KernelOps.UnaryGrad.RSQRT, true));
        BACKWARD.put(UnaryOp.ABS, GradRule.of(KernelOps.UnaryGrad.ABS, false));
        BACKWARD.put(UnaryOp.SIGN, GradRule.times(0));
        BACKWARD.put(UnaryOp.RECIPROCAL, GradRule.of(KernelOps.UnaryGrad.RECIPROCAL, true));
        BACKWARD.put(UnaryOp.SQUARE, GradRule.of(KernelOps.UnaryGrad.SQUARE, false));
        BACKWARD.put(UnaryOp.SIN, GradRule.of(KernelOps.UnaryGrad.SIN, false));
        BACKWARD.put(UnaryOp.COS, GradRule.of(KernelOps.UnaryGrad.COS, false));
        BACKWARD.put(UnaryOp.TANH, GradRule.of(KernelOps.UnaryGrad.TANH, true));
        BACKWARD.put(UnaryOp.SIGMOID, GradRule.of(KernelOps.UnaryGrad.SIGMOID, true));
        BACKWARD.put(UnaryOp.RELU, GradRule.of(KernelOps.UnaryGrad.RELU, false));
        BACKWARD.put(UnaryOp.LEAKY_RELU, GradRule.of(KernelOps.UnaryGrad.LEAKY_RELU, false));
        BACKWARD.put(UnaryOp.ELU, GradRule.of(KernelOps.UnaryGrad.ELU, false));
        BACKWARD.put(UnaryOp.GELU, GradRule.of(KernelOps.UnaryGrad.GELU, false));
        BACKWARD.put(UnaryOp.GELU_TANH, GradRule.of(KernelOps.UnaryGrad.GELU_TANH, false));
        BACKWARD.put(UnaryOp.SILU, GradRule.of(KernelOps.UnaryGrad.SILU, false));
        BACKWARD.put(UnaryOp.SOFTPLUS, GradRule.of(KernelOps.UnaryGrad.SOFTPLUS, false));
        BACKWARD.put(UnaryOp.MISH, GradRule.of(KernelOps.UnaryGrad.MISH, false));
        BACKWARD.put(UnaryOp.HARDTANH, GradRule.of(KernelOps.UnaryGrad.HARDTANH, false));
        BACKWARD.put(UnaryOp.LOGSIGMOID, GradRule.of(KernelOps.UnaryGrad.LOGSIGMOID, false));
        BACKWARD.put(UnaryOp.CLAMP, GradRule.of(KernelOps.UnaryGrad.CLAMP, false));
        BACKWARD.put(UnaryOp.POW_SCALAR, GradRule.of(KernelOps.UnaryGrad.POW_SCALAR, false));
        BACKWARD.put(UnaryOp.RPOW_SCALAR, GradRule.of(KernelOps.UnaryGrad.RPOW_SCALAR, true));
        BACKWARD.put(UnaryOp.ADD_SCALAR, GradRule.times(1));
        BACKWARD.put(UnaryOp.MUL_SCALAR, GradRule.timesA());
        BACKWARD.put(UnaryOp.RSUB_SCALAR, GradRule.times(-1));
        BACKWARD.put(UnaryOp.RDIV_SCALAR, GradRule.of(KernelOps.UnaryGrad.RDIV_SCALAR, false));
        BACKWARD.put(UnaryOp.AFFINE, GradRule.timesA());
        BACKWARD.put(UnaryOp.LOGICAL_NOT, GradRule.times(0));
        BACKWARD.put(UnaryOp.IS_NONFINITE, GradRule.times(0));
        BACKWARD.put(UnaryOp.TAN, GradRule.of(KernelOps.UnaryGrad.TAN, true));
        BACKWARD.put(UnaryOp.ASIN, GradRule.of(KernelOps.UnaryGrad.ASIN, false));
        BACKWARD.put(UnaryOp.ACOS, GradRule.of(KernelOps.UnaryGrad.ACOS, false));
        BACKWARD.put(UnaryOp.ATAN, GradRule.of(KernelOps.UnaryGrad.ATAN, false));
        BACKWARD.put(UnaryOp.SINH, GradRule.of(KernelOps.UnaryGrad.SINH, false));
        BACKWARD.put(UnaryOp.COSH, GradRule.of(KernelOps.UnaryGrad.COSH, false));
        BACKWARD.put(UnaryOp.ASINH, GradRule.of(KernelOps.UnaryGrad.ASINH, false));
        BACKWARD.put(UnaryOp.ACOSH, GradRule.of(KernelOps.UnaryGrad.ACOSH, false));
        BACKWARD.put(UnaryOp.ATANH, GradRule.of(KernelOps.UnaryGrad.ATANH, false));
        BACKWARD.put(UnaryOp.ERF, GradRule.of(KernelOps.UnaryGrad.ERF, false));
        BACKWARD.put(UnaryOp.ERFC, GradRule.of(KernelOps.UnaryGrad.ERFC, false));
        BACKWARD.put(UnaryOp.ERFINV, GradRule.of(KernelOps.UnaryGrad.ERFINV, true));
        BACKWARD.put(UnaryOp.LOG2, GradRule.of(KernelOps.UnaryGrad.LOG2, false));
        BACKWARD.put(UnaryOp.LOG10, GradRule.of(KernelOps.UnaryGrad.LOG10, false));
        // piecewise constant: the engine's autograd returns zeros itself; the rule serves direct backend calls
        BACKWARD.put(UnaryOp.FLOOR, GradRule.times(0));
        BACKWARD.put(UnaryOp.CEIL, GradRule.times(0));
        BACKWARD.put(UnaryOp.ROUND, GradRule.times(0));
        BACKWARD.put(UnaryOp.TRUNC, GradRule.times(0));
    }
}
