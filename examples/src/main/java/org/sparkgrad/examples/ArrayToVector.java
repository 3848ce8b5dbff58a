package org.sparkgrad.examples;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A pipeline stage that turns a numeric array column ({@code array<float>}, {@code array<double>}, ...) into a dense
 * ML {@code Vector} column, so that Parquet image columns can feed vector stages such as {@code StandardScaler}.
 * It is {@link org.apache.spark.ml.functions#array_to_vector} as a {@link Transformer}, so it is saved and loaded with
 * the {@code PipelineModel}.
 */
public class ArrayToVector extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;

    public ArrayToVector() { this(Identifiable.randomUID("arrayToVector")); }

    public ArrayToVector(String uid) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "numeric array column to convert");
        this.outputCol = new Param<>(this, "outputCol", "name of the dense Vector column to add");
        setDefault(inputCol, "features");
        setDefault(outputCol, "vector");
    }

    @Override public String uid() { return uid; }

    /** Input column: a numeric array (default {@code features}). */
    public Param<String> inputCol() { return inputCol; }

    /** Output column: a dense Vector (default {@code vector}). */
    public Param<String> outputCol() { return outputCol; }

    public String getInputCol() { return $(inputCol); }

    public String getOutputCol() { return $(outputCol); }

    public ArrayToVector setInputCol(String v) { set(inputCol, v); return this; }

    public ArrayToVector setOutputCol(String v) { set(outputCol, v); return this; }

    @Override public StructType transformSchema(StructType schema) {
        String in = getInputCol();
        StructField f = null;
        for (StructField s : schema.fields()) if (s.name().equals(in)) f = s;
        if (f == null) {
            throw new IllegalArgumentException("column '" + in + "' not found; the input has columns "
                    + java.util.Arrays.toString(schema.fieldNames()));
        }
        DataType t = f.dataType();
        if (!(t instanceof ArrayType) || !(((ArrayType) t).elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + in + "' must be a numeric array, got " + t.simpleString());
        }
        for (String n : schema.fieldNames()) {
            if (n.equals(getOutputCol())) throw new IllegalArgumentException("output column '" + n + "' already exists");
        }
        return schema.add(getOutputCol(), SQLDataTypes.VectorType(), false);
    }

    @Override public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        DataType elem = ((ArrayType) df.schema().apply(getInputCol()).dataType()).elementType();
        org.apache.spark.sql.Column c = functions.col(getInputCol());
        // array_to_vector takes float and double arrays; other numeric element types are cast to double first
        if (!(elem instanceof org.apache.spark.sql.types.FloatType) && !(elem instanceof org.apache.spark.sql.types.DoubleType)) {
            c = c.cast(org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.DoubleType));
        }
        return df.withColumn(getOutputCol(), org.apache.spark.ml.functions.array_to_vector(c));
    }

    @Override public ArrayToVector copy(ParamMap extra) { return (ArrayToVector) defaultCopy(extra); }

    /** Reader for {@code write().save(path)} output; used by {@code PipelineModel.load}. */
    public static MLReader<ArrayToVector> read() { return new DefaultParamsReader<>(); }

    public static ArrayToVector load(String path) { return read().load(path); }
}
