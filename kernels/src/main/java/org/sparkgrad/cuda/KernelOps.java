package org.sparkgrad.cuda;

/**
 * Op codes of the elementwise kernels, mirroring {@code src/main/cuda/sg_ops.h} (KernelOpsTest parses the header
 * and fails on any difference). The comments of the header document each op's parameters.
 */
public final class KernelOps {
    private KernelOps() {
    }

    /** {@code sg_unary_<dt>}: {@code out = f(x; a, b)}. */
    public enum Unary {
        IDENTITY(0),
        NEG(1),
        ABS(2),
        EXP(3),
        LOG(4),
        SQRT(5),
        RSQRT(6),
        SIN(7),
        COS(8),
        TAN(9),
        TANH(10),
        SIGMOID(11),
        RELU(12),
        /** 0.5 x (1 + erf(x / sqrt 2)) */
        GELU(13),
        /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
        GELU_TANH(14),
        SILU(15),
        /** a = beta, b = threshold */
        SOFTPLUS(16),
        LOG1P(17),
        EXPM1(18),
        RECIPROCAL(19),
        SQUARE(20),
        SIGN(21),
        FLOOR(22),
        CEIL(23),
        /** half to even, as torch.round */
        ROUND(24),
        TRUNC(25),
        ERF(26),
        /** a = negative slope */
        LEAKY_RELU(27),
        /** a = alpha */
        ELU(28),
        /** a = min, b = max (NaN or -inf / +inf for an absent bound); also hardtanh, relu6 */
        CLAMP(29),
        LOGSIGMOID(30),
        MISH(31),
        /** x + a */
        ADD_SCALAR(32),
        /** x * a */
        MUL_SCALAR(33),
        /** a - x */
        RSUB_SCALAR(34),
        /** a / x */
        RDIV_SCALAR(35),
        /** x ^ a */
        POW_SCALAR(36),
        /** a ^ x */
        RPOW_SCALAR(37),
        /** x / a */
        DIV_SCALAR(38),
        /** x - a */
        SUB_SCALAR(39),
        /** a * x + b */
        AFFINE(40),
        ASIN(41),
        ACOS(42),
        ATAN(43),
        SINH(44),
        COSH(45),
        ASINH(46),
        ACOSH(47),
        ATANH(48),
        ERFC(49),
        ERFINV(50),
        LOG2(51),
        LOG10(52);

        /** The code the kernel switches on. */
        public final int code;

        Unary(int code) {
            this.code = code;
        }
    }

    /** {@code sg_unary_grad_<dt>}: {@code dL/dx} from {@code g = dL/dy} and the saved x or y. */
    public enum UnaryGrad {
        /** s = x */
        RELU(0),
        /** s = y */
        SIGMOID(1),
        /** s = y */
        TANH(2),
        /** s = x */
        GELU(3),
        /** s = x */
        GELU_TANH(4),
        /** s = x */
        SILU(5),
        /** s = x, a = beta, b = threshold */
        SOFTPLUS(6),
        /** s = x, a = slope */
        LEAKY_RELU(7),
        /** s = x, a = alpha */
        ELU(8),
        /** s = x, a = min, b = max (NaN = none); gradient flows where min &lt;= x &lt;= max */
        CLAMP(9),
        /** s = x */
        LOGSIGMOID(10),
        /** s = x */
        MISH(11),
        /** s = x */
        ABS(12),
        /** s = y */
        SQRT(13),
        /** s = y */
        RSQRT(14),
        /** s = x */
        LOG(15),
        /** s = y */
        EXP(16),
        /** s = y */
        RECIPROCAL(17),
        /** s = x */
        SIN(18),
        /** s = x */
        COS(19),
        /** s = x, a = exponent */
        POW_SCALAR(20),
        /** s = x */
        LOG1P(21),
        /** s = y */
        EXPM1(22),
        /** s = x */
        ERF(23),
        /** s = x, a = min, b = max; gradient flows where min &lt; x &lt; max (strict) */
        HARDTANH(24),
        /** s = y */
        TAN(25),
        /** s = y, a = base */
        RPOW_SCALAR(26),
        /** s = x */
        SQUARE(27),
        /** s = x, a = numerator: -a / x^2 */
        RDIV_SCALAR(28),
        /** s = x: g rsqrt(1 - x^2) */
        ASIN(29),
        /** s = x: -g rsqrt(1 - x^2) */
        ACOS(30),
        /** s = x: g / (x^2 + 1) */
        ATAN(31),
        /** s = x: g cosh(x) */
        SINH(32),
        /** s = x: g sinh(x) */
        COSH(33),
        /** s = x: g rsqrt(x^2 + 1) */
        ASINH(34),
        /** s = x: g rsqrt(x^2 - 1) */
        ACOSH(35),
        /** s = x: g / (1 - x^2) */
        ATANH(36),
        /** s = x: -g 2/sqrt(pi) exp(-x^2) */
        ERFC(37),
        /** s = y: g sqrt(pi)/2 exp(y^2) */
        ERFINV(38),
        /** s = x: g / (x ln 2) */
        LOG2(39),
        /** s = x: g / (x ln 10) */
        LOG10(40);

        /** The code the kernel switches on. */
        public final int code;

        UnaryGrad(int code) {
            this.code = code;
        }
    }

    /** {@code sg_binary_<dt>}: {@code out = f(x, y; alpha)}. */
    public enum Binary {
        /** x + alpha * y */
        ADD(0),
        /** x - alpha * y */
        SUB(1),
        MUL(2),
        /** true division for floats; floor division for i64 */
        DIV(3),
        POW(4),
        /** NaN-propagating */
        MAXIMUM(5),
        /** NaN-propagating */
        MINIMUM(6),
        ATAN2(7),
        /** C fmod: sign of x */
        FMOD(8),
        /** Python %: sign of y */
        REMAINDER(9),
        HYPOT(10),
        COPYSIGN(11),
        /** floor(x / y) as torch.div(rounding_mode='floor'); floor division for i64 */
        FLOOR_DIVIDE(12);

        /** The code the kernel switches on. */
        public final int code;

        Binary(int code) {
            this.code = code;
        }
    }

    /** {@code sg_compare_<dt>}: bool {@code x OP y}. */
    public enum Compare {
        EQ(0),
        NE(1),
        LT(2),
        LE(3),
        GT(4),
        GE(5);

        /** The code the kernel switches on. */
        public final int code;

        Compare(int code) {
            this.code = code;
        }
    }

    /** {@code sg_logical_u8}. */
    public enum Logical {
        AND(0),
        OR(1),
        XOR(2),
        NOT(3);

        /** The code the kernel switches on. */
        public final int code;

        Logical(int code) {
            this.code = code;
        }
    }
}
