package org.sparkgrad.spark.ml

import java.nio.file.Files

import org.apache.spark.ml.{Pipeline, PipelineModel}
import org.apache.spark.ml.evaluation.{MulticlassClassificationEvaluator, RegressionEvaluator}
import org.apache.spark.ml.feature.VectorAssembler
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.functions.col
import org.scalatest.BeforeAndAfterAll
import org.scalatest.funsuite.AnyFunSuite

/** The Scala-facing use of the Sparkgrad estimators: fluent setters, fit/transform, evaluators, persistence. */
class SparkgradScalaSuite extends AnyFunSuite with BeforeAndAfterAll {
  private var spark: SparkSession = _

  override def beforeAll(): Unit = {
    spark = SparkSession.builder().master("local[2]").appName("SparkgradScalaSuite")
      .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
      .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
  }

  override def afterAll(): Unit = spark.stop()

  private def digits = {
    val path = getClass.getResource("/data/digits.parquet").getPath
    spark.read.parquet(path)
      .withColumn("features", org.apache.spark.ml.functions.array_to_vector(col("features")))
  }

  test("a Scala user trains, evaluates and reloads a classifier inside a Pipeline") {
    val Array(train, test) = digits.randomSplit(Array(0.8, 0.2), seed = 5)
    val clf = new SparkgradClassifier()
      .setNetwork("""[{"type":"Linear","in_features":64,"out_features":64},{"type":"ReLU"},
                    | {"type":"Linear","in_features":64,"out_features":10}]""".stripMargin)
      .setFeaturesCol("scaled")
      .setMaxEpochs(20)
      .setBatchSize(32)
      .setLearningRate(3e-3)
      .setNumWorkers(2)
    val pipeline = new Pipeline().setStages(Array(
      new org.apache.spark.ml.feature.StandardScaler().setInputCol("features").setOutputCol("scaled").setWithMean(true),
      clf))
    val model = pipeline.fit(train)
    val scored = model.transform(test)
    val acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored)
    assert(acc >= 0.93, s"accuracy $acc")

    val dir = Files.createTempDirectory("sg-scala").resolve("model").toString
    model.write.overwrite().save(dir)
    val reloaded = PipelineModel.load(dir)
    val a = scored.select("prediction").collect().toSeq
    val b = reloaded.transform(test).select("prediction").collect().toSeq
    assert(a == b)
  }

  test("a regressor learns a linear target and reports RMSE") {
    val session = spark
    import session.implicits._
    val rnd = new scala.util.Random(3)
    val df = (0 until 400).map { _ =>
      val x1 = rnd.nextGaussian(); val x2 = rnd.nextGaussian()
      (x1, x2, 2.0 * x1 - 3.0 * x2 + 0.5)
    }.toDF("x1", "x2", "y")
    val data = new VectorAssembler().setInputCols(Array("x1", "x2")).setOutputCol("features").transform(df)
    val model = new SparkgradRegressor()
      .setNetwork("""[{"type":"Linear","in_features":2,"out_features":1}]""")
      .setLabelCol("y").setMaxEpochs(30).setBatchSize(16).setLearningRate(0.05).setNumWorkers(2)
      .fit(data)
    val rmse = new RegressionEvaluator().setLabelCol("y").setMetricName("rmse").evaluate(model.transform(data))
    assert(rmse < 0.1, s"rmse $rmse")
    val estimatorDir = Files.createTempDirectory("sg-est").resolve("est").toString
    val est = new SparkgradRegressor().setLabelCol("y").setMaxEpochs(7)
    est.write.overwrite().save(estimatorDir)
    val back = SparkgradRegressor.load(estimatorDir)
    assert(back.getMaxEpochs == 7 && back.getLabelCol == "y" && back.uid == est.uid)
  }
}
