"""Public checks for conv.py: run `pytest checks/test_conv.py` (one task: add `-k conv_backward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/conv.json. Sizes must be Python ints
(exactly); invalid arguments must raise ValueError. The layers are checked on non-square
shapes with strides that do not divide and with pad = 0; conv_backward also against central
differences, and max pooling on integer inputs where windows hold tied maxima.
"""

import numpy as np
import pytest

import conv
from harness import (Examples, assert_close, assert_property, assert_shape, assert_unchanged,
                     check_gradient, normal, rng)

examples = Examples("conv")


def sizes(function, *calls):
    """{'f(args)': f(*args, **kwargs)} for each (args, kwargs) in ``calls``: an output per call."""
    named = {}
    for args, kwargs in calls:
        text = ", ".join([repr(a) for a in args] + [f"{key}={value!r}" for key, value in kwargs.items()])
        named[f"{function.__name__}({text})"] = function(*args, **kwargs)
    return named


# -- 2.1 to 2.4 output sizes and parameter counts ------------------------------------------------

@examples.register
def conv_output_size(cv):
    return sizes(cv.conv_output_size, ((5, 3), {}), ((5, 3), {"pad": 1}), ((1, 2), {"pad": 3}),
                 ((8, 3), {"stride": 2}), ((224, 7), {"pad": 3, "stride": 2}), ((7, 3), {"dilation": 2}))


@examples.register
def pool_output_size(cv):
    return sizes(cv.pool_output_size, ((6, 2), {}), ((7, 3), {}), ((7, 3), {"stride": 2}), ((8, 3), {"stride": 2, "pad": 1}))


@examples.register
def conv_transpose_output_size(cv):
    return sizes(cv.conv_transpose_output_size, ((3, 3), {}), ((3, 3), {"stride": 2}),
                 ((3, 3), {"pad": 1, "stride": 2, "output_padding": 1}), ((4, 4), {"pad": 1, "stride": 2}))


@examples.register
def conv_params(cv):
    return sizes(cv.conv_params, ((3, 8, 3), {}), ((3, 8, 3), {"bias": False}))


def test_conv_output_size():
    """conv_output_size: ints matching the reference; ValueError for a window that does not fit or a bad argument."""
    examples.check(conv_output_size, conv)
    for args, kwargs in (((4, 5), {}), ((4, 5), {"stride": 2}), ((6, 3), {"dilation": 3}), ((5, 3), {"stride": 0}),
                         ((5, 3), {"pad": -1}), ((5, 2.5), {}), ((5, 3), {"dilation": 0})):
        with pytest.raises(ValueError):
            conv.conv_output_size(*args, **kwargs)


def test_pool_output_size():
    """pool_output_size: stride defaults to the window size; ValueError for pad > f // 2 or a window larger than n."""
    examples.check(pool_output_size, conv)
    with pytest.raises(ValueError):
        conv.pool_output_size(5, 3, pad=2)
    with pytest.raises(ValueError):
        conv.pool_output_size(3, 4)


def test_conv_transpose_output_size():
    """conv_transpose_output_size: ints; a convolution maps them back to n; ValueError for output_padding >= stride."""
    examples.check(conv_transpose_output_size, conv)
    for n, f, pad, stride in ((3, 3, 1, 2), (5, 4, 0, 3), (2, 1, 0, 1), (6, 5, 2, 2)):
        for output_padding in range(stride):
            size = conv.conv_transpose_output_size(n, f, pad=pad, stride=stride, output_padding=output_padding)
            back = conv.conv_output_size(size, f, pad=pad, stride=stride)
            assert_property(back == n, f"conv_output_size(conv_transpose_output_size({n}, {f}, pad={pad}, stride={stride}, "
                                       f"output_padding={output_padding}), ...) is {back}, expected {n}: the two should invert each other.")
    with pytest.raises(ValueError):
        conv.conv_transpose_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError):
        conv.conv_transpose_output_size(2, 2, pad=3)


def test_conv_params():
    """conv_params: c_out * c_in * f * f weights plus c_out biases, as an int."""
    examples.check(conv_params, conv)


# -- 2.5, 2.6 convolution --------------------------------------------------------------------

def conv_inputs(seed, shape, kernel):
    """x (N, C, H, W), w (F, C, HH, WW), b (F,), and the generator that drew them (for dout)."""
    r = rng(seed)
    (n, c, h, w), (f, hh, ww) = shape, kernel
    x, weights, b = normal(r, n, c, h, w), normal(r, f, c, hh, ww), normal(r, f)
    return x, weights, b, r


@examples.register
def conv_forward(cv):
    x, w, b, _ = conv_inputs(1, (2, 3, 5, 7), (4, 3, 2))
    uneven, w_uneven, b_uneven, _ = conv_inputs(2, (1, 2, 8, 7), (3, 3, 3))
    return {"out, stride 1 and pad 1": cv.conv_forward(x, w, b, stride=1, pad=1)[0],
            "out, stride 2 and pad 0 (8 x 7 input)": cv.conv_forward(uneven, w_uneven, b_uneven, stride=2, pad=0)[0]}


def backward_example(cv, pad):
    x, w, b, r = conv_inputs(3, (2, 2, 6, 5), (3, 3, 2))
    out, cache = cv.conv_forward(x, w, b, stride=2, pad=pad)
    dx, dw, db = cv.conv_backward(normal(r, *out.shape), cache)
    return dx, dw, db


@examples.register
def conv_backward(cv):
    dx, dw, db = backward_example(cv, pad=1)
    dx0, dw0, db0 = backward_example(cv, pad=0)
    return {"dx, pad 1": dx, "dw, pad 1": dw, "db, pad 1": db, "dx, pad 0": dx0, "dw, pad 0": dw0, "db, pad 0": db0}


def test_conv_forward():
    """conv_forward: a cross-correlation (the kernel not flipped), out (N, F, H_out, W_out)."""
    examples.check(conv_forward, conv)
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0  # picks the top-left input of each window
    out, _ = conv.conv_forward(x, w, np.zeros(1))
    assert_close("conv_forward of a kernel with a 1 at its top-left (a flipped kernel gives x shifted the other way)", out, x[:, :, :2, :3])


def test_conv_backward():
    """conv_backward: dx, dw, db match the reference and central differences, for pad 1 and pad 0; inputs unchanged."""
    examples.check(conv_backward, conv)
    for pad in (1, 0):
        x, w, b, r = conv_inputs(4, (2, 2, 5, 4), (3, 2, 3))
        out, cache = conv.conv_forward(x, w, b, stride=2, pad=pad)
        dout = normal(r, *out.shape)
        before = [a.copy() for a in (x, w, b, dout)]
        dx, dw, db = conv.conv_backward(dout, cache)
        for name, old, new in zip(("x", "w", "b", "dout"), before, (x, w, b, dout)):
            assert_unchanged(name, old, new)
        check_gradient(f"dx (pad {pad})", dx, lambda x: conv.conv_forward(x, w, b, stride=2, pad=pad)[0], x, dout)
        check_gradient(f"dw (pad {pad})", dw, lambda w: conv.conv_forward(x, w, b, stride=2, pad=pad)[0], w, dout)
        check_gradient(f"db (pad {pad})", db, lambda b: conv.conv_forward(x, w, b, stride=2, pad=pad)[0], b, dout)


# -- 2.7, 2.8 max pooling --------------------------------------------------------------------

def tied(seed, *shape):
    """Integers in {0, 1, 2}: many windows hold their maximum twice or more."""
    return rng(seed).integers(0, 3, size=shape).astype(np.float64)


@examples.register
def max_pool_forward(cv):
    return {"out, pool 2 and stride 2 (the defaults)": cv.max_pool_forward(tied(5, 2, 3, 4, 6))[0],
            "out, pool 3 and stride 2 (overlapping windows)": cv.max_pool_forward(tied(6, 1, 2, 7, 6), pool=3, stride=2)[0]}


@examples.register
def max_pool_backward(cv):
    outputs = {}
    for name, x, options in (("dx, pool 2 and stride 2, tied maxima", tied(5, 2, 3, 4, 6), {}),
                             ("dx, pool 3 and stride 2, tied maxima in overlapping windows", tied(6, 1, 2, 7, 6), {"pool": 3, "stride": 2})):
        out, cache = cv.max_pool_forward(x, **options)
        outputs[name] = cv.max_pool_backward(normal(rng(7), *out.shape), cache)
    return outputs


def test_max_pool_forward():
    """max_pool_forward: the maximum of each window, out (N, C, H_out, W_out)."""
    examples.check(max_pool_forward, conv)
    out, _ = conv.max_pool_forward(np.zeros((1, 1, 5, 7)), pool=2, stride=2)
    assert_shape("max_pool_forward(x of shape (1, 1, 5, 7))[0]", out, (1, 1, 2, 3))


def test_max_pool_backward():
    """max_pool_backward: the gradient goes to the first maximum of each window only; central differences where no tie."""
    examples.check(max_pool_backward, conv)
    x = np.full((1, 1, 2, 2), 3.0)  # one window, four tied maxima
    _, cache = conv.max_pool_forward(x)
    dx = conv.max_pool_backward(np.ones((1, 1, 1, 1)), cache)
    first = np.zeros((1, 1, 2, 2))
    first[0, 0, 0, 0] = 1.0
    assert_close("dx for a window of four tied maxima (all to the first, none split or copied)", dx, first)
    r = rng(8)
    x = normal(r, 2, 2, 5, 6)  # no ties
    out, cache = conv.max_pool_forward(x, pool=3, stride=2)
    dout = normal(r, *out.shape)
    check_gradient("dx", conv.max_pool_backward(dout, cache), lambda x: conv.max_pool_forward(x, pool=3, stride=2)[0], x, dout)
