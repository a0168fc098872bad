"""Public checks for detection.py: run `pytest checks/test_detection.py` (one task: add `-k nms`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/detection.json: kept indices and
true-positive flags exactly, numbers within a relative error of 1e-6, NaN where the
reference has NaN. Beside the examples: IoU is symmetric and 1 on a box with itself, NMS
keeps a pair exactly at the threshold and breaks score ties to the lower index, matching
lets a detection claim the next free ground truth, AP is worked out by hand, and the
documented ValueErrors are raised.
"""

import numpy as np
import pytest

import detection
from harness import Examples, assert_close, assert_property, assert_unchanged, rng

examples = Examples("detection")


def boxes_from(r, n, field=30.0, sides=(1.0, 12.0)):
    """n random boxes (x1, y1, x2, y2) with corners in a field."""
    corner = r.uniform(0.0, field, size=(n, 2))
    return np.concatenate([corner, corner + r.uniform(*sides, size=(n, 2))], axis=1)


def jittered(r, objects, per_object, share=0.15):
    """per_object noisy copies of each object box, with random scores, in a random order."""
    base = np.repeat(objects, per_object, axis=0)
    moved = base + share * np.tile(base[:, 2:] - base[:, :2], 2) * r.standard_normal(base.shape)
    boxes = np.concatenate([np.minimum(moved[:, :2], moved[:, 2:]), np.maximum(moved[:, :2], moved[:, 2:])], axis=1)
    order = r.permutation(len(boxes))
    return boxes[order], r.random(len(boxes))


# -- 11.1, 11.2 areas and IoU ------------------------------------------------------------------

@examples.register
def box_area(dt):
    flat = np.array([[0.0, 0.0, 3.0, 2.0], [2.0, 5.0, 5.0, 5.0], [1.5, 1.0, 1.5, 4.0]])
    return {"box_area of (3 x 2, flat, flat) boxes": dt.box_area(flat), "box_area of random boxes": dt.box_area(boxes_from(rng(110), 6))}


@examples.register
def box_iou(dt):
    a = np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 1.0, 3.0]])
    b = np.array([[3.0, 3.0, 5.0, 5.0], [2.0, 0.0, 4.0, 2.0], [1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 1.0, 3.0]])
    r = rng(111)
    return {"box_iou of disjoint, touching, nested, identical and flat boxes": dt.box_iou(a, b),
            "box_iou of random boxes": dt.box_iou(boxes_from(r, 4), boxes_from(r, 5))}


def test_box_area():
    """box_area: (x2 - x1) * (y2 - y1), no + 1; ValueError for another shape or an inverted box."""
    examples.check(box_area, detection)
    with pytest.raises(ValueError):
        detection.box_area(np.zeros((2, 5)))
    with pytest.raises(ValueError):
        detection.box_area(np.array([[0.0, 0.0, -1.0, 1.0]]))


def test_box_iou():
    """box_iou: (N, M), symmetric, 1 on a box with itself, 0 for an empty union; ValueError for bad boxes."""
    examples.check(box_iou, detection)
    boxes = boxes_from(rng(112), 5)
    before = boxes.copy()
    iou = detection.box_iou(boxes, boxes)
    assert_unchanged("boxes after box_iou", before, boxes)
    assert_close("box_iou(boxes, boxes) against its transpose", iou, iou.T)
    assert_close("the diagonal of box_iou(boxes, boxes)", np.diag(iou).copy(), np.ones(5))
    with pytest.raises(ValueError):
        detection.box_iou(np.array([0.0, 0.0, 1.0, 1.0]), boxes)
    with pytest.raises(ValueError):
        detection.box_iou(boxes, np.array([[0.0, 3.0, 1.0, 2.0]]))


# -- 11.3 non-maximum suppression --------------------------------------------------------------

@examples.register
def nms(dt):
    r = rng(113)
    boxes, scores = jittered(r, boxes_from(r, 3, field=40.0, sides=(4.0, 10.0)), 5)
    return {"nms of a jittered scene at 0.5": dt.nms(boxes, scores, 0.5), "nms of the same scene at 0.3": dt.nms(boxes, scores, 0.3)}


def test_nms():
    """nms: int64 keep in decreasing score order; IoU == threshold is kept (>); ties to the lower index."""
    examples.check(nms, detection)
    at_third = np.array([[1.0, 0.0, 3.0, 1.0], [0.0, 0.0, 2.0, 1.0]])  # IoU exactly 1/3
    assert_close("nms of two boxes with IoU 1/3 at threshold 1/3", detection.nms(at_third, np.array([0.6, 0.9]), 1 / 3),
                 np.array([1, 0], dtype=np.int64))
    twins = np.array([[0.0, 0.0, 4.0, 4.0], [0.0, 0.0, 4.0, 4.0], [9.0, 9.0, 10.0, 10.0]])
    assert_close("nms of identical boxes with tied scores", detection.nms(twins, np.array([0.7, 0.7, 0.9]), 0.5),
                 np.array([2, 0], dtype=np.int64))


# -- 11.4 matching -----------------------------------------------------------------------------

@examples.register
def match_detections(dt):
    r = rng(114)
    gt = boxes_from(r, 3, field=20.0, sides=(4.0, 10.0))
    det, scores = jittered(r, gt, 3, share=0.2)
    return {"is_tp of jittered detections": dt.match_detections(det, scores, gt),
            "is_tp at iou_threshold=0.75": dt.match_detections(det, scores, gt, iou_threshold=0.75)}


def test_match_detections():
    """match_detections: COCO greedy matching, one box per ground truth; ValueError unless 0 < iou_threshold <= 1."""
    examples.check(match_detections, detection)
    gt = np.array([[0.0, 0.0, 10.0, 10.0], [3.0, 0.0, 13.0, 10.0]])
    det = np.array([[1.0, 0.0, 11.0, 10.0], [3.0, 0.0, 13.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    # det 2 takes gt 0; det 0's best box is gone, but gt 1 (IoU 2/3) is free; det 1 finds nothing left
    assert_close("is_tp when the best ground truth is already taken", detection.match_detections(det, np.array([0.9, 0.6, 0.95]), gt),
                 np.array([True, False, True]))
    assert_close("is_tp without ground truth", detection.match_detections(det, np.ones(3), np.zeros((0, 4))), np.zeros(3, dtype=bool))
    for threshold in (0.0, 1.5):
        with pytest.raises(ValueError):
            detection.match_detections(det, np.ones(3), gt, iou_threshold=threshold)


# -- 11.5 average precision --------------------------------------------------------------------

@examples.register
def average_precision(dt):
    r = rng(115)
    is_tp = r.random(20) < 0.5
    return {"AP of a random ranking, 3 boxes missed": dt.average_precision(r.random(20), is_tp, int(is_tp.sum()) + 3)}


def test_average_precision():
    """average_precision: the all-point interpolated AP, 0.0 without detections; ValueError for impossible counts."""
    examples.check(average_precision, detection)
    # ranks F T T F T of 5 boxes: precision 0, 1/2, 2/3, 1/2, 3/5, envelope 2/3, 2/3, 2/3, 3/5, 3/5:
    # AP = 0.2 * 2/3 + 0.2 * 2/3 + 0.2 * 3/5 = 29/75
    scores, is_tp = np.array([0.6, 0.95, 0.7, 0.8, 0.3]), np.array([False, False, True, True, True])
    assert_close("AP of ranks F T T F T, 5 boxes", detection.average_precision(scores, is_tp, 5), 29 / 75)
    # tied scores, stable: ranks 1 (T), 0 (F), 2 (T): AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert_close("AP of tied scores", detection.average_precision(np.array([0.5, 0.9, 0.5]), np.array([False, True, True]), 2), 5 / 6)
    assert_close("AP without detections", detection.average_precision(np.zeros(0), np.zeros(0, dtype=bool), 2), 0.0)
    with pytest.raises(ValueError):
        detection.average_precision(np.array([0.5]), np.array([True]), 0)
    with pytest.raises(ValueError):
        detection.average_precision(np.array([0.5, 0.4]), np.array([True, True]), 1)


# -- 11.6 mean average precision ---------------------------------------------------------------

@examples.register
def mean_average_precision(dt):
    r = rng(116)
    detections, ground_truths = [], []
    for _ in range(3):
        labels = r.integers(0, 2, size=3)  # classes 0 and 1 only: class 2 has no ground truth
        gt = boxes_from(r, 3, sides=(4.0, 10.0))
        det, scores = jittered(r, gt, 2, share=0.2)
        det_labels = np.repeat(labels, 2)
        det_labels[r.integers(len(det_labels))] = 2
        detections.append({"boxes": det, "scores": scores, "labels": det_labels})
        ground_truths.append({"boxes": gt, "labels": labels})
    mAP, ap = dt.mean_average_precision(detections, ground_truths, 3)
    return {"mAP of 3 images": mAP, "ap of 3 images (class 2 has no ground truth)": ap}


def test_mean_average_precision():
    """mean_average_precision: AP per class over all images; NaN for a class without ground truth, left out of the mean."""
    examples.check(mean_average_precision, detection)
    detections = [{"boxes": np.array([[0.0, 0.0, 4.0, 4.0], [5.0, 5.0, 6.0, 6.0]]), "scores": np.array([0.9, 0.8]), "labels": np.array([0, 1])}]
    ground_truths = [{"boxes": np.array([[0.0, 0.0, 4.0, 4.0]]), "labels": np.array([0])}]
    mAP, ap = detection.mean_average_precision(detections, ground_truths, 2)
    assert_close("ap of one found box (class 0) and a class without ground truth", ap, np.array([1.0, np.nan]))
    assert_property(np.isfinite(mAP) and mAP == 1.0, f"mAP is {mAP}, expected 1.0: the class without ground truth is left out of the mean.")
    with pytest.raises(ValueError):
        detection.mean_average_precision(detections, ground_truths * 2, 2)
