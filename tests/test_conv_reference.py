"""The conv reference proven against independent oracles: PyTorch's layers and central differences.

Output sizes are compared with the shapes torch.nn.Conv2d, MaxPool2d and ConvTranspose2d
produce over a grid of arguments, and the reference raises ValueError exactly where torch
refuses; forward passes with torch.nn.functional (float64, rtol 1e-10), backward passes with
autograd and, for the convolution, with central differences (rtol 1e-6). The last tests
check that the student stub has the reference's API and docstrings.
"""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, numerical_gradient, t

pytestmark = pytest.mark.conv

ROOT = Path(__file__).parents[1]

# SPEC order; task 2.k is the k-th name
SPEC_FUNCTIONS = [
    "conv_output_size",
    "pool_output_size",
    "conv_transpose_output_size",
    "conv_params",
    "conv_forward",
    "conv_backward",
    "max_pool_forward",
    "max_pool_backward",
]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "conv.py", "reference_conv")
stub = load(ROOT / "assignments" / "conv.py", "stub_conv")


def torch_size(layer, n):
    """The height of what ``layer`` makes of a (1, 1, n, 1) input, or None when torch raises."""
    try:
        with torch.no_grad():
            return layer(torch.zeros(1, 1, n, 1)).shape[2]
    except RuntimeError:
        return None


def ours(function, *args, **kwargs):
    """``function(*args, **kwargs)``, or None when it raises ValueError."""
    try:
        return function(*args, **kwargs)
    except ValueError:
        return None


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


# --- output sizes against torch's layers --------------------------------------------------

# The kernel is (f, 1) and the padding (pad, 0): torch computes H with the arguments, W stays 1.
CONV_GRID = list(itertools.product(range(1, 9), range(1, 5), range(0, 5), range(1, 4), range(1, 4)))


def test_conv_output_size_matches_conv2d_over_a_grid():
    """conv_output_size equals the height nn.Conv2d produces, and raises ValueError exactly where torch refuses."""
    refused = 0
    for n, f, pad, stride, dilation in CONV_GRID:
        layer = torch.nn.Conv2d(1, 1, (f, 1), stride=(stride, 1), padding=(pad, 0), dilation=(dilation, 1), bias=False)
        expected = torch_size(layer, n)
        got = ours(ref.conv_output_size, n, f, pad=pad, stride=stride, dilation=dilation)
        assert got == expected, (n, f, pad, stride, dilation)
        assert expected is None or type(got) is int
        refused += expected is None
    assert 0 < refused < len(CONV_GRID) / 2  # the grid has both kinds of arguments


def test_pool_output_size_matches_maxpool2d_over_a_grid():
    """pool_output_size equals nn.MaxPool2d's height, stride None meaning the window size, and refuses what torch refuses."""
    refused = 0
    for n, f, stride, pad in itertools.product(range(1, 9), range(1, 5), (None, 1, 2, 3), range(0, 4)):
        layer = torch.nn.MaxPool2d((f, 1), stride=None if stride is None else (stride, 1), padding=(pad, 0))
        expected = torch_size(layer, n)
        got = ours(ref.pool_output_size, n, f, stride=stride, pad=pad)
        assert got == expected, (n, f, stride, pad)
        assert expected is None or type(got) is int
        refused += expected is None
    assert refused > 0


def test_conv_transpose_output_size_matches_convtranspose2d_over_a_grid():
    """conv_transpose_output_size equals nn.ConvTranspose2d's height, and refuses what torch refuses."""
    refused = 0
    for n, f, pad, stride, output_padding in itertools.product(range(1, 6), range(1, 5), range(0, 4), range(1, 4), range(0, 3)):
        try:
            layer = torch.nn.ConvTranspose2d(1, 1, (f, 1), stride=(stride, 1), padding=(pad, 0), output_padding=(output_padding, 0), bias=False)
        except ValueError:  # torch checks output_padding < stride when the layer is built
            layer = None
        expected = None if layer is None else torch_size(layer, n)
        got = ours(ref.conv_transpose_output_size, n, f, pad=pad, stride=stride, output_padding=output_padding)
        assert got == expected, (n, f, pad, stride, output_padding)
        assert expected is None or type(got) is int
        refused += expected is None
    assert refused > 0


@pytest.mark.parametrize("c_in, c_out, f", [(1, 1, 1), (3, 8, 3), (16, 4, 5), (2, 7, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_params_counts_conv2d_parameters(c_in, c_out, f, bias):
    """conv_params equals the total numel of nn.Conv2d's parameters, with and without bias."""
    layer = torch.nn.Conv2d(c_in, c_out, f, bias=bias)
    count = ref.conv_params(c_in, c_out, f, bias=bias)
    assert type(count) is int
    assert count == sum(p.numel() for p in layer.parameters())


# --- the invalid arguments ----------------------------------------------------------------

@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((0, 3), {}, r"n must be a positive integer, got 0"),
        ((5, 0), {}, r"f must be a positive integer, got 0"),
        ((5, 3), {"stride": 0}, r"stride must be a positive integer, got 0"),
        ((5, 3), {"dilation": 0}, r"dilation must be a positive integer, got 0"),
        ((5, 3), {"pad": -1}, r"pad must be a non-negative integer, got -1"),
        ((5, 2.5), {}, r"f must be a positive integer, got 2.5"),
        ((5.0, 3), {}, r"n must be a positive integer, got 5.0"),
        ((5, 3), {"stride": True}, r"stride must be a positive integer, got True"),
        ((4, 5), {"stride": 2}, r"the window spans 5 inputs, more than the padded input's 4"),
        ((6, 3), {"dilation": 3}, r"the window spans 7 inputs, more than the padded input's 6"),
    ],
)
def test_conv_output_size_rejects_invalid_arguments(args, kwargs, message):
    """conv_output_size raises ValueError naming the bad argument, or the window that does not fit."""
    with pytest.raises(ValueError, match=message):
        ref.conv_output_size(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs",
    [((0, 1), {"pad": 1}), ((-1, 1), {"pad": 2}), ((5, 0), {}), ((5, -1), {}), ((5, 3), {"dilation": 0}), ((5, 3), {"stride": 0})],
)
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")  # torch's warning for the f = 0 kernel
def test_conv_output_size_refuses_the_sizes_below_1_that_torch_refuses(args, kwargs):
    """For n, f, dilation or stride below 1 torch refuses (the layer, or an input of that size), and so does
    conv_output_size, even where the formula alone would give a size >= 1."""
    (n, f), pad, stride, dilation = args, kwargs.get("pad", 0), kwargs.get("stride", 1), kwargs.get("dilation", 1)
    with pytest.raises(RuntimeError):
        layer = torch.nn.Conv2d(1, 1, (f, 1), stride=(stride, 1), padding=(pad, 0), dilation=(dilation, 1), bias=False)
        with torch.no_grad():
            layer(torch.zeros(1, 1, n, 1))
    with pytest.raises(ValueError, match=r"must be a positive integer"):
        ref.conv_output_size(*args, **kwargs)


def test_conv_output_size_accepts_numpy_integers_and_a_padded_tiny_input():
    """numpy integers are integers; padding larger than the kernel lets it slide over a 1-pixel input."""
    assert ref.conv_output_size(np.int64(7), np.int32(3), pad=np.int64(0), stride=np.int64(2)) == 3
    assert ref.conv_output_size(1, 2, pad=3) == 6


def test_pool_output_size_rejects_padding_above_half_the_window():
    """pool_output_size raises ValueError for pad > f // 2 (torch: at most half the kernel)."""
    assert ref.pool_output_size(5, 3, pad=1) == 2
    with pytest.raises(ValueError, match=r"pad must be at most half the window \(f // 2 = 1\), got 2"):
        ref.pool_output_size(5, 3, pad=2)
    with pytest.raises(ValueError, match=r"stride must be a positive integer, got 0"):
        ref.pool_output_size(5, 2, stride=0)


def test_conv_transpose_output_size_rejects_output_padding_and_empty_outputs():
    """conv_transpose_output_size raises for output_padding >= stride and for an output size below 1."""
    with pytest.raises(ValueError, match=r"output_padding must be smaller than stride \(2\), got 2"):
        ref.conv_transpose_output_size(3, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"the output size would be -3"):
        ref.conv_transpose_output_size(2, 2, pad=3)
    with pytest.raises(ValueError, match=r"pad must be a non-negative integer, got -1"):
        ref.conv_transpose_output_size(2, 2, pad=-1)


def test_conv_params_rejects_non_positive_sizes():
    """conv_params raises ValueError for a channel count or kernel size below 1."""
    with pytest.raises(ValueError, match=r"c_out must be a positive integer, got 0"):
        ref.conv_params(3, 0, 3)


# --- properties of the size formulas ------------------------------------------------------

SIZES = st.integers(1, 40)
SMALL = st.integers(1, 6)


@settings(max_examples=300, deadline=None)
@given(n=SIZES, f=SMALL, pad=st.integers(0, 8), stride=SMALL, dilation=st.integers(1, 4))
def test_conv_output_size_counts_the_window_positions(n, f, pad, stride, dilation):
    """conv_output_size is the number of window starts 0, stride, 2 stride, ... that fit in the padded input."""
    span = dilation * (f - 1) + 1
    starts = range(0, n + 2 * pad - span + 1, stride)
    assert ours(ref.conv_output_size, n, f, pad=pad, stride=stride, dilation=dilation) == (len(starts) or None)


@settings(max_examples=300, deadline=None)
@given(n=SIZES, f=SMALL, pad=st.integers(0, 3), stride=SMALL, data=st.data())
def test_conv_transpose_output_size_inverts_conv_output_size(n, f, pad, stride, data):
    """A convolution maps the transposed convolution's output size back to n, for every valid output_padding."""
    output_padding = data.draw(st.integers(0, stride - 1))
    size = ours(ref.conv_transpose_output_size, n, f, pad=pad, stride=stride, output_padding=output_padding)
    if size is not None:
        assert ref.conv_output_size(size, f, pad=pad, stride=stride) == n


# --- convolution --------------------------------------------------------------------------

# (N, C, H, W), (F, HH, WW), stride, pad: non-square, strides that do not divide, pad 0, batches of 1
CONV_SHAPES = [
    ((2, 3, 5, 7), (4, 3, 2), 1, 1),
    ((1, 2, 7, 6), (3, 2, 3), 2, 0),
    ((2, 1, 9, 8), (2, 3, 3), 3, 2),
    ((3, 2, 4, 4), (1, 1, 1), 1, 0),
    ((1, 1, 3, 2), (2, 2, 2), 2, 4),  # padding larger than the kernel
]


def conv_inputs(rng, shape, kernel):
    (n, c, h, w), (f, hh, ww) = shape, kernel
    return rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, hh, ww)), rng.normal(size=f)


@pytest.mark.parametrize("shape, kernel, stride, pad", CONV_SHAPES)
def test_conv_forward_matches_conv2d(rng, shape, kernel, stride, pad):
    """conv_forward equals F.conv2d (a cross-correlation), with its output size from conv_output_size."""
    x, w, b = conv_inputs(rng, shape, kernel)
    out, cache = ref.conv_forward(x, w, b, stride=stride, pad=pad)
    expected = F.conv2d(t(x), t(w), t(b), stride=stride, padding=pad).numpy()
    assert out.shape == expected.shape and out.dtype == np.float64
    assert out.shape[2:] == (ref.conv_output_size(shape[2], kernel[1], pad, stride), ref.conv_output_size(shape[3], kernel[2], pad, stride))
    np.testing.assert_allclose(out, expected, **EXACT)
    assert isinstance(cache, tuple)


@pytest.mark.parametrize("shape, kernel, stride, pad", CONV_SHAPES)
def test_conv_backward_matches_autograd(rng, shape, kernel, stride, pad):
    """conv_backward returns autograd's dx, dw and db of F.conv2d."""
    x, w, b = conv_inputs(rng, shape, kernel)
    out, cache = ref.conv_forward(x, w, b, stride=stride, pad=pad)
    dout = rng.normal(size=out.shape)
    tx, tw, tb = t(x, True), t(w, True), t(b, True)
    F.conv2d(tx, tw, tb, stride=stride, padding=pad).backward(t(dout))
    dx, dw, db = ref.conv_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    for mine, theirs in ((dx, tx), (dw, tw), (db, tb)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), **EXACT)


def test_conv_backward_matches_numerical_gradient(rng):
    """dx, dw, db agree with central differences of sum(out * dout), stride 2 and pad 1."""
    x, w, b = conv_inputs(rng, (2, 2, 5, 4), (3, 3, 2))
    out, cache = ref.conv_forward(x, w, b, stride=2, pad=1)
    dout = rng.normal(size=out.shape)
    dx, dw, db = ref.conv_backward(dout, cache)

    def loss():
        return np.sum(ref.conv_forward(x, w, b, stride=2, pad=1)[0] * dout)

    np.testing.assert_allclose(dx, numerical_gradient(loss, x), **NUMERIC)
    np.testing.assert_allclose(dw, numerical_gradient(loss, w), **NUMERIC)
    np.testing.assert_allclose(db, numerical_gradient(loss, b), **NUMERIC)


def test_conv_forward_is_cross_correlation_not_convolution():
    """A kernel with a single 1 at its top-left copies the input shifted, not flipped (out[i, j] = x[i, j])."""
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    out, _ = ref.conv_forward(x, w, np.zeros(1))
    np.testing.assert_array_equal(out[0, 0], x[0, 0, :2, :3])


def test_conv_leaves_its_inputs_unchanged(rng):
    """conv_forward and conv_backward do not write into x, w, b or dout."""
    x, w, b = conv_inputs(rng, (2, 2, 5, 4), (3, 2, 3))
    dout = rng.normal(size=(2, 3, 3, 2))
    copies = [a.copy() for a in (x, w, b, dout)]
    _, cache = ref.conv_forward(x, w, b, stride=2, pad=1)
    ref.conv_backward(dout, cache)
    for before, after in zip(copies, (x, w, b, dout)):
        np.testing.assert_array_equal(before, after)


def test_conv_forward_raises_when_the_kernel_does_not_fit():
    """conv_forward raises ValueError (from conv_output_size) for a kernel larger than the padded input."""
    with pytest.raises(ValueError, match=r"the window spans 4 inputs, more than the padded input's 3"):
        ref.conv_forward(np.zeros((1, 1, 3, 5)), np.zeros((1, 1, 4, 2)), np.zeros(1))


# --- max pooling --------------------------------------------------------------------------

# (N, C, H, W), pool, stride: non-overlapping, overlapping (stride < pool), strides that do not divide
POOL_SHAPES = [
    ((2, 3, 4, 6), 2, 2),
    ((1, 2, 7, 5), 3, 2),
    ((2, 1, 6, 9), 2, 1),
    ((1, 1, 5, 8), 3, 3),
    ((3, 2, 3, 3), 1, 1),
]


def tied(rng, shape):
    """Integer values in {0, 1, 2}: most windows hold their maximum more than once."""
    return rng.integers(0, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize("shape, pool, stride", POOL_SHAPES)
def test_max_pool_forward_matches_max_pool2d(rng, shape, pool, stride):
    """max_pool_forward equals F.max_pool2d on tied integer inputs and on random floats."""
    for x in (tied(rng, shape), rng.normal(size=shape)):
        out, _ = ref.max_pool_forward(x, pool=pool, stride=stride)
        expected = F.max_pool2d(t(x), pool, stride).numpy()
        assert out.shape == expected.shape and out.dtype == np.float64
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shape, pool, stride", POOL_SHAPES)
def test_max_pool_backward_matches_autograd_on_tied_maxima(rng, shape, pool, stride):
    """max_pool_backward equals autograd of F.max_pool2d where windows hold tied maxima (and overlap)."""
    x = tied(rng, shape)
    out, cache = ref.max_pool_forward(x, pool=pool, stride=stride)
    dout = rng.normal(size=out.shape)
    tx = t(x, True)
    F.max_pool2d(tx, pool, stride).backward(t(dout))
    dx = ref.max_pool_backward(dout, cache)
    assert dx.shape == x.shape and dx.dtype == np.float64
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)


def test_torch_sends_a_tied_gradient_to_the_first_maximum_in_row_major_order():
    """torch's max_pool2d, like the reference, gives a window's gradient to its first maximum, row by row."""
    x = np.array([[[[0.0, 5.0, 1.0], [5.0, 5.0, 2.0]]]])  # one 2x3 window, maxima at (0, 1), (1, 0), (1, 1)
    tx = t(x, True)
    F.max_pool2d(tx, (2, 3)).sum().backward()
    first = np.zeros_like(x)
    first[0, 0, 0, 1] = 1.0
    np.testing.assert_array_equal(tx.grad.numpy(), first)
    # the reference, on the square window [[0, 5], [5, 5]]: the first of its three maxima is (0, 1)
    _, cache = ref.max_pool_forward(x[:, :, :, :2], pool=2, stride=2)
    np.testing.assert_array_equal(ref.max_pool_backward(np.ones((1, 1, 1, 1)), cache), first[:, :, :, :2])


def test_max_pool_leaves_its_inputs_unchanged(rng):
    """max_pool_forward and max_pool_backward do not write into x or dout."""
    x, dout = tied(rng, (2, 2, 5, 5)), rng.normal(size=(2, 2, 2, 2))
    copies = x.copy(), dout.copy()
    _, cache = ref.max_pool_forward(x, pool=3, stride=2)
    ref.max_pool_backward(dout, cache)
    np.testing.assert_array_equal(copies[0], x)
    np.testing.assert_array_equal(copies[1], dout)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=2)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=2, k=k)
