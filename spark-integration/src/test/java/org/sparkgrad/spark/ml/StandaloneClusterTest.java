package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real standalone cluster on 127.0.0.1: a master and two workers started as separate JVMs from the
 * Maven-resolved jars (a SPARK_HOME with {@code jars/} and {@code RELEASE}); a fit is submitted, one worker is
 * killed by PID mid-fit, and the fit still finishes with accuracy within a point of the undisturbed run.
 */
@Tag("cluster")
class StandaloneClusterTest {
    static Path home;
    static final List<Process> procs = new ArrayList<>();
    static Process master, worker1, worker2;
    static int masterPort;
    static String appJar;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static Process launch(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        for (String f : JVM_FLAGS.split(" ")) cmd.add(f);
        cmd.add("-cp");
        cmd.add(home.resolve("jars").toString() + File.separator + "*");
        for (String a : args) cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.redirectErrorStream(true).redirectOutput(home.resolve(name + ".log").toFile());
        Process p = pb.start();
        procs.add(p);
        return p;
    }

    static final String JVM_FLAGS = "-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector "
            + "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED "
            + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED "
            + "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
            + "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
            + "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED "
            + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED "
            + "--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED "
            + "-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true";

    @BeforeAll
    static void startCluster() throws Exception {
        home = Files.createTempDirectory("sg-spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        Set<String> seen = new LinkedHashSet<>();
        List<Path> classDirs = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Paths.get(e);
            if (e.endsWith(".jar") && Files.isRegularFile(p)) {
                if (seen.add(p.getFileName().toString())) Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
            } else if (Files.isDirectory(p) && !e.contains("test-classes")) {
                classDirs.add(p);
            }
        }
        Files.writeString(home.resolve("RELEASE"), "Spark 4.1.0 (Sparkgrad test cluster from Maven jars)\n");
        // the application's own classes (target/classes of this module and of reactor siblings) as one jar
        Path app = home.resolve("sparkgrad-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(app))) {
            Set<String> entries = new LinkedHashSet<>();
            for (Path dir : classDirs) {
                Files.walkFileTree(dir, new SimpleFileVisitor<Path>() {
                    @Override public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                        String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
                        if (entries.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            Files.copy(f, out);
                            out.closeEntry();
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
        }
        appJar = app.toString();
        masterPort = freePort();
        master = launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(freePort()));
        Thread.sleep(3000);
        String url = "spark://127.0.0.1:" + masterPort;
        worker1 = launch("worker1", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                "--memory", "1g", "--webui-port", String.valueOf(freePort()), "--work-dir", home.resolve("w1").toString(), url);
        worker2 = launch("worker2", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                "--memory", "1g", "--webui-port", String.valueOf(freePort()), "--work-dir", home.resolve("w2").toString(), url);
        Thread.sleep(4000);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (Process p : procs) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static SparkSession session() {
        return SparkSession.builder().master("spark://127.0.0.1:" + masterPort).appName("StandaloneClusterTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "768m").config("spark.executor.cores", "1")
                .config("spark.executor.extraJavaOptions", JVM_FLAGS)
                .config("spark.jars", appJar)
                .config("spark.task.maxFailures", "8")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    @Test
    void fitSurvivesAWorkerKilledMidFit() throws Exception {
        SparkSession spark = session();
        try {
            Dataset<Row> digits = spark.read().parquet(SparkTestSupport.resource("data/digits.parquet"))
                    .withColumn("features", functions.transform(functions.col("features"), x -> x.divide(16)));
            Dataset<Row>[] split = digits.randomSplit(new double[] {0.8, 0.2}, 7);
            SparkgradClassifier clf = new SparkgradClassifier().setNetwork(SparkTestSupport.DIGITS_MLP).setMaxEpochs(12)
                    .setBatchSize(32).setAveragingFrequency(4).setLearningRate(3e-3).setNumWorkers(2).setSeed(1);
            MulticlassClassificationEvaluator eval = new MulticlassClassificationEvaluator().setMetricName("accuracy");
            double undisturbed = eval.evaluate(clf.fit(split[0]).transform(split[1]));

            AtomicInteger jobs = new AtomicInteger();
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override public void onJobEnd(SparkListenerJobEnd e) { jobs.incrementAndGet(); }
            });
            CompletableFuture<SparkgradClassificationModel> fit = CompletableFuture.supplyAsync(() -> clf.fit(split[0]));
            long deadline = System.currentTimeMillis() + 120_000;
            while (jobs.get() < 12 && !fit.isDone() && System.currentTimeMillis() < deadline) Thread.sleep(100);
            long pid = worker2.pid();
            ProcessHandle.of(pid).ifPresent(ph -> ph.descendants().forEach(ProcessHandle::destroyForcibly));
            worker2.destroyForcibly();
            assertTrue(!fit.isDone(), "the fit finished before the worker could be killed; make it longer");
            double disturbed = eval.evaluate(fit.get(10, TimeUnit.MINUTES).transform(split[1]));
            assertTrue(undisturbed >= 0.9, "undisturbed accuracy " + undisturbed);
            assertTrue(Math.abs(disturbed - undisturbed) <= 0.01,
                    "accuracy with a worker killed (" + disturbed + ") differs from the undisturbed run (" + undisturbed + ")");
        } finally {
            spark.stop();
        }
    }

}
