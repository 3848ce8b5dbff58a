// Op codes of the elementwise kernels (elementwise.cu). The Java mirror is org.sparkgrad.cuda.KernelOps;
// KernelOpsTest parses this file and fails when a code differs. Append new codes; never renumber.
#pragma once

// sg_unary_<dt>: out = f(x; a, b)
#define SG_U_IDENTITY 0
#define SG_U_NEG 1
#define SG_U_ABS 2
#define SG_U_EXP 3
#define SG_U_LOG 4
#define SG_U_SQRT 5
#define SG_U_RSQRT 6
#define SG_U_SIN 7
#define SG_U_COS 8
#define SG_U_TAN 9
#define SG_U_TANH 10
#define SG_U_SIGMOID 11
#define SG_U_RELU 12
#define SG_U_GELU 13          /* 0.5 x (1 + erf(x / sqrt 2)) */
#define SG_U_GELU_TANH 14     /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
#define SG_U_SILU 15
#define SG_U_SOFTPLUS 16      /* a = beta, b = threshold */
#define SG_U_LOG1P 17
#define SG_U_EXPM1 18
#define SG_U_RECIPROCAL 19
#define SG_U_SQUARE 20
#define SG_U_SIGN 21
#define SG_U_FLOOR 22
#define SG_U_CEIL 23
#define SG_U_ROUND 24         /* half to even, as torch.round */
#define SG_U_TRUNC 25
#define SG_U_ERF 26
#define SG_U_LEAKY_RELU 27    /* a = negative slope */
#define SG_U_ELU 28           /* a = alpha */
#define SG_U_CLAMP 29         /* a = min, b = max (NaN or -inf / +inf for an absent bound); also hardtanh, relu6 */
#define SG_U_LOGSIGMOID 30
#define SG_U_MISH 31
#define SG_U_ADD_SCALAR 32    /* x + a */
#define SG_U_MUL_SCALAR 33    /* x * a */
#define SG_U_RSUB_SCALAR 34   /* a - x */
#define SG_U_RDIV_SCALAR 35   /* a / x */
#define SG_U_POW_SCALAR 36    /* x ^ a */
#define SG_U_RPOW_SCALAR 37   /* a ^ x */
#define SG_U_DIV_SCALAR 38    /* x / a */
#define SG_U_SUB_SCALAR 39    /* x - a */
#define SG_U_AFFINE 40        /* a * x + b */
#define SG_U_ASIN 41
#define SG_U_ACOS 42
#define SG_U_ATAN 43
#define SG_U_SINH 44
#define SG_U_COSH 45
#define SG_U_ASINH 46
#define SG_U_ACOSH 47
#define SG_U_ATANH 48
#define SG_U_ERFC 49
#define SG_U_ERFINV 50
#define SG_U_LOG2 51
#define SG_U_LOG10 52
#define SG_U_COUNT 53

// sg_unary_grad_<dt>: out = dL/dx given g = dL/dy and s = the saved tensor (x or y, as noted); a, b as forward
#define SG_G_RELU 0           /* s = x */
#define SG_G_SIGMOID 1        /* s = y */
#define SG_G_TANH 2           /* s = y */
#define SG_G_GELU 3           /* s = x */
#define SG_G_GELU_TANH 4      /* s = x */
#define SG_G_SILU 5           /* s = x */
#define SG_G_SOFTPLUS 6       /* s = x, a = beta, b = threshold */
#define SG_G_LEAKY_RELU 7     /* s = x, a = slope */
#define SG_G_ELU 8            /* s = x, a = alpha */
#define SG_G_CLAMP 9          /* s = x, a = min, b = max (NaN = none); gradient flows where min <= x <= max */
#define SG_G_LOGSIGMOID 10    /* s = x */
#define SG_G_MISH 11          /* s = x */
#define SG_G_ABS 12           /* s = x */
#define SG_G_SQRT 13          /* s = y */
#define SG_G_RSQRT 14         /* s = y */
#define SG_G_LOG 15           /* s = x */
#define SG_G_EXP 16           /* s = y */
#define SG_G_RECIPROCAL 17    /* s = y */
#define SG_G_SIN 18           /* s = x */
#define SG_G_COS 19           /* s = x */
#define SG_G_POW_SCALAR 20    /* s = x, a = exponent */
#define SG_G_LOG1P 21         /* s = x */
#define SG_G_EXPM1 22         /* s = y */
#define SG_G_ERF 23           /* s = x */
#define SG_G_HARDTANH 24      /* s = x, a = min, b = max; gradient flows where min < x < max (strict) */
#define SG_G_TAN 25           /* s = y */
#define SG_G_RPOW_SCALAR 26   /* s = y, a = base */
#define SG_G_SQUARE 27        /* s = x */
#define SG_G_RDIV_SCALAR 28   /* s = x, a = numerator: -a / x^2 */
#define SG_G_ASIN 29          /* s = x: g rsqrt(1 - x^2) */
#define SG_G_ACOS 30          /* s = x: -g rsqrt(1 - x^2) */
#define SG_G_ATAN 31          /* s = x: g / (x^2 + 1) */
#define SG_G_SINH 32          /* s = x: g cosh(x) */
#define SG_G_COSH 33          /* s = x: g sinh(x) */
#define SG_G_ASINH 34         /* s = x: g rsqrt(x^2 + 1) */
#define SG_G_ACOSH 35         /* s = x: g rsqrt(x^2 - 1) */
#define SG_G_ATANH 36         /* s = x: g / (1 - x^2) */
#define SG_G_ERFC 37          /* s = x: -g 2/sqrt(pi) exp(-x^2) */
#define SG_G_ERFINV 38        /* s = y: g sqrt(pi)/2 exp(y^2) */
#define SG_G_LOG2 39          /* s = x: g / (x ln 2) */
#define SG_G_LOG10 40         /* s = x: g / (x ln 10) */
#define SG_G_COUNT 41

// sg_binary_<dt>: out = f(x, y; alpha)
#define SG_B_ADD 0            /* x + alpha * y */
#define SG_B_SUB 1            /* x - alpha * y */
#define SG_B_MUL 2
#define SG_B_DIV 3            /* true division for floats; floor division for i64 */
#define SG_B_POW 4
#define SG_B_MAXIMUM 5        /* NaN-propagating */
#define SG_B_MINIMUM 6        /* NaN-propagating */
#define SG_B_ATAN2 7
#define SG_B_FMOD 8           /* C fmod: sign of x */
#define SG_B_REMAINDER 9      /* Python %: sign of y */
#define SG_B_HYPOT 10
#define SG_B_COPYSIGN 11
#define SG_B_FLOOR_DIVIDE 12  /* floor(x / y) as torch.div(rounding_mode='floor'); floor division for i64 */
#define SG_B_COUNT 13

// sg_compare_<dt> / sg_compare_scalar_<dt>: out (u8) = x OP y
#define SG_C_EQ 0
#define SG_C_NE 1
#define SG_C_LT 2
#define SG_C_LE 3
#define SG_C_GT 4
#define SG_C_GE 5
#define SG_C_COUNT 6

// sg_logical_u8: out (u8) = x OP y (y ignored for NOT)
#define SG_L_AND 0
#define SG_L_OR 1
#define SG_L_XOR 2
#define SG_L_NOT 3
#define SG_L_COUNT 4
