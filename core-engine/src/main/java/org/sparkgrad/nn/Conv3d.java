package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;

/**
 * 3-D convolution layer (PyTorch {@code nn.Conv3d}): input {@code (N, C, D, H, W)}
 * or unbatched, weight {@code (C_out, C_in/groups, kD, kH, kW)}. See {@link ConvNd}.
 */
public class Conv3d extends ConvNd {
    /** Stride 1, no padding, bias, default generator. */
    public Conv3d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    /** Square (cubic, ...) kernel, one stride and padding for all dims; bias; default generator. */
    public Conv3d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        super(3, inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, 1, true,
                Generator.defaultGenerator());
    }

    /** Every argument (null arrays = PyTorch defaults; one value or 3 per array). */
    public Conv3d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups,
                  boolean bias, Generator g) {
        super(3, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, g);
    }

    /** With PyTorch's string padding and stride 1: {@code "same"} or {@code "valid"}. */
    public Conv3d(int inChannels, int outChannels, int[] kernelSize, String padding, int[] dilation, int groups, boolean bias,
                  Generator g) {
        super(3, inChannels, outChannels, kernelSize, padding, dilation, groups, bias, g);
    }
}
