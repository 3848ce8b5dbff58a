package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
    static String render(Progress.Mode mode, String... trainerLines) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (Progress p = new Progress("digits", mode, new PrintStream(b, true, StandardCharsets.UTF_8))) {
            p.totalEpochs(2);
            for (String l : trainerLines) p.trainerLine(l);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    static final String R1 = "sparkgrad round 1/4, epoch 1: loss 2.30120, 1520 examples/s, broadcast 0.010s, compute 0.200s, aggregate 0.001s";
    static final String R4 = "sparkgrad round 4/4, epoch 2: loss 0.51000, 2210 examples/s, broadcast 0.010s, compute 0.200s, aggregate 0.001s";

    @Test
    void linesModePrintsOneLinePerRoundWithTheLoss() {
        String s = render(Progress.Mode.LINES, R1, "sparkgrad epoch 1: validation accuracy 0.91000", R4);
        String[] lines = s.strip().split("\n");
        assertEquals(3, lines.length, s);
        assertTrue(lines[0].startsWith("[digits] round 1/4, epoch 1/2: loss 2.30120, 1520 ex/s"), lines[0]);
        assertEquals("[digits] epoch 1: validation accuracy 0.91000", lines[1]);
        assertTrue(lines[2].startsWith("[digits] round 4/4, epoch 2/2: loss 0.51000"), lines[2]);
    }

    @Test
    void barModeRedrawsInPlaceAndEndsWithANewline() {
        String s = render(Progress.Mode.BAR, R1, R4);
        assertTrue(s.contains("\r[digits] ["), s);
        assertTrue(s.contains("100% round 4/4 epoch 2/2 loss 0.51000"), s);
        assertTrue(s.endsWith("\n"));
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "the bar stays on one line");
    }

    @Test
    void noneModePrintsNothing() {
        assertEquals("", render(Progress.Mode.NONE, R1, R4));
    }

    @Test
    void clockFormats() {
        assertEquals("0:07", Progress.clock(7.2));
        assertEquals("2:05", Progress.clock(125));
        assertEquals("1:00:01", Progress.clock(3601));
    }
}
