"""Assignment 2: convolution and pooling, their output shapes, forward and backward passes.

A convolutional layer slides a small kernel over its input; before writing one, know the
shape of what it produces. The first four tasks compute output sizes and parameter counts
exactly as PyTorch's layers do; the last four implement the layers themselves:

    conv_forward(x, w, b, stride, pad) -> (out, cache)      conv_backward(dout, cache) -> (dx, dw, db)
    max_pool_forward(x, pool, stride)  -> (out, cache)      max_pool_backward(dout, cache) -> dx

The output size of a window of size f (dilated: spanning dilation * (f - 1) + 1 inputs)
sliding with step `stride` over an input of size n padded with `pad` zeros on each side is

    floor((n + 2 * pad - dilation * (f - 1) - 1) / stride) + 1

rounded down: a window that would hang over the padded edge is not computed.

Tasks:
    2.1  conv_output_size              2.5  conv_forward
    2.2  pool_output_size              2.6  conv_backward
    2.3  conv_transpose_output_size    2.7  max_pool_forward
    2.4  conv_params                   2.8  max_pool_backward

Conventions: sizes are Python ints (use //, never /, which gives a float); arrays are
float64, images (N, C, H, W), kernels (F, C, HH, WW). A convolution here is a
cross-correlation, as in PyTorch: the kernel is not flipped. The inputs are never modified.
Use numpy and the standard library only.
"""

import numpy as np


def conv_output_size(n, f, pad=0, stride=1, dilation=1):
    """Output size of a convolution along one dimension, as torch.nn.Conv2d. Task 2.1.

        out = floor((n + 2 * pad - dilation * (f - 1) - 1) / stride) + 1

    The padding is added on both sides; a dilated kernel of size f spans
    dilation * (f - 1) + 1 inputs. Use integer division (//), so that the result is an int.

    Args:
        n: input size (height or width), a positive int.
        f: kernel size, a positive int.
        pad: zeros added on each side, a non-negative int.
        stride: step between windows, a positive int.
        dilation: spacing between kernel taps, a positive int.

    Returns:
        The output size, an int >= 1.

    Raises:
        ValueError: when an argument is not an integer, n, f, stride or dilation is < 1,
            pad is < 0, or the (dilated) window does not fit in the padded input (out < 1).
    """
    # Your code here
    raise NotImplementedError("conv_output_size: not implemented yet (task 2.1)")


def pool_output_size(n, f, stride=None, pad=0):
    """Output size of max pooling along one dimension, as torch.nn.MaxPool2d. Task 2.2.

        out = floor((n + 2 * pad - f) / stride) + 1,   stride = f by default

    Pooling windows do not overlap by default; padding may be at most half the window
    (f // 2), or a window could hold nothing but padding.

    Args:
        n: input size, a positive int.
        f: window size, a positive int.
        stride: step between windows, a positive int; None means f.
        pad: padding on each side, a non-negative int, at most f // 2.

    Returns:
        The output size, an int >= 1.

    Raises:
        ValueError: for the arguments conv_output_size rejects, and when pad > f // 2.
    """
    # Your code here
    raise NotImplementedError("pool_output_size: not implemented yet (task 2.2)")


def conv_transpose_output_size(n, f, pad=0, stride=1, output_padding=0):
    """Output size of a transposed convolution along one dimension, as torch.nn.ConvTranspose2d. Task 2.3.

        out = (n - 1) * stride - 2 * pad + f + output_padding

    The inverse of conv_output_size's map from input to output size: several input sizes
    give one convolution output size when the stride does not divide, and output_padding
    (smaller than the stride) picks which of them the transposed convolution produces.

    Args:
        n: input size, a positive int.
        f: kernel size, a positive int.
        pad: padding removed from each side of the output, a non-negative int.
        stride: a positive int.
        output_padding: added to one side of the output, a non-negative int < stride.

    Returns:
        The output size, an int >= 1.

    Raises:
        ValueError: when an argument is not an integer, n, f or stride is < 1, pad or
            output_padding is < 0, output_padding >= stride, or the output size is < 1.
    """
    # Your code here
    raise NotImplementedError("conv_transpose_output_size: not implemented yet (task 2.3)")


def conv_params(c_in, c_out, f, bias=True):
    """Number of learnable parameters of a convolutional layer, as torch.nn.Conv2d. Task 2.4.

        c_out * c_in * f * f weights, plus c_out biases when bias is True

    Args:
        c_in: input channels, a positive int.
        c_out: output channels (filters), a positive int.
        f: kernel size (f x f), a positive int.
        bias: whether the layer has one bias per filter.

    Returns:
        The number of parameters, an int.

    Raises:
        ValueError: when c_in, c_out or f is not a positive integer.
    """
    # Your code here
    raise NotImplementedError("conv_params: not implemented yet (task 2.4)")


def conv_forward(x, w, b, stride=1, pad=0):
    """Forward pass of a convolutional layer (cross-correlation, as PyTorch). Task 2.5.

        out[n, f, i, j] = b[f] + sum over c, di, dj of
                          w[f, c, di, dj] * x_pad[n, c, i * stride + di, j * stride + dj]

    where x_pad is x with `pad` zeros on each side of H and W. The kernel is not flipped.

    Args:
        x: inputs, shape (N, C, H, W).
        w: filters, shape (F, C, HH, WW).
        b: biases, shape (F,).
        stride: step between windows, a positive int, the same along H and W.
        pad: zeros added on each side of H and W, a non-negative int.

    Returns:
        out: shape (N, F, H_out, W_out), with H_out = conv_output_size(H, HH, pad, stride)
            and W_out = conv_output_size(W, WW, pad, stride).
        cache: the tuple (x, w, b, stride, pad), for conv_backward.

    Raises:
        ValueError: for the stride, pad and sizes that conv_output_size rejects.
    """
    # Your code here
    raise NotImplementedError("conv_forward: not implemented yet (task 2.5)")


def conv_backward(dout, cache):
    """Backward pass of a convolutional layer. Task 2.6.

    Each output out[n, f, i, j] used the window of x_pad at (i * stride, j * stride):

        db[f]    = sum of dout[:, f, :, :]
        dw[f]   += dout[n, f, i, j] * that window of x_pad
        dx_pad  += dout[n, f, i, j] * w[f] on that window; dx = dx_pad without its padding

    Windows overlap when stride < kernel size: their contributions to dx add up.

    Args:
        dout: upstream gradient, shape (N, F, H_out, W_out).
        cache: the tuple (x, w, b, stride, pad) from conv_forward.

    Returns:
        dx: shape (N, C, H, W).
        dw: shape (F, C, HH, WW).
        db: shape (F,).

    Raises:
        Nothing: dout is assumed to have the shape of conv_forward's out.
    """
    # Your code here
    raise NotImplementedError("conv_backward: not implemented yet (task 2.6)")


def max_pool_forward(x, pool=2, stride=2):
    """Forward pass of max pooling (no padding), as torch.nn.functional.max_pool2d. Task 2.7.

        out[n, c, i, j] = max of x[n, c, i * stride : i * stride + pool, j * stride : j * stride + pool]

    Args:
        x: inputs, shape (N, C, H, W).
        pool: window size (pool x pool), a positive int.
        stride: step between windows, a positive int.

    Returns:
        out: shape (N, C, H_out, W_out), with H_out = pool_output_size(H, pool, stride)
            and W_out = pool_output_size(W, pool, stride).
        cache: what max_pool_backward needs, e.g. x and the position of each maximum.

    Raises:
        ValueError: for the sizes pool_output_size rejects.
    """
    # Your code here
    raise NotImplementedError("max_pool_forward: not implemented yet (task 2.7)")


def max_pool_backward(dout, cache):
    """Backward pass of max pooling. Task 2.8.

    Each window passes its gradient dout[n, c, i, j] to its maximum only; on a tie, to the
    first maximum in row-major order (the first of np.argmax over the flattened window),
    as PyTorch. Where windows overlap (stride < pool), the gradients reaching one input add up.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from max_pool_forward.

    Returns:
        dx: shape (N, C, H, W), zero except at the maxima.

    Raises:
        Nothing: dout is assumed to have the shape of max_pool_forward's out.
    """
    # Your code here
    raise NotImplementedError("max_pool_backward: not implemented yet (task 2.8)")
