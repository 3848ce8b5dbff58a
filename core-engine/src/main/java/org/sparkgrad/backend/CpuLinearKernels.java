package org.sparkgrad.backend;

import java.util.Arrays;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * CPU kernels of the fused fully connected layer behind {@link Backend#linear} and {@link Backend#linearBackward}:
 * the bias is copied into the output rows and accumulated by the GEMM ({@code beta = 1}) instead of a separate
 * broadcast add, and its gradient is one GEMM against a vector of ones instead of a transposing reduction.
 * Operands are read in place through their strides ({@link CpuAttentionKernels#mats}).
 */
final class CpuLinearKernels {
    private CpuLinearKernels() {}

    private static void gemm(boolean f32, boolean ta, boolean tb, int m, int n, int k, Object a, int ao, int lda, Object b, int bo,
                             int ldb, double beta, Object c, int co, int ldc) {
        if (f32) {
            Blas.sgemm(ta, tb, m, n, k, 1f, (float[]) a, ao, lda, (float[]) b, bo, ldb, (float) beta, (float[]) c, co, ldc);
        } else {
            Blas.dgemm(ta, tb, m, n, k, 1.0, (double[]) a, ao, lda, (double[]) b, bo, ldb, beta, (double[]) c, co, ldc);
        }
    }

    private static void checkTypes(Tensor x, Tensor w, Tensor b) {
        if (!x.dtype().isFloatingPoint() || w.dtype() != x.dtype() || (b != null && b.dtype() != x.dtype())) {
            throw new IllegalArgumentException("linear expects input, weight and bias of one float dtype, got " + x.dtype().torchName()
                    + ", " + w.dtype().torchName() + (b == null ? "" : " and " + b.dtype().torchName()));
        }
    }

    static Tensor linear(CpuBackend be, Tensor x, Tensor w, Tensor b) {
        checkTypes(x, w, b);
        int n = x.size(0), in = x.size(1), out = w.size(0);
        Tensor y = CpuBackend.newTensor(x.dtype(), new int[] {n, out});
        CpuStorage ys = CpuBackend.st(y);
        boolean f32 = x.dtype() == DType.FLOAT32;
        if (b != null) {
            Tensor bc = b.isContiguous() ? b : be.contiguous(b);
            Object ba = CpuBackend.st(bc).array(), ya = ys.array();
            int bo = bc.storageOffset();
            for (int r = 0; r < n; r++) System.arraycopy(ba, bo, ya, r * out, out);
        }
        if (in == 0) return y;
        CpuAttentionKernels.Mats mx = CpuAttentionKernels.mats(be, x), mw = CpuAttentionKernels.mats(be, w);
        // y = x W^T: the stored weight (out, in) row-major is the transpose of the operand W^T (in, out)
        gemm(f32, mx.trans, !mw.trans, n, out, in, mx.arr(), mx.off[0], mx.ld, mw.arr(), mw.off[0], mw.ld, b == null ? 0 : 1,
                ys.array(), 0, out);
        return y;
    }

    static Tensor[] linearBackward(CpuBackend be, Tensor g, Tensor x, Tensor w, boolean[] need) {
        int n = x.size(0), in = x.size(1), out = w.size(0);
        boolean f32 = x.dtype() == DType.FLOAT32;
        CpuAttentionKernels.Mats mg = CpuAttentionKernels.mats(be, g);
        Tensor gx = null, gw = null, gb = null;
        if (need[0]) {
            gx = CpuBackend.newTensor(x.dtype(), new int[] {n, in});
            CpuAttentionKernels.Mats mw = CpuAttentionKernels.mats(be, w);
            gemm(f32, mg.trans, mw.trans, n, in, out, mg.arr(), mg.off[0], mg.ld, mw.arr(), mw.off[0], mw.ld, 0, CpuBackend.st(gx).array(), 0, in);
        }
        if (need.length > 1 && need[1]) {
            gw = CpuBackend.newTensor(x.dtype(), new int[] {out, in});
            CpuAttentionKernels.Mats mx = CpuAttentionKernels.mats(be, x);
            gemm(f32, !mg.trans, mx.trans, out, in, n, mg.arr(), mg.off[0], mg.ld, mx.arr(), mx.off[0], mx.ld, 0, CpuBackend.st(gw).array(), 0, in);
        }
        if (need.length > 2 && need[2]) {
            gb = CpuBackend.newTensor(x.dtype(), new int[] {out});
            Object ones;
            if (f32) {
                float[] o = new float[Math.max(n, 1)];
                Arrays.fill(o, 1f);
                ones = o;
            } else {
                double[] o = new double[Math.max(n, 1)];
                Arrays.fill(o, 1.0);
                ones = o;
            }
            // dbias (out x 1) = grad^T (out x N) times ones (N x 1)
            gemm(f32, !mg.trans, false, out, 1, n, mg.arr(), mg.off[0], mg.ld, ones, 0, 1, 0, CpuBackend.st(gb).array(), 0, 1);
        }
        return new Tensor[] {gx, gw, gb};
    }
}
