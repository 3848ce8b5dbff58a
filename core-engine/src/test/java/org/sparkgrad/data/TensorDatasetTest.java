package org.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Tensor;

class TensorDatasetTest {

    @Test
    void getSelectsRowZeroOfEachTensor() {
        Tensor x = Tensor.arange(24).toFloat().reshape(4, 2, 3);
        Tensor y = Tensor.fromArray(new long[] {7, 8, 9, 10}, 4);
        TensorDataset ds = new TensorDataset(x, y);
        assertEquals(4, ds.size());
        assertEquals(2, ds.arity());
        Tensor[] s = ds.get(2);
        assertArrayEquals(new int[] {2, 3}, s[0].shape());
        assertArrayEquals(new float[] {12, 13, 14, 15, 16, 17}, s[0].toFloatArray());
        assertArrayEquals(new int[0], s[1].shape());
        assertEquals(9.0, s[1].item());
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(4));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(-1));
    }

    @Test
    void gatherIsOneIndexSelectPerTensor() {
        Tensor x = Tensor.arange(12).toFloat().reshape(6, 2);
        TensorDataset ds = new TensorDataset(x, Tensor.arange(6));
        Batch b = ds.gather(new int[] {5, 0, 5});
        assertArrayEquals(new int[] {3, 2}, b.features().shape());
        assertArrayEquals(new float[] {10, 11, 0, 1, 10, 11}, b.features().toFloatArray());
        assertArrayEquals(new long[] {5, 0, 5}, b.labels().toLongArray());
        assertThrows(IndexOutOfBoundsException.class, () -> ds.gather(new int[] {6}));
    }

    @Test
    void rejectsMismatchedFirstDims() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.scalar(1)));
    }

    @Test
    void subsetMapsIndicesAndValidatesThem() {
        TensorDataset ds = new TensorDataset(Tensor.arange(5));
        Subset s = new Subset(ds, new int[] {4, 1});
        assertEquals(2, s.size());
        assertEquals(4.0, s.get(0)[0].item());
        assertEquals(1.0, s.get(1)[0].item());
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> new Subset(ds, new int[] {5}));
    }
}
