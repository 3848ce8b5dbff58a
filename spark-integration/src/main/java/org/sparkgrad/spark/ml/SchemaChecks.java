package org.sparkgrad.spark.ml;

import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Schema validation with messages that name the column, its type and what was expected. */
final class SchemaChecks {
    private SchemaChecks() {}

    static StructField field(StructType schema, String col) {
        for (StructField f : schema.fields()) if (f.name().equals(col)) return f;
        throw new SparkgradDataException(col, "no such column; the DataFrame has columns " + java.util.Arrays.toString(schema.fieldNames()));
    }

    static boolean isVector(DataType t) { return t.equals(SQLDataTypes.VectorType()); }

    static boolean isNumericArray(DataType t) {
        return t instanceof ArrayType && (((ArrayType) t).elementType() instanceof NumericType);
    }

    static void checkFeatures(SparkgradParams p, StructType schema) {
        String col = p.getFeaturesCol();
        DataType t = field(schema, col).dataType();
        if (!isVector(t) && !isNumericArray(t)) {
            throw new SparkgradDataException(col, "expected an ML Vector or a numeric array column, got " + t.simpleString());
        }
        if (p.getNetwork().isEmpty() && p.getModuleFactory().isEmpty()) {
            throw new IllegalArgumentException("set the network (setNetwork JSON spec) or a moduleFactory class");
        }
    }

    static void validateTraining(SparkgradParams p, StructType schema, TaskKind kind) {
        checkFeatures(p, schema);
        String col = p.getLabelCol();
        DataType t = field(schema, col).dataType();
        switch (kind) {
            case CLASSIFICATION:
                if (!(t instanceof NumericType)) {
                    throw new SparkgradDataException(col, "expected a numeric class-index label column, got " + t.simpleString());
                }
                break;
            case REGRESSION:
                if (!(t instanceof NumericType) && !isVector(t) && !isNumericArray(t)) {
                    throw new SparkgradDataException(col, "expected a numeric, vector or numeric array label column, got " + t.simpleString());
                }
                break;
            default:
                if (!isVector(t) && !isNumericArray(t) && !(t instanceof NumericType)) {
                    throw new SparkgradDataException(col, "expected a tensor (numeric array or vector) label column, got " + t.simpleString());
                }
        }
        if (!p.getValidationCol().isEmpty() && !field(schema, p.getValidationCol()).dataType().equals(DataTypes.BooleanType)) {
            throw new SparkgradDataException(p.getValidationCol(), "validation column must be boolean");
        }
    }

    /**
     * Appends the output columns of a model of this kind. As in Spark ML, an output column whose name is set to the
     * empty string is not produced (e.g. {@code setRawPredictionCol("")} keeps only probability and prediction).
     */
    /**
     * The input schema plus the output columns of {@code kind}. For a classifier with a known class count
     * ({@code numClasses} > 0: always on a fitted model) the outputs carry Spark ML's attributes, as Spark's
     * {@code ClassificationModel.transformSchema} writes them: a nominal attribute with that many values on the
     * prediction column, and an attribute group of that size on rawPrediction and probability.
     */
    static StructType appendOutputs(SparkgradParams p, StructType schema, TaskKind kind) {
        checkFeatures(p, schema);
        StructType s = schema;
        Metadata none = Metadata.empty();
        switch (kind) {
            case CLASSIFICATION: {
                int k = p.getNumClasses();
                // (attributes need a name: an empty output name drops the column anyway)
                String raw = p.getRawPredictionCol(), prob = p.getProbabilityCol(), pred = p.getPredictionCol();
                s = add(s, raw, SQLDataTypes.VectorType(), k > 0 && !raw.isEmpty() ? new AttributeGroup(raw, k).toMetadata() : none);
                s = add(s, prob, SQLDataTypes.VectorType(), k > 0 && !prob.isEmpty() ? new AttributeGroup(prob, k).toMetadata() : none);
                s = add(s, pred, DataTypes.DoubleType,
                        k > 0 && !pred.isEmpty() ? NominalAttribute.defaultAttr().withName(pred).withNumValues(k).toMetadata() : none);
                return s;
            }
            case REGRESSION:
                return add(s, p.getPredictionCol(), DataTypes.DoubleType, none);
            default:
                return add(s, p.getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), none);
        }
    }

    private static StructType add(StructType s, String name, DataType t, Metadata m) {
        if (name.isEmpty()) return s;
        for (String f : s.fieldNames()) {
            if (f.equals(name)) throw new IllegalArgumentException("output column '" + name
                    + "' already exists in the input or is the name of another output column");
        }
        return s.add(name, t, false, m);
    }
}
