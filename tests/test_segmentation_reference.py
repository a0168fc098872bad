"""The segmentation reference proven against independent oracles: PyTorch and brute-force loops.

Forward passes are compared with torch.nn.functional (interpolate, max_pool2d with
return_indices, max_unpool2d, conv_transpose2d; bed of nails as a transposed convolution
with a one-hot kernel), float64, rtol 1e-10; every backward pass with autograd and, for the
transposed convolution, with central differences. The transposed convolution is shown to be
the adjoint of the conv assignment's convolution. IoU and pixel accuracy are compared with
plain loops over the pixels. The last tests check that the stub has the reference's API.
"""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, t

pytestmark = pytest.mark.segmentation

ROOT = Path(__file__).parents[1]

# SPEC order; task 10.k is the k-th name
SPEC_FUNCTIONS = [
    "nearest_upsample_forward",
    "nearest_upsample_backward",
    "bed_of_nails_upsample_forward",
    "bed_of_nails_upsample_backward",
    "max_pool_with_indices",
    "max_unpool_forward",
    "max_unpool_backward",
    "conv_transpose_forward",
    "conv_transpose_backward",
    "segmentation_iou",
    "pixel_accuracy",
]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "segmentation.py", "reference_segmentation")
stub = load(ROOT / "assignments" / "segmentation.py", "stub_segmentation")
conv = load(ROOT / "solutions" / "conv.py", "reference_conv_for_segmentation")


def autograd(forward, inputs, dout):
    """The gradients of sum(forward(*inputs) * dout) with respect to each input, as numpy arrays."""
    tensors = [t(a, grad=True) for a in inputs]
    (forward(*tensors) * t(dout)).sum().backward()
    return [tensor.grad.numpy() for tensor in tensors]


def numerical_gradient(f, x, dout, h=1e-6):
    """Central differences of sum(f(x) * dout) with respect to x (x is changed and restored)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = np.sum(f(x) * dout)
        x[index] = saved - h
        minus = np.sum(f(x) * dout)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2026)


shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5))
scales = st.integers(1, 4)
seeds = st.integers(0, 2**32 - 1)


# --- 10.1 to 10.4 nearest and bed-of-nails upsampling ------------------------------------

@settings(max_examples=40, deadline=None)
@given(shape=shapes, scale=scales, seed=seeds)
def test_nearest_upsampling_matches_interpolate_and_autograd(shape, scale, seed):
    """nearest_upsample_forward equals F.interpolate(mode="nearest"); its backward equals autograd's (the block sums)."""
    generator = np.random.default_rng(seed)
    x = generator.standard_normal(shape)
    out, cache = ref.nearest_upsample_forward(x, scale)
    np.testing.assert_allclose(out, F.interpolate(t(x), scale_factor=scale, mode="nearest").numpy(), **EXACT)
    dout = generator.standard_normal(out.shape)
    (dx,) = autograd(lambda x: F.interpolate(x, scale_factor=scale, mode="nearest"), [x], dout)
    np.testing.assert_allclose(ref.nearest_upsample_backward(dout, cache), dx, **EXACT)


def bed_of_nails_torch(x, scale):
    """Bed of nails as a depthwise transposed convolution whose scale x scale kernel is 1 at its corner."""
    channels = x.shape[1]
    kernel = torch.zeros(channels, 1, scale, scale, dtype=torch.float64)
    kernel[:, :, 0, 0] = 1.0
    return F.conv_transpose2d(x, kernel, stride=scale, groups=channels)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, scale=scales, seed=seeds)
def test_bed_of_nails_matches_a_one_hot_transposed_convolution_and_autograd(shape, scale, seed):
    """bed_of_nails_upsample_forward equals conv_transpose2d with a corner kernel; its backward equals autograd's."""
    generator = np.random.default_rng(seed)
    x = generator.standard_normal(shape)
    out, cache = ref.bed_of_nails_upsample_forward(x, scale)
    np.testing.assert_allclose(out, bed_of_nails_torch(t(x), scale).detach().numpy(), **EXACT)
    dout = generator.standard_normal(out.shape)
    (dx,) = autograd(lambda x: bed_of_nails_torch(x, scale), [x], dout)
    np.testing.assert_allclose(ref.bed_of_nails_upsample_backward(dout, cache), dx, **EXACT)


@pytest.mark.parametrize("forward", [ref.nearest_upsample_forward, ref.bed_of_nails_upsample_forward], ids=["nearest", "bed_of_nails"])
@pytest.mark.parametrize("scale", [1.5, 2.0, np.float64(2.0), 0, -2, np.int64(0), True, np.bool_(True), "2", None])
def test_upsampling_rejects_a_scale_that_is_not_a_positive_integer(forward, scale):
    """A float (even 2.0), 0, a negative, a bool, a string or None as scale raise ValueError naming scale."""
    with pytest.raises(ValueError, match=r"^scale must be a positive integer, got "):
        forward(np.zeros((1, 1, 2, 2)), scale)


@pytest.mark.parametrize("forward", [ref.nearest_upsample_forward, ref.bed_of_nails_upsample_forward], ids=["nearest", "bed_of_nails"])
@pytest.mark.parametrize("scale", [np.int64(3), np.int32(3), np.uint8(3), 3])
def test_upsampling_accepts_numpy_integers(forward, scale):
    """numpy's integer types are integers: np.int64(3) gives what 3 gives."""
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    out, _ = forward(x, scale)
    np.testing.assert_array_equal(out, forward(x, 3)[0])
    assert out.shape == (1, 1, 6, 9)


# --- 10.5 to 10.7 max pooling with indices, max unpooling --------------------------------

POOLS = [(2, 2), (3, 2), (2, 1), (3, 3), (1, 1), (2, 3)]


@pytest.mark.parametrize("pool, stride", POOLS)
def test_max_pool_with_indices_matches_torch_on_tied_integers(rng, pool, stride):
    """Values and int64 indices equal F.max_pool2d(return_indices=True) on inputs in {0, 1, 2} (ties everywhere)."""
    x = rng.integers(0, 3, size=(2, 3, 7, 10)).astype(np.float64)
    out, indices = ref.max_pool_with_indices(x, pool, stride)
    expected, expected_indices = F.max_pool2d(t(x), pool, stride, return_indices=True)
    np.testing.assert_array_equal(out, expected.numpy())
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, expected_indices.numpy())


def test_max_pool_with_indices_picks_the_first_maximum_in_row_major_order():
    """A window tied at (0, 1) and (1, 0) points at (0, 1); the index is h * W + w in the whole 4 x 5 plane."""
    x = np.zeros((1, 1, 4, 5))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 1.0  # window (0, 0)
    x[0, 0, 3, 3] = x[0, 0, 2, 3] = 2.0  # window (1, 1): (2, 3) comes first
    _, indices = ref.max_pool_with_indices(x)
    # windows of zeros point at their top-left corner: (0, 2) and (2, 0)
    np.testing.assert_array_equal(indices[0, 0], [[0 * 5 + 1, 0 * 5 + 2], [2 * 5 + 0, 2 * 5 + 3]])


@pytest.mark.parametrize("pool, stride", [(0, 2), (2, 0), (2.0, 2), (6, 1)])
def test_max_pool_with_indices_rejects_bad_windows(pool, stride):
    """A window or stride that is not a positive integer, or a window larger than the input, raise ValueError."""
    with pytest.raises(ValueError, match="pool|stride|window"):
        ref.max_pool_with_indices(np.zeros((1, 1, 5, 6)), pool, stride)


@pytest.mark.parametrize("height, width", [(6, 8), (7, 9), (6, 9)])
def test_max_unpool_matches_torch_and_autograd(rng, height, width):
    """Unpooling to the pooled shape, or to a larger one (a row or column the pooling dropped), equals F.max_unpool2d;
    its backward equals autograd's."""
    pooled, indices = F.max_pool2d(t(rng.integers(0, 3, size=(2, 3, height, width))), 2, 2, return_indices=True)
    x = rng.standard_normal(pooled.shape)
    out, cache = ref.max_unpool_forward(x, indices.numpy(), (height, width))
    unpool = lambda x: F.max_unpool2d(x, indices, 2, 2, output_size=(height, width))  # noqa: E731
    np.testing.assert_array_equal(out, unpool(t(x)).numpy())
    dout = rng.standard_normal(out.shape)
    (dx,) = autograd(unpool, [x], dout)
    np.testing.assert_allclose(ref.max_unpool_backward(dout, cache), dx, **EXACT)


def test_max_unpool_reads_indices_in_the_output_plane():
    """An index h * W + w is read with the output's width: 7 in a 3 x 4 plane is row 1, column 3."""
    out, _ = ref.max_unpool_forward(np.array([[[[5.0]]]]), np.array([[[[7]]]]), (3, 4))
    expected = np.zeros((1, 1, 3, 4))
    expected[0, 0, 1, 3] = 5.0
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("index", [12, 13, -1])
def test_max_unpool_rejects_an_index_outside_the_plane(index):
    """An index >= H_out * W_out, or negative (which numpy would wrap around), raises ValueError."""
    indices = np.array([[[[0, index]]]])
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 12\)"):
        ref.max_unpool_forward(np.ones((1, 1, 1, 2)), indices, (3, 4))


# --- 10.8, 10.9 transposed convolution ---------------------------------------------------

TRANSPOSED = [  # (N, C_in, H, W), (C_out, HH, WW), stride, pad
    ((2, 3, 4, 5), (2, 3, 2), 1, 0),
    ((2, 2, 3, 4), (3, 3, 3), 2, 1),
    ((1, 1, 3, 2), (2, 2, 4), 3, 0),
    ((3, 2, 5, 3), (1, 4, 3), 2, 2),
    ((2, 3, 2, 2), (2, 1, 1), 1, 0),
    ((1, 2, 4, 4), (3, 5, 2), 3, 1),
]


@pytest.mark.parametrize("shape, kernel, stride, pad", TRANSPOSED)
def test_conv_transpose_matches_conv_transpose2d_and_autograd(rng, shape, kernel, stride, pad):
    """out equals F.conv_transpose2d with weights (C_in, C_out, HH, WW); dx, dw, db equal autograd's."""
    c_out, hh, ww = kernel
    x, w, b = rng.standard_normal(shape), rng.standard_normal((shape[1], c_out, hh, ww)), rng.standard_normal(c_out)
    out, cache = ref.conv_transpose_forward(x, w, b, stride, pad)
    torch_forward = lambda x, w, b: F.conv_transpose2d(x, w, b, stride=stride, padding=pad)  # noqa: E731
    expected = torch_forward(t(x), t(w), t(b)).detach().numpy()
    assert out.shape == expected.shape == (shape[0], c_out, (shape[2] - 1) * stride - 2 * pad + hh, (shape[3] - 1) * stride - 2 * pad + ww)
    np.testing.assert_allclose(out, expected, **EXACT)
    dout = rng.standard_normal(out.shape)
    for ours, theirs in zip(ref.conv_transpose_backward(dout, cache), autograd(torch_forward, [x, w, b], dout)):
        np.testing.assert_allclose(ours, theirs, **EXACT)


def test_conv_transpose_backward_matches_central_differences(rng):
    """dx and dw equal central differences of sum(out * dout), at stride 2, pad 1, a non-square kernel."""
    x, w, b = rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 3, 3, 2)), rng.standard_normal(3)
    out, cache = ref.conv_transpose_forward(x, w, b, 2, 1)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = ref.conv_transpose_backward(dout, cache)
    np.testing.assert_allclose(dx, numerical_gradient(lambda x: ref.conv_transpose_forward(x, w, b, 2, 1)[0], x.copy(), dout), **NUMERIC)
    np.testing.assert_allclose(dw, numerical_gradient(lambda w: ref.conv_transpose_forward(x, w, b, 2, 1)[0], w.copy(), dout), **NUMERIC)
    np.testing.assert_allclose(db, numerical_gradient(lambda b: ref.conv_transpose_forward(x, w, b, 2, 1)[0], b.copy(), dout), **NUMERIC)


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), (3, 0), (2, 2)])
def test_conv_transpose_is_the_adjoint_of_conv(rng, stride, pad):
    """<conv(x), y> = <x, conv_transpose(y)> with the same weights (F, C, HH, WW) read as (C_in, C_out, HH, WW), no bias."""
    w = rng.standard_normal((4, 3, 3, 2))
    height, width = 3 - 2 * pad + 2 * stride, 2 - 2 * pad + 3 * stride  # H + 2 pad - HH divisible by the stride: sizes map back
    x = rng.standard_normal((2, 3, height, width))
    conv_out, _ = conv.conv_forward(x, w, np.zeros(4), stride, pad)
    y = rng.standard_normal(conv_out.shape)
    transposed, _ = ref.conv_transpose_forward(y, w, np.zeros(3), stride, pad)
    assert transposed.shape == x.shape
    np.testing.assert_allclose(np.sum(conv_out * y), np.sum(x * transposed), rtol=1e-12)


def test_conv_transpose_backward_is_the_convolution(rng):
    """dx of the transposed convolution is conv_forward of dout with the same weights (the adjoint, once more)."""
    x, w = rng.standard_normal((2, 3, 4, 3)), rng.standard_normal((3, 2, 3, 3))
    out, cache = ref.conv_transpose_forward(x, w, np.zeros(2), 2, 1)
    dout = rng.standard_normal(out.shape)
    dx, _, _ = ref.conv_transpose_backward(dout, cache)
    np.testing.assert_allclose(dx, conv.conv_forward(dout, w, np.zeros(3), 2, 1)[0], **EXACT)


@pytest.mark.parametrize("stride, pad, match", [(0, 0, "stride"), (1.0, 0, "stride"), (1, -1, "pad"), (1, 2, "removes the whole")])
def test_conv_transpose_rejects_bad_arguments(stride, pad, match):
    """A stride that is not a positive integer, a negative pad, or a pad that removes everything raise ValueError."""
    with pytest.raises(ValueError, match=match):
        ref.conv_transpose_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), np.zeros(1), stride, pad)


# --- 10.10, 10.11 IoU and pixel accuracy ------------------------------------------------

def iou_by_loops(pred, target, num_classes):
    """IoU per class by counting pixel by pixel, NaN for a class in neither map."""
    iou = []
    for c in range(num_classes):
        both = either = 0
        for p, q in zip(pred.ravel(), target.ravel()):
            both += p == c and q == c
            either += p == c or q == c
        iou.append(both / either if either else float("nan"))
    present = [value for value in iou if value == value]
    return np.array(iou), sum(present) / len(present)


@settings(max_examples=60, deadline=None)
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 6)), num_classes=st.integers(1, 6), seed=seeds)
def test_segmentation_iou_matches_pixel_loops(shape, num_classes, seed):
    """iou and mean_iou equal counts made pixel by pixel, NaN where they should be; pixel_accuracy likewise."""
    generator = np.random.default_rng(seed)
    pred, target = generator.integers(0, num_classes, size=shape), generator.integers(0, num_classes, size=shape)
    iou, mean_iou = ref.segmentation_iou(pred, target, num_classes)
    expected, expected_mean = iou_by_loops(pred, target, num_classes)
    assert iou.dtype == np.float64 and iou.shape == (num_classes,)
    np.testing.assert_allclose(iou, expected, rtol=1e-12)  # assert_allclose treats NaN == NaN
    assert type(mean_iou) is float and mean_iou == pytest.approx(expected_mean, rel=1e-12)
    accuracy = ref.pixel_accuracy(pred, target)
    assert type(accuracy) is float
    assert accuracy == pytest.approx(sum(p == q for p, q in zip(pred.ravel(), target.ravel())) / pred.size, rel=1e-12)


def test_segmentation_iou_on_a_toy_map():
    """Worked by hand: class 0: 1 / 3, class 1: 2 / 5, class 2 only predicted: 0, class 3 in neither: NaN."""
    pred = np.array([[0, 1, 1], [2, 0, 1]])
    target = np.array([[0, 1, 1], [1, 1, 0]])
    iou, mean_iou = ref.segmentation_iou(pred, target, 4)
    # class 0: pred at (0, 0), (1, 1); target at (0, 0), (1, 2): both 1, either 3
    # class 1: pred at (0, 1), (0, 2), (1, 2); target at (0, 1), (0, 2), (1, 0), (1, 1): both 2, either 5
    # class 2: pred at (1, 0) only: 0 / 1; class 3: 0 / 0; equal labels at (0, 0), (0, 1), (0, 2): 3 of 6
    np.testing.assert_allclose(iou, [1 / 3, 2 / 5, 0.0, np.nan], rtol=1e-15)
    assert mean_iou == pytest.approx((1 / 3 + 2 / 5 + 0.0) / 3, rel=1e-15)
    assert ref.pixel_accuracy(pred, target) == pytest.approx(3 / 6)


def test_segmentation_iou_of_empty_maps_is_all_nan():
    """With no pixels every class is in neither map: every iou and the mean are NaN, without a warning."""
    with np.errstate(all="raise"):
        iou, mean_iou = ref.segmentation_iou(np.zeros((0, 3), dtype=int), np.zeros((0, 3), dtype=int), 2)
    assert np.isnan(iou).all() and iou.shape == (2,) and np.isnan(mean_iou)


@pytest.mark.parametrize("pred_shape, target_shape", [((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 1), (1, 3)), ((2, 3), (3, 2)), ((12,), (3, 4))])
def test_label_maps_of_different_shapes_raise(pred_shape, target_shape):
    """Shapes that differ, broadcastable or not, raise ValueError in both functions."""
    pred, target = np.zeros(pred_shape, dtype=int), np.zeros(target_shape, dtype=int)
    with pytest.raises(ValueError, match="must be identical"):
        ref.segmentation_iou(pred, target, 2)
    with pytest.raises(ValueError, match="must be identical"):
        ref.pixel_accuracy(pred, target)


@pytest.mark.parametrize("where, label", list(itertools.product(["pred", "target"], [-1, 3, 7])))
def test_segmentation_iou_rejects_a_label_outside_the_classes(where, label):
    """A label < 0 or >= num_classes in either map raises ValueError."""
    maps = {"pred": np.zeros((2, 2), dtype=int), "target": np.ones((2, 2), dtype=int)}
    maps[where][1, 0] = label
    with pytest.raises(ValueError, match=rf"^{where} has a label outside \[0, 3\)"):
        ref.segmentation_iou(maps["pred"], maps["target"], 3)


def test_inputs_are_not_modified(rng):
    """No function writes into its arguments."""
    x, dout = rng.standard_normal((2, 2, 4, 6)), rng.standard_normal((2, 2, 8, 12))
    w, b = rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(3)
    saved = [a.copy() for a in (x, dout, w, b)]
    for forward, backward in ((ref.nearest_upsample_forward, ref.nearest_upsample_backward),
                              (ref.bed_of_nails_upsample_forward, ref.bed_of_nails_upsample_backward)):
        backward(dout, forward(x, 2)[1])
    pooled, indices = ref.max_pool_with_indices(x)
    ref.max_unpool_backward(x, ref.max_unpool_forward(pooled, indices, (4, 6))[1])
    out, cache = ref.conv_transpose_forward(x, w, b, 2, 1)
    ref.conv_transpose_backward(np.ones_like(out), cache)
    for before, after in zip(saved, (x, dout, w, b)):
        np.testing.assert_array_equal(before, after)


# --- the stub -----------------------------------------------------------------------------

def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings, tasks 10.1 to 10.11."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=10)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=10, k=k)


def test_modules_import_numpy_and_the_standard_library_only():
    """Students need numpy only: neither file imports torch or anything outside the standard library."""
    for path in (ROOT / "solutions" / "segmentation.py", ROOT / "assignments" / "segmentation.py"):
        imports = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        assert set(imports) <= {"import numbers", "import numpy as np"}, imports
