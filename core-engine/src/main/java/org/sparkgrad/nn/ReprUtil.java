package org.sparkgrad.nn;

/** Python-style formatting for {@code extraRepr} strings. */
final class ReprUtil {
    private ReprUtil() {}

    /** A Python tuple, e.g. {@code (4,)} or {@code (3, 4)}. */
    static String tuple(int[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) b.append(i > 0 ? ", " : "").append(s[i]);
        return b.append(s.length == 1 ? ",)" : ")").toString();
    }

    /** A float as Python's {@code repr} prints it, e.g. {@code 1e-05}, {@code 0.1} or {@code 1.0}. */
    static String num(double v) {
        String s = Double.toString(v);
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) return s.toLowerCase(java.util.Locale.ROOT);
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e16) {
            String plain = new java.math.BigDecimal(s).stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        int e = s.indexOf('E');
        String mant = s.substring(0, e), exp = s.substring(e + 1);
        if (mant.endsWith(".0")) mant = mant.substring(0, mant.length() - 2);
        int x = Integer.parseInt(exp);
        return mant + "e" + (x < 0 ? "-" : "+") + (Math.abs(x) < 10 ? "0" : "") + Math.abs(x);
    }
}
