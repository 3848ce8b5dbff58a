package org.sparkgrad.io;

import static org.sparkgrad.io.SafeTensors.CHUNK_BYTES;
import static org.sparkgrad.io.SafeTensors.METADATA_KEY;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.sparkgrad.io.SafeTensors.Kind;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safetensors writer behind {@link SafeTensors#save}, {@link SafeTensors#write} and {@link SafeTensors#toBytes}:
 * the reference layout and ordering, the serde_json header style, chunked NIO data streaming and the atomic save.
 */
final class SafeTensorsWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SafeTensorsWriter.class);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final CharacterEscapes SERDE_ESCAPES = new SerdeJsonEscapes();

    private SafeTensorsWriter() {}

    /** See {@link SafeTensors#save}. */
    static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Path target = path.toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null) throw new IllegalArgumentException("cannot save to " + path + ": it has no parent directory");
        Path tmp = null;
        boolean moved = false;
        try {
            tmp = createTempSibling(dir, target.getFileName().toString());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                write(ch, plan(tensors, metadata));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save safetensors file " + path + ": " + e, e);
        } finally {
            if (!moved && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("could not remove the temporary file {} after a failed save: {}", tmp, e.toString());
                }
            }
        }
    }

    private static Path createTempSibling(Path dir, String fileName) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + fileName + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                // CREATE_NEW with default permissions (the umask applies, as for the final file)
                FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return p;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 16) throw e;
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // not supported on every platform (e.g. Windows); the rename itself is already atomic
            LOG.debug("directory sync of {} not possible: {}", dir, e.toString());
        }
    }

    /** See {@link SafeTensors#write}. */
    static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Plan plan = plan(tensors, metadata);
        try {
            write(Channels.newChannel(out), plan);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors data: " + e, e);
        }
    }

    /** See {@link SafeTensors#toBytes}. */
    static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Plan plan = plan(tensors, metadata);
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, 8 + plan.header.length + plan.dataLength));
        try {
            write(Channels.newChannel(bos), plan);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static final class Item {
        final String name;
        final byte[] utf8;
        final Tensor tensor;
        final Kind kind;
        final int[] shape;
        long begin;
        long end;

        Item(String name, Tensor tensor) {
            this.name = name;
            this.utf8 = strictUtf8(name, "tensor name");
            this.tensor = tensor;
            this.kind = Kind.of(tensor.dtype());
            this.shape = tensor.shape();
        }
    }

    private static final class Plan {
        final List<Item> items;
        final byte[] header;
        final long dataLength;

        Plan(List<Item> items, byte[] header, long dataLength) {
            this.items = items;
            this.header = header;
            this.dataLength = dataLength;
        }
    }

    /** The byte-wise order of UTF-8 strings, which is Rust's {@code String} order. */
    static int compareUtf8(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(a[i] & 0xFF, b[i] & 0xFF);
            if (c != 0) return c;
        }
        return Integer.compare(a.length, b.length);
    }

    private static byte[] strictUtf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not valid Unicode (unpaired surrogate)", e);
        }
    }

    private static Plan plan(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null) throw new IllegalArgumentException("tensors is null");
        List<Item> items = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) throw new IllegalArgumentException("a tensor name is null");
            if (METADATA_KEY.equals(name)) throw new IllegalArgumentException("the tensor name " + METADATA_KEY + " is reserved");
            if (e.getValue() == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            items.add(new Item(name, e.getValue()));
        }
        items.sort(Comparator.<Item>comparingInt(i -> -i.kind.referenceRank).thenComparing((x, y) -> compareUtf8(x.utf8, y.utf8)));
        long offset = 0;
        for (Item it : items) {
            it.begin = offset;
            offset = Math.addExact(offset, Math.multiplyExact((long) it.tensor.numel(), it.kind.itemSize));
            it.end = offset;
        }
        List<Map.Entry<byte[], String[]>> meta = new ArrayList<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + e.getKey() + " -> " + e.getValue());
                }
                strictUtf8(e.getValue(), "metadata value");
                meta.add(Map.entry(strictUtf8(e.getKey(), "metadata key"), new String[] {e.getKey(), e.getValue()}));
            }
            meta.sort((x, y) -> compareUtf8(x.getKey(), y.getKey()));
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON_FACTORY.createGenerator(bos)) {
            g.setCharacterEscapes(SERDE_ESCAPES);
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeFieldName(METADATA_KEY);
                g.writeStartObject();
                for (Map.Entry<byte[], String[]> e : meta) g.writeStringField(e.getValue()[0], e.getValue()[1]);
                g.writeEndObject();
            }
            for (Item it : items) {
                g.writeFieldName(it.name);
                g.writeStartObject();
                g.writeStringField("dtype", it.kind.name);
                g.writeArrayFieldStart("shape");
                for (int d : it.shape) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(it.begin);
                g.writeNumber(it.end);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the safetensors header: " + e, e);
        }
        int pad = (8 - bos.size() % 8) % 8;
        for (int i = 0; i < pad; i++) bos.write(' ');
        return new Plan(items, bos.toByteArray(), offset);
    }

    private static void write(WritableByteChannel ch, Plan plan) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(plan.header.length);
        len.flip();
        writeFully(ch, len);
        writeFully(ch, ByteBuffer.wrap(plan.header));
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(8, Math.min(CHUNK_BYTES, plan.dataLength)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Item it : plan.items) writeData(ch, it.tensor, buf);
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Streams the elements of {@code t} in row-major order, little-endian, through {@code buf}. */
    private static void writeData(WritableByteChannel ch, Tensor t, ByteBuffer buf) throws IOException {
        int n = t.numel();
        if (n == 0) return;
        CpuStorage s;
        int off;
        if (t.storage() instanceof CpuStorage && t.isContiguous()) {
            s = (CpuStorage) t.storage();
            off = t.storageOffset();
        } else {
            s = t.backend().download(t); // a contiguous host copy
            off = 0;
        }
        int item = t.dtype().itemSize();
        int per = buf.capacity() / item;
        for (int pos = 0; pos < n; pos += per) {
            int k = Math.min(per, n - pos);
            buf.clear();
            switch (t.dtype()) {
                case FLOAT32: buf.asFloatBuffer().put(s.f, off + pos, k); break;
                case FLOAT64: buf.asDoubleBuffer().put(s.d, off + pos, k); break;
                case INT64: buf.asLongBuffer().put(s.l, off + pos, k); break;
                case BOOL: buf.put(s.b, off + pos, k).flip(); break;
                case FLOAT16:
                case BFLOAT16: buf.asShortBuffer().put(s.h, off + pos, k); break;
                default: throw new IllegalArgumentException("dtype " + t.dtype() + " cannot be written to safetensors");
            }
            buf.position(0).limit(k * item);
            writeFully(ch, buf);
        }
    }

    /** serde_json's escaping: control characters without a short form as lowercase <code>&#92;u00xx</code>. */
    private static final class SerdeJsonEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] table;

        SerdeJsonEscapes() {
            table = CharacterEscapes.standardAsciiEscapesForJSON();
            for (int c = 0; c < 0x20; c++) {
                if (table[c] == CharacterEscapes.ESCAPE_STANDARD) table[c] = CharacterEscapes.ESCAPE_CUSTOM;
            }
        }

        @Override public int[] getEscapeCodesForAscii() { return table; }

        @Override public SerializableString getEscapeSequence(int ch) {
            return ch < 0x20 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
