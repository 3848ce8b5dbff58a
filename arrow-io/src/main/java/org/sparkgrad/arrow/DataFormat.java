package org.sparkgrad.arrow;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The columnar file formats read and written here. */
public enum DataFormat {
    /** Apache Parquet (read through the Arrow dataset JNI). */
    PARQUET(".parquet"),
    /** Arrow IPC file ("random access") format, magic {@code ARROW1}; Feather v2 is the same thing. */
    ARROW_FILE(".arrow"),
    /** Arrow IPC stream format. */
    ARROW_STREAM(".arrows");

    private final String extension;

    DataFormat(String extension) {
        this.extension = extension;
    }

    /** The usual file name extension, with its dot. */
    public String extension() {
        return extension;
    }

    /**
     * The format of a file, from its magic bytes ({@code PAR1}, {@code ARROW1}, or an IPC stream's continuation
     * marker / schema message), falling back to its extension.
     *
     * @throws ArrowDataException if neither tells
     */
    public static DataFormat detect(Path file) {
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
            return PARQUET;
        }
        if (n >= 6 && head[0] == 'A' && head[1] == 'R' && head[2] == 'R' && head[3] == 'O' && head[4] == 'W'
                && head[5] == '1') {
            return ARROW_FILE;
        }
        if (n >= 4 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFF && (head[2] & 0xFF) == 0xFF
                && (head[3] & 0xFF) == 0xFF) {
            return ARROW_STREAM;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) {
            return PARQUET;
        }
        if (name.endsWith(".arrow") || name.endsWith(".feather") || name.endsWith(".ipc")) {
            return ARROW_FILE;
        }
        if (name.endsWith(".arrows") || name.endsWith(".stream")) {
            return ARROW_STREAM;
        }
        throw new ArrowDataException("unknown file format (not Parquet, Arrow IPC file or stream)", file, null, -1, -1);
    }

    /**
     * The data files of a path: the file itself, or, for a folder, every regular file below it whose name does not
     * start with {@code .} or {@code _} (Spark's {@code _SUCCESS}, {@code .crc} files), sorted by path.
     *
     * @throws ArrowDataException if the path does not exist or a folder holds no data file
     */
    public static List<Path> listFiles(Path path) {
        if (!Files.exists(path)) {
            throw new ArrowDataException("no such file or folder", path, null, -1, -1);
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(path)) {
            s.filter(Files::isRegularFile).filter(p -> {
                for (Path part : path.relativize(p)) {
                    String n = part.toString();
                    if (n.startsWith(".") || n.startsWith("_")) {
                        return false;
                    }
                }
                return true;
            }).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path, e);
        }
        if (out.isEmpty()) {
            throw new ArrowDataException("folder holds no data files", path, null, -1, -1);
        }
        return out;
    }

    /** {@link #listFiles} over several paths, in order. */
    public static List<Path> listFiles(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            out.addAll(listFiles(p));
        }
        return out;
    }
}
