package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** {@link Upsample} (and the deprecated UpsamplingNearest2d/UpsamplingBilinear2d): repr, options passed to F.interpolate. */
class UpsampleTest {
    @Test
    void reprIsPyTorchs() {
        assertEquals("Upsample(scale_factor=2.0, mode=nearest)", new Upsample(2, "nearest").toString());
        assertEquals("Upsample(size=(4, 6), mode=bilinear)", new Upsample(new int[] {4, 6}, "bilinear").toString());
        assertEquals("Upsample(size=5, mode=linear)", new Upsample(new int[] {5}, "linear").toString());
        assertEquals("Upsample(scale_factor=(2.0, 1.5), mode=nearest)", new Upsample(null, new double[] {2, 1.5}, "nearest", null, null).toString());
        assertEquals("UpsamplingBilinear2d(scale_factor=2.0, mode=bilinear)", new UpsamplingBilinear2d(2).toString());
        assertEquals(0, new Upsample(2, "nearest").parameters().size());
    }

    @Test
    void forwardIsInterpolateWithTheModuleOptions() {
        Tensor x = Tensor.randn(new Generator(4), 2, 3, 4, 5);
        assertArrayEquals(F.interpolate(x, new double[] {2}, "nearest").toFloatArray(), new Upsample(2, "nearest").forward(x).toFloatArray(), 0f);
        assertArrayEquals(new int[] {2, 3, 8, 10}, new Upsample(2, "bilinear").forward(x).shape());
        Upsample aligned = new Upsample(new int[] {7, 3}, null, "bilinear", true, null);
        assertArrayEquals(F.interpolate(x, new int[] {7, 3}, null, "bilinear", true, null).toFloatArray(), aligned.forward(x).toFloatArray(), 0f);
        assertArrayEquals(aligned.forward(x).toFloatArray(), new UpsamplingBilinear2d(new int[] {7, 3}, null).forward(x).toFloatArray(), 0f);
        assertArrayEquals(new Upsample(3, "nearest").forward(x).toFloatArray(), new UpsamplingNearest2d(3).forward(x).toFloatArray(), 0f);
        Upsample recompute = new Upsample(null, new double[] {1.7}, "nearest", null, true);
        assertArrayEquals(F.interpolate(x, new int[] {6, 8}, "nearest").toFloatArray(), recompute.forward(x).toFloatArray(), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Upsample(null, null, "nearest", null, null));
        assertTrue(e.getMessage().contains("either size or scale_factor should be defined"));
        assertThrows(IllegalArgumentException.class, () -> new Upsample(new int[] {2}, new double[] {2}, "nearest", null, null));
    }
}
