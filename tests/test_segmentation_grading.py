"""The segmentation suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/segmentation.py (each replaced text occurs
exactly once); each must fail exactly the cases that see its bug, on two secret seeds, and keep
every other point. A correct but differently written submission (plain Python loops) scores
full marks. The misconception hints fire on exactly their mistake and nowhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.judge import Compare, Mismatch, compare
from autograder.suites import segmentation as suite
from autograder.suites.segmentation import SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failing, hinted, message, mutated, reference_source, replaced, stub_source

pytestmark = pytest.mark.segmentation

REFERENCE = reference_source("segmentation")
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, but=()) -> set:
    """Names of the cases starting with any of ``prefixes``, except those in ``but``."""
    return {name for name in ALL_CASES if name.startswith(prefixes)} - set(but)


def raises(function: str, why: str) -> str:
    """The name of ``function``'s Raises case whose reason is ``why``."""
    (name,) = [name for name in ALL_CASES if name.startswith(f"{function}(") and name.endswith(f"raises ValueError: {why}")]
    return name


NEAREST_BACKWARD = cases("nearest_upsample_backward")
# at scale 1 a block is one pixel: its centre is its corner, so the scale-1 case sees no placement mistake
BED_OF_NAILS = cases("bed_of_nails_upsample_forward, ", "bed_of_nails_upsample_backward", but={"bed_of_nails_upsample_forward, scale 1 (the lower limit)"})
INDICES = {name for name in cases("max_pool_with_indices") if name.endswith(": indices")}
UNPOOL_LARGER = cases("max_unpool_forward, to", "max_unpool_forward, random", "max_unpool_backward")
PADDED_FORWARD = {"conv_transpose_forward, stride 2, pad 1", "conv_transpose_forward, random shapes, strides and paddings",
                  "conv_transpose_forward, an output of 1 x 1 (the limit)"}
DW = {name for name in cases("conv_transpose_backward") if name.endswith(": dw")}
IOU_ABSENT = cases("segmentation_iou, a class", "segmentation_iou, random")
MEAN_IOU_ABSENT = {"segmentation_iou, a class in neither map: mean_iou", "segmentation_iou, random maps with a class in neither: mean_iou"}
ACCURACY_SHAPES = raises("pixel_accuracy", "the shapes differ (no broadcasting)")
NUMPY_SCALE = "nearest_upsample_forward, scale a numpy integer"
NEAREST_SCALES = {raises("nearest_upsample_forward", why) for why in ("not an integer", "the scale must be positive", "a bool is not a scale")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of segmentation.py with that source; cached per module."""
    return Grades("segmentation", tmp_path_factory.mktemp("segmentation"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/segmentation.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/segmentation.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["segmentation"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet (task 10." in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

NEAREST_SUM = ("return blocks.sum(axis=(3, 5))", "return blocks.mean(axis=(3, 5))")
CORNER_FORWARD = ("out[:, :, ::scale, ::scale] = x", "out[:, :, scale // 2 :: scale, scale // 2 :: scale] = x")
CORNER_BACKWARD = ("[:, :, ::scale, ::scale])", "[:, :, scale // 2 :: scale, scale // 2 :: scale])")
PER_WINDOW = ("return out, (rows * width + cols).astype(np.int64)", "return out, first.astype(np.int64)")
LAST_MAXIMUM = ("first = np.argmax(windows, axis=-1)", "first = pool * pool - 1 - np.argmax(windows[..., ::-1], axis=-1)")
PAD_ADDED = ("out = out_full[:, :, pad : full_h - pad, pad : full_w - pad]", "out = np.pad(out_full, ((0, 0), (0, 0), (pad, pad), (pad, pad)))")
DW_TRANSPOSED = ("return dx, dw, dout.sum(axis=(0, 2, 3))", "return dx, dw.transpose(1, 0, 2, 3), dout.sum(axis=(0, 2, 3))")
NAN_AS_ZERO = ("present = iou[~np.isnan(iou)]", "present = np.nan_to_num(iou)")
BROADCASTING = ("pred, target = _labels(pred, target)\n", "pred, target = np.asarray(pred), np.asarray(target)\n")
NEAREST_SCALE = ('    scale = _integer("scale", scale, 1)\n    x = np.asarray(x, dtype=np.float64)\n    return x.repeat',
                 '    scale = _integer("scale", scale, 1) if type(scale) is int else _integer("scale", None, 1)\n'
                 '    x = np.asarray(x, dtype=np.float64)\n    return x.repeat')
NEAREST_UNCHECKED = ('    scale = _integer("scale", scale, 1)\n    x = np.asarray(x, dtype=np.float64)\n    return x.repeat',
                     '    x = np.asarray(x, dtype=np.float64)\n    return x.repeat')
OUTPUT_SIZE_IGNORED = ("out_h, out_w = (_integer(\"output_size\", size, 1) for size in output_size)", "out_h, out_w = 2 * x.shape[2], 2 * x.shape[3]")
NEGATIVE_INDEX = ("indices.min() < 0 or indices.max() >= out_h * out_w", "indices.max() >= out_h * out_w")
MASKS_UNCHECKED = replaced('''
def segmentation_iou(pred, target, num_classes):
    pred, target = _labels(pred, target)
    iou = np.full(num_classes, np.nan)
    for c in range(num_classes):
        union = np.sum((pred == c) | (target == c))
        if union:
            iou[c] = np.sum((pred == c) & (target == c)) / union
    return iou, float(np.nanmean(iou))
''', REFERENCE)

MUTATIONS = [
    pytest.param([NEAREST_SUM], NEAREST_BACKWARD, id="nearest-backward-averaged"),
    pytest.param([CORNER_FORWARD, CORNER_BACKWARD], BED_OF_NAILS, id="bed-of-nails-at-the-block-centre"),
    # the wrong plane raises ValueError on the indices past its end (every larger case has one),
    # so the backward cases, which need the student's own forward pass, go too
    pytest.param([OUTPUT_SIZE_IGNORED], UNPOOL_LARGER, id="unpool-ignores-output_size"),
    pytest.param([PER_WINDOW], INDICES, id="indices-per-window"),
    pytest.param([LAST_MAXIMUM], INDICES, id="ties-to-the-last-maximum"),
    # the backward pass puts the cached pad back: only the padded forward cases see it
    pytest.param([PAD_ADDED], PADDED_FORWARD, id="transposed-convolution-adds-the-padding"),
    pytest.param([("out_full[:, :, pad : full_h - pad, pad : full_w - pad]", "out_full[:, :, pad:-pad, pad:-pad]")],
                 {"conv_transpose_forward, stride 1, pad 0", "conv_transpose_forward, batch of 1, pad 0"}, id="sliced-pad-to-minus-pad"),
    pytest.param([DW_TRANSPOSED], DW, id="dw-transposed-in-C_in-C_out"),
    pytest.param([NAN_AS_ZERO], MEAN_IOU_ABSENT, id="iou-nan-counted-as-0-in-the-mean"),
    pytest.param([("iou = both / either", "iou = both / np.maximum(either, 1)")], IOU_ABSENT, id="iou-0-instead-of-nan"),
    pytest.param([BROADCASTING], {ACCURACY_SHAPES}, id="pixel-accuracy-broadcasts"),
    # np.int64 reaches the worker as a numpy integer: `type(scale) is int` rejects it
    pytest.param([NEAREST_SCALE], {NUMPY_SCALE}, id="numpy-integer-scale-rejected"),
    # repeat(1.5) raises TypeError, repeat(0) returns an empty array, repeat(True) repeats once
    pytest.param([NEAREST_UNCHECKED], NEAREST_SCALES, id="scale-not-validated"),
    pytest.param([NEGATIVE_INDEX], {raises("max_unpool_forward", "a negative index")}, id="unpool-wraps-index-minus-1"),
    # class masks never look at a label outside range(num_classes): it is silently ignored
    pytest.param(MASKS_UNCHECKED, {raises("segmentation_iou", why) for why in ("a label equal to num_classes", "a negative label")},
                 id="labels-not-checked"),
]


@pytest.mark.parametrize("replacements, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, replacements, expected):
    """A one-bug submission (replacements, or a source with one function rewritten) fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    source = replacements if isinstance(replacements, str) else mutated(REFERENCE, *replacements)
    assert_fails_exactly(graded, source, expected, SEEDS)


def test_an_averaged_nearest_backward_is_told_where_it_is_wrong(graded):
    """The message names dx, the relative error and an index; the hint names the mistake."""
    text = message(graded(mutated(REFERENCE, NEAREST_SUM), SEEDS[0]), "nearest_upsample_backward, scale 2")
    assert text.startswith("dx is wrong in 72 of 72 entries: largest relative error 0.6 (tolerance 1e-06)")
    assert text.endswith("so its gradient is the sum of those positions' gradients.")


def test_a_missing_shape_check_says_it_should_raise(graded):
    """pixel_accuracy that broadcasts returned a number: the message shows the call and the error expected."""
    text = message(graded(mutated(REFERENCE, BROADCASTING), SEEDS[0]), ACCURACY_SHAPES)
    assert text.startswith("pixel_accuracy(<int64 array (2, 3, 4)>, <int64 array (3, 4)>) returned 0.58")
    assert "; expected ValueError: the shapes differ (no broadcasting).\nHint: Your pixel_accuracy compared maps of different shapes by broadcasting" in text


def test_nan_is_judged_equal_to_nan_and_unequal_to_0():
    """An iou with NaN where the reference has NaN passes the judge; 0 in its place fails, with its index."""
    expected = np.array([0.5, np.nan, 0.25])
    compare("iou", np.array([0.5, np.nan, 0.25]), expected, 1e-6)
    with pytest.raises(Mismatch, match=r"^iou is wrong in 1 of 3 entries: largest relative error inf .* at index \(1,\), expected nan, got 0\."):
        compare("iou", np.array([0.5, 0.0, 0.25]), expected, 1e-6)


def test_numpy_integer_scales_cross_the_wire_as_numpy_integers():
    """The plan's np.int64 scale is decoded as np.int64 (not a Python int) on the worker's side of the wire."""
    for name in (NUMPY_SCALE, "bed_of_nails_upsample_forward, scale a numpy integer"):
        (case,) = [case for case in SUITE.cases if case.name == name]
        plan = wire.copied(case.build(case.rng(SEEDS[0])))
        assert type(plan.calls[0].args[1]) is np.int64


# -- 3. correct but differently written submissions score full marks ------------------------

LOOPS = '''
"""Correct and deliberately plain: Python loops, operator.index for the integers."""
import operator

import numpy as np


def _positive(name, value):
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} cannot be a bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer") from None
    if value < 1:
        raise ValueError(f"{name} must be positive")
    return value


def nearest_upsample_forward(x, scale):
    s = _positive("scale", scale)
    N, C, H, W = x.shape
    out = np.empty((N, C, H * s, W * s))
    for i in range(H * s):
        for j in range(W * s):
            out[:, :, i, j] = x[:, :, i // s, j // s]
    return out, {"s": s, "shape": x.shape}


def nearest_upsample_backward(dout, cache):
    s = cache["s"]
    dx = np.zeros(cache["shape"])
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i // s, j // s] += dout[:, :, i, j]
    return dx


def bed_of_nails_upsample_forward(x, scale):
    s = _positive("scale", scale)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H * s, W * s))
    for i in range(H):
        for j in range(W):
            out[:, :, i * s, j * s] = x[:, :, i, j]
    return out, (s, x.shape)


def bed_of_nails_upsample_backward(dout, cache):
    s, shape = cache
    dx = np.zeros(shape)
    for i in range(shape[2]):
        for j in range(shape[3]):
            dx[:, :, i, j] = dout[:, :, i * s, j * s]
    return dx


def max_pool_with_indices(x, pool=2, stride=2):
    pool, stride = _positive("pool", pool), _positive("stride", stride)
    N, C, H, W = x.shape
    if pool > H or pool > W:
        raise ValueError("window larger than the input")
    H_out, W_out = (H - pool) // stride + 1, (W - pool) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    indices = np.zeros((N, C, H_out, W_out), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best = None
                    for di in range(pool):
                        for dj in range(pool):
                            h, w = i * stride + di, j * stride + dj
                            if best is None or x[n, c, h, w] > best:  # strictly greater: the first maximum stays
                                best, indices[n, c, i, j] = x[n, c, h, w], h * W + w
                    out[n, c, i, j] = best
    return out, indices


def max_unpool_forward(x, indices, output_size):
    H_out, W_out = output_size
    N, C, H, W = x.shape
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    k = int(indices[n, c, i, j])
                    if not 0 <= k < H_out * W_out:
                        raise ValueError(f"index {k} outside the {H_out} x {W_out} plane")
                    out[n, c, k // W_out, k % W_out] = x[n, c, i, j]
    return out, (indices, W_out)


def max_unpool_backward(dout, cache):
    indices, W_out = cache
    dx = np.zeros(indices.shape)
    for n, c, i, j in np.ndindex(*indices.shape):
        k = int(indices[n, c, i, j])
        dx[n, c, i, j] = dout[n, c, k // W_out, k % W_out]
    return dx


def conv_transpose_forward(x, w, b, stride=1, pad=0):
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    full = np.zeros((N, C_out, (H - 1) * stride + HH, (W - 1) * stride + WW))
    if min(full.shape[2:]) - 2 * pad < 1:
        raise ValueError("the padding removes the whole output")
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    full[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += x[n, c, i, j] * w[c]
    out = full[:, :, pad : full.shape[2] - pad, pad : full.shape[3] - pad] + b.reshape(1, -1, 1, 1)
    return out, (x, w, stride, pad)


def conv_transpose_backward(dout, cache):
    x, w, stride, pad = cache
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    full = np.zeros((N, C_out, dout.shape[2] + 2 * pad, dout.shape[3] + 2 * pad))
    full[:, :, pad : pad + dout.shape[2], pad : pad + dout.shape[3]] = dout
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    patch = full[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    dx[n, c, i, j] = np.sum(patch * w[c])
                    dw[c] += x[n, c, i, j] * patch
    db = np.array([dout[:, o].sum() for o in range(C_out)])
    return dx, dw, db


def _same_shape(pred, target):
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError("pred and target must have the same shape")
    return pred.ravel().tolist(), target.ravel().tolist()


def segmentation_iou(pred, target, num_classes):
    pred, target = _same_shape(pred, target)
    if any(not 0 <= label < num_classes for label in pred + target):
        raise ValueError("label outside [0, num_classes)")
    iou = np.full(num_classes, np.nan)
    for c in range(num_classes):
        both = sum(1 for p, q in zip(pred, target) if p == c and q == c)
        either = sum(1 for p, q in zip(pred, target) if p == c or q == c)
        if either:
            iou[c] = both / either
    seen = [value for value in iou if not np.isnan(value)]
    return iou, sum(seen) / len(seen)


def pixel_accuracy(pred, target):
    pred, target = _same_shape(pred, target)
    return sum(p == q for p, q in zip(pred, target)) / len(pred)
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """A correct submission written with plain loops and operator.index passes every case, and stays fast."""
    result = graded(LOOPS, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert max(case.student_seconds for case in result.cases) < 1.0


# -- 4. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_function_has_visible_and_hidden_cases():
    """Each of the eleven functions is graded on public inputs and on fresh hidden ones."""
    for function in ("nearest_upsample_forward", "nearest_upsample_backward", "bed_of_nails_upsample_forward",
                     "bed_of_nails_upsample_backward", "max_pool_with_indices", "max_unpool_forward", "max_unpool_backward",
                     "conv_transpose_forward", "conv_transpose_backward", "segmentation_iou", "pixel_accuracy"):
        kinds = {case.visibility for case in SUITE.cases if function in case.build(case.rng(SEEDS[0])).functions[-1:]}
        assert kinds == {"visible", "hidden"}, function


def test_every_iou_case_with_an_absent_class_has_a_nan():
    """The cases about a class in neither map really have one, whatever the seed; the others have none."""
    for case in SUITE.cases:
        if case.name.startswith("segmentation_iou,"):
            for seed in (1, 2, 3, 4, 5):
                pred, target, num_classes = case.build(case.rng(seed)).calls[0].args
                absent = set(range(num_classes)) - set(pred.ravel()) - set(target.ravel())
                assert bool(absent) == ("neither" in case.name), case.name


# -- 5. misconception hints ------------------------------------------------------------------

HINTED_MISTAKES = [
    (suite.NEAREST_MEAN, mutated(REFERENCE, NEAREST_SUM), NEAREST_BACKWARD),
    (suite.BED_CENTRE, mutated(REFERENCE, CORNER_FORWARD, CORNER_BACKWARD), BED_OF_NAILS),
    (suite.PER_WINDOW, mutated(REFERENCE, PER_WINDOW), INDICES),
    (suite.LAST_MAXIMUM, mutated(REFERENCE, LAST_MAXIMUM), INDICES),
    (suite.PAD_ADDED, mutated(REFERENCE, PAD_ADDED), PADDED_FORWARD),
    (suite.DW_TRANSPOSED, mutated(REFERENCE, DW_TRANSPOSED), DW),
    (suite.IOU_NAN_ZERO, mutated(REFERENCE, NAN_AS_ZERO), MEAN_IOU_ABSENT),
    (suite.BROADCAST, mutated(REFERENCE, BROADCASTING), {ACCURACY_SHAPES}),
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
    """Each hint declared in the segmentation suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {hint.name for hint, _, _ in HINTED_MISTAKES}
    assert len(declared) >= 5


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(stub_source("segmentation"), id="stubs"),
    pytest.param(LOOPS, id="alternative"),
    pytest.param(mutated(REFERENCE, ("return blocks.sum(axis=(3, 5))", "return blocks[:, :, :, 0, :, 0]")), id="nearest-backward-top-left-only"),
    pytest.param(mutated(REFERENCE, OUTPUT_SIZE_IGNORED), id="unpool-ignores-output_size"),
    pytest.param(mutated(REFERENCE, ("dx += np.einsum", "dx -= np.einsum")), id="dx-sign-flipped"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    for seed in SEEDS:
        assert hinted(graded(source, seed)) == {}


@pytest.mark.hints
def test_an_average_over_a_one_by_one_block_is_not_called_an_average():
    """At scale 1 the averaged dx equals the summed one: the hint is not offered there, only for a scale > 1."""
    solution = reference("segmentation")
    for scale, offered in ((1, None), (2, suite.NEAREST_MEAN)):
        plan = suite.upsample_backward_plan("nearest", suite.fixed((2, 3, 3, 4), scale))(np.random.default_rng(5))
        dout = plan.calls[1].args[0]
        right = dout.reshape(2, 3, 3, scale, 4, scale).sum(axis=(3, 5))
        student = {"dx": right / scale**2}  # the averaged dx: at scale 1, the right one
        assert diagnose((suite.NEAREST_MEAN,), student, {"dx": right}, plan, solution, Compare()) == offered
