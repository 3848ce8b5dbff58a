package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;

class TensorColumnTest {
    static final ArrowType F32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);

    static Field list(String name, Map<String, String> md) {
        return new Field(name, new FieldType(false, new ArrowType.List(), null, md),
                List.of(new Field("element", FieldType.notNullable(F32), null)));
    }

    @Test
    void shapeJsonRoundTrip() {
        assertEquals("[1,3,19,16,16]", TensorColumn.shapeToJson(new int[] {1, 3, 19, 16, 16}));
        assertArrayEquals(new int[] {1, 3, 19, 16, 16}, TensorColumn.parseShape("[1, 3,19,16,16]"));
        assertThrows(IllegalArgumentException.class, () -> TensorColumn.parseShape("[1,0]"));
        assertThrows(IllegalArgumentException.class, () -> TensorColumn.parseShape("{\"a\":1}"));
        assertThrows(IllegalArgumentException.class, () -> TensorColumn.parseShape("[1.5]"));
    }

    @Test
    void shapeFromFieldMetadata() {
        Schema s = new Schema(List.of(list("x", Map.of(TensorColumn.SHAPE_KEY, "[2,3]"))));
        TensorColumn.Resolved r = TensorColumn.of("x").resolve(s, "f");
        assertEquals(TensorColumn.Layout.LIST, r.layout());
        assertArrayEquals(new int[] {2, 3}, r.sampleShape());
        assertEquals(DType.FLOAT32, r.dtype());
    }

    @Test
    void shapeFromSchemaMetadataAndFromSpark() {
        Schema s = new Schema(List.of(list("x", null)), Map.of("sparkgrad.shape.x", "[4,5]"));
        assertArrayEquals(new int[] {4, 5}, TensorColumn.of("x").resolve(s, "f").sampleShape());
        String spark = "{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":{\"type\":\"array\",\"elementType\":"
                + "\"float\",\"containsNull\":false},\"nullable\":false,\"metadata\":{\"sparkgrad.shape\":\"[1,28,28]\"}}]}";
        Schema s2 = new Schema(List.of(list("x", null)), Map.of(TensorColumn.SPARK_ROW_METADATA, spark));
        assertArrayEquals(new int[] {1, 28, 28}, TensorColumn.of("x").resolve(s2, "f").sampleShape());
        // no shape anywhere: taken from the data later
        assertNull(TensorColumn.of("x").resolve(new Schema(List.of(list("x", null))), "f").sampleShape());
    }

    @Test
    void callerShapeMustAgreeWithDeclared() {
        Schema s = new Schema(List.of(list("x", Map.of(TensorColumn.SHAPE_KEY, "[2,3]"))));
        assertArrayEquals(new int[] {3, 2}, TensorColumn.of("x", 3, 2).resolve(s, "f").sampleShape());
        ArrowDataException e = assertThrows(ArrowDataException.class,
                () -> TensorColumn.of("x", 7).resolve(s, "file.parquet"));
        assertEquals("x", e.column());
        assertEquals("file.parquet", e.file());
    }

    @Test
    void extensionAndFixedSizeList() {
        Field ext = new Field("t", FieldType.notNullable(new FixedShapeTensorType(F32, new int[] {2, 2}, null, null)),
                List.of(new Field("item", FieldType.notNullable(F32), null)));
        Field fsl = new Field("u", FieldType.notNullable(new ArrowType.FixedSizeList(6)),
                List.of(new Field("item", FieldType.notNullable(F32), null)));
        Schema s = new Schema(List.of(ext, fsl));
        TensorColumn.Resolved r = TensorColumn.of("t").resolve(s, null);
        assertEquals(TensorColumn.Layout.FIXED_SHAPE_TENSOR, r.layout());
        assertArrayEquals(new int[] {2, 2}, r.sampleShape());
        assertArrayEquals(new int[] {6}, TensorColumn.of("u").resolve(s, null).sampleShape());
        assertArrayEquals(new int[] {2, 3}, TensorColumn.of("u", 2, 3).resolve(s, null).sampleShape());
        assertThrows(ArrowDataException.class, () -> TensorColumn.of("u", 5).resolve(s, null));
    }

    @Test
    void scalarsMissingAndWrongTypes() {
        Schema s = new Schema(List.of(new Field("y", FieldType.notNullable(new ArrowType.Int(32, true)), null),
                new Field("name", FieldType.notNullable(new ArrowType.Utf8()), null),
                new Field("z", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null)));
        TensorColumn.Resolved y = TensorColumn.of("y").resolve(s, "f");
        assertEquals(TensorColumn.Layout.SCALAR, y.layout());
        assertEquals(DType.INT64, y.dtype());
        assertEquals(DType.FLOAT64, TensorColumn.of("z").resolve(s, "f").dtype());
        ArrowDataException missing = assertThrows(ArrowDataException.class, () -> TensorColumn.of("nope").resolve(s, "f"));
        assertTrue(missing.getMessage().contains("missing column"), missing.getMessage());
        assertTrue(missing.getMessage().contains("[y, name, z]"), missing.getMessage());
        ArrowDataException wrong = assertThrows(ArrowDataException.class, () -> TensorColumn.of("name").resolve(s, "f"));
        assertTrue(wrong.getMessage().contains("wrong column type"), wrong.getMessage());
        assertEquals("name", wrong.column());
    }

    @Test
    void extensionTypeSerialisesCanonically() {
        FixedShapeTensorType t = new FixedShapeTensorType(F32, new int[] {1, 3, 19, 16, 16}, null, null);
        assertEquals("{\"shape\":[1,3,19,16,16]}", t.serialize());
        ArrowType back = t.deserialize(new ArrowType.FixedSizeList(1 * 3 * 19 * 16 * 16), t.serialize());
        assertTrue(t.extensionEquals((ArrowType.ExtensionType) back));
        assertThrows(IllegalArgumentException.class, () -> t.deserialize(new ArrowType.FixedSizeList(5), t.serialize()));
    }
}
