package org.sparkgrad.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.spark.ml.SparkgradDataException;

/**
 * Runs one {@link Job} the same way for every job and every launcher (the {@code ./sparkgrad} script, a real
 * {@code spark-submit}, tests): checks the inputs before Spark starts, builds (or reuses) the Spark session, shows
 * progress, writes {@code metrics.json} and {@code curve.png} next to the job's saved model in a staging folder, moves
 * them into {@code --out} only when everything succeeded, and prints the final metrics as one JSON line on stdout.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobRunner() {}

    /** The build's properties ({@code version}, {@code jvm.flags}, {@code spark.version}) from {@code sparkgrad-build.properties}. */
    public static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = JobRunner.class.getResourceAsStream("/sparkgrad-build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * Runs {@code job}.
     *
     * @param out where the final JSON line goes (stdout)
     * @param err where progress and errors go (stderr)
     * @return the exit status: {@link SparkgradCli#EXIT_OK}, {@link SparkgradCli#EXIT_USAGE} for an option value out of
     *         range, {@link SparkgradCli#EXIT_BAD_INPUT} for unusable input,
     *         {@link SparkgradCli#EXIT_FAILED} for any other failure
     */
    public static int run(Job job, PrintStream out, PrintStream err) {
        JobOptions o = job.options();
        OutputDir dir = null;
        SparkSession spark = null;
        boolean ownSession = false;
        Progress progress = null;
        TrainerLogTap tap = null;
        Thread cleanup = null;
        long t0 = System.nanoTime();
        try {
            try {
                o.check();
                job.checkInputs(); // the job's own option ranges first, then its data paths
            } catch (JobUsageException e) {
                err.println("sparkgrad " + job.name() + ": " + e.getMessage() + " (see --help)");
                return SparkgradCli.EXIT_USAGE;
            }
            Path outPath = o.out != null ? o.out : Path.of("out", job.name());
            dir = OutputDir.open(outPath);
            final OutputDir d = dir;
            cleanup = new Thread(d::abort, "sparkgrad-abort-" + job.name());
            Runtime.getRuntime().addShutdownHook(cleanup);
            progress = new Progress(job.name(), o.progressMode(), err);

            SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                    : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
            if (active != null && !active.sparkContext().isStopped()) {
                spark = active;
                progress.message("using the running Spark session (" + spark.sparkContext().master() + ")");
            } else {
                SparkSession.Builder b = builder(job, o);
                progress.message("starting Spark (" + master(o) + ")");
                spark = b.getOrCreate();
                ownSession = true;
            }
            tap = TrainerLogTap.attach(progress::trainerLine);
            JobResult result = job.run(new JobContext(spark, o, dir, progress));
            progress.close();

            Map<String, Object> metrics = new LinkedHashMap<>(result.headline);
            metrics.putAll(result.details);
            if (!result.curves.isEmpty()) {
                try {
                    Charts.savePng(dir.file("curve.png"), result.chartTitle, result.xLabel, result.yLeft, result.yRight, result.curves);
                } catch (IOException | RuntimeException | LinkageError e) {
                    // the model and metrics are still good: report the missing chart loudly, do not fail the run
                    err.println("sparkgrad: warning: could not draw curve.png: " + e);
                    metrics.put("chart_error", String.valueOf(e));
                }
            }
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("master", spark.sparkContext().master());
            run.put("spark_version", spark.version());
            run.put("default_parallelism", spark.sparkContext().defaultParallelism());
            run.put("sparkgrad_version", buildInfo().getProperty("version", "unknown"));
            run.put("java_version", System.getProperty("java.version"));
            run.put("available_processors", Runtime.getRuntime().availableProcessors());
            run.put("finished_at", Instant.now().toString());
            run.put("wall_seconds", Evaluation.round((System.nanoTime() - t0) / 1e9, 2));
            run.put("out", dir.out().toString());
            metrics.put("run", run);
            JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(dir.file("metrics.json").toFile(), metrics);
            dir.commit();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            cleanup = null;
            err.println("[" + job.name() + "] done in " + Progress.clock((System.nanoTime() - t0) / 1e9) + "; results in " + dir.out());
            out.println(JSON.writeValueAsString(result.headline));
            out.flush();
            return SparkgradCli.EXIT_OK;
        } catch (JobInputException | SparkgradDataException e) {
            if (progress != null) progress.close();
            if (dir != null) dir.abort();
            err.println("sparkgrad " + job.name() + ": error: " + e.getMessage());
            return SparkgradCli.EXIT_BAD_INPUT;
        } catch (Exception | LinkageError e) {
            if (progress != null) progress.close();
            if (dir != null) dir.abort();
            err.println("sparkgrad " + job.name() + ": failed: " + e);
            e.printStackTrace(err);
            return SparkgradCli.EXIT_FAILED;
        } finally {
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException ignored) {
                    // shutting down: the hook runs
                }
            }
            if (tap != null) tap.close();
            if (ownSession && spark != null) spark.stop();
        }
    }

    /** The session builder: the master and Spark settings from the options, and what a cluster needs to run our code. */
    static SparkSession.Builder builder(Job job, JobOptions o) {
        SparkConf sys = new SparkConf(); // spark.* system properties (spark-submit sets them)
        SparkSession.Builder b = SparkSession.builder().appName("sparkgrad " + job.name());
        String master = master(o);
        b.master(master);
        boolean local = master.startsWith("local");
        setDefault(b, sys, o, "spark.ui.enabled", String.valueOf(o.sparkUi));
        setDefault(b, sys, o, "spark.ui.showConsoleProgress", "false");
        setDefault(b, sys, o, "spark.sql.shuffle.partitions", "8");
        if (local || master.matches("spark://(127\\.0\\.0\\.1|localhost)(:\\d+)?")) {
            setDefault(b, sys, o, "spark.driver.host", "127.0.0.1");
            setDefault(b, sys, o, "spark.driver.bindAddress", "127.0.0.1");
        }
        if (!local) {
            String flags = buildInfo().getProperty("jvm.flags", "");
            if (!flags.isEmpty()) setDefault(b, sys, o, "spark.executor.extraJavaOptions", flags);
            // executors' OpenBLAS threads sleep soon after a GEMM instead of spinning ~0.1 s (the launcher sets the
            // same for the driver JVM; see BENCHMARKS.md)
            setDefault(b, sys, o, "spark.executorEnv.OPENBLAS_THREAD_TIMEOUT", System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "22"));
            if (!sys.contains("spark.jars") && !o.conf.containsKey("spark.jars")) {
                String jar = applicationJar();
                if (jar == null) {
                    throw new JobInputException("--master " + master + ": the executors need the application jar; build it (mvn -pl examples -am"
                            + " package) or pass --conf spark.jars=PATH/sparkgrad-examples-VERSION-app.jar");
                }
                b.config("spark.jars", jar);
            }
        }
        for (Map.Entry<String, String> e : o.conf.entrySet()) b.config(e.getKey(), e.getValue());
        return b;
    }

    /** The master URL: {@code --master}, else spark-submit's, else {@code local[*]}. */
    static String master(JobOptions o) {
        return o.master != null ? o.master : new SparkConf().get("spark.master", "local[*]");
    }

    private static void setDefault(SparkSession.Builder b, SparkConf sys, JobOptions o, String key, String value) {
        if (!sys.contains(key) && !o.conf.containsKey(key)) b.config(key, value);
    }

    /**
     * The shaded application jar: {@code -Dsparkgrad.app.jar} (set by {@code ./sparkgrad}), else this class's own jar when
     * it is the {@code -app.jar}, else an {@code -app.jar} next to it; null when none exists (running from classes).
     */
    static String applicationJar() {
        String p = System.getProperty("sparkgrad.app.jar");
        if (p != null && Files.isRegularFile(Path.of(p))) return Path.of(p).toAbsolutePath().toString();
        try {
            Path self = Path.of(JobRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self)) {
                String n = self.getFileName().toString();
                if (n.endsWith("-app.jar")) return self.toString();
                Path app = self.resolveSibling(n.replaceAll("\\.jar$", "-app.jar"));
                if (Files.isRegularFile(app)) return app.toString();
            }
        } catch (Exception e) {
            LOG.debug("cannot locate the application jar", e);
        }
        return null;
    }
}
