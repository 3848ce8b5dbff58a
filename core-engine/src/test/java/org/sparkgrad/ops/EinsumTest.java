package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** einsum against a brute-force loop over every label assignment; implicit mode, ellipsis, diagonals, errors, gradients. */
class EinsumTest {
    private static final Generator G = new Generator(5);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    /**
     * Reference for an explicit letters-only equation: {@code out[o] = sum over all other labels of prod_k op_k[...]},
     * by enumerating every assignment of every label (size-1 dims broadcast). Returns {shape..., values} via out args.
     */
    static double[] brute(String eq, int[] outShape, Tensor... ops) {
        String[] lr = eq.replace(" ", "").split("->", -1);
        String[] ins = lr[0].split(",");
        String out = lr.length > 1 ? lr[1] : "";
        Map<Character, Integer> size = new LinkedHashMap<>();
        for (int k = 0; k < ins.length; k++) {
            for (int i = 0; i < ins[k].length(); i++) {
                int s = ops[k].size(i);
                size.merge(ins[k].charAt(i), s, Math::max);
            }
        }
        Character[] labels = size.keySet().toArray(new Character[0]);
        int total = 1;
        for (Character c : labels) total *= size.get(c);
        int outN = 1;
        for (int i = 0; i < out.length(); i++) {
            outShape[i] = size.get(out.charAt(i));
            outN *= outShape[i];
        }
        double[] res = new double[outN];
        double[][] data = new double[ops.length][];
        for (int k = 0; k < ops.length; k++) data[k] = ops[k].toDoubleArray();
        Map<Character, Integer> val = new LinkedHashMap<>();
        for (int t = 0; t < total; t++) {
            int rem = t;
            for (int i = labels.length - 1; i >= 0; i--) {
                int s = size.get(labels[i]);
                val.put(labels[i], rem % s);
                rem /= s;
            }
            double p = 1;
            for (int k = 0; k < ops.length; k++) {
                int off = 0;
                for (int i = 0; i < ins[k].length(); i++) {
                    int dimSize = ops[k].size(i);
                    off = off * dimSize + (dimSize == 1 ? 0 : val.get(ins[k].charAt(i)));
                }
                p *= data[k][off];
            }
            int o = 0;
            for (int i = 0; i < out.length(); i++) o = o * outShape[i] + val.get(out.charAt(i));
            res[o] += p;
        }
        return res;
    }

    private static void check(String eq, String explicitLetters, Tensor... ops) {
        int[] shape = new int[16];
        double[] expect = brute(explicitLetters, shape, ops);
        Tensor got = Tensor.einsum(eq, ops);
        int outRank = explicitLetters.contains("->") ? explicitLetters.split("->", -1)[1].length() : 0;
        assertArrayEquals(java.util.Arrays.copyOf(shape, outRank), got.shape(), eq + " shape");
        assertArrayEquals(expect, got.toDoubleArray(), 1e-10, eq);
    }

    @Test
    void equationsMatchBruteForce() {
        Tensor sq = r(4, 4);
        check("ii->i", "ii->i", sq);
        check("ii", "ii->", sq);
        check("ij->ji", "ij->ji", r(2, 3));
        check("ij->", "ij->", r(2, 3));
        check("ij,jk->ik", "ij,jk->ik", r(3, 4), r(4, 5));
        check("ij,jk", "ij,jk->ik", r(3, 4), r(4, 5));
        check("ij,kj", "ij,kj->ik", r(3, 4), r(5, 4));
        check("ba,ac", "ba,ac->bc", r(3, 4), r(4, 2));          // implicit output sorted: b < c
        check("bij,bjk->bik", "bij,bjk->bik", r(2, 3, 4), r(2, 4, 5));
        check("i,i->", "i,i->", r(5), r(5));
        check("i,i", "i,i->", r(5), r(5));
        check("i,j->ij", "i,j->ij", r(3), r(4));
        check("i,j", "i,j->ij", r(3), r(4));
        check("ij,jk,kl->il", "ij,jk,kl->il", r(2, 3), r(3, 4), r(4, 5));
        check("ij,jk,kl", "ij,jk,kl->il", r(2, 3), r(3, 4), r(4, 5));
        check("bn,anm,bm->ba", "bn,anm,bm->ba", r(2, 3), r(4, 3, 5), r(2, 5));
        check("ab,ab->ab", "ab,ab->ab", r(2, 3), r(2, 3));
        check("ab,ab->", "ab,ab->", r(2, 3), r(2, 3));
        check("iij->j", "iij->j", r(3, 3, 2));
        check("iii->i", "iii->i", r(3, 3, 3));
        check("iji->ij", "iji->ij", r(3, 2, 3));
        check("ij,ij,ij->i", "ij,ij,ij->i", r(2, 3), r(2, 3), r(2, 3));
        check("i,i,i,i->", "i,i,i,i->", r(3), r(3), r(3), r(3));
        check("ijk,ikl,lm->jm", "ijk,ikl,lm->jm", r(2, 3, 4), r(2, 4, 5), r(5, 2));
        check("Ab,bC->CA", "Ab,bC->CA", r(2, 3), r(3, 4));
        check("Ab,bC", "Ab,bC->AC", r(2, 3), r(3, 4));   // upper case sorts first
        check(" i j , j k -> i k ", "ij,jk->ik", r(2, 3), r(3, 2));
        check("ij,j->i", "ij,j->i", r(3, 4), r(4));
        // size-1 dims broadcast against the same letter
        check("ij,jk->ik", "ij,jk->ik", r(3, 1), r(4, 5));
        check("bij,bjk->bik", "bij,bjk->bik", r(1, 3, 4), r(2, 4, 5));
        // a label summed only by one operand, another kept only by it
        check("ij,jk->i", "ij,jk->i", r(3, 4), r(4, 5));
        // empty dims
        check("ij,jk->ik", "ij,jk->ik", r(3, 0), r(0, 2));
        check("ij,jk->ik", "ij,jk->ik", r(0, 3), r(3, 2));
    }

    @Test
    void ellipsisBroadcastsAndIsSummedWhenTheOutputLacksIt() {
        Tensor a = r(2, 3, 4), b = r(2, 4, 5);
        check("...ij,...jk", "bij,bjk->bik", a, b);
        check("...ij,...jk->...ik", "bij,bjk->bik", a, b);
        check("bij,bjk->bik", "bij,bjk->bik", a, b);
        check("...ij->...ji", "bij->bji", a);
        check("...ij->ij", "bij->ij", a);
        check("i...->...", "ib->b", r(3, 4));
        check("...,...->...", "b,b->b", r(4), r(4));
        check("...->...", "->", Tensor.scalar(3.5, DType.FLOAT64));
        check("ij...,jk...->ik...", "ijb,jkb->ikb", r(2, 3, 4), r(3, 2, 4));
        // broadcast batch: (2, 1, 3, 4) x (5, 4, 2) -> (2, 5, 3, 2), ellipsis of different lengths
        Tensor c = r(2, 1, 3, 4), d = r(5, 4, 2);
        Tensor got = Tensor.einsum("...ij,...jk->...ik", c, d);
        assertArrayEquals(new int[] {2, 5, 3, 2}, got.shape());
        assertArrayEquals(c.matmul(d).toDoubleArray(), got.toDoubleArray(), 1e-12);
        // ellipsis with no dims
        check("...ij,...jk->...ik", "ij,jk->ik", r(3, 4), r(4, 2));
    }

    @Test
    void integerOperands() {
        Tensor a = Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6}, 2, 3), b = Tensor.fromArray(new long[] {1, 0, -1, 2, 0, 1}, 3, 2);
        Tensor m = Tensor.einsum("ij,jk->ik", a, b);
        assertEquals(DType.INT64, m.dtype());
        assertArrayEquals(new long[] {-1, 7, -1, 16}, m.toLongArray());
        assertEquals(15L, Tensor.einsum("ii", Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)).toLongArray()[0]);
    }

    @Test
    void gradientsThroughTheComposition() {
        String[] eqs = {"ii->i", "ii", "ij,jk->ik", "bij,bjk->bik", "...ij,...jk", "i,i->", "i,j->ij", "ij,jk,kl->il", "ij,jk",
            "iij->j", "bn,anm,bm->ba", "ij,j->i"};
        int[][][] shapes = {{{3, 3}}, {{3, 3}}, {{2, 3}, {3, 2}}, {{2, 2, 3}, {2, 3, 2}}, {{2, 1, 2, 3}, {3, 3, 2}}, {{4}, {4}},
            {{3}, {2}}, {{2, 3}, {3, 2}, {2, 2}}, {{2, 3}, {3, 2}}, {{2, 2, 3}}, {{2, 3}, {2, 3, 2}, {2, 2}}, {{3, 2}, {2}}};
        for (int e = 0; e < eqs.length; e++) {
            Tensor[] in = new Tensor[shapes[e].length];
            for (int i = 0; i < in.length; i++) in[i] = r(shapes[e][i]).requiresGrad_();
            String eq = eqs[e];
            GradCheck.Result res = GradCheck.check(t -> Tensor.einsum(eq, t), in);
            assertTrue(res.ok, eq + ": " + res);
        }
    }

    @Test
    void clearErrors() {
        Tensor a = r(2, 3), b = r(3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", a));
        assertTrue(e.getMessage().contains("ij,jk->ik") && e.getMessage().contains("fewer operands"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij->ij", a, b));
        assertTrue(e.getMessage().contains("more operands"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ijk,jk->i", a, b));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("operand 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", a, r(4, 2)));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("j"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->iz", a, b));
        assertTrue(e.getMessage().contains("z"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ii", a, b));
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("i1,jk->ik", a, b));
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("i..j,jk->ik", a, b));
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("...i...,jk->ik", a, b));
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ii->i", a));
        assertTrue(e.getMessage().contains("2 != 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij,jk->ik", a, b.toFloat()));
        assertThrows(IllegalArgumentException.class, () -> Tensor.einsum("ij"));
    }
}
