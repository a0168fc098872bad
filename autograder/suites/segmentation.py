"""Graded cases for segmentation.py (assignment 10): upsampling, unpooling, the transposed convolution, IoU.

Upsampling is graded at scales 2 to 4 (at scale 1 a mean over a block is its sum and the
centre of a block its corner), on non-square inputs, and with a numpy integer as the scale
(np.int64 crosses the wire as a numpy scalar: an `isinstance(scale, int)` check rejects it).
Max pooling runs on integer-valued inputs where the first window of every case holds a tied
maximum (the index goes to the first maximum in row-major order); its values and its indices
are separate cases, so wrong indices cost the index points only. Unpooling is graded back to
the pooled shape and to a larger one (a last row or column the pooling dropped), and on
indices outside the plane (past its end, and -1, which numpy would silently wrap around).
The transposed convolution is graded with pad 0 and with padding, strides 1 to 3, non-square
kernels and C_in != C_out; each of its gradients is its own case. IoU is graded on maps with
a class in neither map (NaN, left out of the mean) and a class in one map only (0);
the shapes of the two maps must be identical, never broadcast.

Time: a correct submission written with plain Python loops (LOOPS in
tests/test_segmentation_grading.py) took at most 0.005 s for any case and 0.022 s for the
whole suite, over secret seeds 1 to 4 on the shared 2-core machine, against the default 10 s
per case; that test fails if any case takes 1 s.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Raises
from ..plan import Call, Plan
from ..suite import Case, Suite, distinct, draw, fixed, normal, per_output


def label(call: Call) -> str:
    """The call as the student would write it, arrays by their shape: 'pixel_accuracy(<array (3, 4)>, <array (4,)>)'."""
    def shown(value):
        return f"<array {value.shape}>" if isinstance(value, np.ndarray) else repr(value)
    arguments = [shown(a) for a in call.args] + [f"{key}={shown(value)}" for key, value in call.kwargs.items()]
    return f"{call.function}({', '.join(arguments)})"


def raising(why, build_call, hints=()) -> Case:
    """A case worth 0.5 whose one call, ``build_call(rng)``, the contract says must raise ValueError;
    its name shows the call."""
    def build(rng):
        call = build_call(rng)
        return Plan([call], {label(call): call.out})
    return Case(f"{label(build_call(np.random.default_rng(0)))} raises ValueError: {why}", 0.5, build, Raises(ValueError, why), hints=hints)


# -- 10.1 to 10.4 nearest and bed-of-nails upsampling ----------------------------------------

def random_upsampling(rng):
    """N in 1..3, C in 1..3, H != W in 1..5, a scale of 2 to 4."""
    height, width = distinct(rng, 1, 5)
    return (draw(rng, 1, 3), draw(rng, 1, 3), height, width), draw(rng, 2, 4)


def upsample_forward_plan(kind, configuration):
    def build(rng):
        shape, scale = configuration(rng)
        call = Call(f"{kind}_upsample_forward", normal(rng, *shape), scale)
        return Plan([call], {"out": call.out[0]})
    return build


def upsample_backward_plan(kind, configuration):
    def build(rng):
        (n, c, height, width), scale = configuration(rng)
        forward = Call(f"{kind}_upsample_forward", normal(rng, n, c, height, width), scale)
        backward = Call(f"{kind}_upsample_backward", normal(rng, n, c, height * scale, width * scale), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


def upsample_call(kind, scale):
    """The forward call on a fixed (1, 1, 2, 2) input with ``scale``, for the Raises cases."""
    return lambda rng: Call(f"{kind}_upsample_forward", np.arange(4.0).reshape(1, 1, 2, 2), scale)


# -- 10.5 to 10.7 max pooling with indices, max unpooling -------------------------------------

def tied(rng, shape):
    """Integers in {0, 1, 2}, and the first window of every plane holds its maximum twice:
    a 3 at (0, 0) and (0, 1), both in it since pool >= 2, above everything else."""
    x = rng.integers(0, 3, size=shape).astype(np.float64)
    x[:, :, 0, :2] = 3.0
    return x


def random_pool(rng):
    """N in 1..3, C in 1..3, a pool of 2 or 3, a stride of 2 or 3, H != W, windows that need not fit exactly."""
    pool, stride = draw(rng, 2, 3), draw(rng, 2, 3)
    height = pool + stride * draw(rng, 1, 3) + draw(rng, 0, stride - 1)
    width = pool + stride * draw(rng, 1, 3) + draw(rng, 0, stride - 1)
    if width == height:
        width += 1
    return (draw(rng, 1, 3), draw(rng, 1, 3), height, width), pool, stride


def pool_plan(configuration):
    def build(rng):
        shape, pool, stride = configuration(rng)
        options = {} if (pool, stride) == (2, 2) else {"pool": pool, "stride": stride}
        call = Call("max_pool_with_indices", tied(rng, shape), **options)
        return Plan([call], {"out": call.out[0], "indices": call.out[1]})
    return build


def window_indices(rng, n, c, height, width, output_size):
    """Flat indices h * W_out + w of one position in each 2 x 2 window of an output plane, as 2 x 2
    max pooling with stride 2 of an (output_size) plane gives: (N, C, height, width) int64.
    The last window's position is its bottom-right corner, the furthest into the plane that any
    index reaches: past the end of a 2 height x 2 width plane when W_out = 2 width + 1."""
    rows = 2 * np.arange(height)[:, None] + rng.integers(0, 2, size=(n, c, height, width))
    cols = 2 * np.arange(width)[None, :] + rng.integers(0, 2, size=(n, c, height, width))
    rows[..., -1, -1], cols[..., -1, -1] = 2 * height - 1, 2 * width - 1
    return (rows * output_size[1] + cols).astype(np.int64)


def random_unpool(rng):
    """A pooled shape (N, C, h, w) and an output size with one more column than 2w (the pooling
    dropped it), and 2h or 2h + 1 rows."""
    n, c, height, width = draw(rng, 1, 3), draw(rng, 1, 3), draw(rng, 1, 4), draw(rng, 1, 4)
    return (n, c, height, width), (2 * height + draw(rng, 0, 1), 2 * width + 1)


def unpool_forward_call(rng, shape, output_size):
    (n, c, height, width) = shape
    indices = window_indices(rng, n, c, height, width, output_size)
    return Call("max_unpool_forward", normal(rng, n, c, height, width), indices, output_size)


def unpool_forward_plan(configuration):
    def build(rng):
        call = unpool_forward_call(rng, *configuration(rng))
        return Plan([call], {"out": call.out[0]})
    return build


def unpool_backward_plan(configuration):
    def build(rng):
        (n, c, height, width), output_size = configuration(rng)
        forward = unpool_forward_call(rng, (n, c, height, width), output_size)
        backward = Call("max_unpool_backward", normal(rng, n, c, *output_size), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


def unpool_outside(index):
    """Unpooling a (1, 2, 2, 3) input into 4 x 6 planes, one index replaced by ``index``."""
    def build_call(rng):
        indices = window_indices(np.random.default_rng(7), 1, 2, 2, 3, (4, 6))
        indices[0, 1, 1, 2] = index
        return Call("max_unpool_forward", np.arange(1.0, 13.0).reshape(1, 2, 2, 3), indices, (4, 6))
    return build_call


# -- 10.8, 10.9 transposed convolution ------------------------------------------------------

def random_transposed(rng):
    """N in 2..3, C_in != C_out, a non-square kernel, a stride of 2 or 3 and pad 1 or 2, the output at least 2 x 2."""
    c_in, c_out = distinct(rng, 1, 4)
    hh, ww = distinct(rng, 2, 5)
    stride, pad = draw(rng, 2, 3), draw(rng, 1, 2)
    height, width = draw(rng, pad + 1, 4), draw(rng, pad + 1, 4)  # (H - 1) * stride >= 2 pad: the output is >= HH >= 2
    return (draw(rng, 2, 3), c_in, height, width), (c_out, hh, ww), stride, pad


def batch_of_one_transposed(rng):
    """N = 1, stride 1, pad 0 (slicing [pad:-pad] is empty there), H != W, C_in != C_out."""
    c_in, c_out = distinct(rng, 1, 3)
    height, width = distinct(rng, 1, 5)
    return (1, c_in, height, width), (c_out, draw(rng, 1, 3), draw(rng, 2, 3)), 1, 0


def transposed_inputs(rng, shape, kernel):
    (n, c_in, height, width), (c_out, hh, ww) = shape, kernel
    return normal(rng, n, c_in, height, width), normal(rng, c_in, c_out, hh, ww), normal(rng, c_out)


def transposed_size(size, kernel, stride, pad):
    return (size - 1) * stride - 2 * pad + kernel


def conv_transpose_forward_plan(configuration):
    def build(rng):
        shape, kernel, stride, pad = configuration(rng)
        call = Call("conv_transpose_forward", *transposed_inputs(rng, shape, kernel), stride=stride, pad=pad)
        return Plan([call], {"out": call.out[0]})
    return build


def conv_transpose_backward_plan(configuration):
    def build(rng):
        shape, kernel, stride, pad = configuration(rng)
        (n, _, height, width), (c_out, hh, ww) = shape, kernel
        forward = Call("conv_transpose_forward", *transposed_inputs(rng, shape, kernel), stride=stride, pad=pad)
        dout = normal(rng, n, c_out, transposed_size(height, hh, stride, pad), transposed_size(width, ww, stride, pad))
        backward = Call("conv_transpose_backward", dout, forward.out[1])
        return Plan([forward, backward], {"dx": backward.out[0], "dw": backward.out[1], "db": backward.out[2]})
    return build


# -- 10.10, 10.11 IoU and pixel accuracy ----------------------------------------------------

def every_class(rng):
    """Two (6, 7) maps of labels 0..3, every class in both."""
    pred, target = rng.integers(0, 4, size=(2, 6, 7))
    pred.flat[:4], target.flat[-4:] = range(4), range(4)
    return pred, target, 4


def absent_classes(rng):
    """Two (2, 3, 4) maps of 6 classes: class 1 in neither map (NaN), class 4 predicted only (0),
    class 5 in the target only (0); the others drawn at random."""
    pred, target = rng.choice([0, 2, 3], size=(2, 2, 3, 4))
    pred[0, 0, 0], target[1, 2, 3] = 4, 5
    return pred, target, 6


def random_absent(rng):
    """Random maps (N, H, W) of 4 to 6 classes, one class (not always the same) in neither map."""
    num_classes = draw(rng, 4, 6)
    gone = draw(rng, 0, num_classes - 1)
    present = [c for c in range(num_classes) if c != gone]
    pred, target = rng.choice(present, size=(2, draw(rng, 1, 3), draw(rng, 2, 6), draw(rng, 2, 6)))
    return pred, target, num_classes


def iou_plan(maps):
    def build(rng):
        call = Call("segmentation_iou", *maps(rng))
        return Plan([call], {"iou": call.out[0], "mean_iou": call.out[1]})
    return build


def accuracy_plan(maps):
    def build(rng):
        pred, target, _ = maps(rng)
        call = Call("pixel_accuracy", pred, target)
        return Plan([call], {"accuracy": call.out})
    return build


def labels(*shape):
    """A fixed map of labels in {0, 1, 2} of ``shape``, for the Raises cases."""
    return np.random.default_rng(11).integers(0, 3, size=shape)


def mismatched(function, pred_shape, target_shape, *extra):
    """``function`` called on label maps of two different shapes (and ``extra`` arguments)."""
    return lambda rng: Call(function, labels(*pred_shape), labels(*target_shape), *extra)


def outside(where, value):
    """segmentation_iou on (3, 4) maps of 3 classes with one label of ``where`` set to ``value``."""
    def build_call(rng):
        maps = {"pred": labels(3, 4), "target": labels(3, 4)}
        maps[where][2, 1] = value
        return Call("segmentation_iou", maps["pred"], maps["target"], 3)
    return build_call


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py).

def centre_forward(x, scale):
    """Bed of nails with each value at the centre of its block."""
    out = np.zeros((*x.shape[:2], x.shape[2] * scale, x.shape[3] * scale))
    out[:, :, scale // 2 :: scale, scale // 2 :: scale] = x
    return out, scale


def centre_backward(dout, cache):
    """The gradient read at the centre of each block, for centre_forward."""
    return dout[:, :, cache // 2 :: cache, cache // 2 :: cache]


def pool_windows(x, pool, stride):
    """Every window of x, flattened in row-major order, (N, C, H_out, W_out, pool * pool), and H_out, W_out."""
    view = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[:, :, ::stride, ::stride]
    return view.reshape(*view.shape[:4], pool * pool), view.shape[2], view.shape[3]


def pool_at(x, pool, stride, position, flat):
    """max pooling whose indices are ``flat(rows, cols, window position, width)`` of the
    maximum ``position(windows)`` picks (an index into the flattened window)."""
    windows, out_h, out_w = pool_windows(x, pool, stride)
    chosen = position(windows)
    rows = stride * np.arange(out_h)[:, None] + chosen // pool
    cols = stride * np.arange(out_w)[None, :] + chosen % pool
    return windows.max(axis=-1), flat(rows, cols, chosen, x.shape[3]).astype(np.int64)


def per_window_pool(x, pool=2, stride=2):
    """Indices within each window (0 .. pool * pool - 1) instead of within the plane."""
    return pool_at(x, pool, stride, lambda windows: np.argmax(windows, axis=-1), lambda rows, cols, chosen, width: chosen)


def last_maximum_pool(x, pool=2, stride=2):
    """Ties go to the last maximum in row-major order."""
    size = pool * pool
    return pool_at(x, pool, stride, lambda windows: size - 1 - np.argmax(windows[..., ::-1], axis=-1),
                   lambda rows, cols, chosen, width: rows * width + cols)


def pad_added_forward(x, w, b, stride=1, pad=0):
    """A transposed convolution that pads its output with `pad` zeros instead of cropping `pad` from it."""
    n, _, height, width = x.shape
    _, c_out, hh, ww = w.shape
    out = np.zeros((n, c_out, (height - 1) * stride + hh, (width - 1) * stride + ww))
    for i in range(height):
        for j in range(width):
            out[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww] += np.einsum("nc,cokl->nokl", x[:, :, i, j], w)
    return np.pad(out, ((0, 0), (0, 0), (pad, pad), (pad, pad))) + b[None, :, None, None], None


def iou_nan_as_zero(pred, target, num_classes):
    """IoU whose mean counts a class in neither map as 0."""
    iou = np.array([np.sum((pred == c) & (target == c)) / max(1, np.sum((pred == c) | (target == c))) for c in range(num_classes)])
    iou[[not np.any((pred == c) | (target == c)) for c in range(num_classes)]] = np.nan
    return iou, float(np.nan_to_num(iou).mean())


def broadcast_accuracy(outputs, plan) -> bool:
    """The student's pixel_accuracy returned the broadcast comparison's mean."""
    call = plan.calls[-1]
    (value,) = outputs.values()
    return isinstance(value, (float, np.floating)) and float(value) == float(np.mean(call.args[0] == call.args[1]))


def upsampling_scale(plan) -> int:
    """The scale of the plan's first call (the forward pass)."""
    return plan.calls[0].args[1]


NEAREST_MEAN = Hint(
    "nearest backward averaged", "Your dx is the mean of dout over each block; the input value was copied to every "
    "position of its block, so its gradient is the sum of those positions' gradients.",
    wrong=lambda e, plan: {"dx": e["dx"] / upsampling_scale(plan) ** 2})
BED_CENTRE = Hint(
    "bed of nails at the block centre", "Your values sit at the centre of each scale x scale block; bed of nails puts "
    "x[i, j] at its top-left corner, out[i * scale, j * scale], and zeros elsewhere.",
    replace={"bed_of_nails_upsample_forward": centre_forward, "bed_of_nails_upsample_backward": centre_backward})
PER_WINDOW = Hint(
    "indices within the window", "Your indices count positions within each pooling window; they are flat positions "
    "h * W + w in the whole input plane, so that unpooling can put each maximum back where it was.",
    replace={"max_pool_with_indices": per_window_pool})
LAST_MAXIMUM = Hint(
    "ties to the last maximum", "Your indices point at the last of tied maxima; the first maximum in row-major order "
    "wins (np.argmax, PyTorch), and a strict > keeps it.", replace={"max_pool_with_indices": last_maximum_pool})
PAD_ADDED = Hint(
    "transposed convolution padding added", "Your out is larger by 2 pad along H and W: the pad of a transposed "
    "convolution is the padding of the convolution it transposes, so it is removed from each side of the output, "
    "not added.", replace={"conv_transpose_forward": pad_added_forward})
DW_TRANSPOSED = Hint(
    "dw with C_in and C_out swapped", "Your dw has its first two axes swapped: the transposed convolution stores "
    "its weights as (C_in, C_out, HH, WW), the other way round from a convolution's (F, C, HH, WW).",
    wrong=lambda e, plan: {"dw": e["dw"].transpose(1, 0, 2, 3)})
IOU_NAN_ZERO = Hint(
    "absent class counted as 0", "Your mean_iou counts a class that is in neither map as an IoU of 0; its IoU is 0 / 0, "
    "undefined (NaN), and the mean is over the classes that appear.", replace={"segmentation_iou": iou_nan_as_zero})
BROADCAST = Hint(
    "label maps broadcast", "Your pixel_accuracy compared maps of different shapes by broadcasting; a prediction "
    "must label exactly the target's pixels: raise ValueError unless the shapes are identical.", test=broadcast_accuracy)

SCALE_2 = fixed((2, 3, 3, 4), 2)
SCALE_3 = fixed((1, 2, 2, 5), 3)  # non-square, one example
NUMPY_SCALE = fixed((2, 1, 3, 2), np.int64(2))
POOL_FIXED = fixed((2, 3, 4, 6), 2, 2)
POOL_OVERLAP = fixed((1, 2, 7, 6), 3, 2)  # windows overlap; W: 3 / 2 does not divide
UNPOOL_POOLED = fixed((2, 3, 2, 3), (4, 6))
UNPOOL_LARGER = fixed((2, 2, 3, 2), (7, 5))  # 7 x 5 pooled 2 x 2 gives 3 x 2: a row and a column dropped
TRANSPOSED_PLAIN = fixed((2, 3, 3, 4), (2, 3, 2), 1, 0)
TRANSPOSED_STRIDED = fixed((2, 2, 3, 2), (3, 3, 4), 2, 1)
BACKWARD_POINTS = {"dx": 2, "dw": 2, "db": 1}
POOL_POINTS = {"out": 1, "indices": 2}
IOU_POINTS = {"iou": 1, "mean_iou": 1}
BED_HINTS = (BED_CENTRE,)
INDEX_HINTS = (PER_WINDOW, LAST_MAXIMUM)

SUITE = Suite("segmentation", (
    Case("nearest_upsample_forward, scale 2", 1, upsample_forward_plan("nearest", SCALE_2), about="each value copied to a 2 x 2 block"),
    Case("nearest_upsample_forward, scale 3, non-square", 1, upsample_forward_plan("nearest", SCALE_3)),
    Case("nearest_upsample_forward, scale 1 (the lower limit)", 0.5, upsample_forward_plan("nearest", fixed((2, 2, 3, 4), 1)), visibility="hidden", about="a copy of x"),
    Case("nearest_upsample_forward, scale a numpy integer", 0.5, upsample_forward_plan("nearest", NUMPY_SCALE), about="np.int64(2) is an integer"),
    Case("nearest_upsample_forward, random shapes and scales", 1, upsample_forward_plan("nearest", random_upsampling), visibility="hidden"),
    raising("not an integer", upsample_call("nearest", 1.5)),
    raising("the scale must be positive", upsample_call("nearest", 0)),
    raising("a bool is not a scale", upsample_call("nearest", True)),
    Case("nearest_upsample_backward, scale 2", 2, upsample_backward_plan("nearest", SCALE_2), about="the sum over each block", hints=(NEAREST_MEAN,)),
    Case("nearest_upsample_backward, scale 3, non-square", 1, upsample_backward_plan("nearest", SCALE_3), hints=(NEAREST_MEAN,)),
    Case("nearest_upsample_backward, random shapes and scales", 2, upsample_backward_plan("nearest", random_upsampling), visibility="hidden", hints=(NEAREST_MEAN,)),
    Case("bed_of_nails_upsample_forward, scale 2", 1, upsample_forward_plan("bed_of_nails", SCALE_2), about="each value at its block's top-left corner", hints=BED_HINTS),
    Case("bed_of_nails_upsample_forward, scale 3, non-square", 1, upsample_forward_plan("bed_of_nails", SCALE_3), hints=BED_HINTS),
    Case("bed_of_nails_upsample_forward, scale 1 (the lower limit)", 0.5, upsample_forward_plan("bed_of_nails", fixed((2, 2, 3, 4), 1)), visibility="hidden", about="a copy of x"),
    Case("bed_of_nails_upsample_forward, scale a numpy integer", 0.5, upsample_forward_plan("bed_of_nails", NUMPY_SCALE), hints=BED_HINTS),
    Case("bed_of_nails_upsample_forward, random shapes and scales", 1, upsample_forward_plan("bed_of_nails", random_upsampling), visibility="hidden", hints=BED_HINTS),
    raising("not an integer, even if whole", upsample_call("bed_of_nails", 2.0)),
    raising("the scale must be positive", upsample_call("bed_of_nails", -2)),
    Case("bed_of_nails_upsample_backward, scale 2", 1, upsample_backward_plan("bed_of_nails", SCALE_2), hints=BED_HINTS),
    Case("bed_of_nails_upsample_backward, random shapes and scales", 1, upsample_backward_plan("bed_of_nails", random_upsampling), visibility="hidden", hints=BED_HINTS),
    *per_output(pool_plan(POOL_FIXED), "max_pool_with_indices, default pool and stride", POOL_POINTS, about="tied integer inputs", hints=INDEX_HINTS),
    *per_output(pool_plan(POOL_OVERLAP), "max_pool_with_indices, overlapping windows", POOL_POINTS, hints=INDEX_HINTS),
    *per_output(pool_plan(random_pool), "max_pool_with_indices, random shapes", POOL_POINTS, visibility="hidden", hints=INDEX_HINTS),
    Case("max_unpool_forward, back to the pooled shape", 1, unpool_forward_plan(UNPOOL_POOLED)),
    Case("max_unpool_forward, to a larger output size", 1, unpool_forward_plan(UNPOOL_LARGER), about="output_size 7 x 5 from 3 x 2"),
    Case("max_unpool_forward, random shapes, larger output sizes", 1, unpool_forward_plan(random_unpool), visibility="hidden"),
    raising("an index past the end of the plane", unpool_outside(24)),
    raising("a negative index", unpool_outside(-1)),
    Case("max_unpool_backward, to a larger output size", 2, unpool_backward_plan(UNPOOL_LARGER)),
    Case("max_unpool_backward, random shapes, larger output sizes", 2, unpool_backward_plan(random_unpool), visibility="hidden"),
    Case("conv_transpose_forward, stride 1, pad 0", 2, conv_transpose_forward_plan(TRANSPOSED_PLAIN), about="w is (C_in, C_out, HH, WW)", hints=(PAD_ADDED,)),
    Case("conv_transpose_forward, stride 2, pad 1", 2, conv_transpose_forward_plan(TRANSPOSED_STRIDED), about="pad is removed from the output", hints=(PAD_ADDED,)),
    Case("conv_transpose_forward, random shapes, strides and paddings", 2, conv_transpose_forward_plan(random_transposed), visibility="hidden", hints=(PAD_ADDED,)),
    Case("conv_transpose_forward, batch of 1, pad 0", 1, conv_transpose_forward_plan(batch_of_one_transposed), visibility="hidden", hints=(PAD_ADDED,)),
    # (2 - 1) * 1 + 2 - 2 * 1 = 1: the smallest output allowed; one more pad removes it all
    Case("conv_transpose_forward, an output of 1 x 1 (the limit)", 1, conv_transpose_forward_plan(fixed((2, 2, 2, 2), (3, 2, 2), 1, 1)), hints=(PAD_ADDED,)),
    raising("the padding removes the whole output", lambda rng: Call("conv_transpose_forward", np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), np.zeros(1), pad=2)),
    *per_output(conv_transpose_backward_plan(TRANSPOSED_PLAIN), "conv_transpose_backward, stride 1, pad 0", BACKWARD_POINTS, hints=(DW_TRANSPOSED,)),
    *per_output(conv_transpose_backward_plan(TRANSPOSED_STRIDED), "conv_transpose_backward, stride 2, pad 1", BACKWARD_POINTS, hints=(DW_TRANSPOSED,)),
    *per_output(conv_transpose_backward_plan(random_transposed), "conv_transpose_backward, random shapes, strides and paddings", BACKWARD_POINTS,
                visibility="hidden", hints=(DW_TRANSPOSED,)),
    *per_output(conv_transpose_backward_plan(batch_of_one_transposed), "conv_transpose_backward, batch of 1, pad 0", BACKWARD_POINTS,
                visibility="hidden", hints=(DW_TRANSPOSED,)),
    *per_output(iou_plan(every_class), "segmentation_iou, every class present", IOU_POINTS),
    *per_output(iou_plan(absent_classes), "segmentation_iou, a class in neither map", IOU_POINTS, about="NaN, left out of the mean",
                hints=(IOU_NAN_ZERO,)),
    *per_output(iou_plan(random_absent), "segmentation_iou, random maps with a class in neither", IOU_POINTS, visibility="hidden",
                hints=(IOU_NAN_ZERO,)),
    raising("the shapes differ (no broadcasting)", mismatched("segmentation_iou", (4, 5), (1, 5), 3)),
    raising("a label equal to num_classes", outside("target", 3)),
    raising("a negative label", outside("pred", -1)),
    Case("pixel_accuracy", 1, accuracy_plan(every_class)),
    Case("pixel_accuracy, random maps", 1, accuracy_plan(random_absent), visibility="hidden"),
    raising("the shapes differ (no broadcasting)", mismatched("pixel_accuracy", (2, 3, 4), (3, 4)), hints=(BROADCAST,)),
    # the same number of pixels in another shape: comparing sizes, or ravel()-ing both, is not enough
    raising("the shapes differ, not the sizes", mismatched("pixel_accuracy", (3, 4), (4, 3))),
))
