package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Float64 finite-difference gradient checks of the scan, sort/selection, rearranging, var_mean/std_mean and einsum
 * ops (the same harness as {@link OpsGradCheckTest}).
 */
class ScanSortShapeGradCheckTest {
    private static final Generator G = new Generator(99);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    private static Tensor of(double[] v, int... shape) { return Tensor.fromArray(v, shape).requiresGrad_(); }

    private static Tensor idx(long[] v, int... shape) { return Tensor.fromArray(v, shape); }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    static Stream<Arguments> ops() {
        return Stream.of(
                a("cumsum_dim0", t -> t[0].cumsum(0), r(3, 4)),
                a("cumsum_neg_dim", t -> t[0].cumsum(-1), r(2, 3, 4)),
                a("cumprod", t -> t[0].cumprod(1), r(3, 4)),
                a("cumprod_one_zero", t -> t[0].cumprod(1), of(new double[] {0.7, 0, -1.3, 0.9, 1.1, 0.6, -0.6, 0}, 2, 4)),
                a("cumprod_two_zeros", t -> t[0].cumprod(0), of(new double[] {1.2, 0, 0.8, 0, 0.5, -1.1, 0, 2.0, 1.5, 0.3, 0.7, 0}, 4, 3)),
                a("cumprod_leading_zero", t -> t[0].cumprod(0), of(new double[] {0, 1.2, -0.7, 2.0, 0.5}, 5)),
                a("logcumsumexp", t -> t[0].logcumsumexp(1), r(3, 5)),
                a("logcumsumexp_large", t -> t[0].mul(300).logcumsumexp(0), r(4, 2)),
                a("cummax", t -> t[0].cummax(1)[0], r(3, 5)),
                a("cummin", t -> t[0].cummin(0)[0], r(4, 3)),
                a("sort", t -> t[0].sort(1, false)[0], r(3, 5)),
                a("sort_desc_dim0", t -> t[0].sort(0, true, true)[0], r(4, 3)),
                a("msort", t -> t[0].msort(), r(4, 3)),
                a("topk", t -> t[0].topk(2, 1, true, true)[0], r(3, 5)),
                a("topk_smallest", t -> t[0].topk(3, 0, false, true)[0], r(4, 2)),
                a("kthvalue", t -> t[0].kthvalue(2, 1, false)[0], r(3, 4)),
                a("kthvalue_keepdim", t -> t[0].kthvalue(3, 0, true)[0], r(4, 3)),
                a("median_dim", t -> t[0].median(1, false)[0], r(3, 5)),
                a("median_dim_even", t -> t[0].median(0, true)[0], r(4, 3)),
                a("median_all", t -> t[0].median(), r(3, 3)),
                a("flip", t -> t[0].flip(0, 2), r(2, 3, 4)),
                a("roll", t -> t[0].roll(new int[] {-1, 5}, new int[] {0, 1}), r(3, 4)),
                a("roll_flat", t -> t[0].roll(3), r(2, 3)),
                a("rot90", t -> t[0].rot90(1, 0, 1), r(2, 3)),
                a("rot90_k3", t -> t[0].rot90(-1, 1, 2), r(2, 3, 4)),
                a("movedim", t -> t[0].movedim(new int[] {0, 1}, new int[] {2, 0}), r(2, 3, 4)),
                a("tile", t -> t[0].tile(2, 1, 3), r(2, 3)),
                a("repeat_interleave_int", t -> t[0].repeatInterleave(2, 1), r(2, 3)),
                a("repeat_interleave_flat", t -> t[0].repeatInterleave(3, null), r(2, 2)),
                a("repeat_interleave_tensor", t -> t[0].repeatInterleave(idx(new long[] {2, 0, 1}), 0), r(3, 2)),
                a("take_along_dim", t -> t[0].takeAlongDim(idx(new long[] {2, 0, 0, 1}, 1, 4), 0), r(3, 4)),
                a("take_along_dim_flat", t -> t[0].takeAlongDim(idx(new long[] {5, 0, 5}), null), r(2, 3)),
                a("tril", t -> t[0].tril(), r(3, 4)),
                a("tril_neg", t -> t[0].tril(-1), r(2, 3, 3)),
                a("triu_pos", t -> t[0].triu(1), r(3, 4)),
                a("diag_1d", t -> t[0].diag(1), r(3)),
                a("diag_1d_neg", t -> t[0].diag(-2), r(2)),
                a("diag_2d", t -> t[0].diag(-1), r(3, 4)),
                a("diagonal", t -> t[0].diagonal(1, 2, 0), r(3, 2, 4)),
                a("diagonal_then_op", t -> t[0].diagonal().mul(t[0].diagonal()), r(3, 3)),
                a("trace", t -> t[0].trace(), r(3, 4)),
                a("var_mean", t -> {
                    Tensor[] vm = t[0].varMean(new int[] {1}, 1, true);
                    return vm[0].add(vm[1].mul(0.7));
                }, r(3, 4)),
                a("var_mean_all_correction0", t -> {
                    Tensor[] vm = t[0].varMean(null, 0, false);
                    return vm[0].sub(vm[1].mul(1.3));
                }, r(3, 4)),
                a("std_mean", t -> {
                    Tensor[] sm = t[0].stdMean(new int[] {0, 2}, 2, false);
                    return sm[0].add(sm[1].mul(-0.4));
                }, r(3, 2, 4)),
                a("einsum_3", t -> Tensor.einsum("ij,jk,kl->il", t[0], t[1], t[2]), r(2, 3), r(3, 2), r(2, 2)),
                a("einsum_diag_ellipsis", t -> Tensor.einsum("...ii->...i", t[0]), r(2, 3, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradcheck(String name, Function<Tensor[], Tensor> f, Tensor[] in) {
        GradCheck.Result res = GradCheck.check(f, in);
        assertTrue(res.ok, name + ": " + res);
    }
}
