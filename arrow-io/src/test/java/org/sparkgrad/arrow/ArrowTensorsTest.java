package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class ArrowTensorsTest {
    BufferAllocator al;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close();
    }

    static float[] randomFloats(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian() * 100f;
        }
        if (n > 3) {
            f[0] = -0.0f;
            f[1] = Float.MIN_VALUE; // subnormal
            f[2] = Float.MAX_VALUE;
        }
        return f;
    }

    @ParameterizedTest
    @EnumSource(value = TensorColumn.Layout.class, names = {"LIST", "FIXED_SIZE_LIST", "FIXED_SHAPE_TENSOR"})
    void tensorToVectorsAndBackIsBitIdentical(TensorColumn.Layout layout) {
        int rows = 7;
        int[] shape = {rows, 1, 3, 2, 4, 5}; // (N, C, T, D, H, W)
        float[] x = randomFloats(rows * 120, 1);
        double[] d = new double[rows * 2];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.PI * i - 1e300;
        }
        long[] y = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 4, 5, 6};
        Map<String, Tensor> cols = new LinkedHashMap<>();
        cols.put("x", Tensor.fromArray(x, shape));
        cols.put("d", Tensor.fromArray(d, rows, 2));
        cols.put("y", Tensor.fromArray(y, rows));
        try (VectorSchemaRoot root = ArrowTensors.toRoot(cols, layout, al)) {
            assertEquals(rows, root.getRowCount());
            assertEquals("[1,3,2,4,5]", root.getSchema().findField("x").getMetadata().get(TensorColumn.SHAPE_KEY));
            Batch b = ArrowTensors.toBatch(root, List.of(TensorColumn.of("x"), TensorColumn.of("d"), TensorColumn.of("y")),
                    NonFinitePolicy.FAIL);
            assertArrayEquals(shape, b.get(0).shape());
            assertEquals(DType.FLOAT32, b.get(0).dtype());
            TestData.assertBitEquals(x, b.get(0).toFloatArray(), "x");
            assertArrayEquals(d, b.get(1).toDoubleArray());
            assertEquals(DType.FLOAT64, b.get(1).dtype());
            assertArrayEquals(y, b.get(2).toLongArray());
            assertArrayEquals(new int[] {rows}, b.get(2).shape());
        }
    }

    /** A list<float32> root with the given per-row lists; a null list where the row is null. */
    VectorSchemaRoot listRoot(float[][] rows) {
        ListVector lv = ListVector.empty("x", al);
        lv.addOrGetVector(org.apache.arrow.vector.types.pojo.FieldType.nullable(
                new org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint(
                        org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE)));
        lv.allocateNew();
        Float4Vector data = (Float4Vector) lv.getDataVector();
        int e = 0;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) {
                lv.setNull(i);
                continue;
            }
            lv.startNewValue(i);
            for (float v : rows[i]) {
                if (Float.isNaN(v) && Float.floatToRawIntBits(v) == 0x7fc00bad) {
                    data.setNull(e++); // marks a null element
                } else {
                    data.setSafe(e++, v);
                }
            }
            lv.endValue(i, rows[i].length);
        }
        data.setValueCount(e);
        lv.setValueCount(rows.length);
        IntVector y = new IntVector("y", al);
        y.allocateNew(rows.length);
        for (int i = 0; i < rows.length; i++) {
            y.set(i, i);
        }
        y.setValueCount(rows.length);
        VectorSchemaRoot root = VectorSchemaRoot.of(lv, y);
        root.setRowCount(rows.length);
        return root;
    }

    @Test
    void nullRowIsNamed() {
        try (VectorSchemaRoot root = listRoot(new float[][] {{1, 2}, null, {3, 4}})) {
            ArrowDataException e = assertThrows(ArrowDataException.class,
                    () -> ArrowTensors.toTensor(root, TensorColumn.of("x", 2)));
            assertEquals("x", e.column());
            assertEquals(1, e.row());
            assertTrue(e.getMessage().contains("null"), e.getMessage());
        }
    }

    @Test
    void nullElementIsNamed() {
        float nullMark = Float.intBitsToFloat(0x7fc00bad);
        try (VectorSchemaRoot root = listRoot(new float[][] {{1, 2}, {3, 4}, {5, nullMark}})) {
            ArrowDataException e = assertThrows(ArrowDataException.class,
                    () -> ArrowTensors.toTensor(root, TensorColumn.of("x", 2)));
            assertEquals(2, e.row());
            assertTrue(e.getMessage().contains("null element"), e.getMessage());
        }
    }

    @Test
    void wrongListLengthIsNamedAndNeverPadded() {
        try (VectorSchemaRoot root = listRoot(new float[][] {{1, 2, 3}, {4, 5, 6}, {7, 8}})) {
            ArrowDataException e = assertThrows(ArrowDataException.class,
                    () -> ArrowTensors.toTensor(root, TensorColumn.of("x", 3)));
            assertEquals(2, e.row());
            assertTrue(e.getMessage().contains("length 2"), e.getMessage());
            // the shape from the first row is enforced the same way
            assertThrows(ArrowDataException.class, () -> ArrowTensors.toTensor(root, TensorColumn.of("x")));
        }
    }

    @Test
    void nonFinitePolicies() {
        float[][] rows = {{1, 2}, {Float.NaN, 3}, {4, Float.POSITIVE_INFINITY}, {5, 6}};
        try (VectorSchemaRoot root = listRoot(rows)) {
            List<TensorColumn> cols = List.of(TensorColumn.of("x"), TensorColumn.of("y"));
            ArrowDataException e = assertThrows(ArrowDataException.class,
                    () -> ArrowTensors.toBatch(root, cols, NonFinitePolicy.FAIL));
            assertEquals(1, e.row());
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());

            Batch skip = ArrowTensors.toBatch(root, cols, NonFinitePolicy.SKIP);
            assertArrayEquals(new float[] {1, 2, 5, 6}, skip.get(0).toFloatArray());
            assertArrayEquals(new long[] {0, 3}, skip.get(1).toLongArray(), "labels of the skipped rows go too");

            Batch zero = ArrowTensors.toBatch(root, cols, NonFinitePolicy.ZERO);
            assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 5, 6}, zero.get(0).toFloatArray());
            assertArrayEquals(new long[] {0, 1, 2, 3}, zero.get(1).toLongArray());
        }
    }

    @Test
    void rowsMustAgree() {
        Map<String, Tensor> cols = new LinkedHashMap<>();
        cols.put("a", Tensor.fromArray(new float[6], 3, 2));
        cols.put("b", Tensor.fromArray(new long[2], 2));
        assertThrows(IllegalArgumentException.class, () -> ArrowTensors.toRoot(cols, TensorColumn.Layout.LIST, al));
    }
}
