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

import numbers

import numpy as np


def _integer(name, value, minimum):
    """``value`` as an int; ValueError unless it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise ValueError(f"{name} must be {kind} integer, got {value!r}")
    return int(value)


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
    n, f = _integer("n", n, 1), _integer("f", f, 1)
    pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, 1)
    span = dilation * (f - 1) + 1
    if span > n + 2 * pad:
        raise ValueError(f"the window spans {span} inputs, more than the padded input's {n + 2 * pad}")
    return (n + 2 * pad - span) // stride + 1


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
    stride = f if stride is None else stride
    size = conv_output_size(n, f, pad=pad, stride=stride)
    if pad > f // 2:
        raise ValueError(f"pad must be at most half the window (f // 2 = {f // 2}), got {pad}")
    return size


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
    n, f, stride = _integer("n", n, 1), _integer("f", f, 1), _integer("stride", stride, 1)
    pad, output_padding = _integer("pad", pad, 0), _integer("output_padding", output_padding, 0)
    if output_padding >= stride:
        raise ValueError(f"output_padding must be smaller than stride ({stride}), got {output_padding}")
    size = (n - 1) * stride - 2 * pad + f + output_padding
    if size < 1:
        raise ValueError(f"the output size would be {size}: pad {pad} removes more than the output holds")
    return size


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
    c_in, c_out, f = _integer("c_in", c_in, 1), _integer("c_out", c_out, 1), _integer("f", f, 1)
    return c_out * c_in * f * f + (c_out if bias else 0)


def _tap(x_pad, i, j, stride, out_h, out_w):
    """The inputs that kernel tap (i, j) meets at every output position: (N, C, out_h, out_w)."""
    return x_pad[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride]


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
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    out_h = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    out_w = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], w.shape[0], out_h, out_w)) + b[None, :, None, None]
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            out += np.einsum("nchw,fc->nfhw", _tap(x_pad, i, j, stride, out_h, out_w), w[:, :, i, j])
    return out, (x, w, b, stride, pad)


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
    x, w, _, stride, pad = cache
    dout = np.asarray(dout, dtype=np.float64)
    _, _, out_h, out_w = dout.shape
    _, _, height, width = x.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            dw[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, _tap(x_pad, i, j, stride, out_h, out_w))
            _tap(dx_pad, i, j, stride, out_h, out_w)[...] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
    dx = dx_pad[:, :, pad : pad + height, pad : pad + width]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _windows(x, pool, stride, out_h, out_w):
    """Every pooling window of x, flattened in row-major order: (N, C, out_h, out_w, pool * pool)."""
    view = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))
    return view[:, :, : stride * out_h : stride, : stride * out_w : stride].reshape(*x.shape[:2], out_h, out_w, pool * pool)


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
    x = np.asarray(x, dtype=np.float64)
    out_h, out_w = pool_output_size(x.shape[2], pool, stride), pool_output_size(x.shape[3], pool, stride)
    windows = _windows(x, pool, stride, out_h, out_w)
    first = np.argmax(windows, axis=-1)  # on a tie, argmax gives the first maximum
    out = np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]
    return out, (x.shape, first, pool, stride)


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
    shape, first, pool, stride = cache
    n, c, out_h, out_w = first.shape
    rows = stride * np.arange(out_h)[:, None] + first // pool
    cols = stride * np.arange(out_w)[None, :] + first % pool
    dx = np.zeros(shape)
    batch, channel = np.ogrid[:n, :c]
    np.add.at(dx, (batch[..., None, None], channel[..., None, None], rows, cols), np.asarray(dout, dtype=np.float64))
    return dx
