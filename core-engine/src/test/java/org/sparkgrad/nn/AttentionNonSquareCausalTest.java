package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.Autograd;
import org.sparkgrad.ops.AttentionOps;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class AttentionNonSquareCausalTest {
    static Tensor ref(Tensor q, Tensor k, Tensor v, boolean causal, double scale, Tensor fm) {
        Tensor s = q.matmul(k.mT()).mul(scale);
        int l = q.size(-2), n = k.size(-2);
        if (fm != null) s = s.add(fm);
        if (causal) {
            boolean[] keep = new boolean[l * n];
            for (int i = 0; i < l; i++) for (int j = 0; j < n; j++) keep[i * n + j] = j <= i;
            s = s.maskedFill(Tensor.fromArray(keep, l, n).logicalNot(), Double.NEGATIVE_INFINITY);
        }
        return s.softmax(-1).matmul(v);
    }

    @Test
    void causalNonSquare() {
        Generator g = new Generator(4);
        for (int[] ls : new int[][] {{5, 3}, {3, 5}, {1, 4}, {4, 1}}) {
            for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                Tensor q = Tensor.randn(g, 2, 2, ls[0], 3).to(dt).requiresGrad_(), k = Tensor.randn(g, 2, 2, ls[1], 3).to(dt).requiresGrad_(),
                        v = Tensor.randn(g, 2, 2, ls[1], 2).to(dt).requiresGrad_();
                Tensor fm = Tensor.randn(g, ls[0], ls[1]).to(dt).requiresGrad_();
                Tensor a = AttentionOps.attention(q, k, v, fm, 0, true, 0.7, null), b = ref(q, k, v, true, 0.7, fm);
                double tol = dt == DType.FLOAT64 ? 1e-12 : 1e-5;
                double[] x = a.contiguous().toDoubleArray(), y = b.contiguous().toDoubleArray();
                for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], tol, ls[0] + "x" + ls[1] + " " + dt + " out " + i);
                Tensor seed = Tensor.randn(g, a.shape()).to(dt);
                Tensor[] g1 = Autograd.grad(new Tensor[] {a}, new Tensor[] {q, k, v, fm}, new Tensor[] {seed}, false, false);
                Tensor[] g2 = Autograd.grad(new Tensor[] {b}, new Tensor[] {q, k, v, fm}, new Tensor[] {seed}, false, false);
                for (int t = 0; t < 4; t++) {
                    double[] p = g1[t].contiguous().toDoubleArray(), r = g2[t].contiguous().toDoubleArray();
                    for (int i = 0; i < p.length; i++) assertEquals(r[i], p[i], tol * 10, ls[0] + "x" + ls[1] + " " + dt + " grad" + t + " " + i);
                }
            }
        }
    }

    @Test
    void sdpaFiveDim() {
        Generator g = new Generator(5);
        Tensor q = Tensor.randn(g, 2, 1, 2, 3, 4).to(DType.FLOAT64), k = Tensor.randn(g, 1, 3, 2, 5, 4).to(DType.FLOAT64), v = Tensor.randn(g, 2, 3, 1, 5, 2).to(DType.FLOAT64);
        Tensor fm = Tensor.randn(g, 3, 1, 3, 5).to(DType.FLOAT64);
        Tensor a = AttentionOps.scaledDotProductAttention(q, k, v, fm, 0, false, null, null), b = ref(q, k, v, false, 0.5, fm);
        double[] x = a.contiguous().toDoubleArray(), y = b.contiguous().toDoubleArray();
        for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-12);
    }
}
