package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
    static String masterUrl;
    static String appJar;
    static volatile boolean passed;

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
        // Ports: the master and every web UI bind port 0 (no probe-then-bind race with other processes on the CI
        // machine), the master's URL is read from its log, and its unused REST server (fixed port 6066) is off.
        // Readiness is awaited, not slept for: a slow machine may need longer than a fixed sleep, a fast one less.
        master = launch("master", "-Dspark.master.rest.enabled=false", "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", "0", "--webui-port", "0");
        masterUrl = awaitLog(master, "master", Pattern.compile("Starting Spark master at (spark://\\S+)"), 1).get(0);
        worker1 = launch("worker1", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                "--memory", "1g", "--webui-port", "0", "--work-dir", home.resolve("w1").toString(), masterUrl);
        worker2 = launch("worker2", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                "--memory", "1g", "--webui-port", "0", "--work-dir", home.resolve("w2").toString(), masterUrl);
        awaitLog(master, "master", Pattern.compile("Registering worker (\\S+)"), 2);
    }

    static final long STARTUP_TIMEOUT_MS = 180_000;

    /**
     * Waits until {@code name}.log holds {@code count} matches of {@code p} (group 1 of each returned), failing with
     * the log's tail when the process dies or the time runs out.
     */
    static List<String> awaitLog(Process proc, String name, Pattern p, int count) throws Exception {
        Path log = home.resolve(name + ".log");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MS);
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            List<String> found = new ArrayList<>();
            Matcher m = p.matcher(text);
            while (m.find()) found.add(m.group(1));
            if (found.size() >= count) return found;
            if (!proc.isAlive() || System.nanoTime() > deadline) {
                String tail = text.length() > 4000 ? text.substring(text.length() - 4000) : text;
                throw new AssertionError((proc.isAlive() ? "timed out" : "the process exited") + " waiting for " + count
                        + " x '" + p + "' in " + log + ":\n" + tail);
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the application holds {@code n} executors (the driver, also listed, is not counted). */
    static void awaitExecutors(SparkSession spark, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MS);
        while (executors(spark) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + executors(spark) + " of " + n
                        + " executors registered in " + STARTUP_TIMEOUT_MS / 1000 + " s (logs in " + home + ")");
            }
            Thread.sleep(100);
        }
    }

    static int executors(SparkSession spark) {
        return spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (Process p : procs) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        if (home != null && passed) { // kept, with the master's and workers' logs, when the test failed
            try (Stream<Path> all = Files.walk(home)) { // links are deleted, not followed
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static SparkSession session() {
        return SparkSession.builder().master(masterUrl).appName("StandaloneClusterTest")
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
            awaitExecutors(spark, 2); // both workers take part, so killing one disturbs the fit
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
            passed = true;
        } finally {
            spark.stop();
        }
    }

}
