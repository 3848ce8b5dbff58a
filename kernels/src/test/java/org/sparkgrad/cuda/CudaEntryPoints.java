package org.sparkgrad.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code extern "C" __global__} entry points of a .cu file, expanding the file's own function-like
 * macros (with {@code ##} pasting and nesting) the way the C preprocessor would for the simple macros our
 * sources use. Independent of nvcc, so the test can tell whether the PTX has every kernel the source declares.
 */
final class CudaEntryPoints {
    private static final Pattern ENTRY = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?(\\w+)\\s*\\(");
    private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#\\s*define\\s+(\\w+)\\(([^)]*)\\)(.*)$");

    private record Macro(List<String> params, String body) {
    }

    private CudaEntryPoints() {
    }

    static Set<String> of(String source) {
        String text = stripComments(source).replaceAll("\\\\\\r?\\n", " ");
        Map<String, Macro> macros = new HashMap<>();
        StringBuilder code = new StringBuilder();
        for (String line : text.split("\\r?\\n")) {
            Matcher m = DEFINE.matcher(line);
            if (m.matches()) {
                List<String> ps = new ArrayList<>();
                for (String p : m.group(2).split(",")) if (!p.isBlank()) ps.add(p.trim());
                macros.put(m.group(1), new Macro(ps, m.group(3)));
            } else if (!line.trim().startsWith("#")) {
                code.append(line).append('\n');
            }
        }
        String expanded = expand(code.toString(), macros, 0);
        Set<String> names = new LinkedHashSet<>();
        Matcher e = ENTRY.matcher(expanded);
        while (e.find()) names.add(e.group(1));
        return names;
    }

    private static String expand(String text, Map<String, Macro> macros, int depth) {
        if (depth > 10) throw new IllegalStateException("macro expansion too deep");
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("\\b(\\w+)\\s*\\(").matcher(text);
        int pos = 0;
        boolean changed = false;
        while (m.find(pos)) {
            Macro macro = macros.get(m.group(1));
            if (macro == null) {
                out.append(text, pos, m.end());
                pos = m.end();
                continue;
            }
            int open = m.end() - 1;
            int close = matchParen(text, open);
            List<String> args = splitArgs(text.substring(open + 1, close));
            if (args.size() != macro.params().size()) {
                throw new IllegalStateException("macro " + m.group(1) + " called with " + args.size() + " args");
            }
            String body = macro.body();
            for (int i = 0; i < args.size(); i++) {
                body = body.replaceAll("\\b" + Pattern.quote(macro.params().get(i)) + "\\b",
                        Matcher.quoteReplacement(args.get(i).trim()));
            }
            body = body.replaceAll("\\s*##\\s*", "");
            out.append(text, pos, m.start()).append(' ').append(body).append(' ');
            pos = close + 1;
            changed = true;
        }
        out.append(text.substring(pos));
        return changed ? expand(out.toString(), macros, depth + 1) : out.toString();
    }

    private static int matchParen(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return i;
        }
        throw new IllegalStateException("unbalanced parentheses");
    }

    private static List<String> splitArgs(String s) {
        List<String> r = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '<') depth++;
            else if (c == ')' || c == '>') depth--;
            else if (c == ',' && depth == 0) {
                r.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (!s.isBlank()) r.add(s.substring(start));
        return r;
    }

    static String stripComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", "");
    }

    /** {@code .visible .entry NAME(} names of a PTX file. */
    static Set<String> ptxEntries(String ptx) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(").matcher(ptx);
        while (m.find()) names.add(m.group(1));
        return names;
    }
}
