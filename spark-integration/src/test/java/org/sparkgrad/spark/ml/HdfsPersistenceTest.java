package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** Checkpoint, resume and model save/load against a real (mini) HDFS, as Spark's own tests do. */
class HdfsPersistenceTest {
    static MiniDFSCluster hdfs;
    static SparkSession spark;
    static String root;

    @BeforeAll
    static void start() throws Exception {
        File base = Files.createTempDirectory("sg-hdfs").toFile();
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        root = hdfs.getFileSystem().getUri().toString();
        spark = SparkTestSupport.session("HdfsPersistenceTest");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        if (hdfs != null) hdfs.shutdown(true);
    }

    private static Dataset<Row> data() {
        Generator g = new Generator(21);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            List<Float> f = new ArrayList<>();
            for (int k = 0; k < 3; k++) f.add((float) g.nextGaussian());
            rows.add(RowFactory.create(f, f.get(0) - f.get(2) > 0 ? 1 : 0));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.IntegerType);
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void checkpointResumeAndModelPersistenceOnHdfs() throws Exception {
        Dataset<Row> df = data();
        String ck = root + "/sparkgrad/ck";
        SparkgradClassifier base = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":3,\"out_features\":2}]")
                .setNumWorkers(2).setBatchSize(8).setAveragingFrequency(2).setSeed(5).setLearningRate(0.02);
        Map<String, Tensor> full = base.copy(new ParamMap()).setMaxEpochs(2).fit(df).stateDict();
        base.copy(new ParamMap()).setMaxEpochs(1).setCheckpointDir(ck).setCheckpointInterval(1).fit(df);
        FileSystem fs = new Path(ck).getFileSystem(spark.sparkContext().hadoopConfiguration());
        assertTrue(fs.listStatus(new Path(ck)).length > 0, "checkpoints on HDFS");
        SparkgradClassificationModel resumed = base.copy(new ParamMap()).setMaxEpochs(2).setCheckpointDir(ck)
                .setResumeFromCheckpoint(true).fit(df);
        for (String k : full.keySet()) assertArrayEquals(full.get(k).toFloatArray(), resumed.stateDict().get(k).toFloatArray(), 1e-6f, k);

        String modelPath = root + "/sparkgrad/model";
        resumed.write().overwrite().save(modelPath);
        assertTrue(fs.exists(new Path(modelPath + "/data/weights.safetensors")));
        SparkgradClassificationModel back = SparkgradClassificationModel.load(modelPath);
        assertEquals(resumed.transform(df).select("prediction").collectAsList(), back.transform(df).select("prediction").collectAsList());
    }
}
