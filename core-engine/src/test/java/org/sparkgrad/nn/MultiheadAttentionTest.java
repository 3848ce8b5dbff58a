package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** MultiheadAttention: names, fused and explicit paths, masks, layouts, gradients, errors. */
class MultiheadAttentionTest {
    private static final Generator G = new Generator(21);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    /** Per-head attention written out with elementary ops (no fused kernel). */
    private static Tensor reference(MultiheadAttention m, Tensor q, Tensor k, Tensor v, Tensor allowed) {
        int e = m.embedDim, h = m.numHeads, hd = m.headDim, b = q.size(0), l = q.size(1), s = k.size(1);
        Tensor w = m.inProjWeight, bias = m.inProjBias;
        Tensor qp = q.matmul(w.narrow(0, 0, e).t()).add(bias.narrow(0, 0, e));
        Tensor kp = k.matmul(w.narrow(0, e, e).t()).add(bias.narrow(0, e, e));
        Tensor vp = v.matmul(w.narrow(0, 2 * e, e).t()).add(bias.narrow(0, 2 * e, e));
        Tensor q4 = qp.reshape(b, l, h, hd).permute(0, 2, 1, 3), k4 = kp.reshape(b, s, h, hd).permute(0, 2, 1, 3);
        Tensor v4 = vp.reshape(b, s, h, hd).permute(0, 2, 1, 3);
        Tensor sc = q4.matmul(k4.mT()).div(Math.sqrt(hd));
        if (allowed != null) sc = sc.maskedFill(allowed.logicalNot(), Double.NEGATIVE_INFINITY);
        Tensor o = sc.softmax(-1).matmul(v4).permute(0, 2, 1, 3).reshape(b, l, e);
        return o.matmul(m.outProj.weight.t()).add(m.outProj.bias);
    }

    private static MultiheadAttention mha(int e, int h) {
        MultiheadAttention m = new MultiheadAttention(e, h, 0.0, true, true, new Generator(3));
        m.to(DType.FLOAT64);
        try (org.sparkgrad.autograd.GradMode.Guard g = org.sparkgrad.autograd.GradMode.noGrad()) {
            m.inProjBias.copy_(r(3 * e));
            m.outProj.bias.copy_(r(e));
        }
        return m;
    }

    @Test
    void stateDictKeysAreThoseOfPyTorch() {
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(new MultiheadAttention(8, 2).stateDict().keySet()));
        assertEquals(List.of("in_proj_weight", "out_proj.weight"),
                List.copyOf(new MultiheadAttention(8, 2, 0, false, true, G).stateDict().keySet()));
    }

    @Test
    void selfCrossAndWeightPathsAgreeWithTheDefinition() {
        MultiheadAttention m = mha(8, 2);
        Tensor x = r(2, 4, 8), kv = r(2, 5, 8), v = r(2, 5, 8);
        close(reference(m, x, x, x, null), m.forward(x), 1e-12);
        MultiheadAttention.Output o = m.forward(x, kv, v, null, true, null, true, false);
        close(reference(m, x, kv, v, null), o.output, 1e-12);
        assertArrayEquals(new int[] {2, 4, 5}, o.weights.shape());
        double[] rows = o.weights.sum(-1).toDoubleArray();
        for (double s : rows) assertEquals(1.0, s, 1e-12);
        MultiheadAttention.Output perHead = m.forward(x, kv, v, null, true, null, false, false);
        assertArrayEquals(new int[] {2, 2, 4, 5}, perHead.weights.shape());
        close(perHead.weights.mean(1), o.weights, 1e-12);
        assertNull(m.forward(x, kv, v, null, false, null, true, false).weights);
        close(o.output, m.forward(x, kv, v, null, false, null, true, false).output, 1e-12);
    }

    @Test
    void masksUseTheMultiheadAttentionConventions() {
        MultiheadAttention m = mha(6, 3);
        Tensor x = r(2, 4, 6);
        boolean[] pad = {false, false, true, true, false, false, false, true};
        Tensor kpm = Tensor.fromArray(pad, 2, 4);
        boolean[] notAllowed = new boolean[16];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) notAllowed[i * 4 + j] = j > i;
        Tensor am = Tensor.fromArray(notAllowed, 4, 4);
        Tensor allowed = am.logicalNot().logicalAnd(kpm.logicalNot().view(2, 1, 1, 4));
        Tensor ref = reference(m, x, x, x, allowed);
        close(ref, m.forward(x, x, x, kpm, false, am, true, false).output, 1e-12);
        close(ref, m.forward(x, x, x, kpm, true, am, true, false).output, 1e-12);
        close(ref, m.forward(x, x, x, kpm, false, null, true, true).output, 1e-12);
        Tensor floatMask = Tensor.zeros(DType.FLOAT64, 4, 4).maskedFill(am, Double.NEGATIVE_INFINITY);
        close(ref, m.forward(x, x, x, kpm, false, floatMask, true, false).output, 1e-12);
        Tensor perHeadMask = am.unsqueeze(0).expand(6, 4, 4).contiguous();
        close(ref, m.forward(x, x, x, kpm, false, perHeadMask, true, false).output, 1e-12);
    }

    @Test
    void sequenceFirstAndUnbatchedLayouts() {
        MultiheadAttention bf = mha(4, 2);
        MultiheadAttention sf = new MultiheadAttention(4, 2, 0.0, true, false, G);
        sf.to(DType.FLOAT64);
        sf.loadStateDict(bf.stateDict(), true);
        Tensor x = r(3, 5, 4);
        close(bf.forward(x), sf.forward(x.transpose(0, 1)).transpose(0, 1), 1e-12);
        Tensor one = r(5, 4);
        close(bf.forward(one.unsqueeze(0)).squeeze(0), bf.forward(one), 1e-12);
        MultiheadAttention.Output o = bf.forward(one, one, one, null, true, null, true, true);
        assertArrayEquals(new int[] {5, 5}, o.weights.shape());
    }

    @Test
    void gradcheckThroughAllParameters() {
        Tensor x = r(2, 3, 4).requiresGrad_(), w = r(12, 4).requiresGrad_(), b = r(12).requiresGrad_();
        Tensor ow = r(4, 4).requiresGrad_(), ob = r(4).requiresGrad_();
        Tensor kpm = Tensor.fromArray(new boolean[] {false, false, true, false, false, false}, 2, 3);
        for (boolean needWeights : new boolean[] {false, true}) {
            GradCheck.Result res = GradCheck.check(t -> MultiheadAttention.multiHeadAttentionForward(t[0], t[0], t[0], 2, t[1], t[2], t[3], t[4],
                    kpm, needWeights, null, true, true, 0, null).output, x, w, b, ow, ob);
            assertTrue(res.ok, "needWeights=" + needWeights + ": " + res);
        }
        Tensor key = r(2, 5, 4).requiresGrad_();
        GradCheck.Result res = GradCheck.check(t -> MultiheadAttention.multiHeadAttentionForward(t[0], t[1], t[1], 2, t[2], t[3], t[4], t[5],
                null, false, null, true, false, 0, null).output, x, key, w, b, ow, ob);
        assertTrue(res.ok, "cross: " + res);
    }

    @Test
    void badInputsAreRejectedNamingTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(10, 3));
        assertTrue(e.getMessage().contains("divisible") && e.getMessage().contains("10") && e.getMessage().contains("3"), e.getMessage());
        MultiheadAttention m = new MultiheadAttention(4, 2);
        Tensor x = Tensor.randn(G, 2, 3, 4);
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, x, x, Tensor.zeros(DType.BOOL, 2, 5), false, null, true, false));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, x, x, null, false, Tensor.zeros(DType.BOOL, 3, 4), true, false));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.randn(G, 2, 3, 5)));
        assertTrue(e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, Tensor.randn(G, 2, 4, 4), Tensor.randn(G, 2, 5, 4), null, false, null, true, false));
        assertTrue(e.getMessage().contains("[2, 4, 4]") && e.getMessage().contains("[2, 5, 4]"), e.getMessage());
    }
}
