"""Graded cases for conv.py (assignment 2): output sizes, convolution and max pooling.

Output sizes are graded in small groups of argument sets per case, each group about one
feature (no padding, padding, a stride that does not divide, dilation), so one slip in
the formula costs the groups it shows in and an off-by-one fails every group. Sizes are
ints, judged exactly: a float (from /) fails with a hint to use //. Each invalid-argument
rule of the contract has its own Raises case.

The layers are graded on non-square inputs and kernels with H != W outputs, strides that
do not divide, pad = 0 (where slicing [pad:-pad] is empty) and padding larger than the
kernel, batches of 1, and for pooling on integer-valued inputs where every case has a
window with a tied maximum (the gradient goes to the first maximum only). Each gradient
of conv_backward is its own case.

Time: a correct but deliberately slow submission (plain Python loops over n, f, i, j and
the window: LOOPS in tests/test_conv_grading.py) took at most 0.016 s for any case here and
0.35 s for the whole suite, over secret seeds 1 to 4 on the shared 2-core machine, against
the default 10 s per case; that test fails if any case takes 2 s.
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import Hint
from ..judge import Raises, call_label
from ..plan import Call, Plan
from ..suite import Case, Suite, distinct, draw, fixed, normal, per_output

# -- 2.1 to 2.4 output sizes and parameter counts ------------------------------------------------

label = call_label  # the call as the student would write it: 'conv_output_size(8, 3, stride=2)'


def sizes_plan(function, draw):
    """``function`` called on each argument set (args, kwargs) that ``draw(rng)`` gives; one
    output per call, named by the call."""
    def build(rng):
        calls = [Call(function, *args, **kwargs) for args, kwargs in draw(rng)]
        return Plan(calls, {label(call): call.out for call in calls})
    return build


def raising(why, function, *args, **kwargs) -> Case:
    """A case worth 0.5 whose one call the contract says must raise ValueError; its name shows
    the call, so that a student told it returned instead knows which arguments to try."""
    def build(rng):
        call = Call(function, *args, **kwargs)
        return Plan([call], {label(call): call.out})
    return Case(f"{label(Call(function, *args, **kwargs))} raises ValueError: {why}", 0.5, build, Raises(ValueError, why))


def random_conv_sizes(rng):
    """One argument set per feature, so that every formula slip shows in every draw."""
    f = draw(rng, 1, 5)
    plain = ((f + draw(rng, 0, 9), f), {})
    f = draw(rng, 1, 3)
    padded = ((draw(rng, 1, 7), f), {"pad": f + draw(rng, 1, 2)})  # padding larger than the kernel
    # remainder stride - 1 out of a stride of 3 or 4: a fraction of 2/3 or 3/4, so ceil and round both go up
    stride, f = draw(rng, 3, 4), draw(rng, 1, 5)
    padded_n = f + stride * draw(rng, 0, 4) + stride - 1
    pad = draw(rng, 0, min(2, (padded_n - 1) // 2))
    uneven = ((padded_n - 2 * pad, f), {"pad": pad, "stride": stride})
    dilation, f = draw(rng, 2, 3), draw(rng, 3, 4)  # the span grows by >= 2 >= stride: ignoring it shows
    dilated = ((dilation * (f - 1) + 1 + draw(rng, 0, 7), f), {"stride": draw(rng, 1, 2), "dilation": dilation})
    return [plain, padded, uneven, dilated]


def random_pool_sizes(rng):
    """Default stride (n > f >= 2, where stride 1 would differ), overlap with padding, a stride that does not divide."""
    f = draw(rng, 2, 4)
    default = ((f + draw(rng, 1, 11), f), {})
    f = draw(rng, 2, 4)
    pad, stride = draw(rng, 1, f // 2), draw(rng, 1, f - 1)
    overlapping = ((f - 2 * pad + stride * draw(rng, 1, 5), f), {"stride": stride, "pad": pad})  # the stride divides: one pad less shows
    stride, f = draw(rng, 3, 4), draw(rng, 2, 4)
    uneven = ((f + stride * draw(rng, 0, 4) + stride - 1, f), {"stride": stride})
    return [default, overlapping, uneven]


def random_transpose_sizes(rng):
    """Stride 1 with padding; a larger stride with output_padding below it."""
    n, f = draw(rng, 1, 8), draw(rng, 1, 5)
    plain = ((n, f), {"pad": draw(rng, 0, (n + f - 2) // 2)})
    n, f, stride = draw(rng, 1, 6), draw(rng, 1, 5), draw(rng, 2, 4)
    strided = ((n, f), {"pad": draw(rng, 0, ((n - 1) * stride + f - 1) // 2), "stride": stride, "output_padding": draw(rng, 1, stride - 1)})
    return [plain, strided]


def random_params(rng):
    """One layer with biases and one without."""
    return [((draw(rng, 1, 64), draw(rng, 1, 64), draw(rng, 1, 7)), {"bias": bias}) for bias in (True, False)]


# -- 2.5, 2.6 convolution --------------------------------------------------------------------

def uneven_size(rng, kernel, pad, stride):
    """An input size whose windows leave stride - 1 >= 1 positions over, after an odd number of
    steps: floor differs from ceil, and from round (which rounds 1.5 and 3.5 up to even, but 2.5 down)."""
    return kernel - 2 * pad + stride * (2 * draw(rng, 0, 1) + 1) + stride - 1


def even_size(rng, kernel, pad, stride):
    """An input size whose windows fit exactly, two or three steps: one pad less gives one window less."""
    return kernel - 2 * pad + stride * draw(rng, 2, 3)


def random_conv_shape(rng):
    """N in {2, 3}, a stride of 2 or 3 that does not divide H but divides W, pad 1 or 2, a non-square kernel."""
    stride, pad = draw(rng, 2, 3), draw(rng, 1, 2)
    hh, ww = distinct(rng, 2, 4)
    height, width = uneven_size(rng, hh, pad, stride), even_size(rng, ww, pad, stride)
    return (draw(rng, 2, 3), draw(rng, 1, 3), height, width), (draw(rng, 2, 4), hh, ww), stride, pad


def batch_of_one_shape(rng):
    """N = 1, stride 1, pad 0 (slicing [pad:-pad] is empty there), H != W, a kernel that is not 1 x 1."""
    height, width = distinct(rng, 3, 7)
    hh, ww = draw(rng, 1, 3), draw(rng, 2, 3)
    return (1, draw(rng, 1, 3), height, width), (draw(rng, 1, 3), hh, ww), 1, 0


def conv_inputs(rng, shape, kernel):
    (n, c, h, w), (f, hh, ww) = shape, kernel
    return normal(rng, n, c, h, w), normal(rng, f, c, hh, ww), normal(rng, f)


def conv_forward_plan(configuration):
    def build(rng):
        shape, kernel, stride, pad = configuration(rng)
        call = Call("conv_forward", *conv_inputs(rng, shape, kernel), stride=stride, pad=pad)
        return Plan([call], {"out": call.out[0]})
    return build


def conv_backward_plan(configuration):
    def build(rng):
        shape, kernel, stride, pad = configuration(rng)
        (n, _, h, w), (f, hh, ww) = shape, kernel
        forward = Call("conv_forward", *conv_inputs(rng, shape, kernel), stride=stride, pad=pad)
        dout = normal(rng, n, f, (h + 2 * pad - hh) // stride + 1, (w + 2 * pad - ww) // stride + 1)
        backward = Call("conv_backward", dout, forward.out[1])
        return Plan([forward, backward], {"dx": backward.out[0], "dw": backward.out[1], "db": backward.out[2]})
    return build


# -- 2.7, 2.8 max pooling --------------------------------------------------------------------

def tied(rng, shape):
    """Integers in {0, 1, 2}, and the first window of the first plane holds its maximum twice:
    a 3 at (0, 0) and (0, 1), both in it since pool >= 2, above everything else."""
    x = rng.integers(0, 3, size=shape).astype(np.float64)
    x[0, 0, 0, :2] = 3.0
    return x


def random_pool_shape(rng):
    """N in 1..3, a pool of 2 or 3, a stride of 2 or 3 (overlapping windows or not), H != W, H uneven."""
    pool, stride = draw(rng, 2, 3), draw(rng, 2, 3)
    height = uneven_size(rng, pool, 0, stride)
    width = pool + stride * draw(rng, 1, 3) + draw(rng, 0, stride - 1)
    if width == height:
        width += 1
    return (draw(rng, 1, 3), draw(rng, 1, 3), height, width), pool, stride


def pool_call(rng, shape, pool, stride):
    """max_pool_forward on tied inputs; pool 2 and stride 2 are left to the defaults."""
    x = tied(rng, shape)
    options = {} if (pool, stride) == (2, 2) else {"pool": pool, "stride": stride}
    return Call("max_pool_forward", x, **options)


def max_pool_forward_plan(configuration):
    def build(rng):
        call = pool_call(rng, *configuration(rng))
        return Plan([call], {"out": call.out[0]})
    return build


def max_pool_backward_plan(configuration):
    def build(rng):
        shape, pool, stride = configuration(rng)
        forward = pool_call(rng, shape, pool, stride)
        (n, c, h, w) = shape
        backward = Call("max_pool_backward", normal(rng, n, c, (h - pool) // stride + 1, (w - pool) // stride + 1), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py).

def size_variant(formula):
    """A ``wrong`` for size cases: every call's output recomputed by ``formula(function, n, f, options)``."""
    def wrong(expected, plan):
        return {label(call): formula(call.function, *call.args, dict(call.kwargs)) for call in plan.calls}
    return wrong


def window(function, f, options):
    """(span, pad, stride) of a conv or pool call, with the contract's defaults."""
    span = options.get("dilation", 1) * (f - 1) + 1
    stride = options.get("stride") or (f if function == "pool_output_size" else 1)
    return span, options.get("pad", 0), stride


def ceil_size(function, n, f, options):
    span, pad, stride = window(function, f, options)
    return math.ceil((n + 2 * pad - span) / stride) + 1


def pad_once_size(function, n, f, options):
    span, pad, stride = window(function, f, options)
    return (n + pad - span) // stride + 1


def without_plus_one_size(function, n, f, options):
    span, pad, stride = window(function, f, options)
    return (n + 2 * pad - span) // stride


def no_dilation_size(function, n, f, options):
    span, pad, stride = window(function, f, {**options, "dilation": 1})
    return (n + 2 * pad - span) // stride + 1


def stride_one_size(function, n, f, options):
    span, pad, _ = window(function, f, options)
    return (n + 2 * pad - span) // options.get("stride", 1) + 1


def flipped_conv_forward(x, w, b, stride=1, pad=0):
    """A true convolution: the kernel flipped in both spatial axes."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    view = np.lib.stride_tricks.sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", view, w[:, :, ::-1, ::-1]) + b[None, :, None, None]
    return out, None


def tied_pool_forward(x, pool=2, stride=2):
    """Max pooling whose cache keeps what a tie-spreading backward needs."""
    view = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[:, :, ::stride, ::stride]
    out = view.max(axis=(4, 5))
    return out, (x, pool, stride, out)


def tied_pool_backward(share):
    """Every maximum of a window gets ``share(number of maxima)`` of its gradient."""
    def backward(dout, cache):
        x, pool, stride, out = cache
        dx = np.zeros_like(x)
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                patch = x[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool]
                top = patch == out[:, :, i, j][:, :, None, None]
                gradient = dout[:, :, i, j] * share(top.sum(axis=(2, 3)))
                dx[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool] += top * gradient[:, :, None, None]
        return dx
    return backward


def batch_size(plan) -> int:
    """N of conv_forward's x, the plan's first call."""
    return plan.calls[0].args[0].shape[0]


CEIL = Hint(
    "ceil instead of floor", "Your sizes are rounded up where the stride does not divide: a window that would hang "
    "over the (padded) edge is not computed, so the size is floor((n + 2 pad - f) / stride) + 1: use //.",
    wrong=size_variant(ceil_size))
PAD_ONCE = Hint(
    "padding counted once", "Your sizes add the padding once; pad zeros go on each side, so the padded input has "
    "n + 2 pad entries.", wrong=size_variant(pad_once_size))
WITHOUT_PLUS_ONE = Hint(
    "off by one", "Your sizes are one too small: (n + 2 pad - f) // stride counts the steps between windows; the "
    "first window is one more, so add 1.", wrong=size_variant(without_plus_one_size))
NO_DILATION = Hint(
    "dilation ignored", "Your sizes ignore the dilation: a kernel of size f with dilation d spans d (f - 1) + 1 inputs.",
    wrong=size_variant(no_dilation_size))
POOL_STRIDE_ONE = Hint(
    "pooling stride defaults to 1", "Your sizes take stride 1 when no stride is given; pooling windows do not overlap "
    "by default: stride = f, as in torch.nn.MaxPool2d.", wrong=size_variant(stride_one_size))
FLIPPED_KERNEL = Hint(
    "kernel flipped", "Your out is a true convolution (the kernel flipped); a convolutional layer computes a "
    "cross-correlation: out[i, j] uses w[di, dj] at x_pad[i * stride + di, j * stride + dj], nothing reversed.",
    replace={"conv_forward": flipped_conv_forward})
CONV_DB_MEAN = Hint(
    "bias gradient averaged", "Your db equals the mean of the right one over the batch; b[f] is added at every "
    "position of every example, so db[f] is the sum of dout[:, f] over the batch and positions.",
    wrong=lambda e, plan: {"db": e["db"] / batch_size(plan)})
POOL_SPREAD = Hint(
    "gradient to every tied maximum", "Your dx gives a window's gradient to each of its tied maxima; the max "
    "passes it to one input only, the first maximum in row-major order (as np.argmax and PyTorch).",
    replace={"max_pool_forward": tied_pool_forward, "max_pool_backward": tied_pool_backward(lambda ties: 1.0)})
POOL_SPLIT = Hint(
    "gradient split among tied maxima", "Your dx splits a window's gradient equally among its tied maxima; the "
    "max passes all of it to the first maximum in row-major order (as np.argmax and PyTorch).",
    replace={"max_pool_forward": tied_pool_forward, "max_pool_backward": tied_pool_backward(lambda ties: 1.0 / ties)})

SIZE_HINTS = (WITHOUT_PLUS_ONE, CEIL, PAD_ONCE, NO_DILATION)
POOL_HINTS = (WITHOUT_PLUS_ONE, CEIL, PAD_ONCE, POOL_STRIDE_ONE)
TIES = (POOL_SPREAD, POOL_SPLIT)

CONV = "conv_output_size"
POOL = "pool_output_size"
TRANSPOSE = "conv_transpose_output_size"
CONV_FIXED = fixed((2, 3, 5, 7), (4, 3, 2), 1, 1)
CONV_UNEVEN = fixed((2, 2, 10, 7), (3, 3, 2), 2, 0)  # H: 7 / 2 and W: 5 / 2 do not divide; pad 0
POOL_FIXED = fixed((2, 3, 4, 6), 2, 2)
POOL_OVERLAP = fixed((1, 2, 7, 6), 3, 2)  # windows overlap; W: 3 / 2 does not divide
BACKWARD_POINTS = {"dx": 2, "dw": 2, "db": 1}

# Argument sets (args, kwargs) of the visible size cases, one group per feature.
NO_PADDING = (((5, 3), {}), ((8, 2), {}), ((4, 4), {}), ((9, 1), {}))
PADDING = (((5, 3), {"pad": 1}), ((7, 5), {"pad": 2}), ((4, 3), {"pad": 0}), ((1, 2), {"pad": 3}), ((6, 1), {"pad": 2}))
# all but the last leave a remainder (ResNet's stem: 224 -> 112); round goes up on 7 / 2 and 5 / 3
UNEVEN_STRIDES = (((8, 3), {"stride": 2}), ((7, 2), {"stride": 3}), ((11, 3), {"pad": 1, "stride": 3}),
                  ((224, 7), {"pad": 3, "stride": 2}), ((9, 3), {"stride": 2}))
DILATION = (((7, 3), {"dilation": 2}), ((10, 3), {"pad": 2, "dilation": 2}), ((9, 3), {"stride": 2, "dilation": 3}), ((5, 2), {"dilation": 4}))
POOL_DEFAULT = (((4, 2), {}), ((9, 2), {}), ((9, 3), {}), ((5, 5), {}), ((10, 3), {}))
POOL_STRIDES = (((7, 3), {"stride": 2}), ((8, 3), {"stride": 2, "pad": 1}), ((9, 4), {"stride": 2, "pad": 2}),
                ((6, 3), {"stride": 1, "pad": 1}), ((11, 3), {"stride": 3, "pad": 1}))
TRANSPOSE_PLAIN = (((3, 3), {}), ((5, 2), {"pad": 1}), ((1, 4), {}), ((4, 3), {"pad": 1}))
TRANSPOSE_STRIDES = (((3, 3), {"stride": 2}), ((3, 3), {"pad": 1, "stride": 2, "output_padding": 1}), ((7, 4), {"pad": 1, "stride": 2}),
                     ((4, 5), {"pad": 3, "stride": 3, "output_padding": 2}), ((2, 1), {"stride": 4}))
LAYERS = (((3, 8, 3), {}), ((1, 1, 1), {"bias": False}), ((16, 4, 5), {"bias": False}), ((64, 128, 3), {"bias": True}))

SUITE = Suite("conv", (
    Case("conv_output_size, no padding, stride 1", 1, sizes_plan(CONV, fixed(*NO_PADDING)),
         about="floor((n + 2 pad - f) / stride) + 1", hints=SIZE_HINTS),
    Case("conv_output_size, padding", 1, sizes_plan(CONV, fixed(*PADDING)),
         about="'same' padding, pad 0, padding larger than the kernel", hints=SIZE_HINTS),
    Case("conv_output_size, a stride that does not divide", 1, sizes_plan(CONV, fixed(*UNEVEN_STRIDES)),
         about="floor, not ceil or round (and one stride that divides)", hints=SIZE_HINTS),
    Case("conv_output_size, dilation", 1, sizes_plan(CONV, fixed(*DILATION)),
         about="a dilated kernel spans dilation (f - 1) + 1 inputs", hints=SIZE_HINTS),
    Case("conv_output_size, random arguments", 2, sizes_plan(CONV, random_conv_sizes), visibility="hidden", hints=SIZE_HINTS),
    raising("the kernel is larger than the input", CONV, 4, 5, stride=2),  # int((4 - 5) / 2) + 1 = 1: floor, do not truncate
    raising("the dilated kernel does not fit", CONV, 6, 3, dilation=3),
    raising("the stride must be positive", CONV, 5, 3, stride=0),
    raising("pad must not be negative", CONV, 5, 3, pad=-1),
    raising("the kernel size must be an integer", CONV, 5, 2.5),
    # the arguments below fit the formula: a size >= 1 unless n, f and dilation are checked too
    raising("the input size must be positive", CONV, 0, 1, pad=1),  # the padded input holds the window: 2
    raising("the input size must be positive", CONV, -1, 1, pad=2),  # 3: checking n == 0 only is not enough
    raising("the kernel size must be positive", CONV, 5, -1),  # a span of -1: 7
    raising("the dilation must be positive", CONV, 5, 3, dilation=0),  # a span of 1: 5
    Case("pool_output_size, default stride", 1, sizes_plan(POOL, fixed(*POOL_DEFAULT)),
         about="stride = f by default: windows do not overlap", hints=POOL_HINTS),
    Case("pool_output_size, stride and padding", 1, sizes_plan(POOL, fixed(*POOL_STRIDES)),
         hints=POOL_HINTS),
    Case("pool_output_size, random arguments", 1, sizes_plan(POOL, random_pool_sizes), visibility="hidden", hints=POOL_HINTS),
    raising("pad must be at most f // 2", POOL, 5, 3, pad=2),
    raising("the window is larger than the input", POOL, 3, 4),
    Case("conv_transpose_output_size, stride 1", 1, sizes_plan(TRANSPOSE, fixed(*TRANSPOSE_PLAIN))),
    Case("conv_transpose_output_size, stride, padding and output_padding", 1, sizes_plan(TRANSPOSE, fixed(*TRANSPOSE_STRIDES))),
    Case("conv_transpose_output_size, random arguments", 1, sizes_plan(TRANSPOSE, random_transpose_sizes), visibility="hidden"),
    raising("output_padding must be below the stride", TRANSPOSE, 3, 3, stride=2, output_padding=2),
    raising("the output size is below 1", TRANSPOSE, 2, 2, pad=3),
    Case("conv_params", 1, sizes_plan("conv_params", fixed(*LAYERS))),
    raising("c_in must be a positive integer", "conv_params", 0, 3, 3),
    raising("the kernel size must be positive", "conv_params", 3, 8, 0),
    Case("conv_params, random layers", 1, sizes_plan("conv_params", random_params), visibility="hidden"),
    Case("conv_forward", 2, conv_forward_plan(CONV_FIXED), about="stride 1, pad 1, a 3 x 2 kernel", hints=(FLIPPED_KERNEL,)),
    Case("conv_forward, stride 2 that does not divide, pad 0", 2, conv_forward_plan(CONV_UNEVEN), hints=(FLIPPED_KERNEL,)),
    Case("conv_forward, random shapes", 2, conv_forward_plan(random_conv_shape), visibility="hidden", hints=(FLIPPED_KERNEL,)),
    Case("conv_forward, batch of 1, pad 0", 2, conv_forward_plan(batch_of_one_shape), visibility="hidden", hints=(FLIPPED_KERNEL,)),
    raising("the stride must be positive", "conv_forward", np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.zeros(1), stride=0),
    raising("the kernel is larger than the input", "conv_forward", np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), np.zeros(1)),
    *per_output(conv_backward_plan(CONV_FIXED), "conv_backward", BACKWARD_POINTS, hints=(CONV_DB_MEAN,)),
    *per_output(conv_backward_plan(CONV_UNEVEN), "conv_backward, stride 2 that does not divide, pad 0", BACKWARD_POINTS, hints=(CONV_DB_MEAN,)),
    *per_output(conv_backward_plan(random_conv_shape), "conv_backward, random shapes", BACKWARD_POINTS, visibility="hidden", hints=(CONV_DB_MEAN,)),
    *per_output(conv_backward_plan(batch_of_one_shape), "conv_backward, batch of 1, pad 0", BACKWARD_POINTS, visibility="hidden", hints=(CONV_DB_MEAN,)),
    Case("max_pool_forward, default pool and stride", 1, max_pool_forward_plan(POOL_FIXED), about="pool 2, stride 2, tied integer inputs"),
    Case("max_pool_forward, overlapping windows", 1, max_pool_forward_plan(POOL_OVERLAP)),
    Case("max_pool_forward, random shapes", 1, max_pool_forward_plan(random_pool_shape), visibility="hidden"),
    raising("the window is larger than the input", "max_pool_forward", np.ones((1, 1, 3, 3)), pool=4, stride=4),
    raising("the stride must be positive", "max_pool_forward", np.ones((1, 1, 4, 4)), stride=0),
    Case("max_pool_backward, tied maxima", 2, max_pool_backward_plan(POOL_FIXED), about="the gradient goes to the first maximum only", hints=TIES),
    Case("max_pool_backward, overlapping windows", 2, max_pool_backward_plan(POOL_OVERLAP), about="gradients of overlapping windows add up", hints=TIES),
    Case("max_pool_backward, random shapes", 2, max_pool_backward_plan(random_pool_shape), visibility="hidden", hints=TIES),
))
