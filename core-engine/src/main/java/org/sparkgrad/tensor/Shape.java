package org.sparkgrad.tensor;

import java.util.Arrays;

/** Static helpers for shapes ({@code int[]} sizes) and strides, with PyTorch's rules and error messages. */
public final class Shape {
    private Shape() {}

    /** Number of elements of a shape (1 for the 0-d shape). Throws on negative sizes or int overflow. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative size in shape " + str(shape));
            n *= s;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** Row-major (C-order) strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return st;
    }

    /** PyTorch-style rendering, e.g. {@code [2, 3, 4]}. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * Wraps a possibly negative dim into {@code [0, rank)}. A 0-d tensor accepts dims -1 and 0.
     *
     * @throws IndexOutOfBoundsException naming the dim and the valid range
     */
    public static int wrapDim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + (-r)
                    + ", " + (r - 1) + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Broadcast shape of two shapes (NumPy/PyTorch rules); the error names both shapes. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (size " + da + " vs " + db + " at dim " + i + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Resolves a requested shape that may contain one {@code -1} against a number of elements.
     *
     * @throws IllegalArgumentException when the shape is invalid for {@code numel} elements
     */
    public static int[] infer(int[] requested, int numel, int[] from) {
        int[] out = requested.clone();
        int neg = -1;
        long prod = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (neg >= 0) throw new IllegalArgumentException("only one dimension can be inferred in " + str(requested));
                neg = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("invalid shape dimension " + out[i] + " in " + str(requested));
            } else {
                prod *= out[i];
            }
        }
        if (neg >= 0) {
            if (prod == 0 || numel % prod != 0) {
                throw new IllegalArgumentException("shape " + str(requested) + " is invalid for input of shape "
                        + str(from) + " (" + numel + " elements)");
            }
            out[neg] = (int) (numel / prod);
        } else if (prod != numel) {
            throw new IllegalArgumentException("shape " + str(requested) + " is invalid for input of shape "
                    + str(from) + " (" + numel + " elements)");
        }
        return out;
    }

    /** Normalises a list of dims (negative allowed) to a sorted, duplicate-free array in {@code [0, rank)}. */
    public static int[] normalizeDims(int[] dims, int rank) {
        boolean[] seen = new boolean[Math.max(rank, 1)];
        int count = 0;
        for (int d : dims) {
            int w = wrapDim(d, rank);
            if (seen[w]) throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
            seen[w] = true;
            count++;
        }
        int[] out = new int[count];
        int k = 0;
        for (int i = 0; i < seen.length; i++) if (seen[i]) out[k++] = i;
        return out;
    }

    /** All dims {@code 0..rank-1}. */
    public static int[] allDims(int rank) {
        int[] d = new int[rank];
        for (int i = 0; i < rank; i++) d[i] = i;
        return d;
    }
}
