package org.sparkgrad.examples;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The command line of the jobs: {@code demo} and {@code train JOB}. It is the main class of the application jar
 * ({@code spark-submit --class org.sparkgrad.examples.SparkgradCli sparkgrad-examples-VERSION-app.jar train digits ...})
 * and what {@code ./sparkgrad demo|train} runs. Exit status: 0 success, 1 failure, 2 bad command line, 3 unusable
 * input data (missing path, empty dataset, wrong layout).
 */
@Command(name = "sparkgrad", mixinStandardHelpOptions = true, versionProvider = SparkgradCli.Version.class,
        description = "Sparkgrad jobs: deep learning on Spark with parameter averaging.",
        subcommands = {SparkgradCli.Demo.class, SparkgradCli.Train.class})
public final class SparkgradCli {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** The job failed. */
    public static final int EXIT_FAILED = 1;
    /** Bad command line. */
    public static final int EXIT_USAGE = 2;
    /** Unusable input data: missing path, empty dataset, wrong layout. */
    public static final int EXIT_BAD_INPUT = 3;

    /** {@code demo}: the digits job on the bundled data. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Train the default MLP on the bundled digits data through SparkgradClassifier (2 workers, local[*]),"
                    + " evaluate on a held-out 20%, save the model. About a minute on 2 cores.")
    public static final class Demo implements Job {
        @Mixin JobOptions options = new JobOptions();
        private DigitsJob job;

        private DigitsJob job() {
            if (job == null) {
                if (options.out == null) options.out = Path.of("out", "demo");
                job = DigitsJob.demo(options);
            }
            return job;
        }

        @Override public String name() { return "digits"; }

        @Override public JobOptions options() { return options; }

        @Override public void checkInputs() { job().checkInputs(); }

        @Override public JobResult run(JobContext ctx) throws Exception { return job().run(ctx); }
    }

    /** {@code train JOB}: one of the jobs on a dataset. */
    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train one job on its dataset.",
            subcommands = {DigitsJob.class, MnistJob.class, OceanJob.class, GptJob.class})
    public static final class Train {}

    /** The version from the build. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            java.util.Properties p = JobRunner.buildInfo();
            return new String[] {"sparkgrad " + p.getProperty("version", "unknown") + " (Spark " + p.getProperty("spark.version", "?") + ")"};
        }
    }

    private SparkgradCli() {}

    /**
     * Parses {@code args} and runs the command.
     *
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new SparkgradCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) return help;
            List<CommandLine> chain = parsed.asCommandLineList();
            CommandLine last = chain.get(chain.size() - 1);
            if (last.getCommand() instanceof Job job) return JobRunner.run(job, out, err);
            last.usage(err);
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
