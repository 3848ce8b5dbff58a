package org.sparkgrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The {@code --out} folder of a job, written all-or-nothing. Everything goes first into a hidden staging folder
 * {@code OUT/.incomplete-<id>/}; {@link #commit()} then moves each entry into {@code OUT} (replacing the results of an
 * earlier run of the same names), and {@link #abort()} deletes the staging folder, and {@code OUT} itself when this
 * run created it. So a failed job never leaves a half-written model where a finished one is expected. Results of an
 * earlier run that this run does not write again (another job's {@code vocab.json}, a {@code curve.png} this run could
 * not draw) are removed on commit, so {@code OUT} never mixes two runs. Commit and abort exclude each other (the
 * abort may come from a shutdown hook).
 */
public final class OutputDir {
    /** File in a staging folder holding the PID of the run that owns it. */
    static final String OWNER = ".owner-pid";

    /** Every entry a job writes into {@code OUT}; on commit, those this run did not stage are removed. */
    static final List<String> JOB_OUTPUTS = List.of("model", "metrics.json", "curve.png", "vocab.json", "sample.txt");

    private final Path out;
    private final Path staging;
    private final boolean createdOut;
    private boolean done;

    private OutputDir(Path out, Path staging, boolean createdOut) {
        this.out = out;
        this.staging = staging;
        this.createdOut = createdOut;
    }

    /**
     * Creates the staging folder inside {@code out} (and {@code out} when missing).
     *
     * @throws JobInputException when {@code out} exists and is not a writable folder
     */
    public static OutputDir open(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) throw new JobInputException("--out " + out + " exists and is not a folder");
        boolean created = !Files.exists(abs);
        try {
            Files.createDirectories(abs);
            removeOrphans(abs);
            Path staging = abs.resolve(".incomplete-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectory(staging);
            // the owner's PID, so that a later run can tell a staging folder left by a killed run from a live one
            Files.writeString(staging.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
            return new OutputDir(abs, staging, created);
        } catch (IOException e) {
            throw new JobInputException("cannot create the output folder " + out + ": " + e, e);
        }
    }

    /** The final folder. */
    public Path out() { return out; }

    /** Where a job writes its results before {@link #commit()}. */
    public Path staging() { return staging; }

    /** {@code staging/name}. */
    public Path file(String name) { return staging.resolve(name); }

    /**
     * Moves every staged entry into the output folder, replacing earlier entries of the same name, removes the
     * {@link #JOB_OUTPUTS} of an earlier run that this run did not stage, and removes the staging folder. Each entry is moved with an atomic rename (same file system); an old entry is renamed aside
     * first and deleted after the new one is in place.
     *
     * @return the final paths
     */
    public synchronized List<Path> commit() {
        if (done) throw new IllegalStateException("already committed or aborted");
        List<Path> moved = new ArrayList<>();
        try (Stream<Path> s = Files.list(staging)) {
            for (String name : JOB_OUTPUTS) { // an earlier run's result that this run does not replace
                Path stale = out.resolve(name);
                if (!Files.exists(staging.resolve(name)) && Files.exists(stale)) {
                    Path aside = out.resolve(".replaced-" + UUID.randomUUID().toString().substring(0, 8) + "-" + name);
                    move(stale, aside);
                    deleteTree(aside);
                }
            }
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (p.getFileName().toString().equals(OWNER)) {
                    Files.delete(p);
                    continue;
                }
                Path target = out.resolve(p.getFileName().toString());
                Path old = null;
                if (Files.exists(target)) {
                    old = out.resolve(".replaced-" + UUID.randomUUID().toString().substring(0, 8) + "-" + p.getFileName());
                    move(target, old);
                }
                move(p, target);
                if (old != null) deleteTree(old);
                moved.add(target);
            }
            Files.delete(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the results from " + staging + " into " + out, e);
        }
        done = true;
        return moved;
    }

    /** Deletes the staging folder (and the output folder when this run created it and it is empty). Never throws. */
    public synchronized void abort() {
        if (done) return;
        done = true;
        try {
            deleteTree(staging);
            if (createdOut) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isEmpty()) Files.delete(out);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("sparkgrad: warning: could not clean up " + staging + ": " + e);
        }
    }

    /**
     * Deletes the staging folders in {@code out} whose run is gone: its PID file names a process that no longer runs
     * (a run killed with SIGKILL cannot clean up after itself). Folders of live runs, and folders without a readable
     * PID file, are left alone.
     */
    static void removeOrphans(Path out) {
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.getFileName().toString().startsWith(".incomplete-") || !Files.isDirectory(p)) continue;
                long pid;
                try {
                    pid = Long.parseLong(Files.readString(p.resolve(OWNER)).trim());
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                try {
                    deleteTree(p);
                } catch (IOException | UncheckedIOException e) {
                    System.err.println("sparkgrad: warning: could not remove the abandoned " + p + ": " + e);
                }
            }
        } catch (IOException e) {
            System.err.println("sparkgrad: warning: could not list " + out + ": " + e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a file or a folder tree; missing is fine. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
