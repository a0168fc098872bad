"""Assignment 10: semantic segmentation: upsampling, the transposed convolution, IoU.

A segmentation network labels every pixel. It downsamples inside the network, as a
classifier does, and must then upsample back to the image's resolution. Four ways to
upsample a feature map x of shape (N, C, H, W) by an integer factor:

    nearest neighbour   each value copied to a scale x scale block
    bed of nails        each value at the top-left corner of its block, zeros elsewhere
    max unpooling       each value back where max pooling found its maximum, zeros elsewhere
    transposed conv     each value times a learned kernel, the copies added where they overlap

and a segmentation is scored per class by intersection over union:

    IoU(c) = |pred == c and target == c| / |pred == c or target == c|

Tasks:
    10.1  nearest_upsample_forward          10.7  max_unpool_backward
    10.2  nearest_upsample_backward         10.8  conv_transpose_forward
    10.3  bed_of_nails_upsample_forward     10.9  conv_transpose_backward
    10.4  bed_of_nails_upsample_backward    10.10 segmentation_iou
    10.5  max_pool_with_indices             10.11 pixel_accuracy
    10.6  max_unpool_forward

Conventions: arrays are float64 images (N, C, H, W); label maps are integer arrays of any
shape; `scale` is a positive integer, Python's (2) or numpy's (np.int64(2)); a bool, a
float such as 1.5 or 2.0, 0 and negatives raise ValueError. The inputs are never modified.
Use numpy and the standard library only.
"""

import numpy as np


def nearest_upsample_forward(x, scale):
    """Nearest-neighbour upsampling, as F.interpolate(x, scale_factor=scale, mode="nearest"). Task 10.1.

        out[n, c, i, j] = x[n, c, i // scale, j // scale]

    Each value is copied to a scale x scale block.

    Args:
        x: inputs, shape (N, C, H, W).
        scale: the upsampling factor, a positive integer (Python's or numpy's).

    Returns:
        out: shape (N, C, H * scale, W * scale).
        cache: what nearest_upsample_backward needs, e.g. the scale.

    Raises:
        ValueError: when scale is not a positive integer (1.5, 2.0, 0, -2, True).
    """
    # Your code here
    raise NotImplementedError("nearest_upsample_forward: not implemented yet (task 10.1)")


def nearest_upsample_backward(dout, cache):
    """Backward pass of nearest-neighbour upsampling. Task 10.2.

    x[n, c, i, j] was copied to every position of its block, so its gradient is the sum
    (not the mean) of dout over that block:

        dx[n, c, i, j] = sum of dout[n, c, i * scale : (i + 1) * scale, j * scale : (j + 1) * scale]

    Args:
        dout: upstream gradient, shape (N, C, H * scale, W * scale).
        cache: from nearest_upsample_forward.

    Returns:
        dx: shape (N, C, H, W).

    Raises:
        Nothing: dout is assumed to have the shape of nearest_upsample_forward's out.
    """
    # Your code here
    raise NotImplementedError("nearest_upsample_backward: not implemented yet (task 10.2)")


def bed_of_nails_upsample_forward(x, scale):
    """Bed-of-nails upsampling. Task 10.3.

        out[n, c, i * scale, j * scale] = x[n, c, i, j], and 0 everywhere else

    Each value goes to the top-left corner of its scale x scale block.

    Args:
        x: inputs, shape (N, C, H, W).
        scale: the upsampling factor, a positive integer (Python's or numpy's).

    Returns:
        out: shape (N, C, H * scale, W * scale).
        cache: what bed_of_nails_upsample_backward needs, e.g. the scale.

    Raises:
        ValueError: when scale is not a positive integer (1.5, 2.0, 0, -2, True).
    """
    # Your code here
    raise NotImplementedError("bed_of_nails_upsample_forward: not implemented yet (task 10.3)")


def bed_of_nails_upsample_backward(dout, cache):
    """Backward pass of bed-of-nails upsampling. Task 10.4.

    Only the corner of each block depends on x; the zeros elsewhere do not:

        dx[n, c, i, j] = dout[n, c, i * scale, j * scale]

    Args:
        dout: upstream gradient, shape (N, C, H * scale, W * scale).
        cache: from bed_of_nails_upsample_forward.

    Returns:
        dx: shape (N, C, H, W).

    Raises:
        Nothing: dout is assumed to have the shape of bed_of_nails_upsample_forward's out.
    """
    # Your code here
    raise NotImplementedError("bed_of_nails_upsample_backward: not implemented yet (task 10.4)")


def max_pool_with_indices(x, pool=2, stride=2):
    """Max pooling that also returns where each maximum was, as F.max_pool2d(return_indices=True). Task 10.5.

        out[n, c, i, j]     = max of x[n, c, i * stride : i * stride + pool, j * stride : j * stride + pool]
        indices[n, c, i, j] = h * W + w, where (h, w) is the position of that maximum in x's plane

    The index is flat within the whole H x W input plane (not within the window). On a tie,
    the first maximum in row-major order of the window wins (as np.argmax). No padding;
    windows that would hang over the edge are not computed (floor).

    Args:
        x: inputs, shape (N, C, H, W).
        pool: window size (pool x pool), a positive int.
        stride: step between windows, a positive int.

    Returns:
        out: shape (N, C, H_out, W_out), H_out = (H - pool) // stride + 1, W_out likewise.
        indices: int64, the same shape as out.

    Raises:
        ValueError: when pool or stride is not a positive integer, or pool > H or pool > W.
    """
    # Your code here
    raise NotImplementedError("max_pool_with_indices: not implemented yet (task 10.5)")


def max_unpool_forward(x, indices, output_size):
    """Max unpooling, as F.max_unpool2d(x, indices, kernel_size, output_size=output_size). Task 10.6.

        out[n, c].flat[indices[n, c, i, j]] = x[n, c, i, j], and 0 everywhere else

    Each value goes back where max_pool_with_indices found it, in planes of output_size;
    output_size is the size of what was pooled, which may be larger than pool times the
    pooled size when the pooling dropped a last row or column.

    Args:
        x: inputs, shape (N, C, H, W).
        indices: integers of the same shape as x, flat positions h * W_out + w in an output plane.
        output_size: (H_out, W_out), a pair of positive ints.

    Returns:
        out: shape (N, C, H_out, W_out).
        cache: what max_unpool_backward needs, e.g. the indices.

    Raises:
        ValueError: when an index is outside the output plane (< 0 or >= H_out * W_out).
    """
    # Your code here
    raise NotImplementedError("max_unpool_forward: not implemented yet (task 10.6)")


def max_unpool_backward(dout, cache):
    """Backward pass of max unpooling. Task 10.7.

    out[n, c].flat[indices[n, c, i, j]] is x[n, c, i, j], and nothing else depends on x:

        dx[n, c, i, j] = dout[n, c].flat[indices[n, c, i, j]]

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from max_unpool_forward.

    Returns:
        dx: the shape of max_unpool_forward's x, (N, C, H, W).

    Raises:
        Nothing: dout is assumed to have the shape of max_unpool_forward's out.
    """
    # Your code here
    raise NotImplementedError("max_unpool_backward: not implemented yet (task 10.7)")


def conv_transpose_forward(x, w, b, stride=1, pad=0):
    """Forward pass of a transposed convolution, as F.conv_transpose2d(x, w, b, stride, pad). Task 10.8.

    Each input value scatters a copy of the kernel, scaled by it, into a larger output;
    the copies add up where they overlap. With out_full of shape
    (N, C_out, (H - 1) * stride + HH, (W - 1) * stride + WW), zero to begin with:

        out_full[n, o, i * stride + di, j * stride + dj] += x[n, c, i, j] * w[c, o, di, dj]

    over every n, c, o, i, j, di, dj; then `pad` rows and columns are *removed* from each
    side of out_full (the padding of the convolution this one is the transpose of) and
    the bias added: out = out_full[:, :, pad : -pad, pad : -pad] + b[o] (all of it when pad = 0).

    Args:
        x: inputs, shape (N, C_in, H, W).
        w: kernels, shape (C_in, C_out, HH, WW), as torch.nn.ConvTranspose2d stores them.
        b: biases, shape (C_out,).
        stride: step between the kernel copies, a positive int, the same along H and W.
        pad: rows and columns removed from each side, a non-negative int.

    Returns:
        out: shape (N, C_out, (H - 1) * stride - 2 * pad + HH, (W - 1) * stride - 2 * pad + WW).
        cache: what conv_transpose_backward needs, e.g. (x, w, stride, pad).

    Raises:
        ValueError: when stride is not a positive integer, pad not a non-negative one, or
            the padding removes the whole output.
    """
    # Your code here
    raise NotImplementedError("conv_transpose_forward: not implemented yet (task 10.8)")


def conv_transpose_backward(dout, cache):
    """Backward pass of a transposed convolution. Task 10.9.

    With dout_full = dout with `pad` zeros put back on each side (the removed positions
    had no effect on the loss), each x[n, c, i, j] and w[c, o, di, dj] met
    dout_full[n, o, i * stride + di, j * stride + dj]:

        dx[n, c, i, j]    = sum over o, di, dj of  w[c, o, di, dj] * dout_full[n, o, i * stride + di, j * stride + dj]
        dw[c, o, di, dj]  = sum over n, i, j  of  x[n, c, i, j]    * dout_full[n, o, i * stride + di, j * stride + dj]
        db[o]             = sum of dout[:, o, :, :]

    (dx is a strided convolution of dout_full with w: the transposed convolution's
    backward is the convolution's forward.)

    Args:
        dout: upstream gradient, shape of conv_transpose_forward's out (N, C_out, H_out, W_out).
        cache: from conv_transpose_forward.

    Returns:
        dx: shape (N, C_in, H, W).
        dw: shape (C_in, C_out, HH, WW).
        db: shape (C_out,).

    Raises:
        Nothing: dout is assumed to have the shape of conv_transpose_forward's out.
    """
    # Your code here
    raise NotImplementedError("conv_transpose_backward: not implemented yet (task 10.9)")


def segmentation_iou(pred, target, num_classes):
    """Intersection over union per class, and their mean. Task 10.10.

        iou[c] = |pred == c and target == c| / |pred == c or target == c|

    counted over all pixels; NaN for a class in neither map (0 / 0: the class says nothing
    about this segmentation), 0 for a class in one map only. mean_iou is the mean of the
    entries that are not NaN (NaN if every entry is).

    Args:
        pred: predicted labels, an integer array of any shape.
        target: true labels, an integer array of the same shape.
        num_classes: the number of classes, a positive int; labels lie in [0, num_classes).

    Returns:
        iou: float64, shape (num_classes,).
        mean_iou: a float.

    Raises:
        ValueError: when the shapes of pred and target are not identical (no broadcasting),
            or a label is outside [0, num_classes).
    """
    # Your code here
    raise NotImplementedError("segmentation_iou: not implemented yet (task 10.10)")


def pixel_accuracy(pred, target):
    """The share of pixels whose predicted label is the true one. Task 10.11.

        accuracy = (number of positions where pred == target) / (number of positions)

    Args:
        pred: predicted labels, an integer array of any shape.
        target: true labels, an integer array of the same shape.

    Returns:
        accuracy: a float in [0, 1].

    Raises:
        ValueError: when the shapes of pred and target are not identical (no broadcasting).
    """
    # Your code here
    raise NotImplementedError("pixel_accuracy: not implemented yet (task 10.11)")
