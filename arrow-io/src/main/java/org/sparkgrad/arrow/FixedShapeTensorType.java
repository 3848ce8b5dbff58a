package org.sparkgrad.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ExtensionTypeRegistry;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Arrow's canonical {@code arrow.fixed_shape_tensor} extension type: a {@code fixed_size_list<T>[prod(shape)]}
 * storage whose extension metadata is the JSON {@code {"shape":[...], "dim_names":[...], "permutation":[...]}}
 * (https://arrow.apache.org/docs/format/CanonicalExtensions.html#fixed-shape-tensor). Arrow Java 18.3 has no
 * class for it, so this is one; it is registered with {@link ExtensionTypeRegistry} when this class loads.
 *
 * <p>Only the identity permutation (row-major elements) is accepted when tensors are read from such a column.
 */
public final class FixedShapeTensorType extends ArrowType.ExtensionType {
    /** The canonical extension name. */
    public static final String EXTENSION_NAME = "arrow.fixed_shape_tensor";

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        ExtensionTypeRegistry.register(new FixedShapeTensorType(new ArrowType.FloatingPoint(
                org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE), new int[] {1}, null, null));
    }

    private final ArrowType valueType;
    private final int[] shape;
    private final String[] dimNames;
    private final int[] permutation;

    /**
     * @param valueType the element type (float32 for Sparkgrad features)
     * @param shape the per-sample shape, every dimension ≥ 0
     * @param dimNames optional dimension names, or {@code null}
     * @param permutation optional physical-to-logical permutation, or {@code null}
     */
    public FixedShapeTensorType(ArrowType valueType, int[] shape, String[] dimNames, int[] permutation) {
        this.valueType = Objects.requireNonNull(valueType, "valueType");
        this.shape = shape.clone();
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        this.dimNames = dimNames == null ? null : dimNames.clone();
        this.permutation = permutation == null ? null : permutation.clone();
    }

    /** Makes sure the type is registered (so IPC readers return it instead of its storage type). */
    public static void ensureRegistered() {
        // the static initialiser does the work
    }

    public int[] shape() {
        return shape.clone();
    }

    public ArrowType valueType() {
        return valueType;
    }

    /** The permutation, or {@code null} when absent (identity). */
    public int[] permutation() {
        return permutation == null ? null : permutation.clone();
    }

    /** True when elements are stored row-major for {@link #shape()} (no or identity permutation). */
    public boolean isRowMajor() {
        if (permutation == null) {
            return true;
        }
        for (int i = 0; i < permutation.length; i++) {
            if (permutation[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Elements per sample: the product of the shape. */
    public int listSize() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample shape too large: " + Arrays.toString(shape));
        }
        return (int) n;
    }

    @Override
    public ArrowType storageType() {
        return new ArrowType.FixedSizeList(listSize());
    }

    @Override
    public String extensionName() {
        return EXTENSION_NAME;
    }

    @Override
    public boolean extensionEquals(ArrowType.ExtensionType other) {
        if (!(other instanceof FixedShapeTensorType o)) {
            return false;
        }
        return valueType.equals(o.valueType) && Arrays.equals(shape, o.shape) && Arrays.equals(dimNames, o.dimNames)
                && Arrays.equals(permutation, o.permutation);
    }

    @Override
    public String serialize() {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode s = n.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
        if (dimNames != null) {
            ArrayNode a = n.putArray("dim_names");
            for (String d : dimNames) {
                a.add(d);
            }
        }
        if (permutation != null) {
            ArrayNode a = n.putArray("permutation");
            for (int d : permutation) {
                a.add(d);
            }
        }
        return n.toString();
    }

    @Override
    public ArrowType deserialize(ArrowType storageType, String serializedData) {
        if (!(storageType instanceof ArrowType.FixedSizeList fsl)) {
            throw new IllegalArgumentException(EXTENSION_NAME + " needs a fixed_size_list storage, got " + storageType);
        }
        try {
            JsonNode n = JSON.readTree(serializedData);
            int[] shp = ints(n.get("shape"));
            if (shp == null) {
                throw new IllegalArgumentException("no \"shape\" in " + EXTENSION_NAME + " metadata " + serializedData);
            }
            String[] names = null;
            if (n.hasNonNull("dim_names")) {
                names = new String[n.get("dim_names").size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = n.get("dim_names").get(i).asText();
                }
            }
            // the storage's child type is not known here; float32 is assumed and checked when the column is read
            FixedShapeTensorType t = new FixedShapeTensorType(
                    new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE), shp, names,
                    ints(n.get("permutation")));
            if (t.listSize() != fsl.getListSize()) {
                throw new IllegalArgumentException(EXTENSION_NAME + " shape " + Arrays.toString(shp)
                        + " does not match the storage list size " + fsl.getListSize());
            }
            return t;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("bad " + EXTENSION_NAME + " metadata: " + serializedData, e);
        }
    }

    static int[] ints(JsonNode a) {
        if (a == null || a.isNull()) {
            return null;
        }
        if (!a.isArray()) {
            throw new IllegalArgumentException("expected a JSON array of integers, got " + a);
        }
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            if (!a.get(i).isIntegralNumber() || !a.get(i).canConvertToInt()) {
                throw new IllegalArgumentException("expected a JSON array of integers, got " + a);
            }
            r[i] = a.get(i).intValue();
        }
        return r;
    }

    @Override
    public FieldVector getNewVector(String name, FieldType fieldType, BufferAllocator allocator) {
        FieldType storage = new FieldType(fieldType.isNullable(), storageType(), fieldType.getDictionary(),
                fieldType.getMetadata());
        FixedSizeListVector v = new FixedSizeListVector(name, allocator, storage, null);
        return new Vector(new Field(name, fieldType, java.util.List.of()), allocator, v);
    }

    /** The vector of a {@link FixedShapeTensorType} column; its storage is a {@link FixedSizeListVector}. */
    public static final class Vector extends ExtensionTypeVector<FixedSizeListVector> {
        Vector(Field field, BufferAllocator allocator, FixedSizeListVector storage) {
            super(field, allocator, storage);
        }

        @Override
        public Object getObject(int index) {
            return getUnderlyingVector().getObject(index);
        }

        @Override
        public int hashCode(int index) {
            return getUnderlyingVector().hashCode(index);
        }

        @Override
        public int hashCode(int index, org.apache.arrow.memory.util.hash.ArrowBufHasher hasher) {
            return getUnderlyingVector().hashCode(index, hasher);
        }
    }
}
