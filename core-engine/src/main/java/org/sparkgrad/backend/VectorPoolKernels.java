package org.sparkgrad.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 max pooling of the output positions whose windows lie wholly inside the input, on the JDK Vector API: one
 * lane per output position (gathered through a per-plane offset table, so any dims, stride and dilation work), taps
 * visited in the order of the scalar rule of {@link CpuConvKernels#maxPool} — a tap wins when it is greater than the
 * running maximum or NaN — with selects instead of branches (random data makes the scalar branch mispredict about
 * half the time). Primitive signatures only, so no other class needs the {@code jdk.incubator.vector} module.
 */
final class VectorPoolKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    static final int VL = FS.length();

    private VectorPoolKernels() {}

    /** Whether the float and int species have the same lane count (so masks convert between them). */
    static boolean usable() {
        return IS.length() == VL && VL >= 4;
    }

    /**
     * For each block of {@link #VL} entries {@code j} in {@code [0, n)} ({@code n} a multiple of VL): the output
     * position {@code out[j]} gets the maximum of {@code x[xb + base[j] + tap[t]]} over the taps, and the winning input
     * position {@code base[j] + tap[t]} (relative to {@code xb}).
     */
    static void maxBlocks(float[] x, int xb, int[] base, int[] out, int n, int[] tap, float[] y, int yb, long[] best) {
        int[] winner = new int[VL];
        for (int j = 0; j + VL <= n; j += VL) {
            IntVector b = IntVector.fromArray(IS, base, j);
            FloatVector mv = FloatVector.fromArray(FS, x, xb + tap[0], base, j);
            IntVector bv = b.add(tap[0]);
            for (int t = 1; t < tap.length; t++) {
                FloatVector v = FloatVector.fromArray(FS, x, xb + tap[t], base, j);
                VectorMask<Float> take = v.compare(VectorOperators.GT, mv).or(v.compare(VectorOperators.NE, v));
                mv = mv.blend(v, take);
                bv = bv.blend(b.add(tap[t]), take.cast(IS));
            }
            mv.intoArray(y, yb, out, j);
            bv.intoArray(winner, 0);
            for (int l = 0; l < VL; l++) best[yb + out[j + l]] = winner[l];
        }
    }
}
