package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** flip / roll / rot90 / movedim / tile / repeat_interleave / take_along_dim / tril / triu / diag / diagonal / trace. */
class RearrangeTest {
    /** 0..n-1 as float64 of the given shape. */
    private static Tensor iota(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i;
        return Tensor.fromArray(d, shape);
    }

    @Test
    void flipReversesEachGivenDim() {
        Tensor x = iota(2, 3, 2);
        double[] expect = new double[12];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 2; c++) {
            expect[(a * 3 + b) * 2 + c] = ((1 - a) * 3 + b) * 2 + (1 - c);
        }
        assertArrayEquals(expect, x.flip(0, -1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7}, x.flip(1).toDoubleArray(), 0);
        Tensor c = x.flip();
        assertArrayEquals(x.toDoubleArray(), c.toDoubleArray(), 0);
        assertTrue(c.storage() != x.storage(), "flip returns a copy");
        assertArrayEquals(new long[] {3, 2, 1}, Tensor.fromArray(new long[] {1, 2, 3}).flip(0).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> x.flip(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> x.flip(3));
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).flip(0, 1).shape());
    }

    @Test
    void rollWrapsWithNegativeAndLargeShiftsAndFlattensWithoutDims() {
        Tensor x = iota(5);
        assertArrayEquals(new double[] {4, 0, 1, 2, 3}, x.roll(1, 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 3, 4, 0, 1}, x.roll(-2, 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {3, 4, 0, 1, 2}, x.roll(12, 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 2, 3, 4, 0}, x.roll(-11, 0).toDoubleArray(), 0);
        assertArrayEquals(x.toDoubleArray(), x.roll(10, 0).toDoubleArray(), 0);
        Tensor m = iota(2, 3);
        // flattened: 0..5 rolled by 1 -> 5 0 1 2 3 4, shape kept
        Tensor f = m.roll(1);
        assertArrayEquals(new int[] {2, 3}, f.shape());
        assertArrayEquals(new double[] {5, 0, 1, 2, 3, 4}, f.toDoubleArray(), 0);
        // two dims at once: rows by 1, cols by -1
        assertArrayEquals(new double[] {4, 5, 3, 1, 2, 0}, m.roll(new int[] {1, -1}, new int[] {0, 1}).toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> m.roll(new int[] {1, 2}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> m.roll(new int[] {1, 2}, null));
        assertArrayEquals(new long[] {3, 1, 2}, Tensor.fromArray(new long[] {1, 2, 3}).roll(1, 0).toLongArray());
        assertArrayEquals(new int[] {0}, Tensor.zeros(0).roll(3).shape());
    }

    @Test
    void rot90TurnsByQuarters() {
        Tensor x = iota(2, 3); // [[0 1 2] [3 4 5]]
        Tensor r1 = x.rot90(1, 0, 1); // torch: [[2 5] [1 4] [0 3]]
        assertArrayEquals(new int[] {3, 2}, r1.shape());
        assertArrayEquals(new double[] {2, 5, 1, 4, 0, 3}, r1.toDoubleArray(), 0);
        assertArrayEquals(new double[] {5, 4, 3, 2, 1, 0}, x.rot90(2, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {3, 0, 4, 1, 5, 2}, x.rot90(-1, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(x.rot90(3, 0, 1).toDoubleArray(), x.rot90(-1, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(x.toDoubleArray(), x.rot90(4, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(x.rot90(-1, 0, 1).toDoubleArray(), x.rot90(1, 1, 0).toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> x.rot90(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> iota(3).rot90(1, 0, 1));
    }

    @Test
    void movedimAndTile() {
        Tensor x = iota(2, 3, 4);
        assertArrayEquals(new int[] {3, 4, 2}, x.movedim(0, -1).shape());
        assertArrayEquals(x.permute(1, 2, 0).toDoubleArray(), x.movedim(0, 2).toDoubleArray(), 0);
        assertArrayEquals(new int[] {4, 2, 3}, x.movedim(new int[] {2}, new int[] {0}).shape());
        assertArrayEquals(new int[] {4, 3, 2}, x.movedim(new int[] {0, 2}, new int[] {2, 0}).shape());
        assertArrayEquals(x.permute(2, 1, 0).toDoubleArray(), x.movedim(new int[] {0, 2}, new int[] {2, 0}).toDoubleArray(), 0);
        assertSame(x.storage(), x.movedim(0, 1).storage());
        assertThrows(IllegalArgumentException.class, () -> x.movedim(new int[] {0, 0}, new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> x.movedim(new int[] {0}, new int[] {1, 2}));
        Tensor m = iota(2, 2);
        assertArrayEquals(new int[] {2, 4}, m.tile(2).shape());
        assertArrayEquals(new double[] {0, 1, 0, 1, 2, 3, 2, 3}, m.tile(2).toDoubleArray(), 0);
        assertArrayEquals(new int[] {3, 2, 2}, m.tile(3, 1, 1).shape());
        assertArrayEquals(new int[] {4, 2}, m.tile(2, 1).shape());
    }

    @Test
    void repeatInterleaveWithIntsAndTensors() {
        Tensor x = iota(2, 2);
        assertArrayEquals(new double[] {0, 0, 1, 1, 2, 2, 3, 3}, x.repeatInterleave(2, null).toDoubleArray(), 0);
        Tensor r = x.repeatInterleave(2, 0);
        assertArrayEquals(new int[] {4, 2}, r.shape());
        assertArrayEquals(new double[] {0, 1, 0, 1, 2, 3, 2, 3}, r.toDoubleArray(), 0);
        Tensor c = x.repeatInterleave(Tensor.fromArray(new long[] {1, 2}), 1);
        assertArrayEquals(new double[] {0, 1, 1, 2, 3, 3}, c.toDoubleArray(), 0);
        assertArrayEquals(new int[] {2, 3}, c.shape());
        assertArrayEquals(new double[] {2, 3}, x.repeatInterleave(Tensor.fromArray(new long[] {0, 1}), 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {0, 0, 0, 1, 1, 1}, iota(2).repeatInterleave(Tensor.scalar(3, DType.INT64), 0).toDoubleArray(), 0);
        assertArrayEquals(new long[] {0, 0, 2, 2, 2}, Rearrange.repeatInterleave(Tensor.fromArray(new long[] {2, 0, 3})).toLongArray());
        assertArrayEquals(new int[] {0, 2}, x.repeatInterleave(0, 0).shape());
        assertThrows(IllegalArgumentException.class, () -> x.repeatInterleave(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> x.repeatInterleave(Tensor.fromArray(new long[] {1, 2, 3}), 0));
        assertThrows(IllegalArgumentException.class, () -> x.repeatInterleave(Tensor.fromArray(new long[] {1, -2}), 0));
        assertThrows(IllegalArgumentException.class, () -> x.repeatInterleave(Tensor.fromArray(new double[] {1, 2}), 0));
    }

    @Test
    void takeAlongDimBroadcastsAndFlattens() {
        Tensor x = Tensor.fromArray(new double[] {10, 30, 20, 60, 40, 50}, 2, 3);
        Tensor idx = Tensor.fromArray(new long[] {0, 2, 1, 1, 2, 0}, 2, 3); // the argsort of each row
        assertArrayEquals(new double[] {10, 20, 30, 40, 50, 60}, x.takeAlongDim(idx, 1).toDoubleArray(), 0);
        Tensor am = x.argmax(1, true);
        assertArrayEquals(new double[] {30, 60}, x.takeAlongDim(am, 1).toDoubleArray(), 0);
        // indices broadcast along dim 0
        Tensor b = x.takeAlongDim(Tensor.fromArray(new long[] {2, 0}, 1, 2), 1);
        assertArrayEquals(new int[] {2, 2}, b.shape());
        assertArrayEquals(new double[] {20, 10, 50, 60}, b.toDoubleArray(), 0);
        assertArrayEquals(new double[] {50, 10}, x.takeAlongDim(Tensor.fromArray(new long[] {5, 0}), null).toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> x.takeAlongDim(Tensor.fromArray(new long[] {0}), 1));
        assertThrows(IllegalArgumentException.class, () -> x.takeAlongDim(Tensor.fromArray(new double[] {0, 1}, 2, 1), 1));
    }

    @Test
    void trilTriuKeepTheirTrianglesForEveryDiagonal() {
        Tensor x = iota(2, 3, 4).add(1);
        for (int k = -4; k <= 5; k++) {
            double[] lo = x.tril(k).toDoubleArray(), up = x.triu(k).toDoubleArray(), v = x.toDoubleArray();
            for (int b = 0; b < 2; b++) for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
                int p = (b * 3 + i) * 4 + j;
                assertEquals(j - i <= k ? v[p] : 0, lo[p], "tril " + k);
                assertEquals(j - i >= k ? v[p] : 0, up[p], "triu " + k);
            }
        }
        Tensor li = Tensor.fromArray(new long[] {1, 2, 3, 4}, 2, 2);
        assertEquals(DType.INT64, li.tril().dtype());
        assertArrayEquals(new long[] {1, 0, 3, 4}, li.tril().toLongArray());
        Tensor bo = Tensor.fromArray(new boolean[] {true, true, true, true}, 2, 2);
        assertArrayEquals(new boolean[] {true, true, false, true}, bo.triu().toBooleanArray());
        assertThrows(IllegalArgumentException.class, () -> iota(3).tril());
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).triu(1).shape());
    }

    @Test
    void diagonalViewsDiagAndTrace() {
        Tensor x = iota(3, 4);
        assertArrayEquals(new double[] {0, 5, 10}, x.diagonal().toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 6, 11}, x.diagonal(1, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {3}, x.diagonal(3, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {4, 9}, x.diagonal(-1, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {8}, x.diagonal(-2, 0, 1).toDoubleArray(), 0);
        assertArrayEquals(new int[] {0}, x.diagonal(4, 0, 1).shape());
        assertArrayEquals(new int[] {0}, x.diagonal(-3, 0, 1).shape());
        assertArrayEquals(new int[] {0}, x.diagonal(100, 0, 1).shape());
        assertArrayEquals(new double[] {0, 5, 10}, x.diagonal(0, 1, 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 6, 11}, x.diagonal(-1, 1, 0).toDoubleArray(), 0);
        assertSame(x.storage(), x.diagonal().storage());
        // batched: dims (1, 2) of (2, 3, 3) -> (2, 3)
        Tensor b = iota(2, 3, 3);
        Tensor bd = b.diagonal(0, 1, 2);
        assertArrayEquals(new int[] {2, 3}, bd.shape());
        assertArrayEquals(new double[] {0, 4, 8, 9, 13, 17}, bd.toDoubleArray(), 0);
        // dims (0, 2): remaining dim 1 first, diagonal last
        Tensor d02 = b.diagonal(0, 0, 2);
        assertArrayEquals(new int[] {3, 2}, d02.shape());
        assertArrayEquals(new double[] {0, 10, 3, 13, 6, 16}, d02.toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> x.diagonal(0, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> iota(3).diagonal());
        // diag: 1-D -> 2-D with offsets, 2-D -> 1-D copy
        Tensor v = Tensor.fromArray(new double[] {1, 2});
        assertArrayEquals(new double[] {1, 0, 0, 2}, v.diag().toDoubleArray(), 0);
        Tensor up = v.diag(1);
        assertArrayEquals(new int[] {3, 3}, up.shape());
        assertArrayEquals(new double[] {0, 1, 0, 0, 0, 2, 0, 0, 0}, up.toDoubleArray(), 0);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0}, v.diag(-2).toDoubleArray(), 0);
        assertArrayEquals(new long[] {7, 0, 0, 8}, Tensor.fromArray(new long[] {7, 8}).diag().toLongArray());
        Tensor dc = x.diag(1);
        assertArrayEquals(new double[] {1, 6, 11}, dc.toDoubleArray(), 0);
        assertTrue(dc.storage() != x.storage());
        assertArrayEquals(new int[] {0}, x.diag(5).shape());
        assertArrayEquals(new int[] {2, 2}, Tensor.zeros(0).diag(2).shape());
        assertThrows(IllegalArgumentException.class, () -> iota(2, 2, 2).diag());
        assertEquals(15, x.trace().item());
        assertEquals(DType.INT64, Tensor.fromArray(new long[] {1, 2, 3, 4}, 2, 2).trace().dtype());
        assertEquals(5L, Tensor.fromArray(new long[] {1, 2, 3, 4}, 2, 2).trace().toLongArray()[0]);
        assertThrows(IllegalArgumentException.class, () -> iota(3).trace());
    }

    @Test
    void gradientsOfTheViewAndMaskOps() {
        Tensor x = iota(3, 3).requiresGrad_();
        x.diagonal(1, 0, 1).sum().backward();
        assertArrayEquals(new double[] {0, 1, 0, 0, 0, 1, 0, 0, 0}, x.grad().toDoubleArray(), 0);
        Tensor y = iota(3, 3).requiresGrad_();
        y.tril(-1).sum().backward();
        assertArrayEquals(new double[] {0, 0, 0, 1, 0, 0, 1, 1, 0}, y.grad().toDoubleArray(), 0);
        Tensor z = iota(3, 3).requiresGrad_();
        z.trace().backward();
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, z.grad().toDoubleArray(), 0);
        Tensor w = iota(3).requiresGrad_();
        w.roll(1).backward(Tensor.fromArray(new double[] {10, 20, 30}));
        assertArrayEquals(new double[] {20, 30, 10}, w.grad().toDoubleArray(), 0);
    }
}
