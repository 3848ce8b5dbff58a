package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPathsTest {
    @Test
    void aDatasetFolderResolvesToItsNamedParquetFile(@TempDir Path tmp) throws IOException {
        Path dir = JobTestSupport.digitsFolder(tmp.resolve("digits"));
        Files.writeString(dir.resolve("other.parquet"), "PAR1 decoy");
        assertEquals(dir.resolve("digits.parquet").toAbsolutePath().toString(), DataPaths.parquet("--data", dir.toString(), "digits"));
        assertEquals(dir.resolve("digits.parquet").toAbsolutePath().toString(),
                DataPaths.parquet("--data", dir.resolve("digits.parquet").toString(), "digits"));
        assertEquals(dir.resolve("digits.parquet").toAbsolutePath().toString(),
                DataPaths.parquet("--data", dir.resolve("digits.parquet").toUri().toString(), "digits"));
    }

    @Test
    void aSparkOutputFolderIsReadAsOne(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("written-by-spark"));
        Files.writeString(dir.resolve("_SUCCESS"), "");
        Files.writeString(dir.resolve("part-00000-x.snappy.parquet"), "PAR1");
        assertEquals(dir.toAbsolutePath().toString(), DataPaths.parquet("--data", dir.toString(), "digits"));
    }

    @Test
    void severalUnnamedParquetFilesAreAmbiguous(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("two"));
        Files.writeString(dir.resolve("a.parquet"), "PAR1");
        Files.writeString(dir.resolve("b.parquet"), "PAR1");
        JobInputException e = assertThrows(JobInputException.class, () -> DataPaths.parquet("--data", dir.toString(), "digits"));
        assertTrue(e.getMessage().contains("several Parquet files"), e.getMessage());
    }

    @Test
    void remoteUrisPassThrough() {
        assertEquals("hdfs://nn:8020/data/digits", DataPaths.parquet("--data", "hdfs://nn:8020/data/digits", "digits"));
        assertTrue(DataPaths.isUri("s3a://bucket/x"));
        assertFalse(DataPaths.isUri("relative/path"));
        assertFalse(DataPaths.isUri("/abs/path"));
    }
    @Test
    void aMalformedFileUriIsABadPathNotACrash() {
        for (String bad : new String[] {"file:digits", "file:/tmp/a b/digits.parquet", "file://host/x"}) {
            JobInputException e = assertThrows(JobInputException.class, () -> DataPaths.parquet("--data", bad, "digits"), bad);
            assertTrue(e.getMessage().startsWith("--data " + bad + ": "), e.getMessage());
        }
    }
}
