package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;

/**
 * 3-D transposed convolution layer (PyTorch {@code nn.ConvTranspose3d}): input {@code (N, C, D, H, W)} or
 * unbatched, weight {@code (C_in, C_out/groups, kD, kH, kW)}. See {@link ConvTransposeNd}.
 */
public class ConvTranspose3d extends ConvTransposeNd {
    /** Stride 1, no padding, bias, default generator. */
    public ConvTranspose3d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /** One kernel size, stride and padding for all dims; bias; default generator. */
    public ConvTranspose3d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        super(3, inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, 1, true, null,
                Generator.defaultGenerator());
    }

    /** Every argument, in PyTorch's order (null arrays = defaults; one value or 3 per array). */
    public ConvTranspose3d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding,
                           int groups, boolean bias, int[] dilation, Generator g) {
        super(3, inChannels, outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, g);
    }
}
