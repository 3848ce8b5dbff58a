package org.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Optimizer trajectories against plain double-precision loops written from the pseudo-code of the
 * {@code torch.optim} documentation (https://pytorch.org/docs/stable/optim.html, the "Algorithm" box of each
 * optimizer; identical to {@code _single_tensor_*} of PyTorch 2.x): many option combinations the golden
 * fixtures do not hold (maximize, dampening with Nesterov off, centered RMSprop without momentum, amsgrad with
 * L2 decay, two groups with different learning rates, a learning rate changed between steps).
 */
class OptimReferenceTest {

    /** One element's optimizer in plain doubles, per the docs. */
    interface Ref {
        double step(int idx, double p, double g, int t, double lr);
    }

    private static final int N = 7;
    private static final int STEPS = 6;

    private static double[] grads(int t, double[] p) {
        Random r = new Random(31 * t + 7);
        double[] g = new double[p.length];
        for (int i = 0; i < g.length; i++) g[i] = 0.3 * p[i] + r.nextGaussian();
        return g;
    }

    private static double lrAt(double base, int t) {
        return t >= 3 ? base * 0.5 : base;   // a "scheduler" halving the lr before step 4
    }

    private static void check(Function<List<Tensor>, Optimizer> make, double baseLr, Function<Integer, Ref> refFor) {
        Random r = new Random(5);
        double[] init = new double[N];
        for (int i = 0; i < N; i++) init[i] = r.nextGaussian();
        Tensor p = Tensor.fromArray(init.clone(), N).requiresGrad_(true);
        Optimizer opt = make.apply(List.of(p));
        Ref ref = refFor.apply(N);
        double[] x = init.clone();
        for (int t = 1; t <= STEPS; t++) {
            double lr = lrAt(baseLr, t);
            opt.paramGroups().get(0).set("lr", lr);
            double[] g = grads(t, x);
            p.setGrad(Tensor.fromArray(g.clone(), N));
            opt.step();
            for (int i = 0; i < N; i++) x[i] = ref.step(i, x[i], g[i], t, lr);
            double[] got = p.toDoubleArray();
            for (int i = 0; i < N; i++) {
                assertEquals(x[i], got[i], 1e-12 * Math.max(1, Math.abs(x[i])), opt + " step " + t + " element " + i);
            }
        }
    }

    // ---- SGD (docs: torch.optim.SGD algorithm)
    private static Ref sgdRef(double momentum, double dampening, double wd, boolean nesterov, boolean maximize) {
        double[] buf = new double[N];
        boolean[] has = new boolean[N];
        return (i, p, g, t, lr) -> {
            double gt = maximize ? -g : g;
            if (wd != 0) gt = gt + wd * p;
            if (momentum != 0) {
                if (t > 1 && has[i]) buf[i] = momentum * buf[i] + (1 - dampening) * gt;
                else { buf[i] = gt; has[i] = true; }
                gt = nesterov ? gt + momentum * buf[i] : buf[i];
            }
            return p - lr * gt;
        };
    }

    @Test
    void sgdOptionCombinations() {
        double[][] combos = {{0, 0, 0}, {0.9, 0, 0}, {0.9, 0.5, 0.01}, {0.7, 0, 0.1}};
        for (double[] c : combos) {
            for (boolean nesterov : new boolean[] {false, true}) {
                if (nesterov && (c[0] == 0 || c[1] != 0)) continue;
                for (boolean maximize : new boolean[] {false, true}) {
                    check(ps -> new SGD(ps, 0.1).momentum(c[0]).dampening(c[1]).weightDecay(c[2]).nesterov(nesterov).maximize(maximize),
                            0.1, n -> sgdRef(c[0], c[1], c[2], nesterov, maximize));
                }
            }
        }
    }

    // ---- Adam / AdamW (docs: torch.optim.Adam, torch.optim.AdamW algorithms)
    private static Ref adamRef(double b1, double b2, double eps, double wd, boolean decoupled, boolean amsgrad, boolean maximize) {
        double[] m = new double[N], v = new double[N], vmax = new double[N];
        return (i, p, g, t, lr) -> {
            double gt = maximize ? -g : g;
            double th = p;
            if (decoupled) th = th * (1 - lr * wd);
            else if (wd != 0) gt = gt + wd * p;
            m[i] = b1 * m[i] + (1 - b1) * gt;
            v[i] = b2 * v[i] + (1 - b2) * gt * gt;
            double mhat = m[i] / (1 - Math.pow(b1, t));
            double vv = v[i];
            if (amsgrad) { vmax[i] = Math.max(vmax[i], v[i]); vv = vmax[i]; }
            double vhat = vv / (1 - Math.pow(b2, t));
            return th - lr * mhat / (Math.sqrt(vhat) + eps);
        };
    }

    @Test
    void adamAndAdamWOptionCombinations() {
        for (boolean decoupled : new boolean[] {false, true}) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                for (boolean maximize : new boolean[] {false, true}) {
                    for (double wd : new double[] {0, 0.1}) {
                        Function<List<Tensor>, Optimizer> make = decoupled
                                ? ps -> new AdamW(ps).lr(0.05).betas(0.8, 0.9).eps(1e-3).weightDecay(wd).amsgrad(amsgrad).maximize(maximize)
                                : ps -> new Adam(ps).lr(0.05).betas(0.8, 0.9).eps(1e-3).weightDecay(wd).amsgrad(amsgrad).maximize(maximize);
                        check(make, 0.05, n -> adamRef(0.8, 0.9, 1e-3, wd, decoupled, amsgrad, maximize));
                    }
                }
            }
        }
    }

    // ---- RMSprop (docs: torch.optim.RMSprop algorithm)
    private static Ref rmspropRef(double alpha, double eps, double wd, double momentum, boolean centered, boolean maximize) {
        double[] v = new double[N], gav = new double[N], b = new double[N];
        return (i, p, g, t, lr) -> {
            double gt = maximize ? -g : g;
            if (wd != 0) gt = gt + wd * p;
            v[i] = alpha * v[i] + (1 - alpha) * gt * gt;
            double vt = v[i];
            if (centered) { gav[i] = alpha * gav[i] + (1 - alpha) * gt; vt = vt - gav[i] * gav[i]; }
            if (momentum > 0) {
                b[i] = momentum * b[i] + gt / (Math.sqrt(vt) + eps);
                return p - lr * b[i];
            }
            return p - lr * gt / (Math.sqrt(vt) + eps);
        };
    }

    @Test
    void rmspropOptionCombinations() {
        for (boolean centered : new boolean[] {false, true}) {
            for (double momentum : new double[] {0, 0.9}) {
                for (boolean maximize : new boolean[] {false, true}) {
                    for (double wd : new double[] {0, 0.1}) {
                        check(ps -> new RMSprop(ps).lr(0.01).alpha(0.8).eps(1e-4).weightDecay(wd).momentum(momentum)
                                        .centered(centered).maximize(maximize),
                                0.01, n -> rmspropRef(0.8, 1e-4, wd, momentum, centered, maximize));
                    }
                }
            }
        }
    }

    // ---- Adagrad (docs: torch.optim.Adagrad algorithm)
    private static Ref adagradRef(double lrDecay, double wd, double init, double eps, boolean maximize) {
        double[] s = new double[N];
        java.util.Arrays.fill(s, init);
        return (i, p, g, t, lr) -> {
            double gt = maximize ? -g : g;
            double clr = lr / (1 + (t - 1) * lrDecay);
            if (wd != 0) gt = gt + wd * p;
            s[i] = s[i] + gt * gt;
            return p - clr * gt / (Math.sqrt(s[i]) + eps);
        };
    }

    @Test
    void adagradOptionCombinations() {
        for (double lrDecay : new double[] {0, 0.1}) {
            for (double init : new double[] {0, 0.5}) {
                for (boolean maximize : new boolean[] {false, true}) {
                    check(ps -> new Adagrad(ps).lr(0.1).lrDecay(lrDecay).weightDecay(0.05).initialAccumulatorValue(init).eps(1e-6)
                                    .maximize(maximize),
                            0.1, n -> adagradRef(lrDecay, 0.05, init, 1e-6, maximize));
                }
            }
        }
    }

    /** Two groups with their own lr; a parameter whose grad is null keeps its value and gets no state. */
    @Test
    void groupsWithOwnLrAndParametersWithoutGrad() {
        Tensor a = Tensor.fromArray(new double[] {1, -2}, 2).requiresGrad_(true);
        Tensor b = Tensor.fromArray(new double[] {0.5, 3}, 2).requiresGrad_(true);
        Tensor c = Tensor.fromArray(new double[] {4}, 1).requiresGrad_(true);
        SGD opt = new SGD(List.of(new ParamGroup(List.of(a)).set("lr", 0.5), new ParamGroup(List.of(b, c))), 0.1).momentum(0.9);
        for (int t = 0; t < 3; t++) {
            a.setGrad(Tensor.fromArray(new double[] {1, 1}, 2));
            b.setGrad(Tensor.fromArray(new double[] {2, 2}, 2));
            opt.step();
        }
        // buf: 1, 1.9, 2.71 (a) and 2, 3.8, 5.42 (b); p -= lr * buf each step
        assertEquals(1 - 0.5 * (1 + 1.9 + 2.71), a.toDoubleArray()[0], 1e-12);
        assertEquals(0.5 - 0.1 * (2 + 3.8 + 5.42), b.toDoubleArray()[0], 1e-12);
        assertEquals(4.0, c.toDoubleArray()[0], 0.0);
        assertEquals(Map.of(), opt.state(c));
    }

    /** A non-contiguous (transposed) leaf parameter is updated like its contiguous copy. */
    @Test
    void nonContiguousParameter() {
        double[] d = {1, 2, 3, 4, 5, 6};
        Tensor base = Tensor.fromArray(d.clone(), 2, 3).t().detach().requiresGrad_(true);
        Tensor cont = base.detach().contiguousCopy().requiresGrad_(true);
        List<Optimizer> opts = new ArrayList<>();
        opts.add(new Adam(List.of(base)).lr(0.1).amsgrad(true).weightDecay(0.1));
        opts.add(new Adam(List.of(cont)).lr(0.1).amsgrad(true).weightDecay(0.1));
        for (int t = 0; t < 3; t++) {
            Tensor g = Tensor.fromArray(new double[] {0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, 3, 2).mul(t + 1.0);
            base.setGrad(g.contiguousCopy());
            cont.setGrad(g.contiguousCopy());
            for (Optimizer o : opts) o.step();
        }
        double[] x = base.toDoubleArray(), y = cont.toDoubleArray();
        for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-15);
        assertEquals(DType.FLOAT64, base.dtype());
    }

    /** torch.optim.SGD of PyTorch 2.x defaults lr to 1e-3 (the signature {@code lr=1e-3}). */
    @Test
    void sgdDefaultLearningRate() {
        Tensor p = Tensor.fromArray(new double[] {1, 2}, 2).requiresGrad_(true);
        SGD opt = new SGD(List.of(p));
        assertEquals(1e-3, opt.paramGroups().get(0).lr(), 0.0);
        p.setGrad(Tensor.fromArray(new double[] {10, -20}, 2));
        opt.step();
        assertEquals(1 - 1e-3 * 10, p.toDoubleArray()[0], 1e-15);
        assertEquals(2 + 1e-3 * 20, p.toDoubleArray()[1], 1e-15);
        SGD grouped = new SGD(List.of(new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true)))));
        assertEquals(1e-3, grouped.paramGroups().get(0).lr(), 0.0);
    }
}
