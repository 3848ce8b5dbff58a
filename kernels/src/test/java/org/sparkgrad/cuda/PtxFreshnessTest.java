package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX must be what build-ptx.sh makes of the committed .cu sources: the manifest ptx.sha256 lists
 * the sha256 of every source and PTX file; a source edited without regenerating fails here, by name. Also checks
 * that every extern "C" entry point of each .cu is an .entry of its PTX. Needs no nvcc and no GPU.
 */
class PtxFreshnessTest {
    static final String HOW_TO_FIX = "run `mvn -Pnvcc -pl kernels -am compile` (or kernels/build-ptx.sh) and"
            + " commit the regenerated src/main/resources/org/sparkgrad/cuda/ptx";

    static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** path relative to src/main ("cuda/x.cu", "ptx/x.ptx") -> sha256, from the manifest. */
    static Map<String, String> manifest() throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String line : Files.readAllLines(PtxFiles.ptxDir().resolve("ptx.sha256"), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] parts = line.trim().split("\\s+", 2);
            assertEquals(2, parts.length, "malformed manifest line: " + line);
            m.put(parts[1].trim(), parts[0]);
        }
        return m;
    }

    static Map<String, String> actual() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(PtxFiles.cudaSourceDir())) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".cu") || n.endsWith(".cuh") || n.endsWith(".h")) m.put("cuda/" + n, sha256(p));
            }
        }
        try (Stream<Path> s = Files.list(PtxFiles.ptxDir())) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".ptx")) m.put("ptx/" + n, sha256(p));
            }
        }
        return m;
    }

    /** The messages for a manifest/actual difference (empty when fresh). */
    static List<String> staleness(Map<String, String> manifest, Map<String, String> actual) {
        List<String> problems = new ArrayList<>();
        Set<String> all = new TreeSet<>(manifest.keySet());
        all.addAll(actual.keySet());
        for (String f : all) {
            String want = manifest.get(f), got = actual.get(f);
            String name = f.substring(f.indexOf('/') + 1);
            if (f.startsWith("cuda/")) {
                if (want == null) problems.add(name + " is new since the PTX was generated; " + HOW_TO_FIX);
                else if (got == null) problems.add(name + " was removed since the PTX was generated; " + HOW_TO_FIX);
                else if (!want.equals(got)) problems.add(name + " changed since the PTX was generated; " + HOW_TO_FIX);
            } else {
                if (want == null) problems.add(name + " is not in the manifest (not made by build-ptx.sh?); " + HOW_TO_FIX);
                else if (got == null) problems.add(name + " is missing; " + HOW_TO_FIX);
                else if (!want.equals(got)) problems.add(name + " was edited by hand or is stale; " + HOW_TO_FIX);
            }
        }
        return problems;
    }

    @Test
    void ptxIsFreshForEverySourceAndHeader() throws IOException {
        List<String> problems = staleness(manifest(), actual());
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    @Test
    void everyCuHasAPtx() throws IOException {
        try (Stream<Path> s = Files.list(PtxFiles.cudaSourceDir())) {
            for (Path cu : s.filter(p -> p.toString().endsWith(".cu")).toList()) {
                String name = cu.getFileName().toString().replace(".cu", ".ptx");
                assertTrue(Files.exists(PtxFiles.ptxDir().resolve(name)), name + " missing; " + HOW_TO_FIX);
            }
        }
    }

    @Test
    void everyEntryPointIsInThePtx() throws IOException {
        int total = 0;
        try (Stream<Path> s = Files.list(PtxFiles.cudaSourceDir())) {
            for (Path cu : s.filter(p -> p.toString().endsWith(".cu")).sorted().toList()) {
                Set<String> declared = CudaEntryPoints.of(Files.readString(cu, StandardCharsets.UTF_8));
                assertFalse(declared.isEmpty(), cu.getFileName() + " declares no extern \"C\" kernel");
                Path ptx = PtxFiles.ptxDir().resolve(cu.getFileName().toString().replace(".cu", ".ptx"));
                Set<String> entries = CudaEntryPoints.ptxEntries(Files.readString(ptx, StandardCharsets.US_ASCII));
                Set<String> missing = new TreeSet<>(declared);
                missing.removeAll(entries);
                Set<String> extra = new TreeSet<>(entries);
                extra.removeAll(declared);
                assertTrue(missing.isEmpty(), cu.getFileName() + ": entry points missing from the PTX " + missing + "; "
                        + HOW_TO_FIX);
                assertTrue(extra.isEmpty(), ptx.getFileName() + ": .entry not declared by the source " + extra + "; "
                        + HOW_TO_FIX);
                total += declared.size();
            }
        }
        assertTrue(total >= 190, "expected the full kernel set, found " + total + " entry points");
    }

    @Test
    void ptxTargetsCompute75() throws IOException {
        try (Stream<Path> s = Files.list(PtxFiles.ptxDir())) {
            for (Path p : s.filter(f -> f.toString().endsWith(".ptx")).toList()) {
                PtxIsa isa = PtxIsa.of(Files.readString(p, StandardCharsets.US_ASCII));
                assertEquals(75, isa.targetComputeCapability(), p.getFileName() + " must target sm_75 (compute_75)");
            }
        }
    }

    // ------------------------------------------------------------------ the checker itself
    @Test
    void detectsAnEditedSource() {
        Map<String, String> manifest = Map.of("cuda/gemm.cu", "aa", "ptx/gemm.ptx", "bb");
        List<String> p = staleness(manifest, Map.of("cuda/gemm.cu", "cc", "ptx/gemm.ptx", "bb"));
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("gemm.cu changed") && p.get(0).contains("mvn -Pnvcc")
                && p.get(0).contains("build-ptx.sh"), p.get(0));
        assertTrue(staleness(manifest, manifest).isEmpty());
        assertTrue(staleness(manifest, Map.of("cuda/gemm.cu", "aa", "ptx/gemm.ptx", "bb", "cuda/new.cu", "dd"))
                .get(0).startsWith("new.cu is new"));
        assertTrue(staleness(manifest, Map.of("cuda/gemm.cu", "aa", "ptx/gemm.ptx", "zz"))
                .get(0).startsWith("gemm.ptx was edited"));
    }

    @Test
    void entryPointParserExpandsNestedPastingMacros() {
        String src = "// extern \"C\" __global__ void commented_out(\n"
                + "#define INNER(A, B) extern \"C\" __global__ void k_##A##_##B(int n) { }\n"
                + "#define OUTER(A) \\\n  INNER(A, f32) \\\n  INNER(A, f64)\n"
                + "OUTER(add)\nOUTER(mul)\n"
                + "extern \"C\" __global__ void __launch_bounds__(256) plain(int x) {}\n";
        assertEquals(Set.of("k_add_f32", "k_add_f64", "k_mul_f32", "k_mul_f64", "plain"), CudaEntryPoints.of(src));
    }
}
