package org.sparkgrad.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the CUDA sources and the committed PTX from the module directory (Maven) or the repository root (IDE). */
final class PtxFiles {
    private PtxFiles() {
    }

    static Path moduleDir() {
        for (Path p : new Path[] {Paths.get(""), Paths.get("kernels")}) {
            if (Files.isDirectory(p.resolve("src/main/cuda"))) return p.toAbsolutePath();
        }
        throw new IllegalStateException("cannot find kernels/src/main/cuda from " + Paths.get("").toAbsolutePath());
    }

    static Path cudaSourceDir() {
        return moduleDir().resolve("src/main/cuda");
    }

    static Path ptxDir() {
        return moduleDir().resolve("src/main/resources/org/sparkgrad/cuda/ptx");
    }
}
