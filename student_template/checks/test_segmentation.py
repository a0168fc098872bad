"""Public checks for segmentation.py: run `pytest checks/test_segmentation.py` (one task: add `-k max_unpool_forward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/segmentation.json. Upsampling is checked at
scales 2 and 3 on non-square inputs, with a numpy integer as the scale, and ValueError for a
scale that is not a positive integer; max pooling on integer inputs with tied maxima;
unpooling back to the pooled shape and to a larger one; the transposed convolution with
pad 0 and pad 1; every backward pass also against central differences; IoU on maps with a
class in neither map (NaN).
"""

import numpy as np
import pytest

import segmentation
from harness import Examples, assert_close, assert_property, assert_shape, assert_unchanged, check_gradient, normal, rng

examples = Examples("segmentation")


def upsampled(function, seed):
    """``function``'s out at scale 2 on a (2, 3, 3, 4) input and at np.int64(3) on a (1, 2, 2, 5) one."""
    return {"out, scale 2": function(normal(rng(seed), 2, 3, 3, 4), 2)[0],
            "out, scale np.int64(3), non-square": function(normal(rng(seed + 1), 1, 2, 2, 5), np.int64(3))[0]}


def upsampled_gradient(forward, backward, seed):
    """``backward``'s dx at scale 2 and 3, after ``forward`` on the inputs of :func:`upsampled`."""
    outputs = {}
    for name, x, scale in (("dx, scale 2", normal(rng(seed), 2, 3, 3, 4), 2), ("dx, scale 3", normal(rng(seed + 1), 1, 2, 2, 5), 3)):
        out, cache = forward(x, scale)
        outputs[name] = backward(normal(rng(seed + 2), *out.shape), cache)
    return outputs


def check_scales(forward, scales):
    """``forward`` raises ValueError for each of ``scales``."""
    for scale in scales:
        with pytest.raises(ValueError):
            forward(np.zeros((1, 1, 2, 2)), scale)


def check_upsampling_gradient(forward, backward):
    """dx against central differences at scale 2 and 3; dout left unchanged."""
    for scale in (2, 3):
        r = rng(20 + scale)
        x = normal(r, 2, 2, 3, 2)
        out, cache = forward(x, scale)
        dout = normal(r, *out.shape)
        before = dout.copy()
        dx = backward(dout, cache)
        assert_unchanged("dout", before, dout)
        check_gradient(f"dx (scale {scale})", dx, lambda x: forward(x, scale)[0], x, dout)


# -- 10.1 to 10.4 nearest and bed-of-nails upsampling ----------------------------------------

@examples.register
def nearest_upsample_forward(sg):
    return upsampled(sg.nearest_upsample_forward, 1)


@examples.register
def nearest_upsample_backward(sg):
    return upsampled_gradient(sg.nearest_upsample_forward, sg.nearest_upsample_backward, 3)


@examples.register
def bed_of_nails_upsample_forward(sg):
    return upsampled(sg.bed_of_nails_upsample_forward, 6)


@examples.register
def bed_of_nails_upsample_backward(sg):
    return upsampled_gradient(sg.bed_of_nails_upsample_forward, sg.bed_of_nails_upsample_backward, 8)


def test_nearest_upsample_forward():
    """nearest_upsample_forward: each value copied to a scale x scale block; ValueError for 1.5, 2.0, 0, -1, True."""
    examples.check(nearest_upsample_forward, segmentation)
    check_scales(segmentation.nearest_upsample_forward, (1.5, 2.0, 0, -1, True))


def test_nearest_upsample_backward():
    """nearest_upsample_backward: the sum of dout over each block; central differences agree."""
    examples.check(nearest_upsample_backward, segmentation)
    check_upsampling_gradient(segmentation.nearest_upsample_forward, segmentation.nearest_upsample_backward)


def test_bed_of_nails_upsample_forward():
    """bed_of_nails_upsample_forward: each value at the top-left corner of its block; ValueError for bad scales."""
    examples.check(bed_of_nails_upsample_forward, segmentation)
    out, _ = segmentation.bed_of_nails_upsample_forward(np.array([[[[5.0]]]]), 3)
    corner = np.zeros((1, 1, 3, 3))
    corner[0, 0, 0, 0] = 5.0
    assert_close("bed_of_nails_upsample_forward of a single 5 at scale 3 (the 5 at the corner, not the centre)", out, corner)
    check_scales(segmentation.bed_of_nails_upsample_forward, (1.5, 2.0, 0, -1, True))


def test_bed_of_nails_upsample_backward():
    """bed_of_nails_upsample_backward: dout at each block's corner; central differences agree."""
    examples.check(bed_of_nails_upsample_backward, segmentation)
    check_upsampling_gradient(segmentation.bed_of_nails_upsample_forward, segmentation.bed_of_nails_upsample_backward)


# -- 10.5 to 10.7 max pooling with indices, max unpooling -------------------------------------

def tied(seed, *shape):
    """Integers in {0, 1, 2}: many windows hold their maximum twice or more."""
    return rng(seed).integers(0, 3, size=shape).astype(np.float64)


def unpool_inputs(seed, height, width):
    """x (2, 2, height // 2, width // 2) and indices h * width + w of one position in each 2 x 2 window
    of a (height, width) plane, as 2 x 2 max pooling gives them (made here, not by your pooling)."""
    r = rng(seed)
    shape = (2, 2, height // 2, width // 2)
    rows = 2 * np.arange(shape[2])[:, None] + r.integers(0, 2, size=shape)
    cols = 2 * np.arange(shape[3])[None, :] + r.integers(0, 2, size=shape)
    return normal(r, *shape), rows * width + cols


@examples.register
def max_pool_with_indices(sg):
    out, indices = sg.max_pool_with_indices(tied(10, 2, 3, 4, 6))
    overlapping, overlapping_indices = sg.max_pool_with_indices(tied(11, 1, 2, 7, 6), pool=3, stride=2)
    return {"out, pool 2 and stride 2 (the defaults)": out, "indices, pool 2 and stride 2, tied maxima": indices,
            "out, pool 3 and stride 2": overlapping, "indices, pool 3 and stride 2, tied maxima": overlapping_indices}


@examples.register
def max_unpool_forward(sg):
    return {"out, back to the pooled 4 x 6": sg.max_unpool_forward(*unpool_inputs(12, 4, 6), (4, 6))[0],
            "out, to a larger 5 x 7": sg.max_unpool_forward(*unpool_inputs(13, 5, 7), (5, 7))[0]}


@examples.register
def max_unpool_backward(sg):
    out, cache = sg.max_unpool_forward(*unpool_inputs(14, 5, 7), (5, 7))
    return {"dx, from a 5 x 7 output": sg.max_unpool_backward(normal(rng(15), *out.shape), cache)}


def test_max_pool_with_indices():
    """max_pool_with_indices: indices h * W + w in the input plane, the first of tied maxima, integers."""
    examples.check(max_pool_with_indices, segmentation)
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, 0, 3] = x[0, 0, 1, 2] = 1.0  # the second window: tied at (0, 3) and (1, 2)
    _, indices = segmentation.max_pool_with_indices(x)
    assert_close("indices of a 2 x 4 plane whose second window ties at (0, 3) and (1, 2) (flat in the plane, the first maximum)",
                 indices, np.array([[[[0, 3]]]]))


def test_max_unpool_forward():
    """max_unpool_forward: each value at its index in planes of output_size; ValueError for an index outside the plane."""
    examples.check(max_unpool_forward, segmentation)
    x, indices = unpool_inputs(16, 5, 7)
    out, _ = segmentation.max_unpool_forward(x, indices, (5, 7))
    assert_shape("max_unpool_forward(..., output_size=(5, 7))[0]", out, (2, 2, 5, 7))
    for bad in (35, -1):
        outside = indices.copy()
        outside[0, 0, 0, 0] = bad
        with pytest.raises(ValueError):
            segmentation.max_unpool_forward(x, outside, (5, 7))


def test_max_unpool_backward():
    """max_unpool_backward: dout read at each index; central differences agree."""
    examples.check(max_unpool_backward, segmentation)
    x, indices = unpool_inputs(17, 5, 7)
    out, cache = segmentation.max_unpool_forward(x, indices, (5, 7))
    dout = normal(rng(18), *out.shape)
    check_gradient("dx", segmentation.max_unpool_backward(dout, cache), lambda x: segmentation.max_unpool_forward(x, indices, (5, 7))[0], x, dout)


# -- 10.8, 10.9 transposed convolution ------------------------------------------------------

def transposed_inputs(seed):
    """x (2, 3, 3, 4), w (3, 2, 3, 2): C_in = 3, C_out = 2; b (2,); and the generator for dout."""
    r = rng(seed)
    return normal(r, 2, 3, 3, 4), normal(r, 3, 2, 3, 2), normal(r, 2), r


@examples.register
def conv_transpose_forward(sg):
    x, w, b, _ = transposed_inputs(20)
    return {"out, stride 1 and pad 0": sg.conv_transpose_forward(x, w, b)[0],
            "out, stride 2 and pad 1": sg.conv_transpose_forward(x, w, b, stride=2, pad=1)[0]}


@examples.register
def conv_transpose_backward(sg):
    outputs = {}
    for stride, pad in ((1, 0), (2, 1)):
        x, w, b, r = transposed_inputs(21)
        out, cache = sg.conv_transpose_forward(x, w, b, stride=stride, pad=pad)
        dx, dw, db = sg.conv_transpose_backward(normal(r, *out.shape), cache)
        outputs.update({f"dx, stride {stride} and pad {pad}": dx, f"dw, stride {stride} and pad {pad}": dw,
                        f"db, stride {stride} and pad {pad}": db})
    return outputs


def test_conv_transpose_forward():
    """conv_transpose_forward: out (N, C_out, (H - 1) stride - 2 pad + HH, ...): the padding is removed."""
    examples.check(conv_transpose_forward, segmentation)
    x, w, b, _ = transposed_inputs(22)
    out, _ = segmentation.conv_transpose_forward(x, w, b, stride=2, pad=1)
    assert_shape("conv_transpose_forward(x (2, 3, 3, 4), w (3, 2, 3, 2), b, stride=2, pad=1)[0]", out, (2, 2, 5, 6))


def test_conv_transpose_backward():
    """conv_transpose_backward: dx, dw (C_in, C_out, HH, WW), db against central differences, for pad 0 and pad 1."""
    examples.check(conv_transpose_backward, segmentation)
    for stride, pad in ((1, 0), (2, 1)):
        x, w, b, r = transposed_inputs(23)
        out, cache = segmentation.conv_transpose_forward(x, w, b, stride=stride, pad=pad)
        dout = normal(r, *out.shape)
        dx, dw, db = segmentation.conv_transpose_backward(dout, cache)
        forward = lambda x, w, b: segmentation.conv_transpose_forward(x, w, b, stride=stride, pad=pad)[0]  # noqa: E731
        check_gradient(f"dx (pad {pad})", dx, lambda x: forward(x, w, b), x, dout)
        check_gradient(f"dw (pad {pad})", dw, lambda w: forward(x, w, b), w, dout)
        check_gradient(f"db (pad {pad})", db, lambda b: forward(x, w, b), b, dout)


# -- 10.10, 10.11 IoU and pixel accuracy ----------------------------------------------------

TOY_PRED = np.array([[0, 1, 1], [2, 0, 1]])
TOY_TARGET = np.array([[0, 1, 1], [1, 1, 0]])


def label_maps(seed):
    """Two (2, 5, 6) maps of labels in {0, 2, 3, 4}: class 1 in neither, 5 classes in all."""
    return rng(seed).choice([0, 2, 3, 4], size=(2, 2, 5, 6))


@examples.register
def segmentation_iou(sg):
    iou, mean_iou = sg.segmentation_iou(TOY_PRED, TOY_TARGET, 4)
    random_iou, random_mean = sg.segmentation_iou(*label_maps(30), 5)
    return {"iou of the toy maps (class 3 in neither)": iou, "mean_iou of the toy maps": mean_iou,
            "iou, class 1 in neither map": random_iou, "mean_iou, class 1 in neither map": random_mean}


@examples.register
def pixel_accuracy(sg):
    return {"pixel accuracy of the toy maps": sg.pixel_accuracy(TOY_PRED, TOY_TARGET),
            "pixel accuracy of random maps": sg.pixel_accuracy(*label_maps(31))}


def test_segmentation_iou():
    """segmentation_iou: |both| / |either| per class, NaN for a class in neither map and left out of the mean;
    ValueError for shapes that differ or a label outside [0, num_classes)."""
    examples.check(segmentation_iou, segmentation)
    iou, mean_iou = segmentation.segmentation_iou(TOY_PRED, TOY_TARGET, 4)
    assert_property(np.isnan(iou[3]), f"iou[3] is {iou[3]!r} for a class in neither map, expected NaN (0 / 0).")
    assert_close("mean_iou of the toy maps (the mean over classes 0, 1, 2)", mean_iou, (1 / 3 + 2 / 5 + 0.0) / 3)
    for pred, target, num_classes in ((np.zeros((4, 5), int), np.zeros((1, 5), int), 3), (np.zeros((2, 2), int), np.full((2, 2), 3), 3),
                                      (np.full((2, 2), -1), np.zeros((2, 2), int), 3)):
        with pytest.raises(ValueError):
            segmentation.segmentation_iou(pred, target, num_classes)


def test_pixel_accuracy():
    """pixel_accuracy: the share of equal labels, a float; ValueError for shapes that differ, even broadcastable ones."""
    examples.check(pixel_accuracy, segmentation)
    with pytest.raises(ValueError):
        segmentation.pixel_accuracy(np.zeros((2, 3, 4), int), np.zeros((3, 4), int))
