package org.sparkgrad.backend;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GEMM through {@code dev.ludovic.netlib} BLAS. Before the first use it points netlib at OpenBLAS when the
 * system has it (property {@code dev.ludovic.netlib.blas.nativeLibPath}, unless the user set one), then logs
 * once which implementation is live (native OpenBLAS, another native BLAS, or the pure-Java fallback). The
 * pure-Java fallback is cache-tiled here, since it slows down sharply on large untiled operands.
 *
 * <p>All matrices are row-major with leading dimensions as in C; {@code transA}/{@code transB} say that the
 * stored matrix is the transpose of the operand.
 */
public final class Blas {
    private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
    private static final String PATH_PROP = "dev.ludovic.netlib.blas.nativeLibPath";
    private static final String LIB_PROP = "dev.ludovic.netlib.blas.nativeLib";
    private static final List<String> OPENBLAS_CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
            "/usr/lib/libopenblas.so.0",
            "/usr/local/lib/libopenblas.so.0",
            "/opt/homebrew/opt/openblas/lib/libopenblas.dylib");
    private static final int TILE = 256;

    private static final BLAS BLAS_IMPL;
    private static final boolean NATIVE;
    private static final String DESCRIPTION;

    static {
        if (System.getProperty(PATH_PROP) == null && System.getProperty(LIB_PROP) == null) {
            for (String c : OPENBLAS_CANDIDATES) {
                if (Files.isReadable(Paths.get(c))) {
                    System.setProperty(PATH_PROP, c);
                    break;
                }
            }
        }
        BLAS b = BLAS.getInstance();
        boolean nat = b.getClass().getSimpleName().contains("JNI");
        BLAS_IMPL = b;
        NATIVE = nat;
        DESCRIPTION = nat ? "native " + nativeLibrary() : "pure Java (" + b.getClass().getSimpleName()
                + "), tiled; install OpenBLAS (libopenblas0-pthread) for native speed";
        LOG.info("BLAS: {}", DESCRIPTION);
        if (nat && DESCRIPTION.contains("OpenBLAS") && System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            LOG.info("BLAS: OPENBLAS_THREAD_TIMEOUT is not set: OpenBLAS threads spin ~0.1 s after each GEMM on cores the"
                    + " engine's loops want; the launchers set OPENBLAS_THREAD_TIMEOUT=22 (see BENCHMARKS.md)");
        }
    }

    private Blas() {}

    /** Human-readable name of the live BLAS, e.g. {@code native OpenBLAS (/usr/lib/.../libopenblas.so.0)}. */
    public static String description() { return DESCRIPTION; }

    /** Whether a native BLAS library is in use. */
    public static boolean isNative() { return NATIVE; }

    private static String nativeLibrary() {
        String lib = System.getProperty(PATH_PROP, System.getProperty(LIB_PROP, "libblas.so.3"));
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int i = line.indexOf('/');
                if (i < 0) continue;
                String p = line.substring(i);
                String name = p.substring(p.lastIndexOf('/') + 1);
                if (name.startsWith("libopenblas")) return "OpenBLAS (" + p + ")";
                if (name.startsWith("libblas") || name.startsWith("libmkl") || name.startsWith("libblis")) {
                    Path real = Path.of(p).toRealPath();
                    String rn = real.toString();
                    if (rn.contains("openblas")) return "OpenBLAS (" + rn + ")";
                    return "BLAS " + rn + (rn.contains("blas/libblas") ? " (likely the slow reference BLAS)" : "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc is Linux-only; fall through to the configured name
        }
        return lib;
    }

    /** {@code C = alpha * op(A) op(B) + beta * C} in float32, row-major. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            scale(c, offC, ldc, m, n, beta);
            return;
        }
        if (NATIVE || (m <= TILE && n <= TILE && k <= TILE)) {
            BLAS_IMPL.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, offB, ldb, a, offA, lda, beta, c, offC, ldc);
            return;
        }
        sgemmTiled(BLAS_IMPL, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /**
     * The cache-tiled GEMM used with the pure-Java BLAS: {@code TILE}-sized blocks of C accumulate over
     * {@code TILE}-sized slices of k, so each block's operands stay in cache.
     */
    static void sgemmTiled(BLAS impl, boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int offA, int lda, float[] b, int offB, int ldb,
                           float beta, float[] c, int offC, int ldc) {
        for (int i0 = 0; i0 < m; i0 += TILE) {
            int mi = Math.min(TILE, m - i0);
            for (int j0 = 0; j0 < n; j0 += TILE) {
                int nj = Math.min(TILE, n - j0);
                for (int p0 = 0; p0 < k; p0 += TILE) {
                    int kp = Math.min(TILE, k - p0);
                    int ao = offA + (transA ? p0 * lda + i0 : i0 * lda + p0);
                    int bo = offB + (transB ? j0 * ldb + p0 : p0 * ldb + j0);
                    float bt = p0 == 0 ? beta : 1f;
                    impl.sgemm(transB ? "T" : "N", transA ? "T" : "N", nj, mi, kp, alpha, b, bo, ldb, a, ao, lda,
                            bt, c, offC + i0 * ldc + j0, ldc);
                }
            }
        }
    }

    /** {@code C = alpha * op(A) op(B) + beta * C} in float64, row-major. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             double[] a, int offA, int lda, double[] b, int offB, int ldb,
                             double beta, double[] c, int offC, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[offC + i * ldc + j] *= beta;
            return;
        }
        BLAS_IMPL.dgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, offB, ldb, a, offA, lda, beta, c, offC, ldc);
    }

    /** The pure-Java BLAS, for comparisons in benchmarks. */
    public static BLAS javaBlas() { return JavaBLAS.getInstance(); }

    private static void scale(float[] c, int off, int ldc, int m, int n, float beta) {
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[off + i * ldc + j] *= beta;
    }
}
