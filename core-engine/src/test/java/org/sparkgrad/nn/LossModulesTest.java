package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.ops.Losses.Reduction;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The loss modules pass their constructor options (PyTorch's names and defaults, torch/nn/modules/loss.py) to
 * {@link Losses}, whose values are checked against the golden fixtures elsewhere; the F full forms do the same. A few
 * option effects are checked against plain arithmetic.
 */
class LossModulesTest {
    private static final Generator G = new Generator(8);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void same(Tensor expect, Tensor actual) {
        assertArrayEquals(expect.shape(), actual.shape());
        assertArrayEquals(expect.toDoubleArray(), actual.toDoubleArray(), 0);
    }

    @Test
    void defaultsAreMeanReductionAndPyTorchsDefaults() {
        Tensor x = r(4, 3), y = r(4, 3);
        Tensor logits = r(4, 3), cls = Tensor.fromArray(new long[] {0, 2, 1, 2}, 4);
        Tensor p = x.sigmoid(), t = y.sigmoid();
        same(Losses.mseLoss(x, y), new MSELoss().forward(x, y));
        same(Losses.l1Loss(x, y), new L1Loss().forward(x, y));
        same(Losses.smoothL1Loss(x, y), new SmoothL1Loss().forward(x, y));
        same(Losses.huberLoss(x, y), new HuberLoss().forward(x, y));
        same(Losses.crossEntropy(logits, cls), new CrossEntropyLoss().forward(logits, cls));
        same(Losses.nllLoss(logits.logSoftmax(1), cls), new NLLLoss().forward(logits.logSoftmax(1), cls));
        same(Losses.binaryCrossEntropy(p, t), new BCELoss().forward(p, t));
        same(Losses.binaryCrossEntropyWithLogits(x, t), new BCEWithLogitsLoss().forward(x, t));
        same(Losses.klDiv(logits.logSoftmax(1), t), new KLDivLoss().forward(logits.logSoftmax(1), t));
        assertEquals("mean", new MSELoss().reduction);
        assertEquals(-100, new CrossEntropyLoss().ignoreIndex);
        assertEquals(1.0, new SmoothL1Loss().beta);
        assertEquals(1.0, new HuberLoss().delta);
    }

    @Test
    void optionsReachTheLoss() {
        Tensor x = r(5, 4), y = r(5, 4);
        for (String red : new String[] {"none", "mean", "sum"}) {
            Reduction rd = Reduction.of(red);
            same(Losses.mseLoss(x, y, rd), new MSELoss(red).forward(x, y));
            same(Losses.l1Loss(x, y, rd), new L1Loss(red).forward(x, y));
            same(Losses.smoothL1Loss(x, y, rd, 0.3), new SmoothL1Loss(red, 0.3).forward(x, y));
            same(Losses.huberLoss(x, y, rd, 0.7), new HuberLoss(red, 0.7).forward(x, y));
            same(F.mseLoss(x, y, rd), new MSELoss(red).forward(x, y));
            same(F.smoothL1Loss(x, y, rd, 0.3), new SmoothL1Loss(red, 0.3).forward(x, y));
            same(F.huberLoss(x, y, rd, 0.7), new HuberLoss(red, 0.7).forward(x, y));
            same(F.l1Loss(x, y, rd), new L1Loss(red).forward(x, y));
        }
        // sum of squares by hand
        double s = 0;
        double[] xv = x.toDoubleArray(), yv = y.toDoubleArray();
        for (int i = 0; i < xv.length; i++) s += (xv[i] - yv[i]) * (xv[i] - yv[i]);
        assertEquals(s, new MSELoss("sum").forward(x, y).item(), 1e-12);
        assertArrayEquals(new int[] {5, 4}, new L1Loss("none").forward(x, y).shape());

        Tensor logits = r(6, 3);
        Tensor cls = Tensor.fromArray(new long[] {0, 2, 1, 7, 2, 1}, 6);
        Tensor w = Tensor.fromArray(new double[] {0.2, 1.0, 3.0}, 3);
        CrossEntropyLoss ce = new CrossEntropyLoss(w, 7, "sum", 0.1);
        same(Losses.crossEntropy(logits, cls, w, 7, Reduction.SUM, 0.1), ce.forward(logits, cls));
        same(F.crossEntropy(logits, cls, w, 7, Reduction.SUM, 0.1), ce.forward(logits, cls));
        // ignore_index 7 and class weights by hand (no smoothing): mean = sum_i w[t_i] (-log p_i,t_i) / sum_i w[t_i]
        double[] lp = logits.logSoftmax(1).toDoubleArray();
        long[] tv = cls.toLongArray();
        double num = 0, den = 0;
        for (int i = 0; i < 6; i++) {
            if (tv[i] == 7) continue;
            double wi = w.toDoubleArray()[(int) tv[i]];
            num += -wi * lp[i * 3 + (int) tv[i]];
            den += wi;
        }
        assertEquals(num / den, new CrossEntropyLoss(w, 7, "mean", 0.0).forward(logits, cls).item(), 1e-12);
        NLLLoss nll = new NLLLoss(w, 7, "none");
        same(Losses.nllLoss(logits.logSoftmax(1), cls, w, 7, Reduction.NONE), nll.forward(logits.logSoftmax(1), cls));
        same(F.nllLoss(logits.logSoftmax(1), cls, w, 7, Reduction.NONE), nll.forward(logits.logSoftmax(1), cls));
        assertEquals(0.0, nll.forward(logits.logSoftmax(1), cls).get(3), "the ignored target contributes 0");

        Tensor p = x.sigmoid(), t = y.sigmoid(), ew = r(1, 4).abs(), pw = r(4).abs();
        same(Losses.binaryCrossEntropy(p, t, ew, Reduction.SUM), new BCELoss(ew, "sum").forward(p, t));
        same(F.binaryCrossEntropy(p, t, ew, Reduction.SUM), new BCELoss(ew, "sum").forward(p, t));
        same(Losses.binaryCrossEntropyWithLogits(x, t, ew, pw, Reduction.NONE), new BCEWithLogitsLoss(ew, "none", pw).forward(x, t));
        same(F.binaryCrossEntropyWithLogits(x, t, ew, pw, Reduction.NONE), new BCEWithLogitsLoss(ew, "none", pw).forward(x, t));
        Tensor lq = logits.logSoftmax(1), lt = r(6, 3).logSoftmax(1);
        same(Losses.klDiv(lq, lt, Reduction.BATCHMEAN, true), new KLDivLoss("batchmean", true).forward(lq, lt));
        same(F.klDiv(lq, lt, Reduction.BATCHMEAN, true), new KLDivLoss("batchmean", true).forward(lq, lt));
    }

    @Test
    void gradientsFlowToTheInput() {
        Tensor x = r(3, 4).requiresGrad_(), y = r(3, 4);
        new HuberLoss("sum", 0.5).forward(x, y).backward();
        double[] xv = x.detach().toDoubleArray(), yv = y.toDoubleArray(), g = x.grad().toDoubleArray();
        for (int i = 0; i < xv.length; i++) {
            double d = xv[i] - yv[i];
            assertEquals(Math.abs(d) < 0.5 ? d : 0.5 * Math.signum(d), g[i], 1e-12);
        }
    }

    @Test
    void weightsAreBuffersAndReductionIsValidated() {
        Tensor w = Tensor.fromArray(new float[] {1, 2, 3}, 3);
        assertEquals(List.of("weight"), List.copyOf(new CrossEntropyLoss(w, -100, "mean", 0).stateDict().keySet()));
        assertEquals(List.of(), List.copyOf(new CrossEntropyLoss().stateDict().keySet()));
        assertEquals(List.of("weight", "pos_weight"), List.copyOf(new BCEWithLogitsLoss(w, "mean", w).stateDict().keySet()));
        assertEquals(List.of("pos_weight"), List.copyOf(new BCEWithLogitsLoss(null, "mean", w).stateDict().keySet()));
        NLLLoss nll = new NLLLoss(w, -100, "mean");
        nll.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, nll.weight().dtype(), "the weight follows to(dtype)");
        assertEquals("CrossEntropyLoss()", new CrossEntropyLoss().toString());
        assertEquals(0, new MSELoss().parameters().size());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new MSELoss("avg"));
        assertTrue(bad.getMessage().contains("avg is not a valid value for reduction"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new L1Loss("batchmean"));
        assertEquals("batchmean", new KLDivLoss("batchmean", false).reduction);
        assertThrows(IllegalArgumentException.class, () -> new HuberLoss("mean", 0).forward(r(2), r(2)));
    }
}
