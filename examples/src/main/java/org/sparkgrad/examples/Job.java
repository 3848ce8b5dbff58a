package org.sparkgrad.examples;

/**
 * One runnable training job: reads its dataset, trains under Spark, evaluates on held-out data, and leaves its saved
 * model and figures in the context's staging folder. {@link JobRunner} does the rest (Spark session, progress,
 * {@code metrics.json}, the curve PNG, the all-or-nothing move into {@code --out}, the final JSON line).
 */
public interface Job {
    /** The job's name ({@code digits}, {@code mnist}, ...), the {@code job} field of its result. */
    String name();

    /** The options shared by every job. */
    JobOptions options();

    /**
     * Cheap checks before Spark starts: the data paths exist and look like the right dataset.
     *
     * @throws JobInputException with a message naming the path and the problem
     */
    void checkInputs();

    /**
     * Runs the job.
     *
     * @return the final metrics and the curves to plot
     * @throws JobInputException for an empty dataset or one of the wrong layout
     */
    JobResult run(JobContext ctx) throws Exception;
}
