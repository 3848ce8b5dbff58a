package org.sparkgrad.arrow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal, generic reader and writer for the Thrift compact protocol, enough to read a Parquet footer
 * ({@code FileMetaData}) into a tree, change a field, and write it back byte-for-byte otherwise unchanged.
 *
 * <p>A struct is a {@code LinkedHashMap<Short, Value>} in wire order; unknown fields are kept as they are.
 * Protocol: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */
final class ThriftCompact {
    static final byte STOP = 0;
    static final byte BOOL_TRUE = 1;
    static final byte BOOL_FALSE = 2;
    static final byte BYTE = 3;
    static final byte I16 = 4;
    static final byte I32 = 5;
    static final byte I64 = 6;
    static final byte DOUBLE = 7;
    static final byte BINARY = 8;
    static final byte LIST = 9;
    static final byte SET = 10;
    static final byte MAP = 11;
    static final byte STRUCT = 12;

    private static final int MAX_DEPTH = 64;

    /** A typed value: {@code type} is a compact type id; {@code value} is Boolean, Byte, Long (i16/i32/i64),
     * Double, byte[], TList, TMap or Struct. */
    record Value(byte type, Object value) {}

    /** A list or set of elements of one type. */
    record TList(byte elemType, List<Object> elems) {}

    /** A map; entries as alternating key, value. */
    record TMap(byte keyType, byte valType, List<Object> keysAndValues) {}

    /** A struct: field id to value, in wire order. */
    static final class Struct extends LinkedHashMap<Short, Value> {
        private static final long serialVersionUID = 1L;

        long i64(int id, long dflt) {
            Value v = get((short) id);
            return v == null ? dflt : ((Number) v.value()).longValue();
        }

        String string(int id) {
            Value v = get((short) id);
            return v == null ? null : new String((byte[]) v.value(), StandardCharsets.UTF_8);
        }

        Struct struct(int id) {
            Value v = get((short) id);
            return v == null ? null : (Struct) v.value();
        }

        List<Object> list(int id) {
            Value v = get((short) id);
            return v == null ? List.of() : ((TList) v.value()).elems();
        }
    }

    /** Thrown for malformed input. */
    static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        FormatException(String m) {
            super(m);
        }
    }

    // ---------------------------------------------------------------- reading

    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int position() {
            return pos;
        }

        private int u8() throws FormatException {
            if (pos >= buf.length) {
                throw new FormatException("unexpected end of Thrift data at byte " + pos);
            }
            return buf[pos++] & 0xFF;
        }

        private long varint() throws FormatException {
            long r = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                r |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return r;
                }
            }
            throw new FormatException("varint too long at byte " + pos);
        }

        private long zigzag() throws FormatException {
            long n = varint();
            return (n >>> 1) ^ -(n & 1);
        }

        Struct readStruct() throws FormatException {
            return readStruct(0);
        }

        private Struct readStruct(int depth) throws FormatException {
            if (depth > MAX_DEPTH) {
                throw new FormatException("Thrift structures nested too deep");
            }
            Struct s = new Struct();
            short last = 0;
            while (true) {
                int h = u8();
                byte type = (byte) (h & 0x0F);
                if (type == STOP) {
                    return s;
                }
                int delta = h >>> 4;
                short id = delta != 0 ? (short) (last + delta) : (short) zigzag();
                last = id;
                Object v;
                if (type == BOOL_TRUE || type == BOOL_FALSE) {
                    v = type == BOOL_TRUE;
                } else {
                    v = readValue(type, depth);
                }
                s.put(id, new Value(type, v));
            }
        }

        private Object readValue(byte type, int depth) throws FormatException {
            switch (type) {
                case BOOL_TRUE:
                case BOOL_FALSE:
                    return (byte) u8(); // inside a collection: one byte
                case BYTE:
                    return (byte) u8();
                case I16:
                case I32:
                case I64:
                    return zigzag();
                case DOUBLE: {
                    long bits = 0;
                    for (int i = 0; i < 8; i++) {
                        bits |= (long) u8() << (8 * i);
                    }
                    return Double.longBitsToDouble(bits);
                }
                case BINARY: {
                    long n = varint();
                    if (n < 0 || n > buf.length - pos) {
                        throw new FormatException("binary length " + n + " runs past the end at byte " + pos);
                    }
                    byte[] b = new byte[(int) n];
                    System.arraycopy(buf, pos, b, 0, (int) n);
                    pos += (int) n;
                    return b;
                }
                case LIST:
                case SET: {
                    int h = u8();
                    byte et = (byte) (h & 0x0F);
                    long n = h >>> 4;
                    if (n == 15) {
                        n = varint();
                    }
                    if (n < 0 || n > buf.length - pos) {
                        throw new FormatException("list size " + n + " impossible at byte " + pos);
                    }
                    List<Object> el = new ArrayList<>((int) n);
                    for (long i = 0; i < n; i++) {
                        el.add(et == STRUCT ? readStruct(depth + 1) : readValue(et, depth + 1));
                    }
                    return new TList(et, el);
                }
                case MAP: {
                    long n = varint();
                    if (n < 0 || n > buf.length - pos) {
                        throw new FormatException("map size " + n + " impossible at byte " + pos);
                    }
                    byte kt = 0;
                    byte vt = 0;
                    List<Object> kv = new ArrayList<>();
                    if (n > 0) {
                        int h = u8();
                        kt = (byte) (h >>> 4);
                        vt = (byte) (h & 0x0F);
                    }
                    for (long i = 0; i < n; i++) {
                        kv.add(kt == STRUCT ? readStruct(depth + 1) : readValue(kt, depth + 1));
                        kv.add(vt == STRUCT ? readStruct(depth + 1) : readValue(vt, depth + 1));
                    }
                    return new TMap(kt, vt, kv);
                }
                case STRUCT:
                    return readStruct(depth + 1);
                default:
                    throw new FormatException("unknown Thrift compact type " + type + " at byte " + (pos - 1));
            }
        }
    }

    // ---------------------------------------------------------------- writing

    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        byte[] toByteArray() {
            return out.toByteArray();
        }

        private void varint(long n) {
            while ((n & ~0x7FL) != 0) {
                out.write((int) ((n & 0x7F) | 0x80));
                n >>>= 7;
            }
            out.write((int) n);
        }

        private void zigzag(long n) {
            varint((n << 1) ^ (n >> 63));
        }

        void writeStruct(Struct s) {
            short last = 0;
            for (Map.Entry<Short, Value> e : s.entrySet()) {
                short id = e.getKey();
                Value v = e.getValue();
                byte type = v.type();
                if (type == BOOL_TRUE || type == BOOL_FALSE) {
                    type = Boolean.TRUE.equals(v.value()) ? BOOL_TRUE : BOOL_FALSE;
                }
                int delta = id - last;
                if (delta > 0 && delta <= 15) {
                    out.write((delta << 4) | type);
                } else {
                    out.write(type);
                    zigzag(id);
                }
                last = id;
                if (type != BOOL_TRUE && type != BOOL_FALSE) {
                    writeValue(type, v.value());
                }
            }
            out.write(STOP);
        }

        private void writeValue(byte type, Object v) {
            switch (type) {
                case BOOL_TRUE:
                case BOOL_FALSE:
                case BYTE:
                    out.write(((Byte) v) & 0xFF);
                    break;
                case I16:
                case I32:
                case I64:
                    zigzag(((Number) v).longValue());
                    break;
                case DOUBLE: {
                    long bits = Double.doubleToRawLongBits((Double) v);
                    for (int i = 0; i < 8; i++) {
                        out.write((int) (bits >>> (8 * i)) & 0xFF);
                    }
                    break;
                }
                case BINARY: {
                    byte[] b = (byte[]) v;
                    varint(b.length);
                    out.write(b, 0, b.length);
                    break;
                }
                case LIST:
                case SET: {
                    TList l = (TList) v;
                    int n = l.elems().size();
                    if (n < 15) {
                        out.write((n << 4) | l.elemType());
                    } else {
                        out.write(0xF0 | l.elemType());
                        varint(n);
                    }
                    for (Object o : l.elems()) {
                        if (l.elemType() == STRUCT) {
                            writeStruct((Struct) o);
                        } else {
                            writeValue(l.elemType(), o);
                        }
                    }
                    break;
                }
                case MAP: {
                    TMap m = (TMap) v;
                    int n = m.keysAndValues().size() / 2;
                    varint(n);
                    if (n > 0) {
                        out.write((m.keyType() << 4) | m.valType());
                    }
                    for (int i = 0; i < m.keysAndValues().size(); i++) {
                        byte t = i % 2 == 0 ? m.keyType() : m.valType();
                        Object o = m.keysAndValues().get(i);
                        if (t == STRUCT) {
                            writeStruct((Struct) o);
                        } else {
                            writeValue(t, o);
                        }
                    }
                    break;
                }
                case STRUCT:
                    writeStruct((Struct) v);
                    break;
                default:
                    throw new IllegalStateException("unknown Thrift compact type " + type);
            }
        }
    }

    private ThriftCompact() {}
}
