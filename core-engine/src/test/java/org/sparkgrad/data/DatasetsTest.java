package org.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class DatasetsTest {

    static int[] sizes(List<Subset> parts) {
        return parts.stream().mapToInt(Subset::size).toArray();
    }

    static void assertPartition(List<Subset> parts, int n) {
        Set<Integer> seen = new HashSet<>();
        for (Subset s : parts) {
            for (int i : s.indices()) assertTrue(seen.add(i), "index " + i + " in two splits");
        }
        assertEquals(n, seen.size(), "the splits cover the dataset");
    }

    @Test
    void randomSplitByLengthsIsADisjointCover() {
        TensorDataset ds = DataLoaderTest.indexed(100);
        List<Subset> parts = Datasets.randomSplit(ds, new int[] {70, 20, 10}, new Generator(0));
        assertArrayEquals(new int[] {70, 20, 10}, sizes(parts));
        assertPartition(parts, 100);
        // a subset's samples are the dataset's samples at its indices
        Subset s = parts.get(1);
        for (int i = 0; i < s.size(); i++) {
            assertEquals(s.indexAt(i), (long) s.get(i)[1].item());
        }
    }

    @Test
    void randomSplitByFractionsFollowsPyTorchRounding() {
        TensorDataset ds = DataLoaderTest.indexed(11);
        // floor(5.5) = 5 each, remainder 1 goes to split 0 (torch.utils.data.random_split)
        assertArrayEquals(new int[] {6, 5}, sizes(Datasets.randomSplit(ds, new double[] {0.5, 0.5}, new Generator(1))));
        // floor(3.3)=3, floor(3.3)=3, floor(4.4)=4 -> remainder 1 -> split 0
        List<Subset> parts = Datasets.randomSplit(ds, new double[] {0.3, 0.3, 0.4}, new Generator(1));
        assertArrayEquals(new int[] {4, 3, 4}, sizes(parts));
        assertPartition(parts, 11);
        // 10 samples, three thirds: 3, 3, 3 + remainder 1 -> 4, 3, 3
        assertArrayEquals(new int[] {4, 3, 3},
                sizes(Datasets.randomSplit(DataLoaderTest.indexed(10), new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, new Generator(1))));
        // a zero-length split is allowed (logged as a warning)
        assertArrayEquals(new int[] {2, 0},
                sizes(Datasets.randomSplit(DataLoaderTest.indexed(2), new double[] {1.0, 0.0}, new Generator(1))));
    }

    @Test
    void randomSplitIsReproducibleFromTheGeneratorSeed() {
        TensorDataset ds = DataLoaderTest.indexed(50);
        List<Subset> a = Datasets.randomSplit(ds, new int[] {25, 25}, new Generator(42));
        List<Subset> b = Datasets.randomSplit(ds, new int[] {25, 25}, new Generator(42));
        List<Subset> c = Datasets.randomSplit(ds, new int[] {25, 25}, new Generator(43));
        assertArrayEquals(a.get(0).indices(), b.get(0).indices());
        assertArrayEquals(a.get(1).indices(), b.get(1).indices());
        assertNotEquals(Arrays.toString(a.get(0).indices()), Arrays.toString(c.get(0).indices()));
        // the permutation is Tensor.randperm's for the same generator state
        long[] perm = Tensor.randperm(50, new Generator(42)).toLongArray();
        int[] first = a.get(0).indices();
        for (int i = 0; i < 25; i++) assertEquals(perm[i], first[i]);
    }

    @Test
    void randomSplitRejectsBadArguments() {
        TensorDataset ds = DataLoaderTest.indexed(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.randomSplit(ds, new int[] {5, 4}, new Generator(0)));
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new int[] {11, -1}, new Generator(0)));
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new double[] {0.5, 0.4}, new Generator(0)));
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new double[] {1.5, -0.5}, new Generator(0)));
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(ds, new double[] {Double.NaN, 1}, new Generator(0)));
    }
}
