package org.sparkgrad.bench;

import java.util.Locale;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.sparkgrad.spark.ml.SparkgradClassificationModel;
import org.sparkgrad.spark.ml.SparkgradClassifier;

/**
 * Time to 97% accuracy on MNIST (rows 0..49999 train, 50000..59999 test) for a Sparkgrad MLP trained by
 * parameter averaging versus Spark MLlib's {@code MultilayerPerceptronClassifier} with the same layers, on the
 * same Spark executors ({@code local[2]} unless a master is given). Usage:
 * {@code MnistVsMllib PATH/mnist.parquet [master]}. Prints one line per measurement and a summary line.
 */
public final class MnistVsMllib {
    public static void main(String[] args) {
        String path = args.length > 0 ? args[0] : "../shared/data/mnist/mnist.parquet";
        String master = args.length > 1 ? args[1] : "local[2]";
        SparkSession spark = SparkSession.builder().master(master).appName("MnistVsMllib")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        Dataset<Row> df = spark.read().parquet(path)
                .withColumn("mid", functions.monotonically_increasing_id())
                .withColumn("idx", functions.row_number().over(Window.orderBy("mid")).minus(1))
                .withColumn("features", org.apache.spark.ml.functions.array_to_vector(functions.col("image")))
                .withColumn("isTest", functions.col("idx").geq(50000))
                .select("features", "label", "isTest").repartition(2).cache();
        df.count();
        Dataset<Row> train = df.filter("NOT isTest").cache(), test = df.filter("isTest").cache();
        train.count();
        test.count();
        MulticlassClassificationEvaluator acc = new MulticlassClassificationEvaluator().setMetricName("accuracy");

        // Sparkgrad: one fit, validation accuracy and elapsed time recorded at the end of every epoch
        String mlp = "[{\"type\":\"Linear\",\"in_features\":784,\"out_features\":256},{\"type\":\"ReLU\"},"
                + "{\"type\":\"Linear\",\"in_features\":256,\"out_features\":128},{\"type\":\"ReLU\"},"
                + "{\"type\":\"Linear\",\"in_features\":128,\"out_features\":10}]";
        long t0 = System.nanoTime();
        SparkgradClassificationModel m = new SparkgradClassifier().setNetwork(mlp).setValidationCol("isTest")
                .setMaxEpochs(8).setBatchSize(64).setAveragingFrequency(16).setLearningRate(1e-3).setNumWorkers(2).setSeed(1)
                .fit(df);
        double sgTotal = (System.nanoTime() - t0) / 1e9;
        double[] val = m.summary().validationHistory(), ends = m.summary().epochEndSeconds();
        double sgTime = Double.NaN;
        for (int e = 0; e < val.length; e++) {
            System.out.printf(Locale.ROOT, "sparkgrad epoch %d: test accuracy %.4f at %.1f s%n", e + 1, val[e], ends[e]);
            if (Double.isNaN(sgTime) && val[e] >= 0.97) sgTime = ends[e];
        }
        System.out.printf(Locale.ROOT, "sparkgrad final test accuracy %.4f (fit %.1f s)%n", acc.evaluate(m.transform(test)), sgTotal);

        // MLlib: fits from scratch with growing maxIter until one reaches 97%
        double mlTime = Double.NaN;
        for (int iters : new int[] {25, 50, 100, 200}) {
            long s = System.nanoTime();
            var model = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 256, 128, 10}).setMaxIter(iters)
                    .setBlockSize(128).setSeed(1L).fit(train);
            double secs = (System.nanoTime() - s) / 1e9;
            double a = acc.evaluate(model.transform(test));
            System.out.printf(Locale.ROOT, "mllib maxIter %d: test accuracy %.4f in %.1f s%n", iters, a, secs);
            if (a >= 0.97) {
                mlTime = secs;
                break;
            }
        }
        System.out.printf(Locale.ROOT, "time to 97%%: sparkgrad %.1f s, mllib %.1f s, ratio %.1fx%n", sgTime, mlTime, mlTime / sgTime);
        spark.stop();
    }
}
