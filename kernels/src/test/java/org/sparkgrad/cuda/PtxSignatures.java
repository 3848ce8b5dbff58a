package org.sparkgrad.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parameter lists of the committed PTX entry points, to check launches against. */
final class PtxSignatures {
    /** One declared parameter: its PTX type (u32, u64, f64, b8) and its size in bytes. */
    record PtxParam(String type, int bytes) {
    }

    private static final Pattern ENTRY = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\((.*?)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile(
            "\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+\\w+(?:\\[(\\d+)\\])?");
    private static final Map<String, Map<String, List<PtxParam>>> CACHE = new HashMap<>();

    private PtxSignatures() {
    }

    /** module -> entry name -> params. */
    static synchronized Map<String, List<PtxParam>> of(String module) throws IOException {
        Map<String, List<PtxParam>> m = CACHE.get(module);
        if (m != null) return m;
        String ptx = Files.readString(PtxFiles.ptxDir().resolve(module + ".ptx"), StandardCharsets.US_ASCII);
        m = new HashMap<>();
        Matcher e = ENTRY.matcher(ptx);
        while (e.find()) {
            List<PtxParam> ps = new ArrayList<>();
            Matcher p = PARAM.matcher(e.group(2));
            while (p.find()) {
                String type = p.group(1);
                int bytes = p.group(2) != null ? Integer.parseInt(p.group(2)) : Integer.parseInt(type.substring(1)) / 8;
                ps.add(new PtxParam(type, bytes));
            }
            m.put(e.group(1), ps);
        }
        CACHE.put(module, m);
        return m;
    }

    /** Null when the launch's parameters fit the PTX declaration, else what is wrong. */
    static String mismatch(RecordingOps.Launch l) throws IOException {
        List<PtxParam> declared = of(l.module()).get(l.name());
        if (declared == null) return l.module() + ".ptx has no entry " + l.name();
        List<KernelArgs.Param> given = l.params();
        if (declared.size() != given.size()) {
            return l.name() + ": " + given.size() + " arguments for " + declared.size() + " parameters " + declared;
        }
        for (int i = 0; i < declared.size(); i++) {
            PtxParam d = declared.get(i);
            KernelArgs.Param g = given.get(i);
            boolean ok;
            switch (g.kind()) {
                case I32: ok = d.bytes() == 4 && (d.type().equals("u32") || d.type().equals("s32") || d.type().equals("b32")); break;
                case I64: ok = d.bytes() == 8 && (d.type().equals("u64") || d.type().equals("s64") || d.type().equals("b64")); break;
                case PTR: ok = d.bytes() == 8 && d.type().equals("u64"); break;
                case F64: ok = d.type().equals("f64"); break;
                default: ok = d.type().equals("b8") && d.bytes() == g.bytes(); break;
            }
            if (!ok) return l.name() + " parameter " + i + ": passed " + g + ", declared ." + d.type() + " (" + d.bytes() + " bytes)";
        }
        return null;
    }
}
