package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.ops.Losses.Reduction;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class LossesTest {
    private final Random rnd = new Random(1234);

    // ------------------------------------------------------------------ gradcheck inputs

    /** A float64 input whose backing array the gradcheck perturbs in place. */
    private static final class In {
        final double[] data;
        final Tensor t;
        final boolean diff;

        In(double[] data, boolean diff, int... shape) {
            this.data = data;
            this.t = Tensor.fromArray(data, shape);
            this.diff = diff;
            if (diff) t.requiresGrad_(true);
        }
    }

    private In normal(boolean diff, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = rnd.nextGaussian();
        return new In(d, diff, shape);
    }

    private In uniform(double lo, double hi, boolean diff, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = lo + (hi - lo) * rnd.nextDouble();
        return new In(d, diff, shape);
    }

    /**
     * Runs {@link GradCheck} (float64 central differences over the full Jacobian, eps 1e-6) with tolerances
     * tighter than PyTorch's defaults; returns the number of differentiable input elements checked.
     */
    private static int gradcheck(Function<Tensor[], Tensor> f, In... ins) {
        Tensor[] ts = new Tensor[ins.length];
        int n = 0;
        for (int i = 0; i < ins.length; i++) {
            ts[i] = ins[i].t;
            if (ins[i].diff) n += ins[i].data.length;
        }
        GradCheck.Result r = GradCheck.check(f, 1e-6, 1e-6, 1e-5, ts);
        assertTrue(r.ok, r.message);
        return n;
    }

    /** Class-index targets (int64) in [0, c), with every {@code ignoreEvery}-th set to {@code ignore} (0 = none). */
    private Tensor classTargets(int n, int c, long ignore, int ignoreEvery, int... shape) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) t[i] = ignoreEvery > 0 && i % ignoreEvery == 1 ? ignore : rnd.nextInt(c);
        return Tensor.fromArray(t, shape);
    }

    /** Inputs whose pairwise differences stay 0.2 away from +-beta and from 0 (the kinks). */
    private In[] awayFromKinks(double beta) {
        In a = normal(true, 4, 3), b = normal(true, 4, 3);
        for (int i = 0; i < a.data.length; i++) {
            double d = a.data[i] - b.data[i];
            while (Math.abs(Math.abs(d) - beta) < 0.2 || Math.abs(d) < 0.2) {
                a.data[i] += 0.37;
                d = a.data[i] - b.data[i];
            }
        }
        return new In[] {a, b};
    }

    // ------------------------------------------------------------------ gradchecks

    @Test
    void regressionLossesGradcheck() {
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            In[] p = awayFromKinks(1.0);
            assertEquals(24, gradcheck(x -> Losses.mseLoss(x[0], x[1], r), p));
            assertEquals(24, gradcheck(x -> Losses.l1Loss(x[0], x[1], r), p));
            assertEquals(24, gradcheck(x -> Losses.smoothL1Loss(x[0], x[1], r, 1.0), p));
            assertEquals(24, gradcheck(x -> Losses.huberLoss(x[0], x[1], r, 1.0), p));
            In[] q = awayFromKinks(0.5);
            assertEquals(24, gradcheck(x -> Losses.smoothL1Loss(x[0], x[1], r, 0.5), q));
            In[] s = awayFromKinks(2.0);
            assertEquals(24, gradcheck(x -> Losses.huberLoss(x[0], x[1], r, 2.0), s));
        }
    }

    @Test
    void crossEntropyGradcheck() {
        Tensor t = classTargets(5, 4, -100, 0, 5);
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            assertEquals(20, gradcheck(x -> Losses.crossEntropy(x[0], t, r), normal(true, 5, 4)));
            // class weights (which also receive a gradient here) and label smoothing
            assertEquals(24, gradcheck(x -> Losses.crossEntropy(x[0], t, x[1], -100, r, 0.1),
                    normal(true, 5, 4), uniform(0.5, 2, true, 4)));
            // ignored targets with smoothing and weights
            Tensor ti = classTargets(6, 4, 2, 3, 6);
            assertEquals(28, gradcheck(x -> Losses.crossEntropy(x[0], ti, x[1], 2, r, 0.2),
                    normal(true, 6, 4), uniform(0.5, 2, true, 4)));
            // spatial (N, C, d1, d2) input
            Tensor ts = classTargets(12, 3, -100, 0, 2, 2, 3);
            assertEquals(36, gradcheck(x -> Losses.crossEntropy(x[0], ts, r), normal(true, 2, 3, 2, 3)));
            // probability targets (target is differentiable too), with weights and smoothing
            In probs = uniform(0.05, 1, true, 5, 4);
            assertEquals(44, gradcheck(x -> Losses.crossEntropy(x[0], x[1], x[2], -100, r, 0.1),
                    normal(true, 5, 4), probs, uniform(0.5, 2, true, 4)));
        }
        // unbatched (C) input with a 0-d target
        Tensor t0 = Tensor.fromArray(new long[] {2}, new int[0]);
        assertEquals(5, gradcheck(x -> Losses.crossEntropy(x[0], t0), normal(true, 5)));
    }

    @Test
    void nllLossGradcheck() {
        Tensor t = classTargets(7, 5, -100, 3, 7);
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            assertEquals(35, gradcheck(x -> Losses.nllLoss(x[0], t, r), normal(true, 7, 5)));
            assertEquals(40, gradcheck(x -> Losses.nllLoss(x[0], t, x[1], -100, r), normal(true, 7, 5), uniform(0.5, 2, true, 5)));
        }
    }

    @Test
    void spatialNllAndProbabilityTargetCrossEntropyGradcheck() {
        Tensor t = classTargets(8, 3, 1, 3, 2, 4);
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            // (N, C, d) log-probabilities with ignored targets and class weights
            assertEquals(27, gradcheck(x -> Losses.nllLoss(x[0], t, x[1], 1, r), normal(true, 2, 3, 4), uniform(0.5, 2, true, 3)));
            // (N, C, d1, d2) logits against (N, C, d1, d2) probability targets, with smoothing
            assertEquals(48, gradcheck(x -> Losses.crossEntropy(x[0], x[1], null, -100, r, 0.15),
                    normal(true, 2, 3, 2, 2), uniform(0.05, 1, true, 2, 3, 2, 2)));
        }
    }

    @Test
    void binaryCrossEntropyGradcheck() {
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            assertEquals(24, gradcheck(x -> Losses.binaryCrossEntropy(x[0], x[1], r),
                    uniform(0.05, 0.95, true, 4, 3), uniform(0, 1, true, 4, 3)));
            assertEquals(27, gradcheck(x -> Losses.binaryCrossEntropy(x[0], x[1], x[2], r),
                    uniform(0.05, 0.95, true, 4, 3), uniform(0, 1, true, 4, 3), uniform(0.5, 2, true, 3)));
        }
    }

    @Test
    void binaryCrossEntropyWithLogitsGradcheck() {
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            assertEquals(24, gradcheck(x -> Losses.binaryCrossEntropyWithLogits(x[0], x[1], r),
                    normal(true, 4, 3), uniform(0, 1, true, 4, 3)));
            // weight (4, 1) and pos_weight (3): all four inputs differentiable
            assertEquals(31, gradcheck(x -> Losses.binaryCrossEntropyWithLogits(x[0], x[1], x[2], x[3], r),
                    normal(true, 4, 3), uniform(0, 1, true, 4, 3), uniform(0.5, 2, true, 4, 1), uniform(0.5, 3, true, 3)));
        }
    }

    @Test
    void klDivGradcheck() {
        for (Reduction r : Reduction.values()) {
            for (boolean logTarget : new boolean[] {false, true}) {
                In target = logTarget ? uniform(-3, -0.1, true, 4, 5) : uniform(0.05, 1, true, 4, 5);
                assertEquals(40, gradcheck(x -> Losses.klDiv(x[0], x[1], r, logTarget), uniform(-3, -0.1, true, 4, 5), target));
            }
        }
    }

    // ------------------------------------------------------------------ values and semantics

    @Test
    void crossEntropyMatchesDefinitionWithWeightsIgnoreAndSmoothing() {
        double[] x = {0.3, -1.2, 2.0, 0.5, 1.1, 0.0, -0.4, 0.9, -2.0};
        long[] t = {2, 7, 0};          // the middle target is ignored
        double[] w = {0.5, 1.0, 2.0};
        double ls = 0.3;
        Tensor loss = Losses.crossEntropy(Tensor.fromArray(x, 3, 3), Tensor.fromArray(t, 3), Tensor.fromArray(w, 3), 7, Reduction.MEAN, ls);
        double nll = 0, smooth = 0, wsum = 0;
        for (int i = 0; i < 3; i++) {
            if (t[i] == 7) continue;
            double m = Math.max(x[3 * i], Math.max(x[3 * i + 1], x[3 * i + 2]));
            double lse = m + Math.log(Math.exp(x[3 * i] - m) + Math.exp(x[3 * i + 1] - m) + Math.exp(x[3 * i + 2] - m));
            nll += -w[(int) t[i]] * (x[3 * i + (int) t[i]] - lse);
            for (int c = 0; c < 3; c++) smooth += -w[c] * (x[3 * i + c] - lse);
            wsum += w[(int) t[i]];
        }
        double expected = (1 - ls) * nll / wsum + ls / 3 * smooth / wsum;
        assertEquals(expected, loss.item(), 1e-12);
    }

    @Test
    void allTargetsIgnoredGivesNaNMeanAndZeroSum() {
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, 4}, 2, 2);
        Tensor t = Tensor.fromArray(new long[] {-100, -100}, 2);
        assertTrue(Double.isNaN(Losses.crossEntropy(x, t).item()));
        assertEquals(0.0, Losses.crossEntropy(x, t, Reduction.SUM).item());
        assertArrayEquals(new double[] {0, 0}, Losses.crossEntropy(x, t, Reduction.NONE).toDoubleArray());
    }

    @Test
    void klDivBatchmeanDividesByBatchAndZeroTargetContributesZero() {
        double[] logq = {Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.75)};
        double[] p = {1.0, 0.0, 0.5, 0.5};
        Tensor in = Tensor.fromArray(logq, 2, 2), tg = Tensor.fromArray(p, 2, 2);
        double sum = 1.0 * (0 - Math.log(0.5)) + 0 + 0.5 * (Math.log(0.5) - Math.log(0.25)) + 0.5 * (Math.log(0.5) - Math.log(0.75));
        assertEquals(sum / 2, Losses.klDiv(in, tg, Reduction.BATCHMEAN, false).item(), 1e-14);
        assertEquals(sum / 4, Losses.klDiv(in, tg, Reduction.MEAN, false).item(), 1e-14);
        assertEquals(0.0, Losses.klDiv(in, tg, Reduction.NONE, false).get(0, 1));
        // the same divergence with log-targets
        double[] logp = {0.0, Double.NEGATIVE_INFINITY, Math.log(0.5), Math.log(0.5)};
        Tensor lt = Tensor.fromArray(logp, 2, 2);
        double[] pointwise = Losses.klDiv(in, lt, Reduction.NONE, true).toDoubleArray();
        assertEquals(sum, pointwise[0] + pointwise[2] + pointwise[3], 1e-14);
    }

    // ------------------------------------------------------------------ stability

    @Test
    void crossEntropyIsStableForExtremeLogits() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.fromArray(new double[] {1000, -1000, 0, -1000, 1000, 500}, 2, 3).to(dt).requiresGrad_(true);
            Tensor t = Tensor.fromArray(new long[] {1, 1}, 2);
            Tensor loss = Losses.crossEntropy(x, t, Reduction.NONE);
            double[] l = loss.toDoubleArray();
            assertEquals(2000.0, l[0], 1e-9 * 2000);    // lse = 1000, picked -1000
            assertEquals(0.0, l[1], 1e-9);              // e^-500 vanishes
            loss.sum().backward();
            assertFalse(x.grad().hasNaN());
            assertArrayEquals(new double[] {1, -1, 0, 0, 0, 0}, x.grad().toDoubleArray(), 1e-6);
        }
    }

    @Test
    void bceWithLogitsIsStableForExtremeLogits() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.fromArray(new double[] {1000, -1000, 1000, -1000, 0}, 5).to(dt).requiresGrad_(true);
            Tensor t = Tensor.fromArray(new double[] {1, 0, 0, 1, 1}, 5).to(dt);
            Tensor loss = Losses.binaryCrossEntropyWithLogits(x, t, Reduction.NONE);
            assertArrayEquals(new double[] {0, 0, 1000, 1000, Math.log(2)}, loss.toDoubleArray(), 1e-6);
            loss.sum().backward();
            assertArrayEquals(new double[] {0, 0, 1, -1, -0.5}, x.grad().toDoubleArray(), 1e-7);
            Tensor pw = Tensor.fromArray(new double[] {3}, 1).to(dt);
            Tensor lp = Losses.binaryCrossEntropyWithLogits(x.detach(), t, null, pw, Reduction.NONE);
            assertArrayEquals(new double[] {0, 0, 1000, 3000, 3 * Math.log(2)}, lp.toDoubleArray(), 1e-6 * 3000);
        }
    }

    @Test
    void bceClampsLogAtMinus100AndKeepsFiniteGradient() {
        Tensor x = Tensor.fromArray(new double[] {0.0, 1.0, 1.0, 0.0}, 4).requiresGrad_(true);
        Tensor t = Tensor.fromArray(new double[] {1, 0, 1, 0}, 4);
        Tensor loss = Losses.binaryCrossEntropy(x, t, Reduction.NONE);
        assertArrayEquals(new double[] {100, 100, 0, 0}, loss.toDoubleArray(), 0);
        loss.sum().backward();
        double[] g = x.grad().toDoubleArray();
        for (double v : g) assertTrue(Double.isFinite(v), "gradient " + v);
        assertEquals(-1e12, g[0], 1);   // (x - t) / max(x (1 - x), 1e-12), as PyTorch
        assertEquals(1e12, g[1], 1);
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void shapeMismatchNamesBothShapes() {
        Tensor a = Tensor.zeros(DType.FLOAT64, 5, 4), b = Tensor.zeros(DType.FLOAT64, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.mseLoss(a, b));
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.binaryCrossEntropyWithLogits(a, b));
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(a, b));
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        Tensor t = Tensor.fromArray(new long[] {0, 1, 2, 3}, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(a, t));
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("[4]") && e.getMessage().contains("[5]"), e.getMessage());
    }

    @Test
    void dtypeMismatchIsRejected() {
        Tensor a = Tensor.zeros(DType.FLOAT32, 3), b = Tensor.zeros(DType.FLOAT64, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.l1Loss(a, b));
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("float32"), e.getMessage());
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        Tensor ft = Tensor.zeros(DType.FLOAT64, 2);
        e = assertThrows(IllegalArgumentException.class, () -> Losses.nllLoss(x, ft));
        assertTrue(e.getMessage().contains("int64") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void classIndexOutOfRangeNamesIndexAndClassCount() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 3, 4);
        Tensor t = Tensor.fromArray(new long[] {0, 7, 1}, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Losses.crossEntropy(x, t));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("4 classes"), e.getMessage());
        Tensor neg = Tensor.fromArray(new long[] {0, -1, 1}, 3);
        e = assertThrows(IndexOutOfBoundsException.class, () -> Losses.nllLoss(x, neg));
        assertTrue(e.getMessage().contains("-1") && e.getMessage().contains("4 classes"), e.getMessage());
    }

    @Test
    void otherBadArgumentsAreRejected() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 3, 4);
        Tensor t = Tensor.fromArray(new long[] {0, 1, 2}, 3);
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, t, Tensor.ones(DType.FLOAT64, 3), -100, Reduction.MEAN, 0));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, t, null, -100, Reduction.MEAN, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, t, Reduction.BATCHMEAN));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(x, Tensor.zeros(DType.FLOAT64, 3, 4), null, 0, Reduction.MEAN, 0));
        assertThrows(IllegalArgumentException.class, () -> Losses.smoothL1Loss(x, x, Reduction.MEAN, -1));
        assertThrows(IllegalArgumentException.class, () -> Losses.huberLoss(x, x, Reduction.MEAN, 0));
        assertThrows(IllegalArgumentException.class, () -> Losses.mseLoss(x, x, Reduction.BATCHMEAN));
        Tensor p = Tensor.fromArray(new double[] {0.5, 1.2}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.binaryCrossEntropy(p, p));
        assertTrue(e.getMessage().contains("between 0 and 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Losses.binaryCrossEntropyWithLogits(x, x, Tensor.ones(DType.FLOAT64, 5), null, Reduction.MEAN));
        assertThrows(IllegalArgumentException.class, () -> Reduction.of("average"));
    }

    @Test
    void noGradInputsGiveNoGraph() {
        Tensor x = Tensor.fromArray(new double[] {0.2, 0.7}, 2);
        Tensor loss = Losses.binaryCrossEntropy(x, Tensor.fromArray(new double[] {0, 1}, 2));
        assertFalse(loss.requiresGrad());
        assertNull(loss.gradFn());
    }
}
