package org.sparkgrad.examples;

import java.io.PrintStream;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shows how far a job is: a progress bar redrawn in place on an interactive terminal, or one line per training round
 * otherwise (logs, CI). Everything goes to stderr, so stdout holds only the job's final JSON line.
 *
 * <p>The distributed jobs feed it the per-round lines of the parameter-averaging trainer ({@link #trainerLine});
 * local loops call {@link #step} directly.
 */
public final class Progress implements AutoCloseable {
    /** How progress is shown. */
    public enum Mode {
        /** {@link #BAR} when a terminal is attached, {@link #LINES} otherwise. */
        AUTO,
        /** A bar redrawn with carriage returns. */
        BAR,
        /** One line per round or step. */
        LINES,
        /** Nothing but errors. */
        NONE
    }

    private static final Pattern ROUND = Pattern.compile(
            "sparkgrad round (\\d+)/(\\d+), epoch (\\d+): loss ([-0-9.eE+naNIfity]+), (\\d+) examples/s.*");
    private static final Pattern VALIDATION = Pattern.compile("sparkgrad epoch (\\d+): validation (\\w+) ([-0-9.eE+naNIfity]+)");
    private static final int WIDTH = 28;

    private final String job;
    private final Mode mode;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private boolean barShown;
    private int totalEpochs;
    private long lastDraw;
    private long firstStepAt;
    private long firstStepDone;

    /**
     * @param job  the job's name, shown as a prefix
     * @param mode how to show progress ({@link Mode#AUTO} resolves against {@link System#console()})
     * @param err  where to write (stderr)
     */
    public Progress(String job, Mode mode, PrintStream err) {
        this.job = job;
        this.mode = mode == Mode.AUTO ? (System.console() != null ? Mode.BAR : Mode.LINES) : mode;
        this.err = err;
    }

    /** The resolved mode (never AUTO). */
    public Mode mode() { return mode; }

    /** The number of epochs, shown next to the epoch counter when known. */
    public void totalEpochs(int n) { totalEpochs = n; }

    /** Seconds since this progress started. */
    public double elapsedSeconds() { return (System.nanoTime() - start) / 1e9; }

    /** A phase message ("reading data", "evaluating"): its own line in every mode but NONE. */
    public synchronized void message(String text) {
        if (mode == Mode.NONE) return;
        clearBar();
        err.println("[" + job + "] " + text);
        err.flush();
    }

    /** Parses one line of the trainer's log ("sparkgrad round r/R, epoch e: loss ..."). Unknown lines are shown as messages. */
    public void trainerLine(String line) {
        Matcher m = ROUND.matcher(line);
        if (m.matches()) {
            int r = Integer.parseInt(m.group(1)), total = Integer.parseInt(m.group(2)), epoch = Integer.parseInt(m.group(3));
            String extra = String.format(Locale.ROOT, "loss %s, %s ex/s", m.group(4), m.group(5));
            step("round", r, total, "epoch " + epoch + (totalEpochs > 0 ? "/" + totalEpochs : ""), extra);
            return;
        }
        Matcher v = VALIDATION.matcher(line);
        if (v.matches()) {
            message("epoch " + v.group(1) + ": validation " + v.group(2) + " " + v.group(3));
            return;
        }
        message(line);
    }

    /**
     * One unit of work done.
     *
     * @param unit   what is counted ("round", "step")
     * @param done   units done so far (1-based)
     * @param total  units in all
     * @param where  position text ("epoch 3/40"), may be empty
     * @param extra  figures (loss, throughput), may be empty
     */
    public synchronized void step(String unit, long done, long total, String where, String extra) {
        double secs = elapsedSeconds();
        long nowNanos = System.nanoTime();
        if (firstStepAt == 0) {
            firstStepAt = nowNanos;
            firstStepDone = done;
        }
        switch (mode) {
            case LINES:
                err.println(String.format(Locale.ROOT, "[%s] %s %d/%d%s%s  %s", job, unit, done, total,
                        where.isEmpty() ? "" : ", " + where, extra.isEmpty() ? "" : ": " + extra, clock(secs)));
                err.flush();
                break;
            case BAR:
                long now = System.nanoTime();
                if (done < total && now - lastDraw < 100_000_000L) return; // at most 10 redraws a second
                lastDraw = now;
                double f = total > 0 ? Math.min(1, (double) done / total) : 0;
                int full = (int) Math.round(f * WIDTH);
                // the rate since the first step seen, so that start-up time does not inflate the estimate
                double rate = done > firstStepDone ? (now - firstStepAt) / 1e9 / (done - firstStepDone) : Double.NaN;
                String eta = done < total && !Double.isNaN(rate) ? ", eta " + clock(rate * (total - done)) : "";
                String bar = String.format(Locale.ROOT, "\r[%s] [%s%s] %3.0f%% %s %d/%d%s%s  %s%s\u001b[K", job, "#".repeat(full),
                        "-".repeat(WIDTH - full), 100 * f, unit, done, total, where.isEmpty() ? "" : " " + where,
                        extra.isEmpty() ? "" : " " + extra, clock(secs), eta);
                err.print(bar);
                err.flush();
                barShown = true;
                break;
            default:
        }
    }

    private void clearBar() {
        if (barShown) {
            err.print("\r\u001b[K");
            barShown = false;
        }
    }

    static String clock(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Ends a bar line. */
    @Override public synchronized void close() {
        if (barShown) {
            err.println();
            barShown = false;
        }
        err.flush();
    }
}
