package org.sparkgrad.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.sparkgrad.tensor.DType;

/**
 * A column to read as a tensor: its name and, optionally, the per-sample shape the caller expects.
 *
 * <h2>Tensor column layout</h2>
 * A tensor-valued column holds one sample per row, its elements flattened in row-major (C) order, as one of
 * <ul>
 *   <li>{@code list<float32>} — what Spark writes for {@code array<float>} (Parquet keeps only this form);</li>
 *   <li>{@code fixed_size_list<float32>[n]};</li>
 *   <li>{@code arrow.fixed_shape_tensor} (Arrow's canonical extension type, {@link FixedShapeTensorType}).</li>
 * </ul>
 * {@code float64} and integer elements are read too (into FLOAT64 / INT64 tensors). The per-sample shape comes,
 * first found wins, from: the extension type; the field metadata key {@value #SHAPE_KEY} (a JSON int array such
 * as {@code [1,3,19,16,16]}); the schema (Parquet key/value) metadata key {@value #SCHEMA_SHAPE_PREFIX}{@code
 * <column>}; the field metadata Spark keeps in {@value #SPARK_ROW_METADATA}; the caller. Without any of these a
 * list column is read as 1-D samples whose length is taken from its first row. When the caller gives a shape and the
 * file declares one, their element counts must agree; the caller's shape is used.
 *
 * <p>Scalar columns ({@code int8..int64}, {@code uint8..uint32}, {@code float32}, {@code float64}) are labels or
 * targets: integers become INT64 tensors of shape {@code (rows)}, floats FLOAT32 / FLOAT64.
 */
public final class TensorColumn {
    /** Field metadata key holding a column's per-sample shape as a JSON int array. */
    public static final String SHAPE_KEY = "sparkgrad.shape";
    /** Schema / Parquet key-value metadata key prefix: {@code sparkgrad.shape.<column>} → JSON int array. */
    public static final String SCHEMA_SHAPE_PREFIX = "sparkgrad.shape.";
    /** The key under which Spark stores its schema (with per-field metadata) in Parquet files. */
    public static final String SPARK_ROW_METADATA = "org.apache.spark.sql.parquet.row.metadata";

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        FixedShapeTensorType.ensureRegistered();
    }

    /** How a column stores its values. */
    public enum Layout {
        /** One number per row. */
        SCALAR,
        /** {@code list<T>}: offsets + values. */
        LIST,
        /** {@code fixed_size_list<T>[n]}. */
        FIXED_SIZE_LIST,
        /** {@code arrow.fixed_shape_tensor} over {@code fixed_size_list<T>[n]}. */
        FIXED_SHAPE_TENSOR
    }

    /**
     * A column resolved against a file's schema.
     *
     * @param name column name
     * @param layout storage layout
     * @param sampleShape per-sample shape ({@code []} for scalars); {@code null} for a list column whose shape is
     *     to be taken from its first row
     * @param dtype the tensor dtype produced: FLOAT32, FLOAT64, FLOAT16 or INT64
     */
    public record Resolved(String name, Layout layout, int[] sampleShape, DType dtype) {
        /** Elements per sample (1 for scalars); -1 when not yet known. */
        public int sampleSize() {
            return sampleShape == null ? -1 : numel(sampleShape);
        }

        /** Same column with the shape filled in. */
        public Resolved withShape(int[] shape) {
            return new Resolved(name, layout, shape.clone(), dtype);
        }

        @Override
        public String toString() {
            return name + ":" + layout + (sampleShape == null ? "[?]" : Arrays.toString(sampleShape)) + ":" + dtype;
        }
    }

    private final String name;
    private final int[] shape;

    private TensorColumn(String name, int[] shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.shape = shape == null ? null : shape.clone();
        if (shape != null) {
            for (int d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("column " + name + ": bad sample shape " + Arrays.toString(shape));
                }
            }
        }
    }

    /** A column whose shape comes from the data (extension type, metadata, or scalar). */
    public static TensorColumn of(String name) {
        return new TensorColumn(name, null);
    }

    /** A column with a per-sample shape given by the caller (for example {@code 1, 28, 28}). */
    public static TensorColumn of(String name, int... sampleShape) {
        return new TensorColumn(name, sampleShape);
    }

    public String name() {
        return name;
    }

    /** The caller's per-sample shape, or {@code null}. */
    public int[] sampleShape() {
        return shape == null ? null : shape.clone();
    }

    @Override
    public String toString() {
        return shape == null ? name : name + Arrays.toString(shape);
    }

    /** The JSON form of a shape, as stored under {@value #SHAPE_KEY}: {@code [1,3,19,16,16]}. */
    public static String shapeToJson(int[] shape) {
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }

    /**
     * Parses a shape stored as a JSON int array.
     *
     * @throws IllegalArgumentException if it is not a JSON array of positive integers
     */
    public static int[] parseShape(String json) {
        try {
            int[] s = FixedShapeTensorType.ints(JSON.readTree(json));
            if (s == null) {
                throw new IllegalArgumentException("not a shape: " + json);
            }
            for (int d : s) {
                if (d <= 0) {
                    throw new IllegalArgumentException("not a shape (dimensions must be > 0): " + json);
                }
            }
            return s;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a shape: " + json, e);
        }
    }

    static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample shape too large: " + Arrays.toString(shape));
        }
        return (int) n;
    }

    /**
     * Resolves this column against a schema.
     *
     * @param schema the file's schema (its custom metadata is searched for shapes too)
     * @param file the file, for error messages
     * @throws ArrowDataException if the column is missing, has an unsupported type, or its declared shape disagrees
     *     with the caller's or with a fixed list size
     */
    public Resolved resolve(Schema schema, Object file) {
        Field f = schema.getFields().stream().filter(x -> x.getName().equals(name)).findFirst().orElse(null);
        if (f == null) {
            throw new ArrowDataException("missing column (the file has " + schema.getFields().stream()
                    .map(Field::getName).collect(Collectors.toList()) + ")", file, name, -1, -1);
        }
        ArrowType t = f.getType();
        if (isScalar(t)) {
            if (shape != null && numel(shape) != 1) {
                throw new ArrowDataException("scalar column " + t + " cannot have the sample shape " + Arrays.toString(shape),
                        file, name, -1, -1);
            }
            return new Resolved(name, Layout.SCALAR, shape == null ? new int[0] : shape.clone(), scalarDType(t));
        }
        Layout layout;
        int[] declared = null;
        Field child;
        int fixedSize = -1;
        if (t instanceof FixedShapeTensorType ft) {
            if (!ft.isRowMajor()) {
                throw new ArrowDataException(FixedShapeTensorType.EXTENSION_NAME + " with a non-identity permutation "
                        + Arrays.toString(ft.permutation()) + " is not supported", file, name, -1, -1);
            }
            layout = Layout.FIXED_SHAPE_TENSOR;
            declared = ft.shape();
            fixedSize = ft.listSize();
            child = f.getChildren().isEmpty() ? null : f.getChildren().get(0);
        } else if (t instanceof ArrowType.FixedSizeList fsl) {
            layout = Layout.FIXED_SIZE_LIST;
            fixedSize = fsl.getListSize();
            child = f.getChildren().get(0);
            declared = extensionShapeFromMetadata(f, file);
        } else if (t instanceof ArrowType.List || t instanceof ArrowType.LargeList) {
            if (t instanceof ArrowType.LargeList) {
                throw new ArrowDataException("large_list columns are not supported; use list<float32>", file, name, -1, -1);
            }
            layout = Layout.LIST;
            child = f.getChildren().get(0);
        } else {
            throw new ArrowDataException("wrong column type " + t + ": a tensor column must be list<float32>, "
                    + "fixed_size_list<float32> or " + FixedShapeTensorType.EXTENSION_NAME + ", a label a numeric scalar",
                    file, name, -1, -1);
        }
        DType dtype = child == null ? DType.FLOAT32 : elementDType(child.getType(), file);
        if (declared == null) {
            declared = metadataShape(f, schema, file);
        }
        int[] use = declared;
        if (shape != null) {
            if (declared != null && numel(declared) != numel(shape)) {
                throw new ArrowDataException("the file declares the sample shape " + Arrays.toString(declared)
                        + " but the caller asked for " + Arrays.toString(shape), file, name, -1, -1);
            }
            use = shape.clone();
        }
        if (use == null && fixedSize >= 0) {
            use = new int[] {fixedSize};
        }
        if (use != null && fixedSize >= 0 && numel(use) != fixedSize) {
            throw new ArrowDataException("sample shape " + Arrays.toString(use) + " has " + numel(use)
                    + " elements but the column is a fixed_size_list of " + fixedSize, file, name, -1, -1);
        }
        return new Resolved(name, layout, use, dtype);
    }

    private int[] extensionShapeFromMetadata(Field f, Object file) {
        Map<String, String> md = f.getMetadata();
        if (md != null && FixedShapeTensorType.EXTENSION_NAME.equals(md.get(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_NAME))) {
            // the extension type was not registered when this schema was read: its metadata is still here
            try {
                JsonNode n = JSON.readTree(md.get(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_METADATA));
                JsonNode perm = n.get("permutation");
                int[] p = FixedShapeTensorType.ints(perm);
                if (p != null) {
                    for (int i = 0; i < p.length; i++) {
                        if (p[i] != i) {
                            throw new ArrowDataException("non-identity permutation is not supported", file, name, -1, -1);
                        }
                    }
                }
                return FixedShapeTensorType.ints(n.get("shape"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                throw new ArrowDataException("bad " + FixedShapeTensorType.EXTENSION_NAME + " metadata", file, name, -1, -1, e);
            }
        }
        return null;
    }

    private int[] metadataShape(Field f, Schema schema, Object file) {
        String s = f.getMetadata() == null ? null : f.getMetadata().get(SHAPE_KEY);
        String where = "field metadata " + SHAPE_KEY;
        Map<String, String> smd = schema.getCustomMetadata();
        if (s == null && smd != null) {
            s = smd.get(SCHEMA_SHAPE_PREFIX + name);
            where = "schema metadata " + SCHEMA_SHAPE_PREFIX + name;
        }
        if (s == null && smd != null && smd.get(SPARK_ROW_METADATA) != null) {
            s = sparkFieldShape(smd.get(SPARK_ROW_METADATA), name);
            where = "Spark field metadata " + SHAPE_KEY;
        }
        if (s == null) {
            return null;
        }
        try {
            return parseShape(s);
        } catch (IllegalArgumentException e) {
            throw new ArrowDataException("bad sample shape in " + where + ": " + s, file, name, -1, -1, e);
        }
    }

    /** Reads {@code fields[name].metadata["sparkgrad.shape"]} from Spark's row metadata JSON, or {@code null}. */
    static String sparkFieldShape(String sparkSchemaJson, String column) {
        try {
            JsonNode root = JSON.readTree(sparkSchemaJson);
            for (JsonNode fld : root.path("fields")) {
                if (column.equals(fld.path("name").asText())) {
                    JsonNode v = fld.path("metadata").get(SHAPE_KEY);
                    if (v == null || v.isNull()) {
                        return null;
                    }
                    return v.isTextual() ? v.asText() : v.toString();
                }
            }
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null; // not ours to validate; the column may still get its shape elsewhere
        }
    }

    static boolean isScalar(ArrowType t) {
        return t instanceof ArrowType.Int || t instanceof ArrowType.FloatingPoint;
    }

    private DType scalarDType(ArrowType t) {
        if (t instanceof ArrowType.Int) {
            return DType.INT64;
        }
        FloatingPointPrecision p = ((ArrowType.FloatingPoint) t).getPrecision();
        return p == FloatingPointPrecision.DOUBLE ? DType.FLOAT64 : p == FloatingPointPrecision.HALF ? DType.FLOAT16 : DType.FLOAT32;
    }

    private DType elementDType(ArrowType t, Object file) {
        if (t instanceof ArrowType.FloatingPoint fp) {
            switch (fp.getPrecision()) {
                case SINGLE:
                    return DType.FLOAT32;
                case DOUBLE:
                    return DType.FLOAT64;
                case HALF:
                    return DType.FLOAT16;
                default:
                    break;
            }
        }
        if (t instanceof ArrowType.Int) {
            return DType.INT64;
        }
        throw new ArrowDataException("wrong element type " + t + " in a tensor column (expected float32)", file, name,
                -1, -1);
    }
}
