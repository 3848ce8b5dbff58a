package org.sparkgrad.nn;

import java.util.Arrays;

/** Argument helpers shared by the convolution and pooling layers (int-or-tuple arguments, Python-style repr). */
final class LayerArgs {
    private LayerArgs() {}

    /** {@code v} as {@code nd} values: null = {@code dflt}, one value = that value in every dim; each at least {@code min}. */
    static int[] expand(String layer, String what, int[] v, int nd, int dflt, int min) {
        int[] r = new int[nd];
        if (v == null || v.length == 0) {
            Arrays.fill(r, dflt);
        } else if (v.length == 1) {
            Arrays.fill(r, v[0]);
        } else if (v.length == nd) {
            r = v.clone();
        } else {
            throw new IllegalArgumentException(layer + ": " + what + " must be one value or " + nd + " values, got " + Arrays.toString(v));
        }
        for (int x : r) {
            if (x < min) throw new IllegalArgumentException(layer + ": " + what + " must be at least " + min + ", got " + Arrays.toString(v));
        }
        return r;
    }

    /** One int repeated n times. */
    static int[] rep(int v, int n) {
        int[] r = new int[n];
        Arrays.fill(r, v);
        return r;
    }

    static boolean all(int[] v, int x) {
        for (int e : v) if (e != x) return false;
        return true;
    }

    /** Python tuple repr: {@code (3, 3)}, {@code (3,)}. */
    static String tuple(int[] v) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(v[i]);
        }
        return sb.append(v.length == 1 ? ",)" : ")").toString();
    }
}
