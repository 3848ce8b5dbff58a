package org.sparkgrad.arrow;

import java.util.List;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** Copies picked rows of heap chunks into the tensors of one {@link Batch}, runs of consecutive rows at a time. */
final class BatchAssembler {
    private BatchAssembler() {}

    /**
     * @param chunks the chunk of each pick
     * @param rows the row within its chunk of each pick
     * @param n number of picks (rows of the batch)
     */
    static Batch assemble(ChunkStream.Chunk[] chunks, int[] rows, int n) {
        List<ArrowTensors.ColumnData> first = chunks[0].columns();
        Tensor[] out = new Tensor[first.size()];
        for (int c = 0; c < out.length; c++) {
            ArrowTensors.ColumnData proto = first.get(c);
            int s = proto.sampleSize();
            Object dst = proto.dtype == DType.FLOAT32 ? new float[n * s]
                    : proto.dtype == DType.FLOAT64 ? (Object) new double[n * s]
                    : proto.dtype == DType.FLOAT16 ? (Object) new short[n * s] : new long[n * s];
            int i = 0;
            while (i < n) {
                ChunkStream.Chunk ch = chunks[i];
                int start = rows[i];
                int j = i + 1;
                while (j < n && chunks[j] == ch && rows[j] == rows[j - 1] + 1) {
                    j++;
                }
                System.arraycopy(ch.columns().get(c).array(), start * s, dst, i * s, (j - i) * s);
                i = j;
            }
            int[] shape = new int[proto.sampleShape.length + 1];
            shape[0] = n;
            System.arraycopy(proto.sampleShape, 0, shape, 1, proto.sampleShape.length);
            out[c] = dst instanceof float[] f ? Tensor.fromArray(f, shape)
                    : dst instanceof double[] d ? Tensor.fromArray(d, shape)
                    : dst instanceof short[] h ? Tensor.fromBits(h, DType.FLOAT16, shape) : Tensor.fromArray((long[]) dst, shape);
        }
        return new Batch(out);
    }
}
