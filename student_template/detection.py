"""Assignment 11: object detection: boxes, IoU, non-maximum suppression, mean average precision.

A detector proposes many scored boxes; evaluating it asks which of them found an object.
Boxes are rows (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2 in continuous coordinates, so a
box's area is (x2 - x1) * (y2 - y1), as in torchvision.ops. Two boxes overlap by their
intersection over union,

    IoU(A, B) = area(A and B) / (area(A) + area(B) - area(A and B)),

0 for disjoint boxes and 1 for identical ones. Non-maximum suppression keeps the best box
of each cluster of overlapping candidates. A detection is a true positive if it claims a
ground-truth box it overlaps by at least a threshold and no better-scoring detection took
that box first; average precision (AP) is the area under the interpolated precision-recall
curve of the detections sorted by score, and mAP its mean over the classes.

Tasks:
    11.1  box_area            11.4  match_detections
    11.2  box_iou             11.5  average_precision
    11.3  nms                 11.6  mean_average_precision

Conventions: boxes are float64 arrays of shape (N, 4) (N may be 0); sorting by score is
always in decreasing order and stable, so tied scores go to the lower index first. The
inputs are never modified. Use numpy and the standard library only.
"""

import numpy as np


def box_area(boxes):
    """Areas of boxes. Task 11.1.

        area = (x2 - x1) * (y2 - y1)

    Coordinates are continuous: a box from x1 = 2 to x2 = 5 is 3 wide, not 4 (no "+ 1" of
    pixel-index conventions). A box with x1 == x2 or y1 == y2 has area 0.

    Args:
        boxes: shape (N, 4), rows (x1, y1, x2, y2).

    Returns:
        areas: shape (N,).

    Raises:
        ValueError: if boxes is not of shape (N, 4), or a box has x2 < x1 or y2 < y1.
    """
    # Your code here
    raise NotImplementedError("box_area: not implemented yet (task 11.1)")


def box_iou(boxes1, boxes2):
    """Intersection over union of every pair of boxes. Task 11.2.

        IoU[i, j] = inter / (area(boxes1[i]) + area(boxes2[j]) - inter)

    where inter is the area of the intersection (0 when the boxes do not overlap or only
    touch). Where the union is empty (two boxes of area 0) the IoU is 0, not NaN.

    Args:
        boxes1: shape (N, 4).
        boxes2: shape (M, 4).

    Returns:
        iou: shape (N, M), entries in [0, 1].

    Raises:
        ValueError: if either array is not of shape (., 4), or holds an inverted box.
    """
    # Your code here
    raise NotImplementedError("box_iou: not implemented yet (task 11.2)")


def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression. Task 11.3.

    Repeat until no box is left: keep the highest-scoring remaining box, and drop every
    remaining box whose IoU with it is strictly greater than iou_threshold (a box at
    exactly the threshold survives). Tied scores go to the lower index first, as
    torchvision.ops.nms.

    Args:
        boxes: shape (N, 4).
        scores: shape (N,).
        iou_threshold: a float.

    Returns:
        keep: int64 indices of the kept boxes, shape (K,), in decreasing score order.

    Raises:
        ValueError: if boxes is not of shape (N, 4) or holds an inverted box, or scores is
            not of shape (N,).
    """
    # Your code here
    raise NotImplementedError("nms: not implemented yet (task 11.3)")


def match_detections(det_boxes, det_scores, gt_boxes, iou_threshold=0.5):
    """Which detections of one image and class are true positives (COCO's greedy matching). Task 11.4.

    Go through the detections in decreasing score order (ties: lower index first). A
    detection is a true positive if some ground-truth box not yet matched has
    IoU >= iou_threshold with it; it then claims the unmatched one with the largest IoU
    (ties: lower index). Otherwise it is a false positive. Each ground-truth box is
    matched at most once: a second detection of the same object is a false positive, but
    may still match another, unmatched box it overlaps enough (PASCAL VOC would instead
    look at its single best box only, and give up if that one is taken).

    Args:
        det_boxes: shape (N, 4).
        det_scores: shape (N,).
        gt_boxes: shape (G, 4); G may be 0 (every detection is then a false positive).
        iou_threshold: a float in (0, 1].

    Returns:
        is_tp: bool array of shape (N,), in the order of the input detections.

    Raises:
        ValueError: unless 0 < iou_threshold <= 1; for boxes or scores of the wrong
            shape, or an inverted box.
    """
    # Your code here
    raise NotImplementedError("match_detections: not implemented yet (task 11.4)")


def average_precision(scores, is_tp, num_gt):
    """All-point interpolated average precision (PASCAL VOC 2010 on). Task 11.5.

    Sort the detections by decreasing score (stable). After the k-th detection,
    precision p_k = TP_k / k and recall r_k = TP_k / num_gt, where TP_k counts the true
    positives among the first k. Make precision non-increasing from the right (the
    envelope p_interp(r_k) = max of p_j over j >= k), then

        AP = sum over k of (r_k - r_{k-1}) * p_interp(r_k),   r_0 = 0.

    Ground-truth boxes that no detection found keep the recall, and so the AP, below 1.

    Args:
        scores: shape (N,), the detections' scores.
        is_tp: bool array of shape (N,), True for a true positive.
        num_gt: int >= 1, the number of ground-truth boxes.

    Returns:
        ap: a Python float in [0, 1]; 0.0 when there are no detections.

    Raises:
        ValueError: if num_gt < 1, is_tp has more True entries than num_gt, or scores and
            is_tp do not have the same shape (N,).
    """
    # Your code here
    raise NotImplementedError("average_precision: not implemented yet (task 11.5)")


def mean_average_precision(detections, ground_truths, num_classes, iou_threshold=0.5):
    """Mean average precision over the classes of a set of images. Task 11.6.

    In every image, the detections of class c are matched (match_detections) to the
    ground-truth boxes of class c. Then, per class, the detections of all images are
    pooled (image by image, in order) and their AP is computed (average_precision) with
    num_gt the number of ground-truth boxes of class c in all images. A class with no
    ground-truth box anywhere has no AP (NaN) and is left out of the mean; a class with
    ground truth but no detection has AP 0.

    Args:
        detections: a list with one dict per image: "boxes" (n, 4), "scores" (n,),
            "labels" (n,) ints in range(num_classes).
        ground_truths: a list with one dict per image, in the same order: "boxes" (g, 4),
            "labels" (g,) ints in range(num_classes).
        num_classes: the number of classes C.
        iou_threshold: a float in (0, 1], for match_detections.

    Returns:
        mAP: a Python float, the mean of the APs that are not NaN (NaN if all are).
        ap: float64 array of shape (C,), NaN for a class without ground truth.

    Raises:
        ValueError: if the two lists differ in length, or unless 0 < iou_threshold <= 1.
    """
    # Your code here
    raise NotImplementedError("mean_average_precision: not implemented yet (task 11.6)")
