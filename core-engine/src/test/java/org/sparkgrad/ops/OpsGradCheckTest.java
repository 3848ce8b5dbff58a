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

/** Float64 finite-difference gradient checks of every differentiable op of the engine core. */
class OpsGradCheckTest {
    private static final Generator G = new Generator(42);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    /** Values in [lo, hi), away from kinks when lo > 0. */
    private static Tensor u(double lo, double hi, int... shape) {
        return Tensor.rand(G, shape).to(DType.FLOAT64).mul(hi - lo).add(lo).detach().requiresGrad_();
    }

    /** randn pushed at least 0.1 away from 0 (kinks of relu/abs/...). */
    private static Tensor awayFromZero(int... shape) {
        Tensor x = Tensor.randn(G, shape).to(DType.FLOAT64);
        return x.add(x.sign().mul(0.1)).detach().requiresGrad_();
    }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    static Stream<Arguments> ops() {
        return Stream.of(
                a("add_bcast", t -> t[0].add(t[1]), r(2, 3, 4), r(3, 1)),
                a("add_alpha", t -> t[0].add(t[1], 2.5), r(3, 4), r(4)),
                a("sub_bcast", t -> t[0].sub(t[1]), r(2, 1, 4), r(3, 1)),
                a("mul_bcast", t -> t[0].mul(t[1]), r(2, 3), r(1, 3)),
                a("div", t -> t[0].div(t[1]), r(2, 3), u(0.5, 2, 2, 3)),
                a("pow_tensor", t -> t[0].pow(t[1]), u(0.5, 2, 2, 3), r(2, 3)),
                a("pow_scalar", t -> t[0].pow(2.7), u(0.5, 2, 2, 3)),
                a("rpow", t -> t[0].rpow(1.7), r(2, 3)),
                a("scalars", t -> t[0].add(1).sub(2).mul(3).div(4).rsub(5).rdiv(7), u(0.5, 2, 5)),
                a("neg", t -> t[0].neg(), r(4)),
                a("exp", t -> t[0].exp(), r(4)),
                a("log", t -> t[0].log(), u(0.5, 3, 4)),
                a("log1p", t -> t[0].log1p(), u(0.1, 3, 4)),
                a("expm1", t -> t[0].expm1(), r(4)),
                a("sqrt", t -> t[0].sqrt(), u(0.5, 3, 4)),
                a("rsqrt", t -> t[0].rsqrt(), u(0.5, 3, 4)),
                a("abs", t -> t[0].abs(), awayFromZero(5)),
                a("reciprocal", t -> t[0].reciprocal(), u(0.5, 3, 4)),
                a("square", t -> t[0].square(), r(4)),
                a("sin_cos", t -> t[0].sin().add(t[0].cos()), r(4)),
                a("tanh", t -> t[0].tanh(), r(4)),
                a("sigmoid", t -> t[0].sigmoid(), r(4)),
                a("maximum", t -> t[0].maximum(t[1]), r(3, 4), r(4)),
                a("minimum", t -> t[0].minimum(t[1]), r(3, 4), r(3, 1)),
                a("clamp", t -> t[0].clamp(-0.5, 0.5), u(-2, 2, 8)),
                a("where", t -> Tensor.where(t[0].detach().gt(0.0), t[0], t[1]), r(3, 4), r(4)),
                a("sum_dims", t -> t[0].sum(new int[] {0, 2}, true), r(2, 3, 4)),
                a("mean", t -> t[0].mean(1), r(2, 3, 4)),
                a("prod", t -> t[0].prod(1, false), u(0.5, 1.5, 2, 3)),
                a("amax", t -> t[0].amax(new int[] {-1}, false), r(3, 4)),
                a("amin", t -> t[0].amin(0, true), r(3, 4)),
                a("max_dim", t -> t[0].max(1, false)[0], r(3, 4)),
                a("min_all", t -> t[0].min(), r(3, 4)),
                a("var", t -> t[0].var(1, true, false), r(3, 4)),
                a("std", t -> t[0].std(new int[] {0, 1}, false, true), r(3, 4)),
                a("logsumexp", t -> t[0].logsumexp(-1, false), r(3, 4)),
                a("norm", t -> t[0].norm(), r(3, 4)),
                a("norm_p3", t -> t[0].norm(3, new int[] {1}, false), awayFromZero(3, 4)),
                a("norm_dims_keepdim", t -> t[0].norm(2, new int[] {0, -1}, true), r(2, 3, 4)),
                a("norm_p1_5", t -> t[0].norm(1.5), awayFromZero(5)),
                a("matmul_2d", t -> t[0].matmul(t[1]), r(3, 4), r(4, 2)),
                a("matmul_1d_1d", t -> t[0].matmul(t[1]), r(4), r(4)),
                a("matmul_1d_nd", t -> t[0].matmul(t[1]), r(4), r(2, 4, 3)),
                a("matmul_nd_1d", t -> t[0].matmul(t[1]), r(2, 3, 4), r(4)),
                a("matmul_bcast_batch", t -> t[0].matmul(t[1]), r(2, 1, 3, 4), r(3, 4, 2)),
                a("matmul_transposed", t -> t[0].matmul(t[1].mT()), r(2, 3, 4), r(2, 5, 4)),
                a("bmm", t -> t[0].bmm(t[1]), r(2, 3, 4), r(2, 4, 2)),
                a("dot", t -> t[0].dot(t[1]), r(5), r(5)),
                a("outer", t -> t[0].outer(t[1]), r(3), r(2)),
                a("reshape_view", t -> t[0].transpose(0, 1).reshape(3, 4).view(2, 6), r(2, 6)),
                a("permute", t -> t[0].permute(2, 0, 1), r(2, 3, 4)),
                a("squeeze_unsqueeze", t -> t[0].squeeze(1).unsqueeze(0), r(3, 1, 2)),
                a("flatten_unflatten", t -> t[0].flatten().unflatten(0, 4, 6), r(2, 3, 4)),
                a("expand", t -> t[0].expand(2, 3, 4), r(3, 1)),
                a("repeat", t -> t[0].repeat(2, 1, 3), r(2, 2)),
                a("cat", t -> Tensor.cat(1, t[0], t[1]), r(2, 3), r(2, 2)),
                a("stack", t -> Tensor.stack(0, t[0], t[1]), r(2, 3), r(2, 3)),
                a("split", t -> t[0].split(2, 1).get(1), r(2, 5)),
                a("split_sizes", t -> t[0].split(new int[] {1, 4}, 1).get(1), r(2, 5)),
                a("chunk", t -> t[0].chunk(3, 0).get(2), r(7, 2)),
                a("slice_step_neg", t -> t[0].slice(1, -4, null, 2), r(3, 6)),
                a("narrow_select", t -> t[0].narrow(0, 1, 2).select(1, -1), r(4, 3)),
                a("index_select", t -> t[0].indexSelect(0, Tensor.fromArray(new long[] {2, 0, 2})), r(3, 4)),
                a("gather", t -> t[0].gather(1, Tensor.fromArray(new long[] {0, 2, 2, 1}, 2, 2)), r(2, 3)),
                a("scatter_add", t -> t[0].scatterAdd(1, Tensor.fromArray(new long[] {0, 2, 2, 1}, 2, 2), t[1]), r(2, 3), r(2, 2)),
                a("scatter", t -> t[0].scatter(1, Tensor.fromArray(new long[] {0, 2, 1, 0}, 2, 2), t[1]), r(2, 3), r(2, 2)),
                a("masked_fill", t -> t[0].maskedFill(Tensor.fromArray(new boolean[] {true, false, true}, 3), -1.0), r(2, 3)),
                a("pad", t -> t[0].pad(new int[] {1, 2, 0, 1}, 0.5), r(2, 3)),
                a("contiguous_clone", t -> t[0].t().contiguous().clone(), r(2, 3)),
                a("relu", t -> t[0].relu(), awayFromZero(6)),
                a("leaky_relu", t -> t[0].leakyRelu(0.1), awayFromZero(6)),
                a("elu", t -> t[0].elu(1.3), awayFromZero(6)),
                a("gelu", t -> t[0].gelu(), r(6)),
                a("gelu_tanh", t -> t[0].gelu(true), r(6)),
                a("silu", t -> t[0].silu(), r(6)),
                a("softplus", t -> t[0].softplus(2, 3), r(6)),
                a("mish", t -> t[0].mish(), r(6)),
                a("hardtanh", t -> t[0].hardtanh(-0.5, 0.5), u(-2, 2, 8)),
                a("relu6", t -> t[0].mul(4).relu6(), u(0.1, 1.4, 6)),
                a("logsigmoid", t -> t[0].logsigmoid(), r(6)),
                a("softmax", t -> t[0].softmax(0), r(3, 4)),
                a("log_softmax", t -> t[0].logSoftmax(-1), r(3, 4)),
                // ---- coverage audit: overloads and code paths not exercised above
                a("sign", t -> t[0].sign(), awayFromZero(5)),
                a("clamp_min_max_one_sided", t -> t[0].clampMin(-0.3).add(t[0].clampMax(0.4)), u(-2, 2, 8)),
                a("sub_alpha", t -> t[0].sub(t[1], 0.5), r(3, 4), r(4)),
                a("pow_scalar_int_negative_base", t -> t[0].pow(3.0), awayFromZero(5)),
                a("pow_tensor_negative_base_int_exponent", t -> t[0].pow(Tensor.fromArray(new double[] {2, 3, 2, 3, 4}, 5)), awayFromZero(5)),
                a("where_scalar", t -> Tensor.where(t[0].detach().gt(0.0), t[0], 0.5), r(3, 4)),
                a("softplus_linear_region", t -> t[0].softplus(2, 3), u(1.6, 3, 6)),
                a("softmax_mid_dim", t -> t[0].softmax(1), r(2, 3, 4)),
                a("log_softmax_mid_dim", t -> t[0].logSoftmax(1), r(2, 3, 4)),
                a("sum_all", t -> t[0].sum(), r(2, 3)),
                a("mean_all", t -> t[0].mean(), r(2, 3)),
                a("mean_dims_keepdim", t -> t[0].mean(new int[] {0, 2}, true), r(2, 3, 4)),
                a("prod_all", t -> t[0].prod(), u(0.5, 1.5, 2, 3)),
                a("prod_one_zero", t -> t[0].prod(1, true),
                        Tensor.fromArray(new double[] {0.7, 0, -1.3, 0.9, 1.1, -0.6}, 2, 3).requiresGrad_()),
                a("prod_all_one_zero", t -> t[0].prod(), Tensor.fromArray(new double[] {0.7, 1.2, -1.3, 0, 1.1, -0.6}, 2, 3).requiresGrad_()),
                a("prod_two_zeros", t -> t[0].prod(0, false), Tensor.fromArray(new double[] {0, 1.2, 0.8, 0, -1.1, 0.6}, 3, 2).requiresGrad_()),
                a("amax_all", t -> t[0].amax(), r(3, 4)),
                a("amin_dims", t -> t[0].amin(new int[] {0, 2}, false), r(2, 3, 4)),
                a("max_all", t -> t[0].max(), r(3, 4)),
                a("min_dim_keepdim", t -> t[0].min(0, true)[0], r(3, 4)),
                a("var_all", t -> t[0].var(true), r(3, 4)),
                a("var_biased_dims_keepdim", t -> t[0].var(new int[] {0, 2}, false, true), r(2, 3, 4)),
                a("var_correction_2", t -> Reductions.var(t[0], new int[] {1}, 2.0, false), r(3, 5)),
                a("std_all", t -> t[0].std(false), r(3, 4)),
                a("logsumexp_dims_keepdim", t -> t[0].logsumexp(new int[] {0, 2}, true), r(2, 3, 4)),
                a("norm_inf", t -> t[0].norm(Double.POSITIVE_INFINITY, new int[] {1}, false), awayFromZero(3, 4)),
                a("norm_p1", t -> t[0].norm(1), awayFromZero(3, 4)),
                a("mm", t -> t[0].mm(t[1]), r(3, 4), r(4, 2)),
                a("matmul_1d_2d", t -> t[0].matmul(t[1]), r(4), r(4, 3)),
                a("matmul_2d_1d", t -> t[0].matmul(t[1]), r(3, 4), r(4)),
                a("transpose_t", t -> t[0].transpose(0, 2).select(2, 1).t(), r(2, 3, 4)),
                a("flatten_range", t -> t[0].flatten(1, 2), r(2, 3, 4, 2)),
                a("squeeze_all", t -> t[0].squeeze(), r(1, 3, 1, 2)),
                a("expand_as", t -> t[0].expandAs(Tensor.zeros(DType.FLOAT64, 2, 3, 4)), r(3, 1)),
                a("slice_start_end", t -> t[0].slice(0, 1, 3), r(4, 3)),
                a("narrow_negative_start", t -> t[0].narrow(1, -3, 2), r(2, 5)),
                a("select_negative", t -> t[0].select(-1, 0), r(2, 3, 4)),
                a("cat_three_one_constant", t -> Tensor.cat(0, t[0], Tensor.onesLike(t[0]).narrow(0, 0, 1), t[1]), r(2, 3), r(3, 3)),
                a("stack_last_dim", t -> Tensor.stack(-1, t[0], t[1]), r(2, 3), r(2, 3)),
                a("index_select_dim1", t -> t[0].indexSelect(1, Tensor.fromArray(new long[] {1, 1, 0})), r(2, 3)),
                a("gather_dim0_smaller_index", t -> t[0].gather(0, Tensor.fromArray(new long[] {2, 0, 2}, 1, 3)), r(3, 4)),
                a("scatter_add_duplicates", t -> t[0].scatterAdd(1, Tensor.fromArray(new long[] {0, 0, 2, 0}, 2, 2), t[1]), r(2, 3), r(2, 2)),
                a("scatter_src_larger_than_index", t -> t[0].scatter(1, Tensor.fromArray(new long[] {2, 0, 1, 2}, 2, 2), t[1]), r(3, 3), r(2, 4)),
                a("scatter_dim0", t -> t[0].scatter(0, Tensor.fromArray(new long[] {1, 0, 2}, 1, 3), t[1]), r(3, 3), r(1, 3)),
                a("pad_3d", t -> t[0].pad(new int[] {1, 0, 0, 2, 1, 1}, -1.0), r(2, 2, 3)),
                a("embedding", t -> org.sparkgrad.nn.F.embedding(Tensor.fromArray(new long[] {3, 0, 3, 1, 4, 0}, 2, 3), t[0], null), r(5, 2)),
                a("dropout_seeded", t -> org.sparkgrad.nn.F.dropout(t[0], 0.4, true, new Generator(3)), r(3, 5)),
                // 0-d inputs and outputs
                a("zero_dim_reductions", t -> Tensor.stack(0, t[0].sum(), t[0].mean(), t[0].prod(), t[0].amax(), t[0].logsumexp(0, false),
                        t[0].norm(), t[0].norm(3), t[0].max(0, false)[0], t[0].softmax(0), t[0].logSoftmax(0)), scalar0(0.7)),
                a("zero_dim_shape", t -> t[0].unsqueeze(0).expand(2, 3).mul(t[1].select(0, 1)).add(t[0].reshape(1, 1)), scalar0(-0.4), r(3)),
                a("zero_dim_broadcast_binary", t -> t[0].mul(t[1]).div(t[0].add(2.0)).pow(t[0].add(1.5)), scalar0(0.3), u(0.5, 2, 2, 3)));
    }

    /**
     * The float32 backward kernels (separate code from the float64 path that gradcheck verifies) give the float64
     * gradients: vector-Jacobian product with a fixed upstream gradient, compared input by input.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void float32GradientsMatchFloat64(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        Tensor[][] grads = new Tensor[2][];
        for (int pass = 0; pass < 2; pass++) {
            DType dt = pass == 0 ? DType.FLOAT32 : DType.FLOAT64;
            Tensor[] in = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                in[i] = inputs[i].detach().to(dt);
                if (inputs[i].requiresGrad()) in[i].requiresGrad_();
            }
            Tensor out = f.apply(in);
            Tensor up = Tensor.randn(new Generator(7), out.shape()).to(out.dtype());
            out.backward(up);
            grads[pass] = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) grads[pass][i] = in[i].grad();
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].requiresGrad() || grads[1][i] == null) continue;
            double[] a = grads[0][i].toDoubleArray(), b = grads[1][i].toDoubleArray();
            for (int k = 0; k < a.length; k++) {
                assertTrue(Math.abs(a[k] - b[k]) <= 1e-3 * (1 + Math.abs(b[k])),
                        name + " input " + i + " grad element " + k + ": float32 " + a[k] + " vs float64 " + b[k]);
            }
        }
    }

    /** A 0-d float64 leaf (fromArray of a single element with no shape is 0-d). */
    private static Tensor scalar0(double v) { return Tensor.fromArray(new double[] {v}).requiresGrad_(); }

    /** Casts between float dtypes: finite differences in float32 need a large step and looser tolerances. */
    @org.junit.jupiter.api.Test
    void castFloat64ToFloat32AndBack() {
        GradCheck.Result res = GradCheck.check(t -> t[0].to(DType.FLOAT32).mul(1.5).to(DType.FLOAT64).exp(), 1e-2, 1e-3, 1e-3,
                u(0.5, 1.5, 2, 3));
        assertTrue(res.ok, "cast: " + res);
        Tensor x = r(4);
        Tensor y = x.to(DType.FLOAT32).mul(2.0).sum();
        y.backward();
        assertTrue(x.grad().dtype() == DType.FLOAT64, "gradient of a cast comes back in the input dtype");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradcheck(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        GradCheck.Result res = GradCheck.check(f, 1e-6, 1e-5, 1e-3, inputs);
        assertTrue(res.ok, name + ": " + res);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void float32MatchesFloat64(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        Tensor[] f32 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) f32[i] = inputs[i].detach().to(DType.FLOAT32);
        double[] a = f.apply(f32).toDoubleArray();
        Tensor[] f64 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) f64[i] = inputs[i].detach();
        double[] b = f.apply(f64).toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), name + " element " + i + ": " + a[i] + " vs " + b[i]);
        }
    }

}
