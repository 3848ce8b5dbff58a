package org.sparkgrad.backend;

import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

/**
 * The primitive kernels a device implements. Differentiable ops (in {@code org.sparkgrad.ops}) are written
 * once on top of this interface; they never test which device they run on. Implementations are found with
 * {@link java.util.ServiceLoader} (see {@link Backends}); the CPU backend is always present.
 *
 * <p>Conventions for every method: input tensors may be arbitrary strided views (including stride-0
 * broadcast dims) on this backend's device; returned tensors are new and contiguous unless stated
 * otherwise; dims arrays are already normalised (non-negative, sorted, no duplicates). Float kernels must
 * support float32 and float64; integer/bool support is stated per method. Unsupported combinations throw
 * {@link IllegalArgumentException} naming the dtype.
 */
public interface Backend {
    /** The device type this backend serves. */
    Device.Type deviceType();

    /** Short name for logs, e.g. {@code cpu} or {@code cuda}. */
    String name();

    /** Whether this backend can run here (a CUDA backend without a driver answers false). */
    default boolean isAvailable() { return true; }

    /** Why {@link #isAvailable()} is false; null when available. */
    default String unavailableReason() { return null; }

    // ---------------------------------------------------------------- memory and movement
    /** A zero-filled storage of {@code numel} elements on {@code device}. */
    Storage allocate(DType dtype, int numel, Device device);

    /** Copies a host storage to {@code device}. */
    Storage upload(CpuStorage host, Device device);

    /** A contiguous host copy of {@code t}'s elements in row-major order. */
    CpuStorage download(Tensor t);

    /** A contiguous copy of {@code t} (any dtype). */
    Tensor contiguous(Tensor t);

    /**
     * Writes {@code src}, broadcast to {@code dst}'s shape and cast to {@code dst}'s dtype, into {@code dst}
     * (which may be a strided view). Any dtypes.
     */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of {@code dst} (possibly a view) to {@code value}. Any dtype. */
    void fill(Tensor dst, double value);

    // ---------------------------------------------------------------- elementwise
    /** {@code op(x)} elementwise; output dtype = x's (bool for {@link UnaryOp#returnsBool()}). Float dtypes. */
    Tensor unary(UnaryOp op, Tensor x, double a, double b);

    /** {@code grad * op'(x)} elementwise, with {@code out = op(x)} (may be null if the op does not need it). */
    Tensor unaryBackward(UnaryOp op, Tensor grad, Tensor x, Tensor out, double a, double b);

    /**
     * {@code op(x, y)} with broadcasting. Output dtype: bool for comparisons/logical ops, else the promoted
     * dtype of x and y. Any dtypes.
     */
    Tensor binary(BinaryOp op, Tensor x, Tensor y);

    /** {@code x = op(x, y)} in place, {@code y} broadcast to x's shape; x keeps its dtype. */
    void binaryInPlace(BinaryOp op, Tensor x, Tensor y);

    /**
     * {@code x += alpha * y} in place ({@code torch.Tensor.add_(y, alpha=alpha)}), {@code y} broadcast to x's shape,
     * the product rounded to x's dtype before the add. The default multiplies into a
     * temporary; backends override it with a fused loop (the optimizers run it over every parameter each step).
     */
    default void addScaledInPlace(Tensor x, Tensor y, double alpha) {
        binaryInPlace(BinaryOp.ADD, x, unary(UnaryOp.MUL_SCALAR, y.dtype() == x.dtype() ? y : y.to(x.dtype()), alpha, 0));
    }

    /** {@code cond ? x : y} elementwise with broadcasting of all three; cond is bool. */
    Tensor where(Tensor cond, Tensor x, Tensor y);

    // ---------------------------------------------------------------- reductions
    /** Reduces the given dims (empty = no dim reduced). Float dtypes; SUM also int64/bool (giving int64). */
    Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim);

    /** Variance over dims, dividing by {@code max(0, n - correction)}; two-pass algorithm. */
    Tensor var(Tensor x, int[] dims, double correction, boolean keepdim);

    /** Index (int64) of the max ({@code max=true}) or min along {@code dim}; first index on ties. */
    Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim);

    // ---------------------------------------------------------------- linear algebra
    /**
     * Batched matrix product of {@code a (..., m, k)} and {@code b (..., k, n)} whose batch dims are
     * already equal (broadcast views allowed), giving a contiguous {@code (..., m, n)}. Float dtypes.
     */
    Tensor matmul(Tensor a, Tensor b);

    // ---------------------------------------------------------------- softmax
    /** Softmax (or log-softmax) along {@code dim}, stable (max subtracted). */
    Tensor softmax(Tensor x, int dim, boolean log);

    /** Backward of {@link #softmax} given its output. */
    Tensor softmaxBackward(Tensor grad, Tensor out, int dim, boolean log);

    // ---------------------------------------------------------------- indexing
    /** {@code x.index_select(dim, index)} with an int64 1-D index. */
    Tensor indexSelect(Tensor x, int dim, Tensor index);

    /** {@code target.index_add_(dim, index, src)}: in place, target contiguous. */
    void indexAdd(Tensor target, int dim, Tensor index, Tensor src);

    /** {@code torch.gather(x, dim, index)}. */
    Tensor gather(Tensor x, int dim, Tensor index);

    /** {@code target.scatter_add_(dim, index, src)} ({@code add=true}) or {@code scatter_} (false); in place, target contiguous. */
    void scatter(Tensor target, int dim, Tensor index, Tensor src, boolean add);

    // ---------------------------------------------------------------- scans and sorting (ops.Scans, ops.Sorting)
    // x has rank >= 1 and dim is normalised; a dim of size 0 gives empty results. The defaults compute on the host
    // through the CPU backend (download, compute, upload: a round trip per call, documented cost), so every backend
    // supports them; device backends override them with native kernels.

    /**
     * Inclusive scan of {@code x} along {@code dim} ({@code torch.cumsum}, {@code cumprod}, {@code logcumsumexp},
     * {@code cummax}, {@code cummin}; NaN and tie rules in {@link ScanOp}). Float dtypes; SUM, PROD, MAX and MIN also
     * int64 (64-bit wrap-around on overflow, as C).
     *
     * @return {@code {values (x's shape and dtype), indices (int64, x's shape)}}; indices is null unless
     *         {@link ScanOp#hasIndices()}
     * @throws IllegalArgumentException for an unsupported dtype (named)
     */
    default Tensor[] scan(ScanOp op, Tensor x, int dim) {
        return onDeviceAll(Backends.cpu().scan(op, onHost(x), dim), x);
    }

    /**
     * Sorts {@code x} along {@code dim} ({@code torch.sort}): ascending, or descending when {@code descending}; NaN
     * counts as larger than every number (last ascending, first descending); {@code -0.0 == 0.0}. With
     * {@code stable} equal elements keep their input order; without it their order is unspecified (the CPU backend is
     * always stable). Float dtypes and int64.
     *
     * @return {@code {values (x's shape and dtype), indices (int64, x's shape: the position along dim each value came
     *         from)}}
     */
    default Tensor[] sort(Tensor x, int dim, boolean descending, boolean stable) {
        return onDeviceAll(Backends.cpu().sort(onHost(x), dim, descending, stable), x);
    }

    // ---------------------------------------------------------------- convolution and pooling (N-d)
    // Shared conventions: x is (N, C, *spatial) with any number nd >= 1 of spatial dims; kernel, stride,
    // padding and dilation are int[nd] (already validated: stride, dilation >= 1, padding >= 0, every output
    // size >= 1); float32 and float64; all tensor arguments have the same dtype. Math: PyTorch's
    // torch.nn.functional.conv*d / unfold / fold / *_pool*d documentation; N-d is the same formula with nd
    // spatial dims: out = floor((in + 2p - dil*(k-1) - 1) / s) + 1 per dim.
    // The default implementations compute on the host through the CPU backend (download, compute, upload),
    // so that every backend supports them; device backends override them with native kernels.

    /**
     * im2col / vol2col ({@code F.unfold} generalised to nd dims): {@code x (N, C, *in)} to columns
     * {@code (N, C * prod(kernel), prod(out))}; row {@code c * prod(k) + flat(tap)} holds, for every output
     * position, the input element under that kernel tap (0 in the zero padding).
     */
    default Tensor im2col(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return onDevice(Backends.cpu().im2col(onHost(x), kernel, stride, padding, dilation), x);
    }

    /**
     * col2im ({@code F.fold} generalised), the adjoint of {@link #im2col}: columns
     * {@code (N, C * prod(kernel), prod(out))} summed into a new {@code (N, C, *inputSize)}.
     */
    default Tensor col2im(Tensor cols, int[] inputSize, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return onDevice(Backends.cpu().col2im(onHost(cols), inputSize, kernel, stride, padding, dilation), cols);
    }

    /**
     * N-d cross-correlation: {@code x (N, C, *in)}, {@code weight (O, C/groups, *k)}, {@code bias (O)} or null,
     * giving {@code (N, O, *out)} with
     * {@code y[n,o,i] = b[o] + sum_{c in group(o), a} w[o,c,a] * xpad[n, g*C/groups + c, i*s + a*dil]}.
     */
    default Tensor conv(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return onDevice(Backends.cpu().conv(onHost(x), onHost(weight), onHost(bias), stride, padding, dilation, groups), x);
    }

    /**
     * Gradient of {@link #conv} with respect to its input (also the forward of the transposed convolution):
     * {@code grad (N, O, *out)} and {@code weight (O, C/groups, *k)} give {@code (N, C, *inputSize)}.
     * Input positions that no output window reaches (a stride that skips the tail) get 0.
     */
    default Tensor convBackwardInput(Tensor grad, Tensor weight, int[] inputSize, int[] stride, int[] padding, int[] dilation,
                                     int groups) {
        return onDevice(Backends.cpu().convBackwardInput(onHost(grad), onHost(weight), inputSize, stride, padding, dilation, groups),
                grad);
    }

    /**
     * Gradient of {@link #conv} with respect to its weight: {@code x (N, C, *in)} and {@code grad (N, O, *out)}
     * give {@code (O, C/groups, *kernelSize)}.
     */
    default Tensor convBackwardWeight(Tensor x, Tensor grad, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                      int groups) {
        return onDevice(Backends.cpu().convBackwardWeight(onHost(x), onHost(grad), kernelSize, stride, padding, dilation, groups), x);
    }

    /**
     * Max pooling of {@code x (N, C, *in)} over the windows {@code w}: returns {values (N, C, *out),
     * indices (N, C, *out) int64}, the index being the flat position of the max inside its (n, c) input plane
     * (PyTorch's {@code return_indices} convention). NaN counts as the maximum.
     */
    default Tensor[] maxPool(Tensor x, PoolWindows w) {
        Tensor[] r = Backends.cpu().maxPool(onHost(x), w);
        return new Tensor[] {onDevice(r[0], x), onDevice(r[1], x)};
    }

    /**
     * Backward of {@link #maxPool}: scatters {@code grad (N, C, *out)} to the positions in {@code indices},
     * summing where windows share a maximum, into a new tensor of {@code inputShape} (N, C, *in).
     */
    default Tensor maxPoolBackward(Tensor grad, Tensor indices, int[] inputShape) {
        return onDevice(Backends.cpu().maxPoolBackward(onHost(grad), onHost(indices), inputShape), grad);
    }

    /** Average pooling of {@code x (N, C, *in)}: window sums over non-padding taps divided by the product of {@code w.divisor}. */
    default Tensor avgPool(Tensor x, PoolWindows w) {
        return onDevice(Backends.cpu().avgPool(onHost(x), w), x);
    }

    /** Backward of {@link #avgPool}: {@code grad (N, C, *out)} to a new tensor of {@code inputShape} (N, C, *in). */
    default Tensor avgPoolBackward(Tensor grad, PoolWindows w, int[] inputShape) {
        return onDevice(Backends.cpu().avgPoolBackward(onHost(grad), w, inputShape), grad);
    }


    // ---------------------------------------------------------------- normalisation (ops.NormOps)
    // As above, the defaults compute on the host through the CPU backend; device backends override them.
    /**
     * Layer norm ({@code rms=false}, Ba et al. 2016) or RMS norm ({@code rms=true}, Zhang and Sennrich 2019) of
     * every row of {@code x} viewed as {@code (R, D)} with {@code D = normalizedNumel} (the trailing dims):
     * {@code y = (x - mean) * rstd * weight + bias}, {@code rstd = 1 / sqrt(var + eps)} with the biased variance
     * (two-pass), or {@code y = x * rstd * weight}, {@code rstd = 1 / sqrt(mean(x^2) + eps)}.
     *
     * @param weight null or {@code D} elements
     * @param bias   null or {@code D} elements (ignored for RMS)
     * @return {@code {y (x's shape), mean (R) or null for RMS, rstd (R)}}, all of x's dtype
     */
    default Tensor[] layerNorm(Tensor x, int normalizedNumel, Tensor weight, Tensor bias, double eps, boolean rms) {
        return onDeviceAll(Backends.cpu().layerNorm(onHost(x), normalizedNumel, onHost(weight), onHost(bias), eps, rms), x);
    }

    /**
     * Backward of {@link #layerNorm}: with {@code xhat = (x - mean) * rstd} (mean 0 for RMS) and
     * {@code wg = grad * weight}, {@code dx = rstd * (wg - mean(wg) - xhat * mean(wg * xhat))} (RMS: without the
     * {@code mean(wg)} term), {@code dweight = sum_rows grad * xhat}, {@code dbias = sum_rows grad}.
     *
     * @param need which of {@code {dx, dweight, dbias}} to compute
     * @return {@code {dx, dweight, dbias}} (null where not needed); dweight/dbias have {@code D} elements, shaped as
     *         {@code weight}
     */
    default Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedNumel,
                                       boolean rms, boolean[] need) {
        return onDeviceAll(Backends.cpu().layerNormBackward(onHost(grad), onHost(x), onHost(mean), onHost(rstd), onHost(weight),
                normalizedNumel, rms, need), grad);
    }

    /**
     * Batch norm (Ioffe and Szegedy 2015) of {@code x (N, C, *)} over every dim but 1. Training: batch mean and
     * biased batch variance, and, when the running tensors are non-null, an in-place update
     * {@code running = (1 - momentum) * running + momentum * stat} with the unbiased variance for
     * {@code runningVar}. Evaluation: the running statistics.
     *
     * @return {@code {y, saveMean (C), saveInvstd (C)}}: the mean and {@code 1/sqrt(var + eps)} used
     */
    default Tensor[] batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training,
                               double momentum, double eps) {
        Tensor hm = onHost(runningMean), hv = onHost(runningVar);
        Tensor[] r = Backends.cpu().batchNorm(onHost(x), onHost(weight), onHost(bias), hm, hv, training, momentum, eps);
        if (training && runningMean != null) copy(onDevice(hm, runningMean), runningMean);
        if (training && runningVar != null) copy(onDevice(hv, runningVar), runningVar);
        return onDeviceAll(r, x);
    }

    /**
     * Backward of {@link #batchNorm} given its saved mean/invstd. Training:
     * {@code dx = invstd * w * (g - mean(g) - xhat * mean(g * xhat))} per channel; evaluation:
     * {@code dx = g * w * invstd}. {@code dweight = sum g * xhat}, {@code dbias = sum g} over every dim but 1.
     *
     * @return {@code {dx, dweight (C), dbias (C)}}, null where {@code need} is false
     */
    default Tensor[] batchNormBackward(Tensor grad, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd, boolean training,
                                       boolean[] need) {
        return onDeviceAll(Backends.cpu().batchNormBackward(onHost(grad), onHost(x), onHost(weight), onHost(saveMean),
                onHost(saveInvstd), training, need), grad);
    }

    /**
     * Group norm (Wu and He 2018) of {@code x (N, C, *)}: statistics over each group of {@code C / numGroups}
     * channels and all trailing dims, per-channel affine.
     *
     * @return {@code {y, mean (N, numGroups), rstd (N, numGroups)}}
     */
    default Tensor[] groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        return onDeviceAll(Backends.cpu().groupNorm(onHost(x), numGroups, onHost(weight), onHost(bias), eps), x);
    }

    /** Backward of {@link #groupNorm}; returns {@code {dx, dweight (C), dbias (C)}}, null where not needed. */
    default Tensor[] groupNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int numGroups, boolean[] need) {
        return onDeviceAll(Backends.cpu().groupNormBackward(onHost(grad), onHost(x), onHost(mean), onHost(rstd), onHost(weight),
                numGroups, need), grad);
    }

    // ---------------------------------------------------------------- attention (ops.AttentionOps)
    /**
     * Fused attention forward (Vaswani et al. 2017) over a batch of matrices:
     * {@code probs = softmax(scale * q k^T + mask)} along the last dim (max subtracted), then
     * {@code out = (probs * keep) v}.
     *
     * <p>{@code q (..., L, E)}, {@code k (..., S, E)}, {@code v (..., S, Ev)} with identical leading (batch) shapes;
     * any strides (broadcast batch dims allowed). {@code mask}: null, bool (true = may attend) or float (added),
     * broadcastable to {@code (..., L, S)}. {@code causal}: key {@code j > i} is masked for query {@code i}.
     * A row with every key masked gives NaN probabilities (as PyTorch's softmax of all {@code -inf}).
     * {@code keep}: null or a float {@code (..., L, S)} multiplier (inverted-dropout mask).
     *
     * @param probs receives the probabilities: a contiguous {@code (..., L, S)} tensor of q's dtype
     * @param out   receives the result: an {@code (..., L, Ev)} view whose last dim has stride 1 (it may be a
     *              permuted view of a larger buffer)
     */
    default void attentionForward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep,
                                  Tensor probs, Tensor out) {
        Tensor hp = Tensor.zeros(probs.dtype(), probs.shape()), ho = Tensor.zeros(out.dtype(), out.shape());
        Backends.cpu().attentionForward(onHost(q), onHost(k), onHost(v), onHost(mask), causal, scale, onHost(keep), hp, ho);
        copy(onDevice(hp, probs), probs);
        copy(onDevice(ho, out), out);
    }

    /**
     * Backward of {@link #attentionForward}: with {@code P = probs}, {@code A = P * keep}, {@code dA = grad v^T},
     * {@code dZ = P * (dA * keep - rowsum(dA * keep * P))} (the gradient of the softmax logits),
     * writes {@code gq = scale dZ k}, {@code gk = scale dZ^T q}, {@code gv = A^T grad}, and {@code dZ} itself into
     * {@code gLogits}. Each destination may be null (not needed); non-null ones are views with unit last stride
     * ({@code gLogits} contiguous {@code (..., L, S)}) and are overwritten. {@code causal} must be the forward's flag
     * (the zero blocks above the diagonal may then be skipped).
     */
    default void attentionBackward(Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale, boolean causal,
                                   Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        Tensor[] dst = {gq, gk, gv, gLogits};
        Tensor[] host = new Tensor[4];
        for (int i = 0; i < 4; i++) host[i] = dst[i] == null ? null : Tensor.zeros(dst[i].dtype(), dst[i].shape());
        Backends.cpu().attentionBackward(onHost(grad), onHost(q), onHost(k), onHost(v), onHost(probs), onHost(keep), scale, causal,
                host[0], host[1], host[2], host[3]);
        for (int i = 0; i < 4; i++) if (dst[i] != null) copy(onDevice(host[i], dst[i]), dst[i]);
    }

    /**
     * In place on contiguous {@code scores (..., L, S)}: {@code scores = softmax(scale * scores + mask)} with the
     * mask and causal conventions of {@link #attentionForward}; returns {@code scores}.
     */
    default Tensor maskedSoftmax_(Tensor scores, double scale, Tensor mask, boolean causal) {
        Tensor h = onHost(scores);
        Backends.cpu().maskedSoftmax_(h, scale, onHost(mask), causal);
        copy(onDevice(h, scores), scores);
        return scores;
    }

    /**
     * Backward of {@link #maskedSoftmax_} given its output {@code probs}: {@code scale * probs * (grad - rowsum(grad * probs))}
     * (a new contiguous tensor).
     */
    default Tensor maskedSoftmaxBackward(Tensor grad, Tensor probs, double scale) {
        return onDevice(Backends.cpu().maskedSoftmaxBackward(onHost(grad), onHost(probs), scale), grad);
    }

    // ---------------------------------------------------------------- fully connected layer (ops.LinearOps)
    /**
     * {@code y = x W^T + b} for a batch of rows: {@code x (N, in)} and {@code weight (out, in)} with any strides
     * that have a unit stride in one of the two dims (transposed views are read in place), {@code bias (out)} or null.
     * Returns a contiguous {@code (N, out)} tensor of x's dtype (float32/float64).
     */
    default Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return onDevice(Backends.cpu().linear(onHost(x), onHost(weight), onHost(bias)), x);
    }

    /**
     * Backward of {@link #linear}: {@code dx = grad W (N, in)}, {@code dweight = grad^T x (out, in)},
     * {@code dbias = sum over rows of grad (out)}; {@code need} says which of the three to compute (null otherwise).
     */
    default Tensor[] linearBackward(Tensor grad, Tensor x, Tensor weight, boolean[] need) {
        return onDeviceAll(Backends.cpu().linearBackward(onHost(grad), onHost(x), onHost(weight), need), grad);
    }

    /** A contiguous host copy of {@code t} (null stays null), for the host fallbacks above. */
    private Tensor onHost(Tensor t) {
        return t == null ? null : new Tensor(download(t), t.shape());
    }

    /** Uploads a host result to the device of {@code like}. */
    private Tensor onDevice(Tensor host, Tensor like) {
        return new Tensor(upload((CpuStorage) host.storage(), like.device()), host.shape());
    }

    /** Uploads each non-null host result to the device of {@code like}. */
    private Tensor[] onDeviceAll(Tensor[] host, Tensor like) {
        Tensor[] r = new Tensor[host.length];
        for (int i = 0; i < host.length; i++) r[i] = host[i] == null ? null : onDevice(host[i], like);
        return r;
    }
}
