package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * The CPU convolution kernels against a naive N-d loop written from the definition, on random geometries
 * (1 to 4 spatial dims, strides, padding, dilation, groups): the im2col + GEMM path in float64 and float32,
 * the direct Vector API path in float32, and im2col/col2im adjointness.
 */
class CpuConvKernelsTest {
    private final boolean vectorWas = CpuConvKernels.vectorKernelsEnabled();

    @AfterEach
    void restore() {
        if (CpuConvVector.AVAILABLE) CpuConvKernels.setVectorKernelsEnabled(vectorWas);
    }

    /** A random convolution problem. */
    private static final class Case {
        int n, c, o, groups, nd;
        int[] in, k, s, p, dil, out;
        double[] x, w, b, gy;

        @Override public String toString() {
            return "n=" + n + " c=" + c + " o=" + o + " groups=" + groups + " in=" + Arrays.toString(in) + " k=" + Arrays.toString(k)
                    + " s=" + Arrays.toString(s) + " p=" + Arrays.toString(p) + " dil=" + Arrays.toString(dil);
        }
    }

    private static Case randomCase(Generator g, int nd, boolean unitStrideLast, int minOg) {
        Case cs = new Case();
        cs.nd = nd;
        cs.groups = 1 + g.nextInt(2);
        cs.c = cs.groups * (1 + g.nextInt(3));
        cs.o = cs.groups * (minOg + g.nextInt(5));
        cs.n = 1 + g.nextInt(2);
        cs.in = new int[nd];
        cs.k = new int[nd];
        cs.s = new int[nd];
        cs.p = new int[nd];
        cs.dil = new int[nd];
        cs.out = new int[nd];
        for (int d = 0; d < nd; d++) {
            cs.k[d] = 1 + g.nextInt(3);
            cs.dil[d] = 1 + g.nextInt(2);
            cs.s[d] = (d == nd - 1 && unitStrideLast) ? 1 : 1 + g.nextInt(2);
            cs.p[d] = g.nextInt(3);
            int minIn = Math.max(1, cs.dil[d] * (cs.k[d] - 1) + 1 - 2 * cs.p[d]);
            cs.in[d] = minIn + g.nextInt(d == nd - 1 ? 40 : (nd >= 3 ? 5 : 8)) + (d == nd - 1 && minOg >= 8 ? 20 : 0);
            cs.out[d] = (cs.in[d] + 2 * cs.p[d] - cs.dil[d] * (cs.k[d] - 1) - 1) / cs.s[d] + 1;
        }
        cs.x = gauss(g, cs.n * cs.c * Shape.numel(cs.in));
        cs.w = gauss(g, cs.o * (cs.c / cs.groups) * Shape.numel(cs.k));
        cs.b = gauss(g, cs.o);
        cs.gy = gauss(g, cs.n * cs.o * Shape.numel(cs.out));
        return cs;
    }

    private static double[] gauss(Generator g, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = g.nextGaussian();
        return a;
    }

    private static int[] shape(int a, int b, int[] rest) {
        int[] r = new int[rest.length + 2];
        r[0] = a;
        r[1] = b;
        System.arraycopy(rest, 0, r, 2, rest.length);
        return r;
    }

    /** Naive y, dx, dw straight from the definition. */
    private static double[][] naive(Case cs) {
        int cg = cs.c / cs.groups, og = cs.o / cs.groups, nd = cs.nd;
        int inVol = Shape.numel(cs.in), outVol = Shape.numel(cs.out), kVol = Shape.numel(cs.k);
        int[] ist = Shape.contiguousStrides(cs.in);
        double[] y = new double[cs.n * cs.o * outVol], dx = new double[cs.x.length], dw = new double[cs.w.length];
        int[] oi = new int[nd], a = new int[nd];
        for (int n = 0; n < cs.n; n++) {
            for (int o = 0; o < cs.o; o++) {
                int gr = o / og;
                Arrays.fill(oi, 0);
                for (int j = 0; j < outVol; j++) {
                    int yi = (n * cs.o + o) * outVol + j;
                    double acc = cs.b[o];
                    for (int c = 0; c < cg; c++) {
                        Arrays.fill(a, 0);
                        for (int t = 0; t < kVol; t++) {
                            int off = 0;
                            boolean ok = true;
                            for (int d = 0; d < nd; d++) {
                                int pos = oi[d] * cs.s[d] + a[d] * cs.dil[d] - cs.p[d];
                                if (pos < 0 || pos >= cs.in[d]) ok = false;
                                off += pos * ist[d];
                            }
                            if (ok) {
                                int xi = (n * cs.c + gr * cg + c) * inVol + off, wi = (o * cg + c) * kVol + t;
                                acc += cs.w[wi] * cs.x[xi];
                                dx[xi] += cs.w[wi] * cs.gy[yi];
                                dw[wi] += cs.x[xi] * cs.gy[yi];
                            }
                            for (int d = nd - 1; d >= 0; d--) {
                                if (++a[d] < cs.k[d]) break;
                                a[d] = 0;
                            }
                        }
                    }
                    y[yi] = acc;
                    for (int d = nd - 1; d >= 0; d--) {
                        if (++oi[d] < cs.out[d]) break;
                        oi[d] = 0;
                    }
                }
            }
        }
        return new double[][] {y, dx, dw};
    }

    private static Tensor t(double[] d, DType dt, int[] shape) {
        Tensor r = Tensor.fromArray(d.clone(), shape);
        return dt == DType.FLOAT64 ? r : r.to(dt);
    }

    private static void close(String what, double[] want, Tensor got, double rtol) {
        double[] a = got.toDoubleArray();
        assertEquals(want.length, a.length, what + " size");
        double max = 0;
        for (double v : want) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - want[i]);
            if (err > rtol * (Math.abs(want[i]) + max)) {
                throw new AssertionError(what + " element " + i + ": " + a[i] + " != " + want[i]);
            }
        }
    }

    private static void check(Case cs, DType dt, double rtol) {
        double[][] ref = naive(cs);
        int cg = cs.c / cs.groups;
        Tensor x = t(cs.x, dt, shape(cs.n, cs.c, cs.in)), w = t(cs.w, dt, shape(cs.o, cg, cs.k)), b = t(cs.b, dt, new int[] {cs.o});
        Tensor gy = t(cs.gy, dt, shape(cs.n, cs.o, cs.out));
        CpuBackend be = new CpuBackend();
        String tag = cs + " " + dt.torchName() + " vector=" + CpuConvKernels.vectorKernelsEnabled();
        close("forward " + tag, ref[0], be.conv(x, w, b, cs.s, cs.p, cs.dil, cs.groups), rtol);
        close("grad input " + tag, ref[1], be.convBackwardInput(gy, w, cs.in, cs.s, cs.p, cs.dil, cs.groups), rtol);
        close("grad weight " + tag, ref[2], be.convBackwardWeight(x, gy, cs.k, cs.s, cs.p, cs.dil, cs.groups), rtol);
    }

    @Test
    void gemmPathMatchesTheDefinitionInEveryRank() {
        if (CpuConvVector.AVAILABLE) CpuConvKernels.setVectorKernelsEnabled(false);
        Generator g = new Generator(11);
        for (int nd = 1; nd <= 4; nd++) {
            for (int rep = 0; rep < 6; rep++) {
                Case cs = randomCase(g, nd, false, 1);
                check(cs, DType.FLOAT64, 1e-12);
                check(cs, DType.FLOAT32, 1e-5);
            }
        }
    }

    @Test
    void vectorPathMatchesTheDefinitionAndIsTaken() {
        assumeTrue(CpuConvVector.AVAILABLE, "run with --add-modules=jdk.incubator.vector");
        CpuConvKernels.setVectorKernelsEnabled(true);
        Generator g = new Generator(12);
        int taken = 0;
        for (int nd = 1; nd <= 4; nd++) {
            for (int rep = 0; rep < 6; rep++) {
                Case cs = randomCase(g, nd, true, 8);
                CpuConvKernels.Geom geom = new CpuConvKernels.Geom(cs.n, cs.c, cs.o, cs.in, cs.k, cs.out, cs.s, cs.p, cs.dil, cs.groups);
                if (CpuConvVector.suitsForward(geom)) taken++;
                check(cs, DType.FLOAT32, 1e-5);
            }
        }
        assertTrue(taken >= 12, "the direct path was taken for only " + taken + " of 24 cases");
    }

    @Test
    void fourToSevenOutputChannelsTakeTheDirectPathWithAPaddedChannelBlock() {
        assumeTrue(CpuConvVector.AVAILABLE, "run with --add-modules=jdk.incubator.vector");
        CpuConvKernels.setVectorKernelsEnabled(true);
        Generator g = new Generator(31);
        int taken = 0;
        for (int nd = 1; nd <= 4; nd++) {
            for (int rep = 0; rep < 6; rep++) {
                Case cs = randomCase(g, nd, true, 4);
                CpuConvKernels.Geom geom = new CpuConvKernels.Geom(cs.n, cs.c, cs.o, cs.in, cs.k, cs.out, cs.s, cs.p, cs.dil, cs.groups);
                if (cs.o / cs.groups < CpuConvVector.OB && CpuConvVector.suitsForward(geom)) taken++;
                check(cs, DType.FLOAT32, 1e-5);
            }
        }
        assertTrue(taken >= 4, "the direct path with fewer than " + CpuConvVector.OB + " outputs per group was taken " + taken + " times");
        // LeNet's second convolution: the input gradient is a direct convolution with 6 outputs (its input channels)
        Case cs = new Case();
        cs.nd = 2;
        cs.n = 2;
        cs.groups = 1;
        cs.c = 6;
        cs.o = 16;
        cs.in = new int[] {14, 14};
        cs.k = new int[] {5, 5};
        cs.s = new int[] {1, 1};
        cs.p = new int[] {0, 0};
        cs.dil = new int[] {1, 1};
        cs.out = new int[] {10, 10};
        cs.x = gauss(g, cs.n * cs.c * 196);
        cs.w = gauss(g, cs.o * cs.c * 25);
        cs.b = gauss(g, cs.o);
        cs.gy = gauss(g, cs.n * cs.o * 100);
        CpuConvKernels.Geom geom = new CpuConvKernels.Geom(cs.n, cs.c, cs.o, cs.in, cs.k, cs.out, cs.s, cs.p, cs.dil, cs.groups);
        assertTrue(CpuConvVector.suitsBackwardInput(geom), "LeNet conv2's input gradient takes the direct path");
        check(cs, DType.FLOAT32, 1e-5);
    }

    @Test
    void directPathHandlesFlattenedPlanesStridedOuterDimsAndGroups() {
        assumeTrue(CpuConvVector.AVAILABLE, "run with --add-modules=jdk.incubator.vector");
        CpuConvKernels.setVectorKernelsEnabled(true);
        Generator g = new Generator(5);
        // 3-D, stride 2 on D only (H, W flattened into one run), groups 2, dilation 2 on H, 16 outputs per group
        Case cs = new Case();
        cs.nd = 3;
        cs.n = 2;
        cs.groups = 2;
        cs.c = 6;
        cs.o = 32;
        cs.in = new int[] {5, 7, 9};
        cs.k = new int[] {3, 2, 3};
        cs.s = new int[] {2, 1, 1};
        cs.p = new int[] {1, 2, 1};
        cs.dil = new int[] {1, 2, 1};
        cs.out = new int[3];
        for (int d = 0; d < 3; d++) cs.out[d] = (cs.in[d] + 2 * cs.p[d] - cs.dil[d] * (cs.k[d] - 1) - 1) / cs.s[d] + 1;
        cs.x = gauss(g, cs.n * cs.c * Shape.numel(cs.in));
        cs.w = gauss(g, cs.o * 3 * Shape.numel(cs.k));
        cs.b = gauss(g, cs.o);
        cs.gy = gauss(g, cs.n * cs.o * Shape.numel(cs.out));
        CpuConvKernels.Geom geom = new CpuConvKernels.Geom(cs.n, cs.c, cs.o, cs.in, cs.k, cs.out, cs.s, cs.p, cs.dil, cs.groups);
        assertTrue(CpuConvVector.suitsForward(geom) && CpuConvVector.suitsBackwardWeight(geom));
        assertEquals(2, new CpuConvVector.Plan(geom).flat);
        check(cs, DType.FLOAT32, 1e-5);
    }

    @Test
    void im2colIsUnfoldAndCol2imIsItsAdjoint() {
        Generator g = new Generator(3);
        int[] in = {4, 5}, k = {2, 3}, s = {1, 2}, p = {1, 1}, dil = {2, 1};
        Tensor x = Tensor.randn(g, 2, 3, 4, 5).to(DType.FLOAT64);
        CpuBackend be = new CpuBackend();
        Tensor cols = be.im2col(x, k, s, p, dil);
        int[] out = {(4 + 2 - 2 - 1) / 1 + 1, (5 + 2 - 2 - 1) / 2 + 1};
        assertArrayEquals(new int[] {2, 3 * 6, out[0] * out[1]}, cols.shape());
        // element check: row (c, kh, kw), column (oh, ow) holds x[c, oh*s - p + kh*dil, ...] or 0
        double[] xa = x.toDoubleArray(), ca = cols.toDoubleArray();
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int kh = 0; kh < 2; kh++) for (int kw = 0; kw < 3; kw++)
            for (int oh = 0; oh < out[0]; oh++) for (int ow = 0; ow < out[1]; ow++) {
                int ih = oh - 1 + kh * 2, iw = ow * 2 - 1 + kw;
                double want = ih < 0 || ih >= 4 || iw < 0 || iw >= 5 ? 0 : xa[((n * 3 + c) * 4 + ih) * 5 + iw];
                int row = (c * 2 + kh) * 3 + kw;
                assertEquals(want, ca[(n * 18 + row) * (out[0] * out[1]) + oh * out[1] + ow], 0.0);
            }
        // <im2col(x), y> == <x, col2im(y)>
        Tensor y = Tensor.randn(g, cols.shape()).to(DType.FLOAT64);
        Tensor back = be.col2im(y, in, k, s, p, dil);
        assertArrayEquals(x.shape(), back.shape());
        double lhs = 0, rhs = 0;
        double[] ya = y.toDoubleArray(), ba = back.toDoubleArray();
        for (int i = 0; i < ca.length; i++) lhs += ca[i] * ya[i];
        for (int i = 0; i < xa.length; i++) rhs += xa[i] * ba[i];
        assertEquals(lhs, rhs, 1e-9 * Math.abs(lhs));
    }

    private static Case fixedCase(Generator g, int n, int c, int o, int groups, int[] in, int[] k, int[] s, int[] p, int[] dil) {
        Case cs = new Case();
        cs.nd = in.length;
        cs.n = n;
        cs.c = c;
        cs.o = o;
        cs.groups = groups;
        cs.in = in;
        cs.k = k;
        cs.s = s;
        cs.p = p;
        cs.dil = dil;
        cs.out = new int[in.length];
        for (int d = 0; d < in.length; d++) cs.out[d] = (in[d] + 2 * p[d] - dil[d] * (k[d] - 1) - 1) / s[d] + 1;
        cs.x = gauss(g, n * c * Shape.numel(in));
        cs.w = gauss(g, o * (c / groups) * Shape.numel(k));
        cs.b = gauss(g, o);
        cs.gy = gauss(g, n * o * Shape.numel(cs.out));
        return cs;
    }

    @Test
    void winogradPathMatchesTheDefinitionWithOddSizesGroupsAndSeveralUnits() {
        assumeTrue(CpuConvVector.AVAILABLE, "run with --add-modules=jdk.incubator.vector");
        CpuConvKernels.setVectorKernelsEnabled(true);
        Generator g = new Generator(21);
        int budget = CpuConvWinograd.budget;
        try {
            for (int b : new int[] {budget, 2000}) { // 2000 floats: several tile groups per sample, with a shorter tail
                CpuConvWinograd.budget = b;
                Case[] cases = {
                    // conv2d, Winograd along H (m = 1), odd output height
                    fixedCase(g, 2, 5, 16, 1, new int[] {13, 21}, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}),
                    // conv3d, m = 2, odd sizes, groups, dilated last dim
                    fixedCase(g, 1, 6, 16, 2, new int[] {7, 5, 30}, new int[] {3, 3, 2}, new int[] {1, 1, 1}, new int[] {1, 0, 2},
                            new int[] {1, 1, 2}),
                    // conv4d, m = 2, stride 2 on a remaining dim, 1-wide kernel there
                    fixedCase(g, 2, 3, 8, 1, new int[] {5, 4, 5, 20}, new int[] {3, 3, 1, 3}, new int[] {1, 1, 2, 1},
                            new int[] {1, 1, 0, 1}, new int[] {1, 1, 1, 1}),
                    // conv3d with 8 in and out channels: the input gradient is a Winograd convolution too
                    fixedCase(g, 1, 8, 8, 1, new int[] {6, 5, 18}, new int[] {3, 3, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 1},
                            new int[] {1, 1, 1})};
                int[] wantM = {1, 2, 2, 2};
                for (int i = 0; i < cases.length; i++) {
                    Case cs = cases[i];
                    CpuConvKernels.Geom geom = new CpuConvKernels.Geom(cs.n, cs.c, cs.o, cs.in, cs.k, cs.out, cs.s, cs.p, cs.dil, cs.groups);
                    assertEquals(wantM[i], CpuConvVector.winogradDims(geom), cs.toString());
                    if (i == 3) assertEquals(2, CpuConvVector.winogradDims(CpuConvVector.backwardInputGeom(geom)));
                    check(cs, DType.FLOAT32, 2e-5);
                }
            }
        } finally {
            CpuConvWinograd.budget = budget;
        }
    }
}
