package org.sparkgrad.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparkgrad.tensor.Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers on datasets, after {@code torch.utils.data}. */
public final class Datasets {
    private static final Logger LOG = LoggerFactory.getLogger(Datasets.class);

    private Datasets() {}

    /**
     * Randomly splits a dataset into non-overlapping subsets of the given lengths, as
     * {@code torch.utils.data.random_split(dataset, lengths, generator)}: one random permutation of
     * {@code 0..n-1} is drawn from {@code generator} and cut into consecutive pieces.
     *
     * @param lengths the sizes of the subsets, non-negative, summing to {@code dataset.size()}
     * @param generator source of randomness (advanced by the call; the same seed gives the same split)
     * @return one {@link Subset} per length, in order; together they hold every index exactly once
     * @throws IllegalArgumentException when a length is negative or the lengths do not sum to the dataset size
     */
    public static List<Subset> randomSplit(Dataset dataset, int[] lengths, Generator generator) {
        long sum = 0;
        for (int l : lengths) {
            if (l < 0) throw new IllegalArgumentException("split lengths must be non-negative, got " + Arrays.toString(lengths));
            sum += l;
        }
        if (sum != dataset.size()) {
            throw new IllegalArgumentException("sum of input lengths " + Arrays.toString(lengths) + " = " + sum
                    + " does not equal the length of the input dataset (" + dataset.size() + ")");
        }
        int[] perm = permutation(dataset.size(), generator);
        List<Subset> out = new ArrayList<>(lengths.length);
        int offset = 0;
        for (int l : lengths) {
            out.add(new Subset(dataset, Arrays.copyOfRange(perm, offset, offset + l)));
            offset += l;
        }
        return out;
    }

    /**
     * Randomly splits a dataset by fractions, as {@code random_split} with fractions summing to 1: split
     * {@code i} gets {@code floor(n * fractions[i])} samples, then the remaining {@code r} samples are handed out
     * one each to splits {@code 0, 1, ..., r-1} (round robin). A split that ends up empty is logged as a warning.
     *
     * @param fractions values in {@code [0, 1]} that sum to 1 (within {@code 1e-9}, and not above 1 by more)
     * @throws IllegalArgumentException when a fraction is outside {@code [0, 1]} or they do not sum to 1
     */
    public static List<Subset> randomSplit(Dataset dataset, double[] fractions, Generator generator) {
        if (fractions.length == 0) throw new IllegalArgumentException("at least one fraction is needed");
        double total = 0;
        for (double f : fractions) {
            if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException("fraction " + f + " is not between 0 and 1");
            total += f;
        }
        if (Math.abs(total - 1) > 1e-9) {
            throw new IllegalArgumentException("fractions " + Arrays.toString(fractions) + " sum to " + total + ", not 1");
        }
        int n = dataset.size();
        int[] lengths = new int[fractions.length];
        int assigned = 0;
        for (int i = 0; i < fractions.length; i++) {
            lengths[i] = (int) Math.floor(n * fractions[i]);
            assigned += lengths[i];
        }
        int remainder = n - assigned;
        for (int i = 0; i < remainder; i++) lengths[i % lengths.length]++;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] == 0) LOG.warn("randomSplit: length of split at index {} is 0; this split will be empty", i);
        }
        return randomSplit(dataset, lengths, generator);
    }

    /** A random permutation of {@code 0..n-1} (Fisher–Yates with {@code generator}), the same as {@code Tensor.randperm}. */
    static int[] permutation(int n, Generator generator) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) d[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = generator.nextInt(i + 1);
            int t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return d;
    }
}
