package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirTest {
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void commitMovesEverythingInAndReplacesEarlierEntries(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Files.createDirectories(out.resolve("model"));
        Files.writeString(out.resolve("model/old"), "old");
        Files.writeString(out.resolve("notes.txt"), "kept");
        OutputDir d = OutputDir.open(out);
        assertTrue(d.staging().getFileName().toString().startsWith(".incomplete-"));
        Files.createDirectories(d.file("model"));
        Files.writeString(d.file("model/new"), "new");
        Files.writeString(d.file("metrics.json"), "{}");
        d.commit();
        assertEquals(List.of("metrics.json", "model", "notes.txt"), names(out));
        assertEquals(List.of("new"), names(out.resolve("model")));
        assertThrows(IllegalStateException.class, d::commit);
    }

    /** A run into an --out that holds another job's results leaves only its own results (and unrelated files). */
    @Test
    void commitRemovesAnEarlierRunsResultsThatThisRunDoesNotWrite(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Files.createDirectories(out.resolve("model"));
        for (String f : List.of("metrics.json", "curve.png", "vocab.json", "sample.txt", "notes.txt")) {
            Files.writeString(out.resolve(f), "gpt run");
        }
        OutputDir d = OutputDir.open(out);
        Files.createDirectories(d.file("model"));
        Files.writeString(d.file("metrics.json"), "{}"); // this run drew no curve and writes no vocabulary
        d.commit();
        assertEquals(List.of("metrics.json", "model", "notes.txt"), names(out));
        assertEquals("{}", Files.readString(out.resolve("metrics.json")));
    }

    /**
     * A staging folder left by a killed run (its PID file names a process that is gone) is removed by the next run;
     * one whose owner still runs, and one without a PID file, are left alone.
     */
    @Test
    void stagingFoldersOfDeadRunsAreRemovedByTheNextRun(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Path dead = Files.createDirectories(out.resolve(".incomplete-dead0000"));
        Files.writeString(dead.resolve("metrics.json"), "{}");
        long gone = new ProcessBuilder("true").start().pid();
        try {
            ProcessHandle.of(gone).ifPresent(h -> h.onExit().join());
        } catch (RuntimeException ignored) {
            // already reaped
        }
        Files.writeString(dead.resolve(OutputDir.OWNER), Long.toString(gone));
        Path live = Files.createDirectories(out.resolve(".incomplete-live0000"));
        Files.writeString(live.resolve(OutputDir.OWNER), Long.toString(ProcessHandle.current().pid()));
        Path unknown = Files.createDirectories(out.resolve(".incomplete-none0000"));
        OutputDir d = OutputDir.open(out);
        assertFalse(Files.exists(dead));
        assertTrue(Files.exists(live));
        assertTrue(Files.exists(unknown));
        Files.writeString(d.file("metrics.json"), "{}");
        d.commit();
        assertFalse(Files.exists(out.resolve(OutputDir.OWNER))); // the PID file is not a result
        assertTrue(Files.exists(out.resolve("metrics.json")));
    }

    @Test
    void abortRemovesStagingAndAnOutFolderItCreated(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("fresh");
        OutputDir d = OutputDir.open(out);
        Files.writeString(d.file("half-written"), "x");
        d.abort();
        assertFalse(Files.exists(out));

        Path existing = Files.createDirectories(tmp.resolve("existing"));
        OutputDir e = OutputDir.open(existing);
        Files.createDirectories(e.file("model"));
        e.abort();
        assertTrue(Files.isDirectory(existing));
        assertEquals(List.of(), names(existing));
        e.abort(); // idempotent
    }

    @Test
    void outMustBeAFolder(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("file"), "x");
        JobInputException e = assertThrows(JobInputException.class, () -> OutputDir.open(f));
        assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
    }
}
