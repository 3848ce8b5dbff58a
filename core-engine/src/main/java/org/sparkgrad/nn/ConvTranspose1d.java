package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;

/**
 * 1-D transposed convolution layer (PyTorch {@code nn.ConvTranspose1d}): input {@code (N, C, L)} or
 * unbatched, weight {@code (C_in, C_out/groups, kL)}. See {@link ConvTransposeNd}.
 */
public class ConvTranspose1d extends ConvTransposeNd {
    /** Stride 1, no padding, bias, default generator. */
    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /** One kernel size, stride and padding for all dims; bias; default generator. */
    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        super(1, inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, 1, true, null,
                Generator.defaultGenerator());
    }

    /** Every argument, in PyTorch's order (null arrays = defaults; one value or 1 per array). */
    public ConvTranspose1d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding,
                           int groups, boolean bias, int[] dilation, Generator g) {
        super(1, inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, g);
    }
}
