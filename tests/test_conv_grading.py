"""The conv suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/conv.py (each replaced text occurs
exactly once), or one function rewritten with the mistake; each must fail exactly the cases
that see its bug, on two secret seeds, and keep every other point. A wrong size formula also
breaks the student's own layers that call it, so those cases are lost too. Correct but
differently written submissions score full marks, among them a deliberately slow one (plain
Python loops) that must stay far inside the per-case timeout. The misconception hints fire
on exactly their mistake and nowhere else.
"""

from __future__ import annotations

import pytest

from autograder import wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.sandbox import Limits
from autograder.suites import conv as suite
from autograder.suites.conv import SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failing, hinted, message, mutated, reference_source, replaced, stub_source

pytestmark = pytest.mark.conv

REFERENCE = reference_source("conv")
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, but=()) -> set:
    """Names of the cases starting with any of ``prefixes``, except those in ``but``."""
    return {name for name in ALL_CASES if name.startswith(prefixes)} - set(but)


CONV_SIZE_VALUES = cases("conv_output_size,")
POOL_SIZE_VALUES = cases("pool_output_size,")
CONV_FORWARD = {"conv_forward"} | cases("conv_forward,")  # not its Raises cases, named by their calls
POOL_FORWARD = cases("max_pool_forward,")
POOL_BACKWARD = cases("max_pool_backward")
UNEVEN = ("conv_forward, stride 2 that does not divide, pad 0", "conv_forward, random shapes")
STRIDE_0 = "conv_output_size(5, 3, stride=0) raises ValueError: the stride must be positive"
N_0 = "conv_output_size(0, 1, pad=1) raises ValueError: the input size must be positive"
DILATION_0 = "conv_output_size(5, 3, dilation=0) raises ValueError: the dilation must be positive"
NEGATIVE_SIZES = {"conv_output_size(-1, 1, pad=2) raises ValueError: the input size must be positive",
                  "conv_output_size(5, -1) raises ValueError: the kernel size must be positive"}
SIZE_CHECKS = 'n, f = _integer("n", n, 1), _integer("f", f, 1)\n    pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, 1)'


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of conv.py with that source; cached per module."""
    return Grades("conv", tmp_path_factory.mktemp("conv"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/conv.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/conv.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["conv"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

SIZE_RETURN = "return (n + 2 * pad - span) // stride + 1"
# A wrong conv_output_size also gives the student's conv_forward and pooling layers wrong
# output shapes (they call it); conv_backward takes its sizes from dout and still passes,
# except where the forward pass itself raised (a too-large output cannot be filled).
MUTATIONS = [
    pytest.param(
        [(SIZE_RETURN, "return (n + 2 * pad - span) // stride")],
        CONV_SIZE_VALUES | POOL_SIZE_VALUES | CONV_FORWARD | POOL_FORWARD | POOL_BACKWARD,
        id="size-off-by-one",
    ),
    # every uneven stride in the suite leaves a fraction of 2/3, 3/4, 3.5 or 1.5, where
    # round (half to even) goes up like ceil; the output is then too large to fill and the
    # forward raises, so conv_backward's three gradients go too
    *[
        pytest.param(
            [(SIZE_RETURN, new)],
            cases("conv_output_size, a stride", "conv_output_size, random", "pool_output_size,", "max_pool_forward, overlapping",
                  "max_pool_forward, random", "max_pool_backward, overlapping", "max_pool_backward, random", *UNEVEN,
                  "conv_backward, stride 2", "conv_backward, random"),
            id=name,
        )
        for name, new in (
            ("size-ceil", "return -(-(n + 2 * pad - span) // stride) + 1"),
            ("size-round", "return round((n + 2 * pad - span) / stride) + 1"),
        )
    ],
    pytest.param(
        [(SIZE_RETURN, "return (n + pad - span) // stride + 1")],
        cases("conv_output_size,", "pool_output_size, stride", "pool_output_size, random", "conv_forward, random",
              but={"conv_output_size, no padding, stride 1"}) | {"conv_forward"},
        id="padding-counted-once",
    ),
    pytest.param(
        [("span = dilation * (f - 1) + 1", "span = f")],
        {"conv_output_size, dilation", "conv_output_size, random arguments", "conv_output_size(6, 3, dilation=3) raises ValueError: the dilated kernel does not fit"},
        id="dilation-ignored",
    ),
    # n, f and dilation checked for >= 0 instead of >= 1: the negative ones still raise
    pytest.param(
        [(SIZE_CHECKS, 'n, f = _integer("n", n, 0), _integer("f", f, 0)\n    pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, 0)')],
        {N_0, DILATION_0},
        id="sizes-checked-for-non-negative",
    ),
    # only what breaks the formula checked (a non-integer, a stride of 0, a negative pad): the window still fits
    pytest.param(
        [(SIZE_CHECKS, 'n, f = _integer("n", n, -math.inf), _integer("f", f, -math.inf)\n    '
                       'pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, -math.inf)'),
         ("import numbers", "import math\nimport numbers")],
        {N_0, DILATION_0} | NEGATIVE_SIZES,
        id="n-f-and-dilation-not-checked",
    ),
    pytest.param(
        [("stride = f if stride is None else stride", "stride = 1 if stride is None else stride")],
        {"pool_output_size, default stride", "pool_output_size, random arguments"},
        id="pool-stride-default-1",
    ),
    pytest.param(
        [("size = (n - 1) * stride - 2 * pad + f + output_padding", "size = (n - 1) * stride - 2 * pad + f")],
        cases("conv_transpose_output_size, stride,", "conv_transpose_output_size, random"),
        id="output_padding-ignored",
    ),
    pytest.param(
        [("return c_out * c_in * f * f + (c_out if bias else 0)", "return c_out * c_in * f * f")],
        {"conv_params"} | cases("conv_params,"),
        id="conv_params-without-biases",
    ),
    # the backward pass is graded on the reference's gradients of the cached x and w: right
    pytest.param(
        [("_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, i, j])", "_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, -1 - i, -1 - j])")],
        CONV_FORWARD,
        id="kernel-flipped-in-forward",
    ),
    pytest.param(
        [
            ("_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, i, j])", "_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, -1 - i, -1 - j])"),
            ("dw[:, :, i, j] = np.einsum", "dw[:, :, -1 - i, -1 - j] = np.einsum"),
            ('np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])', 'np.einsum("nfhw,fc->nchw", dout, w[:, :, -1 - i, -1 - j])'),
        ],
        CONV_FORWARD | {name for name in cases("conv_backward") if not name.endswith(": db")},
        id="true-convolution-forward-and-backward",
    ),
    # a batch of 1 cannot tell a mean over the batch from the sum: that db case passes
    pytest.param(
        [("dout.sum(axis=(0, 2, 3))", "dout.sum(axis=(2, 3)).mean(axis=0)")],
        {"conv_backward: db", "conv_backward, stride 2 that does not divide, pad 0: db", "conv_backward, random shapes: db"},
        id="db-averaged-over-the-batch",
    ),
    pytest.param(
        [("dx = dx_pad[:, :, pad : pad + height, pad : pad + width]", "dx = dx_pad[:, :, pad:-pad, pad:-pad]")],
        {"conv_backward, stride 2 that does not divide, pad 0: dx", "conv_backward, batch of 1, pad 0: dx"},
        id="dx-sliced-pad-to-minus-pad",
    ),
    pytest.param(
        [("stride * np.arange(out_h)[:, None] + first // pool", "stride * np.arange(out_h)[:, None] + first % pool"),
         ("stride * np.arange(out_w)[None, :] + first % pool", "stride * np.arange(out_w)[None, :] + first // pool")],
        POOL_BACKWARD,
        id="max-position-row-and-column-swapped",
    ),
]


@pytest.mark.parametrize("replacements, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, replacements, expected):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


POOL_SPREAD = '''
def max_pool_forward(x, pool=2, stride=2):
    n, c, h, w = x.shape
    out_h, out_w = pool_output_size(h, pool, stride), pool_output_size(w, pool, stride)
    out = np.zeros((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool].max(axis=(2, 3))
    return out, (x, pool, stride, out)


def max_pool_backward(dout, cache):
    x, pool, stride, out = cache
    dx = np.zeros_like(x)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool]
            mask = window == out[:, :, i, j][:, :, None, None]
            dx[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool] += mask * SHARE
    return dx
'''
SPREAD = replaced(POOL_SPREAD.replace("SHARE", "dout[:, :, i, j][:, :, None, None]"), REFERENCE)
SPLIT = replaced(POOL_SPREAD.replace("SHARE", "(dout[:, :, i, j] / mask.sum(axis=(2, 3)))[:, :, None, None]"), REFERENCE)


TRUNCATED = replaced('''
def conv_output_size(n, f, pad=0, stride=1, dilation=1):
    n, f = _integer("n", n, 1), _integer("f", f, 1)
    pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, 1)
    size = int((n + 2 * pad - dilation * (f - 1) - 1) / stride) + 1
    if size < 1:
        raise ValueError("the window does not fit")
    return size
''', REFERENCE)


def test_truncating_instead_of_flooring_misses_a_window_that_does_not_fit(graded):
    """int() rounds -1/2 up to 0: a kernel one larger than the input gets size 1 at stride 2 instead of a ValueError
    (and pool_output_size(3, 4), stride 4, through it: -1/4)."""
    name = "conv_output_size(4, 5, stride=2) raises ValueError: the kernel is larger than the input"
    assert_fails_exactly(graded, TRUNCATED, {name, "pool_output_size(3, 4) raises ValueError: the window is larger than the input"}, SEEDS)
    assert message(graded(TRUNCATED, SEEDS[0]), name) == "conv_output_size(4, 5, stride=2) returned 1; expected ValueError: the kernel is larger than the input."


@pytest.mark.parametrize("source", [SPREAD, SPLIT], ids=["spread-to-every-tied-maximum", "split-among-tied-maxima"])
def test_tied_maxima_sharing_the_gradient_lose_every_max_pool_backward_case(graded, source):
    """Every max_pool_backward case has a window with a tied maximum: spreading or splitting the gradient fails them all."""
    assert_fails_exactly(graded, source, POOL_BACKWARD, SEEDS)


def test_float_sizes_fail_with_a_hint_to_use_integer_division(graded):
    """Sizes computed with / are floats: judged wrong, the message says to use // or int()."""
    source = mutated(REFERENCE, (SIZE_RETURN, "return (n + 2 * pad - span) / stride + 1"))
    result = graded(source, SEEDS[0])
    text = message(result, "conv_output_size, no padding, stride 1")
    assert text == "conv_output_size(5, 3) is the float 3.0, expected the int 3: use // or int(), not /."


def test_a_missing_validation_is_named_in_the_raises_message(graded):
    """A conv_output_size that does not check its stride fails the stride-0 case, showing the call and the rule it breaks."""
    source = mutated(REFERENCE, ('pad, stride, dilation = _integer("pad", pad, 0), _integer("stride", stride, 1), _integer("dilation", dilation, 1)',
                     'pad, dilation = _integer("pad", pad, 0), _integer("dilation", dilation, 1)'))
    result = graded(source, SEEDS[0])
    # conv_forward and max_pool_forward take their sizes from it, so they accept stride 0 too
    assert failing(result) == {STRIDE_0, "conv_forward(<float64 array (1, 1, 4, 4)>, <float64 array (1, 1, 3, 3)>, <float64 array (1,)>, stride=0) raises ValueError: the stride must be positive",
                               "max_pool_forward(<float64 array (1, 1, 4, 4)>, stride=0) raises ValueError: the stride must be positive"}
    text = message(result, STRIDE_0)
    assert text.startswith("conv_output_size(5, 3, stride=0) raised ZeroDivisionError: integer division or modulo by zero; expected ValueError: the stride must be positive.")


# -- 3. correct but differently written submissions score full marks ------------------------

LOOPS = '''
"""Correct and deliberately slow: plain Python loops over n, f, i, j and the window."""
import numpy as np


def _require(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, not {value!r}")


def conv_output_size(n, f, pad=0, stride=1, dilation=1):
    for name, value, low in (("n", n, 1), ("f", f, 1), ("pad", pad, 0), ("stride", stride, 1), ("dilation", dilation, 1)):
        _require(name, value, low)
    starts = range(0, n + 2 * pad - dilation * (f - 1), stride)  # every window start that fits
    if len(starts) == 0:
        raise ValueError("the window does not fit")
    return len(starts)


def pool_output_size(n, f, stride=None, pad=0):
    _require("pad", pad, 0)
    if 2 * pad > f:
        raise ValueError("pad must be at most half the window")
    return conv_output_size(n, f, pad, f if stride is None else stride)


def conv_transpose_output_size(n, f, pad=0, stride=1, output_padding=0):
    for name, value, low in (("n", n, 1), ("f", f, 1), ("pad", pad, 0), ("stride", stride, 1), ("output_padding", output_padding, 0)):
        _require(name, value, low)
    if not output_padding < stride:
        raise ValueError("output_padding must be smaller than the stride")
    size = stride * (n - 1) + f - 2 * pad + output_padding
    if size <= 0:
        raise ValueError("nothing left")
    return size


def conv_params(c_in, c_out, f, bias=True):
    if min(c_in, c_out, f) < 1:
        raise ValueError("c_in, c_out and f must be positive")
    total = 0
    for _ in range(c_out):
        total += c_in * f * f + (1 if bias else 0)
    return total


def _padded(x, pad):
    N, C, H, W = x.shape
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad : pad + H, pad : pad + W] = x
    return x_pad


def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = conv_output_size(H, HH, pad, stride), conv_output_size(W, WW, pad, stride)
    x_pad = _padded(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[f]
                    for c in range(C):
                        for di in range(HH):
                            for dj in range(WW):
                                total += w[f, c, di, dj] * x_pad[n, c, i * stride + di, j * stride + dj]
                    out[n, f, i, j] = total
    return out, {"x": x, "w": w, "stride": stride, "pad": pad}


def conv_backward(dout, cache):
    x, w, stride, pad = cache["x"], cache["w"], cache["stride"], cache["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = _padded(x, pad)
    dx_pad, dw, db = np.zeros(x_pad.shape), np.zeros(w.shape), np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    g = dout[n, f, i, j]
                    db[f] += g
                    for c in range(C):
                        for di in range(HH):
                            for dj in range(WW):
                                dw[f, c, di, dj] += g * x_pad[n, c, i * stride + di, j * stride + dj]
                                dx_pad[n, c, i * stride + di, j * stride + dj] += g * w[f, c, di, dj]
    return dx_pad[:, :, pad : pad + H, pad : pad + W], dw, db


def max_pool_forward(x, pool=2, stride=2):
    N, C, H, W = x.shape
    H_out, W_out = pool_output_size(H, pool, stride), pool_output_size(W, pool, stride)
    out = np.zeros((N, C, H_out, W_out))
    where = {}
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best = None
                    for di in range(pool):
                        for dj in range(pool):
                            value = x[n, c, i * stride + di, j * stride + dj]
                            if best is None or value > best:  # strictly greater: the first maximum stays
                                best, where[n, c, i, j] = value, (i * stride + di, j * stride + dj)
                    out[n, c, i, j] = best
    return out, (x.shape, where)


def max_pool_backward(dout, cache):
    shape, where = cache
    dx = np.zeros(shape)
    for (n, c, i, j), (row, col) in where.items():
        dx[n, c, row, col] += dout[n, c, i, j]
    return dx
'''

IM2COL = '''
"""Correct, written differently: math.floor sizes, im2col with matrix products, np.add.at."""
import math
import operator

import numpy as np


def _count(value, name, positive=True):
    if isinstance(value, bool):
        raise ValueError(f"{name} is a bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer") from None
    if value < (1 if positive else 0):
        raise ValueError(f"{name} is too small")
    return value


def conv_output_size(n, f, pad=0, stride=1, dilation=1):
    n, f, stride, dilation = (_count(v, k) for v, k in ((n, "n"), (f, "f"), (stride, "stride"), (dilation, "dilation")))
    pad = _count(pad, "pad", positive=False)
    size = math.floor((n + 2 * pad - dilation * (f - 1) - 1) / stride) + 1
    if size < 1:
        raise ValueError("the window does not fit")
    return size


def pool_output_size(n, f, stride=None, pad=0):
    if _count(pad, "pad", positive=False) > f // 2:
        raise ValueError("too much padding")
    return conv_output_size(n, f, pad=pad, stride=f if stride is None else stride)


def conv_transpose_output_size(n, f, pad=0, stride=1, output_padding=0):
    n, f, stride = _count(n, "n"), _count(f, "f"), _count(stride, "stride")
    pad, output_padding = _count(pad, "pad", False), _count(output_padding, "output_padding", False)
    if output_padding >= stride:
        raise ValueError("output_padding >= stride")
    size = (n - 1) * stride - 2 * pad + (f - 1) + output_padding + 1
    if size < 1:
        raise ValueError("empty output")
    return size


def conv_params(c_in, c_out, f, bias=True):
    if not all(operator.index(n) >= 1 for n in (c_in, c_out, f)):
        raise ValueError("c_in, c_out and f must be positive integers")
    return int(np.prod([c_out, c_in, f, f])) + int(bias) * c_out


def _indices(HH, WW, stride, H_out, W_out):
    rows = (stride * np.arange(H_out))[:, None, None, None] + np.arange(HH)[None, None, :, None]
    cols = (stride * np.arange(W_out))[None, :, None, None] + np.arange(WW)[None, None, None, :]
    return rows, cols  # broadcast to (H_out, W_out, HH, WW)


def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = conv_output_size(H, HH, pad, stride), conv_output_size(W, WW, pad, stride)
    x_pad = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    rows, cols = _indices(HH, WW, stride, H_out, W_out)
    columns = x_pad[:, :, rows, cols]  # (N, C, H_out, W_out, HH, WW)
    columns = columns.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, -1)
    out = columns @ w.reshape(F, -1).T + b
    out = out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2)
    return out, {"x_pad_shape": x_pad.shape, "columns": columns, "w": w, "pad": pad, "stride": stride}


def conv_backward(dout, cache):
    w, pad, stride = cache["w"], cache["pad"], cache["stride"]
    N, C, Hp, Wp = cache["x_pad_shape"]
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    flat = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    dw = (flat.T @ cache["columns"]).reshape(w.shape)
    dcolumns = (flat @ w.reshape(F, -1)).reshape(N, H_out, W_out, C, HH, WW).transpose(0, 3, 1, 2, 4, 5)
    dx_pad = np.zeros((N, C, Hp, Wp))
    rows, cols = _indices(HH, WW, stride, H_out, W_out)
    rows, cols = np.broadcast_arrays(rows, cols)
    np.add.at(dx_pad, (slice(None), slice(None), rows, cols), dcolumns)
    return dx_pad[:, :, pad : Hp - pad, pad : Wp - pad], dw, np.einsum("nfhw->f", dout)


def max_pool_forward(x, pool=2, stride=2):
    N, C, H, W = x.shape
    H_out, W_out = pool_output_size(H, pool, stride), pool_output_size(W, pool, stride)
    rows, cols = np.broadcast_arrays(*_indices(pool, pool, stride, H_out, W_out))
    windows = x[:, :, rows, cols].reshape(N, C, H_out, W_out, -1)
    best = windows.argmax(axis=-1)
    out = windows.max(axis=-1)
    return out, {"shape": x.shape, "rows": rows.reshape(H_out, W_out, -1), "cols": cols.reshape(H_out, W_out, -1), "best": best}


def max_pool_backward(dout, cache):
    dx = np.zeros(cache["shape"])
    N, C, H_out, W_out = dout.shape
    best = cache["best"]
    i, j = np.arange(H_out)[:, None], np.arange(W_out)[None, :]
    rows = cache["rows"][i, j, best]
    cols = cache["cols"][i, j, best]
    n, c = np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None]
    np.add.at(dx, (n, c, rows, cols), dout)
    return dx
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
@pytest.mark.parametrize("source", [IM2COL, LOOPS], ids=["im2col-floor-operator-index", "python-loops"])
def test_correct_alternative_scores_full_marks(graded, source, seed):
    """A correct submission written differently from the reference passes every case."""
    result = graded(source, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


def test_slow_loops_stay_far_inside_the_case_timeout(graded):
    """Plain Python loops take under a fifth of the 10 s per case, on both seeds (measured: 0.016 s at most)."""
    timeout = Limits().call_seconds
    assert all(case.timeout is None for case in SUITE.cases)  # every case has the default timeout
    for seed in SEEDS:
        result = graded(LOOPS, seed)
        slowest = max(result.cases, key=lambda case: case.student_seconds)
        assert slowest.student_seconds < timeout / 5, (slowest.name, slowest.student_seconds)


# -- 4. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_function_has_visible_and_hidden_cases():
    """Each of the eight functions is graded on public inputs and on fresh hidden ones."""
    for function in ("conv_output_size", "pool_output_size", "conv_transpose_output_size", "conv_params",
                     "conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward"):
        kinds = {case.visibility for case in SUITE.cases if function in case.build(case.rng(SEEDS[0])).functions[-1:]}
        assert kinds == {"visible", "hidden"}, function


# -- 5. misconception hints ------------------------------------------------------------------

HINTED_MISTAKES = [
    (suite.WITHOUT_PLUS_ONE, mutated(REFERENCE, (SIZE_RETURN, "return (n + 2 * pad - span) // stride")), CONV_SIZE_VALUES | POOL_SIZE_VALUES),
    (suite.CEIL, mutated(REFERENCE, (SIZE_RETURN, "return -(-(n + 2 * pad - span) // stride) + 1")),
     cases("conv_output_size, a stride", "conv_output_size, random", "pool_output_size,")),
    (suite.PAD_ONCE, mutated(REFERENCE, (SIZE_RETURN, "return (n + pad - span) // stride + 1")),
     cases("conv_output_size,", "pool_output_size, stride", "pool_output_size, random", but={"conv_output_size, no padding, stride 1"})),
    (suite.NO_DILATION, mutated(REFERENCE, ("span = dilation * (f - 1) + 1", "span = f")), {"conv_output_size, dilation", "conv_output_size, random arguments"}),
    (suite.POOL_STRIDE_ONE, mutated(REFERENCE, ("stride = f if stride is None else stride", "stride = 1 if stride is None else stride")),
     {"pool_output_size, default stride", "pool_output_size, random arguments"}),
    (suite.FLIPPED_KERNEL, mutated(REFERENCE, ("_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, i, j])", "_tap(x_pad, i, j, stride, out_h, out_w), w[:, :, ::-1, ::-1][:, :, i, j])")),
     CONV_FORWARD),
    (suite.CONV_DB_MEAN, mutated(REFERENCE, ("dout.sum(axis=(0, 2, 3))", "dout.sum(axis=(2, 3)).mean(axis=0)")),
     {"conv_backward: db", "conv_backward, stride 2 that does not divide, pad 0: db", "conv_backward, random shapes: db"}),
    (suite.POOL_SPREAD, SPREAD, POOL_BACKWARD),
    (suite.POOL_SPLIT, SPLIT, POOL_BACKWARD),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, source, where", HINTED_MISTAKES, ids=[hint.name for hint, _, _ in HINTED_MISTAKES])
def test_each_misconception_fires_on_its_mistake(graded, hint, source, where):
    """A submission with exactly this mistake gets this hint, with its text, on the cases that show it, and no other."""
    for seed in SEEDS:
        result = graded(source, seed)
        assert hinted(result) == dict.fromkeys(where, hint.name), f"seed {seed}"
        for case in result.cases:
            if case.name in where:
                assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the conv suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {hint.name for hint, _, _ in HINTED_MISTAKES}
    assert len(declared) >= 5


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(stub_source("conv"), id="stubs"),
    pytest.param(IM2COL, id="alternative"),
    pytest.param(LOOPS, id="python-loops"),
    pytest.param(mutated(REFERENCE, (SIZE_RETURN, "return (n + 2 * pad - span) // stride + 2")), id="sizes-one-too-large"),
    pytest.param(mutated(REFERENCE, ("np.argmax(windows, axis=-1)", "windows.shape[-1] - 1 - np.argmax(windows[..., ::-1], axis=-1)")), id="last-maximum"),
    pytest.param(mutated(REFERENCE, ("dout.sum(axis=(0, 2, 3))", "dout.mean(axis=(0, 2, 3))")), id="db-averaged-over-positions-too"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, correct alternatives and mistakes no hint describes get no hint."""
    for seed in SEEDS:
        assert hinted(graded(source, seed)) == {}


@pytest.mark.hints
def test_a_mean_over_a_batch_of_one_is_not_called_a_mean():
    """On the batch-of-1 case the averaged db equals the right one: the hint is not offered there, only for N > 1."""
    solution = reference("conv")
    (one,) = [case for case in SUITE.cases if case.name == "conv_backward, batch of 1, pad 0: db"]
    (many,) = [case for case in SUITE.cases if case.name == "conv_backward: db"]
    for case, offered in ((one, None), (many, suite.CONV_DB_MEAN)):
        plan = case.build(case.rng(SEEDS[0]))
        dout = plan.calls[1].args[0]
        expected = {"db": dout.sum(axis=(0, 2, 3))}
        student = {"db": dout.sum(axis=(2, 3)).mean(axis=0) + (1.0 if case is one else 0.0)}  # wrong in another way at N = 1
        assert diagnose(case.hints, student, expected, plan, solution, Compare()) == offered
