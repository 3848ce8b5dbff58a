package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** The functional API gives what the modules and op families give. */
class FTest {
    @Test
    void functionalConvPoolAndLossesMatchTheModules() {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(g, 2, 3, 8, 8);
        Conv2d conv = new Conv2d(3, 4, new int[] {3}, new int[] {1}, new int[] {1}, null, 1, true, g);
        Tensor viaF = F.conv2d(x, conv.parameter("weight"), conv.parameter("bias"), new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        assertArrayEquals(conv.forward(x).toFloatArray(), viaF.toFloatArray(), 1e-6f);
        assertArrayEquals(new MaxPool2d(2).forward(x).toFloatArray(),
                F.maxPool(x, 2, new int[] {2, 2}, null, new int[] {0, 0}, new int[] {1, 1}, false).toFloatArray(), 0f);
        assertArrayEquals(new int[] {2, 3, 1, 1}, F.adaptiveAvgPool(x, 2, 1, 1).shape());
        Tensor logits = Tensor.randn(g, 5, 4);
        Tensor target = Tensor.fromArray(new long[] {0, 3, 1, 2, 2});
        assertEquals(org.sparkgrad.ops.Losses.crossEntropy(logits, target).item(), F.crossEntropy(logits, target).item(), 0);
        Tensor y = Tensor.randn(g, 5, 4);
        assertEquals(logits.sub(y).square().mean().item(), F.mseLoss(logits, y).item(), 1e-6);
    }

    @Test
    void embeddingRejectsNegativeAndTooLargeIndices() {
        // PyTorch: IndexError "index out of range in self" for -1 as for num_embeddings; -1 must not wrap to the last row
        Embedding e = new Embedding(4, 2, 3, new Generator(1));
        IndexOutOfBoundsException neg = assertThrows(IndexOutOfBoundsException.class,
                () -> e.forward(Tensor.fromArray(new long[] {0, -1}, 2)));
        assertTrue(neg.getMessage().contains("-1") && neg.getMessage().contains("4"), neg.getMessage());
        IndexOutOfBoundsException big = assertThrows(IndexOutOfBoundsException.class,
                () -> F.embedding(Tensor.fromArray(new long[] {4}, 1), e.weight, null));
        assertTrue(big.getMessage().contains("4"), big.getMessage());
        assertArrayEquals(new int[] {1, 2, 2}, e.forward(Tensor.fromArray(new long[] {0, 3}, 1, 2)).shape());
    }

    /**
     * {@code F.embedding}: padding_idx must lie in [-num_embeddings, num_embeddings) (checked when called, not at
     * backward), and a negative one counts from the end, so -1 zeroes the gradient of the last row.
     */
    @Test
    void embeddingPaddingIdxIsCheckedUpFrontAndMayBeNegative() {
        Tensor w = Tensor.ones(DType.FLOAT64, 3, 2).requiresGrad_(true);
        Tensor idx = Tensor.fromArray(new long[] {2, 1, 2, 0}, 4);
        assertThrows(IllegalArgumentException.class, () -> F.embedding(idx, w, 3));
        assertThrows(IllegalArgumentException.class, () -> F.embedding(idx, w, -4));
        F.embedding(idx, w, -1).sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 1, 0, 0}, w.grad().toDoubleArray(), 0);
        w.setGrad(null);
        F.embedding(idx, w, null).mul(F.embedding(idx, w, null)).sum().backward();
        assertArrayEquals(new double[] {2, 2, 2, 2, 4, 4}, w.grad().toDoubleArray(), 0);
        // off the padding row the gradient is the derivative (the padding row's zero is a convention, not a derivative)
        org.sparkgrad.autograd.GradCheck.Result r = org.sparkgrad.autograd.GradCheck.check(
                t -> F.embedding(Tensor.fromArray(new long[] {2, 0, 2}, 3), t[0], 1).square().sum(),
                Tensor.randn(new Generator(3), 3, 2).to(DType.FLOAT64).requiresGrad_(true));
        assertTrue(r.ok, r.message);
    }
}
