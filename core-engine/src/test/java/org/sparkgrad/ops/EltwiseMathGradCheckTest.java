package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.nn.F;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Float64 finite-difference gradient checks ({@link GradCheck}, PyTorch's tolerances) of every differentiable op of
 * the PyTorch 1.13 elementwise additions, inside their domains and away from the discontinuities of the rounding,
 * fmod and remainder functions; binary ops with broadcasting in both operands.
 */
class EltwiseMathGradCheckTest {
    private static final Generator G = new Generator(1313);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    /** Values in [lo, hi). */
    private static Tensor u(double lo, double hi, int... shape) {
        return Tensor.rand(G, shape).to(DType.FLOAT64).mul(hi - lo).add(lo).detach().requiresGrad_();
    }

    /** Values k + f with integer k in [-3, 3) and fraction f in [0.1, 0.4] or [0.6, 0.9]: away from integers and halves. */
    private static Tensor offGrid(int... shape) {
        Tensor k = Tensor.rand(G, shape).to(DType.FLOAT64).mul(6).add(-3).floor();
        Tensor f = Tensor.rand(G, shape).to(DType.FLOAT64).mul(0.3).add(0.1);
        Tensor side = Tensor.rand(G, shape).to(DType.FLOAT64).gt(0.5).to(DType.FLOAT64).mul(0.5);
        return k.add(f).add(side).detach().requiresGrad_();
    }

    /** Signs random, magnitudes in [lo, hi). */
    private static Tensor signed(double lo, double hi, int... shape) {
        Tensor m = Tensor.rand(G, shape).to(DType.FLOAT64).mul(hi - lo).add(lo);
        Tensor s = Tensor.rand(G, shape).to(DType.FLOAT64).gt(0.5).to(DType.FLOAT64).mul(2).add(-1);
        return m.mul(s).detach().requiresGrad_();
    }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    static Stream<Arguments> ops() {
        return Stream.of(
                a("tan", t -> t[0].tan(), u(-1.2, 1.2, 6)),
                a("asin", t -> t[0].asin(), u(-0.9, 0.9, 6)),
                a("acos", t -> t[0].acos(), u(-0.9, 0.9, 6)),
                a("atan", t -> t[0].atan(), r(6)),
                a("sinh", t -> t[0].sinh(), r(6)),
                a("cosh", t -> t[0].cosh(), r(6)),
                a("asinh", t -> t[0].asinh(), r(2, 3)),
                a("acosh", t -> t[0].acosh(), u(1.1, 4, 6)),
                a("atanh", t -> t[0].atanh(), u(-0.9, 0.9, 6)),
                a("erf", t -> t[0].erf(), r(6)),
                a("erfc", t -> t[0].erfc(), u(-3, 3, 6)),
                a("erfinv", t -> t[0].erfinv(), u(-0.95, 0.95, 6)),
                a("log2", t -> t[0].log2(), u(0.2, 5, 6)),
                a("log10", t -> t[0].log10(), u(0.2, 5, 6)),
                a("exp2", t -> t[0].exp2(), r(6)),
                a("floor", t -> t[0].floor(), offGrid(6)),
                a("ceil", t -> t[0].ceil(), offGrid(6)),
                a("round", t -> t[0].round(), offGrid(6)),
                a("round_decimals", t -> t[0].mul(0.1).round(1), offGrid(6)),
                a("trunc", t -> t[0].trunc(), offGrid(6)),
                a("frac", t -> t[0].frac(), offGrid(6)),
                a("softmin", t -> F.softmin(t[0], 1), r(2, 4)),
                a("softmin_dim0", t -> F.softmin(t[0], 0).mul(t[0]), r(3, 2)),
                a("atan2_bcast", t -> t[0].atan2(t[1]), r(2, 3), r(3)),
                a("atan2_bcast_both", t -> t[0].atan2(t[1]), r(2, 1), r(1, 3)),
                // x / y kept off integers: |x| in [1.1, 1.4] or so against |y| in [0.5, 0.52]
                a("fmod", t -> t[0].fmod(t[1]), signed(1.1, 1.4, 2, 3), signed(0.5, 0.52, 3)),
                a("remainder", t -> t[0].remainder(t[1]), signed(1.1, 1.4, 2, 3), signed(0.5, 0.52, 3)),
                a("remainder_number", t -> t[0].remainder(0.75), signed(1.6, 2.1, 5)),
                a("fmod_number", t -> t[0].fmod(-0.75), signed(1.6, 2.1, 5)),
                a("hypot_bcast", t -> t[0].hypot(t[1]), r(2, 3), r(2, 1)),
                a("copysign", t -> t[0].copysign(t[1]), signed(0.2, 2, 2, 3), signed(0.2, 2, 3)),
                a("lerp_scalar_small", t -> t[0].lerp(t[1], 0.3), r(2, 3), r(3)),
                a("lerp_scalar_large", t -> t[0].lerp(t[1], 0.8), r(2, 3), r(2, 1)),
                a("lerp_tensor", t -> t[0].lerp(t[1], t[2]), r(2, 3), r(3), u(-0.5, 1.5, 2, 1)),
                a("addcmul", t -> t[0].addcmul(t[1], t[2], 0.7), r(2, 3), r(3), r(2, 1)),
                a("addcdiv", t -> t[0].addcdiv(t[1], t[2], -1.3), r(3), r(2, 3), u(0.5, 2, 2, 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradcheck(String name, Function<Tensor[], Tensor> f, Tensor[] in) {
        GradCheck.Result res = GradCheck.check(f, in);
        assertTrue(res.ok, name + ": " + res);
    }
}
