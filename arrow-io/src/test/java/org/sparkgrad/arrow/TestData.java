package org.sparkgrad.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Test data: copies of small datasets in test resources; large ones from {@code ../shared/data} when present. */
final class TestData {
    private TestData() {}

    /** A test resource folder or file, e.g. {@code data/digits}. */
    static Path resource(String name) {
        try {
            return Path.of(TestData.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    /** {@code shared/data/NAME} beside the repository root, or the test is skipped with a message. */
    static Path shared(String name) {
        Path p = Path.of("").toAbsolutePath().getParent().getParent().resolve("shared").resolve("data").resolve(name);
        Assumptions.assumeTrue(Files.isDirectory(p), "skipped: " + p + " is absent (large dataset, only in ../shared)");
        return p;
    }

    static float[] floats(Path raw) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Path raw) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN);
            int[] f = new int[b.remaining() / 4];
            b.asIntBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(Path raw) {
        try {
            return Files.readAllBytes(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bitwise float array equality with the first differing index in the message. */
    static void assertBitEquals(float[] want, float[] got, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                org.junit.jupiter.api.Assertions.fail(what + ": element " + i + " is " + got[i] + ", want " + want[i]);
            }
        }
    }
}
