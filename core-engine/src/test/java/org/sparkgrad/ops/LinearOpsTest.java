package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkgrad.ops.NormOpsTest.assertClose;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** The fused linear op: gradchecks over layouts, agreement with matmul + add, errors. */
class LinearOpsTest {
    private static final Generator G = new Generator(13);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    static Stream<Arguments> ops() {
        return Stream.of(
                a("2d_bias", t -> LinearOps.linear(t[0], t[1], t[2]), r(3, 4), r(5, 4), r(5)),
                a("3d_no_bias", t -> LinearOps.linear(t[0], t[1], null), r(2, 3, 4), r(5, 4)),
                a("1d", t -> LinearOps.linear(t[0], t[1], t[2]), r(4), r(2, 4), r(2)),
                a("noncontiguous_input", t -> LinearOps.linear(t[0].transpose(0, 1), t[1], t[2]), r(4, 3), r(2, 4), r(2)),
                a("transposed_weight", t -> LinearOps.linear(t[0], t[1].t(), t[2]), r(2, 3, 4), r(4, 5), r(5)),
                a("permuted_3d_input", t -> LinearOps.linear(t[0].permute(1, 0, 2), t[1], null), r(3, 2, 4), r(5, 4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradcheck(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        GradCheck.Result res = GradCheck.check(f, inputs);
        assertTrue(res.ok, name + ": " + res);
    }

    @Test
    void equalsMatmulPlusBias() {
        Tensor x = r(2, 3, 4), w = r(5, 4), b = r(5);
        Tensor y = LinearOps.linear(x, w, b);
        assertArrayEquals(new int[] {2, 3, 5}, y.shape());
        assertClose(x.matmul(w.t()).add(b).toDoubleArray(), y.toDoubleArray(), 1e-14, "linear");
        Tensor x32 = x.detach().toFloat(), w32 = w.detach().toFloat(), b32 = b.detach().toFloat();
        assertClose(x.matmul(w.t()).add(b).toDoubleArray(), LinearOps.linear(x32, w32, b32).toDoubleArray(), 1e-5, "linear f32");
    }

    @Test
    void badShapesAndDtypesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinearOps.linear(r(2, 3), r(5, 4), null));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[5, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LinearOps.linear(r(2, 4), r(5, 4), r(4)));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[5, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearOps.linear(r(2, 4), r(5, 4).detach().toFloat(), null));
    }
}
