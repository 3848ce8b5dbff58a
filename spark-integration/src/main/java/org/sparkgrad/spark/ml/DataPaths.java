package org.sparkgrad.spark.ml;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;

/**
 * Chooses how training rows reach the workers.
 * <ul>
 *   <li>{@link #PARQUET}: the input is a plain Parquet scan (its analyzed plan is a {@code LogicalRelation} over a
 *       {@code HadoopFsRelation} in Parquet format, under nothing but column selections), both columns are stored in
 *       the files (not partition columns), they are numeric arrays / numeric scalars, and every input file is a
 *       local-filesystem path ({@code file:}, which arrow-io's dataset reader opens). Executors then open the files
 *       themselves; the driver only lists them ({@code inputFiles()}, already known to Spark).</li>
 *   <li>{@link #ARROW}: any other DataFrame whose two columns are numeric arrays or numeric scalars: Spark's own
 *       partition-to-Arrow conversion ({@code toArrowBatchRdd}) feeds arrow-io's bulk copies.</li>
 *   <li>{@link #ROWS}: the rest, i.e. ML {@code Vector} (UDT) columns. Spark's Arrow conversion turns a Vector into
 *       its UDT struct {@code (type, size, indices, values)} with a variable-length values list per row, sparse or
 *       dense; arrow-io reads tensor columns, not that struct, so such columns keep the {@code Row} path (which
 *       reads the Vector objects directly and handles sparse vectors). It is also the fallback for non-classic
 *       (Spark Connect) Datasets.</li>
 * </ul>
 */
enum DataPaths {
    PARQUET("parquet"), ARROW("arrow"), ROWS("rows");

    final String label;

    DataPaths(String label) { this.label = label; }

    /** Byte/short/int/long/float/double: the numeric types both Arrow paths read (decimals are not). */
    static boolean isPlainNumeric(DataType t) {
        return t instanceof ByteType || t instanceof ShortType || t instanceof IntegerType || t instanceof LongType
                || t instanceof FloatType || t instanceof DoubleType;
    }

    static boolean isArrowReadable(DataType t) {
        return isPlainNumeric(t) || (t instanceof ArrayType && isPlainNumeric(((ArrayType) t).elementType()));
    }

    static DataPaths choose(Dataset<Row> train, String fc, String lc) {
        if (!(train instanceof org.apache.spark.sql.classic.Dataset)) return ROWS;
        StructType s = train.schema();
        if (!isArrowReadable(SchemaChecks.field(s, fc).dataType()) || !isArrowReadable(SchemaChecks.field(s, lc).dataType())) return ROWS;
        return parquetFiles(train, fc, lc) != null ? PARQUET : ARROW;
    }

    /**
     * The input files when {@code df} is a plain Parquet scan that the executors can read themselves (see the class
     * comment), else {@code null}. Conservative: any operator other than a column-selecting {@code Project} (a
     * filter, a sample, a computed or renamed column, a repartition, a union...) disqualifies it.
     */
    static List<String> parquetFiles(Dataset<Row> df, String fc, String lc) {
        if (!(df instanceof org.apache.spark.sql.classic.Dataset)) return null;
        LogicalPlan plan = ((org.apache.spark.sql.classic.Dataset<Row>) df).queryExecution().analyzed();
        while (true) {
            if (plan instanceof SubqueryAlias) {
                plan = ((SubqueryAlias) plan).child();
            } else if (plan instanceof Project) {
                Project pr = (Project) plan;
                scala.collection.Iterator<NamedExpression> it = pr.projectList().iterator();
                while (it.hasNext()) if (!(it.next() instanceof AttributeReference)) return null;
                plan = pr.child();
            } else {
                break;
            }
        }
        if (!(plan instanceof LogicalRelation)) return null;
        LogicalRelation lr = (LogicalRelation) plan;
        if (lr.isStreaming() || !(lr.relation() instanceof HadoopFsRelation)) return null;
        HadoopFsRelation r = (HadoopFsRelation) lr.relation();
        if (!(r.fileFormat() instanceof ParquetFileFormat)) return null;
        StructType data = r.dataSchema();
        for (String c : new String[] {fc, lc}) {
            if (r.partitionSchema().getFieldIndex(c).isDefined()) return null;
            if (data.getFieldIndex(c).isEmpty() || !isArrowReadable(data.apply(c).dataType())) return null;
        }
        List<String> files = new ArrayList<>();
        for (String f : r.location().inputFiles()) {
            java.net.URI u;
            try {
                u = new java.net.URI(f);
            } catch (java.net.URISyntaxException e) {
                return null;
            }
            if (!"file".equals(u.getScheme())) return null; // HDFS/S3A etc.: arrow-io opens local paths only
            files.add(u.toString());
        }
        if (files.isEmpty()) return null;
        java.util.Collections.sort(files); // a deterministic assignment of row groups to workers
        return files;
    }
}
