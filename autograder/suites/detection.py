"""Graded cases for detection.py (assignment 11): boxes, IoU, non-maximum suppression, mAP.

Geometry is graded on hand-picked pairs (disjoint, touching edges and corners, nested,
identical, partial overlaps) and, in a case of its own, on boxes of zero area, where the
union can be empty (IoU 0, not NaN). NMS and matching are graded on scenes where the rules
that sloppy code gets wrong decide the answer: pairs whose IoU is exactly the threshold
(integer corners, IoU 1/3 and 1/2, exact in floating point: NMS keeps them, matching
accepts them), tied scores (the lower index first), scores out of index order, duplicate
detections of one object, and a detection whose best ground truth is already taken while
the next one is free (COCO takes it, PASCAL VOC does not). Every hidden scene plants those
configurations at random places and sizes, so each mistake shows in every draw, not only
in likely ones. AP is graded on sequences worked out by hand (tests/test_detection_reference.py
shows the arithmetic), on ties, on random sequences with missed ground truth, and mAP on
multi-image scenes with and without a class that has no ground truth (NaN, left out).

Everything here is deterministic: cases are judged against the reference (relative error
1e-6; kept indices and true-positive flags exactly). Each wrong implementation in MUTATIONS
of tests/test_detection_grading.py failed exactly the same cases on every secret seed from 1
to 100 (measured in-process, running each case's plan on the mutated reference).

Time: a correct submission in plain Python loops (LOOPS in tests/test_detection_grading.py)
took at most 0.011 s for any case and 0.016 s for the whole suite, over secret seeds 1 to 4,
against the default 10 s per case.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Raises
from ..plan import Call, Plan
from ..suite import Case, Suite, fixed

# -- boxes and scenes ------------------------------------------------------------------------

def as_boxes(rows) -> np.ndarray:
    """Rows of four numbers as a float64 (N, 4) array of boxes."""
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def random_boxes(rng, n, field=50.0, sides=(2.0, 15.0)) -> np.ndarray:
    """n boxes with corners in a field, sides drawn from ``sides``."""
    corner = rng.uniform(0.0, field, size=(n, 2))
    return np.concatenate([corner, corner + rng.uniform(*sides, size=(n, 2))], axis=1)


def jitter(rng, boxes, share) -> np.ndarray:
    """Each box with its sides moved by normal noise of ``share`` times its width or height."""
    scale = np.tile(boxes[:, 2:] - boxes[:, :2], 2)
    moved = boxes + share * scale * rng.standard_normal(boxes.shape)
    return np.concatenate([np.minimum(moved[:, :2], moved[:, 2:]), np.maximum(moved[:, :2], moved[:, 2:])], axis=1)


def shuffled(rng, boxes, scores):
    """The same detections in a random index order, so that index order is not score order."""
    order = rng.permutation(len(boxes))
    return boxes[order], scores[order]


def candidates(rng, objects, per_object, clutter=2, share=0.12):
    """A detector's raw output: ``per_object`` jittered candidates around each object box,
    ``clutter`` stray boxes, random scores; in a random order."""
    boxes = np.concatenate([jitter(rng, np.repeat(objects, per_object, axis=0), share), random_boxes(rng, clutter)])
    return shuffled(rng, boxes, rng.random(len(boxes)))


def at_threshold(rng, threshold, offset):
    """Two boxes with integer corners whose IoU is exactly ``threshold`` (1/3 or 1/2), at ``offset``.

    1/3: two (2k x h) boxes shifted by k (overlap kh, union 3kh); 1/2: a (w x 2h) box and its
    lower half (overlap wh, union 2wh). Integer areas make the division exact."""
    k, h = (int(v) for v in rng.integers(1, 6, size=2))
    pair = [[0, 0, 2 * k, h], [k, 0, 3 * k, h]] if threshold == 1 / 3 else [[0, 0, k, 2 * h], [0, 0, k, h]]
    return as_boxes(pair) + np.tile(offset, 2)


def threshold_scene(rng, threshold):
    """Separated clusters: pairs at exactly ``threshold``, identical boxes with tied scores, a
    jittered group, a pair just below ``threshold`` (see THIRD); scores out of index order."""
    offsets = [np.array([40.0 * i, float(rng.integers(0, 20))]) for i in range(5)]
    pairs = [at_threshold(rng, threshold, offsets[i]) for i in range(2)]
    twin = np.repeat(as_boxes([[0, 0, 6, 4]]) + np.tile(offsets[2], 2), 2, axis=0)
    group = jitter(rng, np.repeat(as_boxes([[0, 0, 12, 9]]) + np.tile(offsets[3], 2), 4, axis=0), 0.1)
    boxes = np.concatenate([*pairs, twin, group, just_below(rng, threshold, offsets[4])])
    scores = rng.random(len(boxes))
    scores[4:6] = scores[4]  # the twins tie
    return shuffled(rng, boxes, scores)


def taken_best(rng, offset):
    """Ground truth g0 and g1 (g1 = g0 shifted by s w) and three detections of g0, best first:
    a (exactly g0) claims g0; b (shifted by t w, t < s / 2, so closer to g0) finds g0 taken
    and claims g1, its IoU with g1 (1 - s + t) / (1 + s - t) >= 0.58; c (a copy of g0) finds
    both taken: a false positive. PASCAL VOC gives b up; matching twice makes c a hit."""
    w, h = rng.uniform(6.0, 14.0, size=2)
    s, t = rng.uniform(0.2, 0.3), rng.uniform(0.03, 0.08)
    g0 = np.array([0.0, 0.0, w, h]) + np.tile(offset, 2)
    gt = np.stack([g0, g0 + [s * w, 0, s * w, 0]])
    det = np.stack([g0, g0 + [t * w, 0, t * w, 0], g0 + rng.uniform(-0.02, 0.02, size=4) * w])
    return gt, det, np.sort(rng.uniform(0.5, 1.0, size=3))[::-1]


def crowded_image(rng):
    """A taken-best cluster, a lone object with duplicate detections, and a stray detection."""
    gt, det, scores = taken_best(rng, np.array([0.0, float(rng.integers(0, 10))]))
    lone = random_boxes(rng, 1, field=10.0, sides=(6.0, 14.0)) + [60.0, 0.0, 60.0, 0.0]
    duplicates = jitter(rng, np.repeat(lone, int(rng.integers(2, 4)), axis=0), 0.04)
    stray = random_boxes(rng, 1, field=10.0) + [120.0, 0.0, 120.0, 0.0]
    det = np.concatenate([det, duplicates, stray])
    det_scores = np.concatenate([scores, rng.random(len(det) - 3)])
    return (*shuffled(rng, det, det_scores), np.concatenate([gt, lone]))


def just_below(rng, threshold, offset):
    """A box and a copy shifted sideways whose IoU is just below ``threshold``, by a third of what
    the pixel convention (+ 1 on every side) adds to it: that convention puts the pair above.

    For a (w x h) box shifted by d, IoU = (w - d) / (w + d), and with + 1 it gains
    2 d / ((w + d) (w + d + 1)), at least 0.037 for the sides and thresholds (0.3 to 0.7) drawn
    here: over 20000 draws the pair sat at least 0.012 below the threshold, and with + 1 at
    least 0.026 above it, far from any rounding."""
    w, h = rng.uniform(3.0, 6.0, size=2)
    d = w * (1 - threshold) / (1 + threshold)
    below = threshold - 2 * d / ((w + d) * (w + d + 1)) / 3
    d = w * (1 - below) / (1 + below)
    box = np.array([0.0, 0.0, w, h]) + np.tile(offset, 2)
    return box, box + [d, 0.0, d, 0.0]


def random_geometry(rng):
    """Two sets of boxes of different sizes: beside random pairs, an identical pair, a box
    nested in another (half its size, around its centre), a pair touching along an edge and
    a pair apart along both axes."""
    a, b = random_boxes(rng, int(rng.integers(4, 7))), random_boxes(rng, int(rng.integers(4, 8)))
    b[0] = a[0]
    centre, quarter = (a[1, :2] + a[1, 2:]) / 2, (a[1, 2:] - a[1, :2]) / 4
    b[1] = np.concatenate([centre - quarter, centre + quarter])
    b[2] = a[2] + np.tile([a[2, 2] - a[2, 0], 0.0], 2)  # moved right by its width
    b[3] = a[3] + np.tile(a[3, 2:] - a[3, :2] + rng.uniform(0.5, 3.0, size=2), 2)  # down and right, beyond it
    return a, b


def random_nms_scene(rng):
    """Five small objects, 6 to 9 candidates each, and apart from them a pair just below the
    threshold (both kept; the pixel convention drops one)."""
    threshold = float(rng.uniform(0.3, 0.7))
    boxes, scores = candidates(rng, random_boxes(rng, 5, field=40.0, sides=(3.0, 8.0)), int(rng.integers(6, 10)), share=0.15)
    pair = np.stack(just_below(rng, threshold, np.array([100.0, 0.0])))
    return (*shuffled(rng, np.concatenate([boxes, pair]), np.concatenate([scores, rng.random(2)])), threshold)


def planted(rng, offset):
    """One class's block of an mAP scene, where every matching or AP mistake changes the AP.

    Ground truth: the taken-best pair, a box with a detection just below IoU 0.5, a box nobody
    finds. Detections, by score in [0.9, 1): a stray false positive first, then the taken-best
    triple (hit, hit, duplicate) and the one just below 0.5: ranks F T T F F, so precision
    rises after the first hit (1/2 then 2/3) and the envelope differs from the raw curve."""
    gt, det, _ = taken_best(rng, offset)
    lone, near = just_below(rng, 0.5, offset + [40.0, 0.0])
    missed, stray = (random_boxes(rng, 1, field=5.0, sides=(3.0, 6.0))[0] + np.tile(offset + [x, 0.0], 2) for x in (60.0, 80.0))
    scores = np.concatenate([[rng.uniform(0.99, 1.0)], np.sort(rng.uniform(0.9, 0.99, size=4))[::-1]])
    return np.stack([stray, *det, near]), scores, np.concatenate([gt, [lone, missed]])


def scene_image(rng, labels):
    """One image of random objects of the given (non-empty) ``labels``, 0 to 3 jittered
    detections each (some labelled with another of the labels), a stray detection; scores
    below 0.9."""
    objects = random_boxes(rng, len(labels), field=60.0, sides=(3.0, 10.0))
    counts = rng.integers(0, 4, size=len(labels))
    boxes = np.concatenate([jitter(rng, np.repeat(objects, counts, axis=0), 0.15), random_boxes(rng, 1, field=60.0)])
    det_labels = np.append(np.repeat(labels, counts), rng.choice(labels))
    flip = rng.random(len(det_labels)) < 0.15
    det_labels[flip] = rng.choice(labels, size=int(flip.sum()))
    boxes, scores = shuffled(rng, boxes, 0.9 * rng.random(len(boxes)))
    return {"boxes": boxes, "scores": scores, "labels": det_labels.astype(np.int64)}, {"boxes": objects, "labels": np.asarray(labels, dtype=np.int64)}


def random_scene(rng, num_classes, without=None):
    """A first image holding a planted block per class, and 2 to 4 images of random objects.

    Class ``without`` has no ground truth, only detections: a random image's detection
    relabelled as it."""
    present = [c for c in range(num_classes) if c != without]
    blocks = [planted(rng, np.array([150.0 * k, 0.0])) for k in range(len(present))]
    first = ({"boxes": np.concatenate([b[0] for b in blocks]), "scores": np.concatenate([b[1] for b in blocks]),
              "labels": np.repeat(present, 5).astype(np.int64)},
             {"boxes": np.concatenate([b[2] for b in blocks]), "labels": np.repeat(present, 4).astype(np.int64)})
    scene = [first] + [scene_image(rng, rng.choice(present, size=int(rng.integers(1, 5)))) for _ in range(int(rng.integers(2, 5)))]
    if without is not None:
        scene[1][0]["labels"][0] = without
    return [detection for detection, _ in scene], [truth for _, truth in scene]


# -- plans -----------------------------------------------------------------------------------

def single(function, draw, output):
    """One call ``function(*draw(rng))`` and its result, named ``output``."""
    def build(rng):
        call = Call(function, *draw(rng))
        return Plan([call], {output: call.out})
    return build


def several(function, draws):
    """One call per (output name, argument draw): ``function(*draw(rng))``, each result named."""
    def build(rng):
        calls = {name: Call(function, *draw(rng)) for name, draw in draws}
        return Plan(list(calls.values()), {name: call.out for name, call in calls.items()})
    return build


def raising(name, function, *args, **kwargs) -> Case:
    """A case worth 0.5 whose one call the contract says must raise ValueError."""
    def build(rng):
        call = Call(function, *args, **kwargs)
        return Plan([call], {"result": call.out})
    return Case(f"{function} raises ValueError: {name}", 0.5, build, Raises(ValueError, name))


def map_plan(draw):
    """One mean_average_precision(*draw(rng)) call, judged on ap and mAP."""
    def build(rng):
        call = Call("mean_average_precision", *draw(rng))
        return Plan([call], {"ap": call.out[1], "mAP": call.out[0]})  # ap first: its message names the class
    return build


# -- fixed inputs ----------------------------------------------------------------------------

AREA_BOXES = as_boxes([[0, 0, 3, 2], [2, 5, 5, 5], [1.5, 1, 1.5, 4], [-2, -3, 2, 0.5], [0.25, 0.5, 1.75, 3.25]])
# rows of GEOMETRY_A against GEOMETRY_B: disjoint, touching edge, touching corner, nested, identical, partial
GEOMETRY_A = as_boxes([[0, 0, 2, 2], [0, 0, 4, 4], [1, 2, 4, 7], [0, 0, 4, 2]])
GEOMETRY_B = as_boxes([[3, 3, 5, 5], [2, 0, 4, 2], [2, 2, 4, 4], [1, 1, 3, 3], [1, 2, 4, 7], [2, 1, 6, 3], [-1, 5, 2, 9]])
# zero width, zero height, a point, inside and outside positive boxes and each other: empty unions
DEGENERATE_A = as_boxes([[1, 1, 1, 3], [0, 2, 4, 2], [2, 2, 2, 2], [0, 0, 4, 4]])
DEGENERATE_B = as_boxes([[1, 1, 1, 3], [2, 2, 2, 2], [0, 0, 4, 4], [5, 5, 5, 6]])
# IoU 1/3 (overlap 1, union 3) and 1/2 (overlap 2, union 4), both kept; a pair just below
# (3/11 and 7/15), kept too, that the pixel convention would put above (5/13 and 9/17), so that
# a pixel-area IoU is not mistaken for suppression at the threshold; scores against index order
THIRD = (as_boxes([[1, 0, 3, 1], [0, 0, 2, 1], [10, 0, 12, 1], [20, 0, 23.5, 2], [22, 0, 25.5, 2]]), np.array([0.6, 0.9, 0.3, 0.5, 0.4]), 1 / 3)
HALF = (as_boxes([[0, 0, 2, 1], [5, 5, 6, 6], [0, 0, 2, 2], [20, 0, 25.5, 3], [22, 0, 27.5, 3]]), np.array([0.8, 0.1, 0.95, 0.2, 0.7]), 0.5)
# identical boxes with tied scores: the lower index is kept, and keep follows the scores
TIES = (as_boxes([[10, 10, 12, 12], [0, 0, 4, 4], [0, 0, 4, 4], [10, 10, 12, 12], [20, 0, 21, 1]]), np.array([0.5, 0.7, 0.7, 0.5, 0.9]), 0.5)
OBJECTS = as_boxes([[5, 5, 20, 15], [14, 8, 26, 22], [40, 30, 48, 45]])
# det 2 (0.95) claims gt 0; det 0 (0.9) is closer to gt 0 (IoU 9/11) than to gt 1 (IoU 2/3 >= 0.5),
# finds gt 0 taken and claims gt 1; det 1, a copy of gt 1, finds both taken (COCO: false positive);
# det 3 overlaps the lone gt 2 by 2/3: a hit, that an IoU over a double-counted union (2/5) misses
TAKEN = (as_boxes([[1, 0, 11, 10], [3, 0, 13, 10], [0, 0, 10, 10], [22, 0, 32, 10]]), np.array([0.9, 0.6, 0.95, 0.5]),
         as_boxes([[0, 0, 10, 10], [3, 0, 13, 10], [20, 0, 30, 10]]))
# the ground truth of TAKEN in reverse order: the same answer, the best box now has index 2
TAKEN_REVERSED = (TAKEN[0], TAKEN[1], TAKEN[2][::-1].copy())
# dets 0 and 1 tie on gt 0 (the lower index wins, 1 is a duplicate); det 2 overlaps gt 1 by
# exactly 1/2 (a hit: >=); det 3 overlaps nothing; det 4 overlaps gt 2 by 2/3 (a hit)
DUPLICATES = (as_boxes([[0, 0, 4, 4], [0, 0, 4, 4], [10, 0, 14, 2], [20, 20, 24, 24], [22, 0, 32, 10]]), np.array([0.7, 0.7, 0.4, 0.8, 0.5]),
              as_boxes([[0, 0, 4, 4], [10, 0, 14, 4], [20, 0, 30, 10]]))
# det 0 overlaps gts 0 and 1 by exactly 12/20 = 0.6 each and claims gt 0 (ties: the lower index);
# det 1, a copy of gt 1, then finds it free (a hit); det 2, a copy of gt 0, finds it taken and
# gt 1 at 1/3 (a false positive): [T, T, F]. The tie given to gt 1 turns this into [T, F, T].
GT_TIE = (as_boxes([[1, 0, 5, 4], [2, 0, 6, 4], [0, 0, 4, 4]]), np.array([0.9, 0.8, 0.7]), as_boxes([[0, 0, 4, 4], [2, 0, 6, 4]]))
# one detection, one ground truth, boxes smaller than one unit: IoU (0.25 x 0.3) / (0.15 + 0.15 - 0.075) = 1/3,
# a hit at 0.3 and a miss at 0.34 (the pixel convention's + 1 makes it 0.71: a hit at both)
TINY = (as_boxes([[0.0, 0.0, 0.5, 0.3]]), np.array([0.4]), as_boxes([[0.25, 0.0, 0.75, 0.3]]))
# (scores, is_tp, num_gt), AP worked out in tests/test_detection_reference.py: 17/30, 29/75, 2/3, 0
HAND_AP = {
    "AP of ranks T F T F T, 4 ground-truth boxes": ([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1], 4),
    "AP of ranks F T T F T given out of order, 5 ground-truth boxes": ([0.6, 0.95, 0.7, 0.8, 0.3], [0, 0, 1, 1, 1], 5),
    "AP of two hits, 3 ground-truth boxes": ([0.3, 0.7], [1, 1], 3),
    "AP of three false positives": ([0.3, 0.2, 0.1], [0, 0, 0], 2),
}
# ties: ranks 1 (T), 0 (F), 2 (T): AP 5/6; and ranks 2 (T), 0 (F), 1 (F), 3 (T) with 3 boxes: AP 1/3 + 1/3 * 1/2
TIED_AP = {
    "AP of scores 0.5, 0.9, 0.5": ([0.5, 0.9, 0.5], [0, 1, 1], 2),
    "AP of scores 0.4, 0.4, 0.8, 0.4": ([0.4, 0.4, 0.8, 0.4], [0, 0, 1, 1], 3),
}


def hand_scene():
    """Two images, three classes; class 1 has ground truth but no detection (AP 0)."""
    detections = [
        {"boxes": as_boxes([[0, 0, 4, 4], [0.5, 0, 4.5, 4], [20, 20, 22, 22]]), "scores": np.array([0.9, 0.8, 0.7]), "labels": np.array([0, 0, 2])},
        {"boxes": as_boxes([[0, 0, 4, 4], [30, 30, 34, 34], [31, 30, 35, 34]]), "scores": np.array([0.75, 0.85, 0.2]), "labels": np.array([0, 2, 2])},
    ]
    ground_truths = [
        {"boxes": as_boxes([[0, 0, 4, 4], [10, 10, 14, 14]]), "labels": np.array([0, 1])},
        {"boxes": as_boxes([[0, 0, 4, 4], [50, 50, 52, 52], [31, 30, 35, 34]]), "labels": np.array([0, 0, 2])},
    ]
    return detections, ground_truths


def hand_scene_without(rng):
    """hand_scene with class 3 added, which has a detection but no ground truth: NaN, left out."""
    detections, ground_truths = hand_scene()
    detections[0] = {"boxes": np.concatenate([detections[0]["boxes"], as_boxes([[10, 10, 14, 14]])]),
                     "scores": np.append(detections[0]["scores"], 0.95), "labels": np.append(detections[0]["labels"], 3)}
    return detections, ground_truths, 4


def hand_scene_with_labels_in_boxes():
    """hand_scene with the second image's ground-truth labels appended to its boxes as a fifth column: (3, 5)."""
    detections, ground_truths = hand_scene()
    gt = ground_truths[1]
    ground_truths[1] = {"boxes": np.column_stack([gt["boxes"], gt["labels"]]), "labels": gt["labels"]}
    return detections, ground_truths


def random_ap(rng):
    """A random ranking of 15 to 40 detections, about half hits, and 1 to 4 boxes never found."""
    n = int(rng.integers(15, 41))
    is_tp = rng.random(n) < rng.uniform(0.3, 0.7)
    is_tp[rng.integers(n)] = True
    return rng.random(n), is_tp, int(is_tp.sum() + rng.integers(1, 5))


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result, computed by a wrong implementation written
# here; a hint is offered only when the student's answer matches it and it differs from
# the right one (see autograder/hints.py).

def iou_variant(plus=0.0, double_counted=False, empty=0.0, clip_product=False):
    """box_iou with ``plus`` added to every side (the pixel convention's + 1), the intersection
    left in the union when ``double_counted``, ``empty`` where the union is 0, and with
    ``clip_product`` the overlaps along x and y multiplied before clipping at 0 (two negative
    overlaps, for boxes apart along both axes, make a positive "intersection")."""
    def box_iou(boxes1, boxes2):
        a, b = as_boxes(boxes1)[:, None, :], as_boxes(boxes2)[None, :, :]
        sides = np.minimum(a[..., 2:], b[..., 2:]) - np.maximum(a[..., :2], b[..., :2]) + plus
        if clip_product:
            inter = np.clip(sides[..., 0] * sides[..., 1], 0.0, None)
        else:
            sides = np.clip(sides, 0.0, None)
            inter = sides[..., 0] * sides[..., 1]
        area_a, area_b = ((box[..., 2:] - box[..., :2] + plus).prod(axis=-1) for box in (a, b))
        union = area_a + area_b - (0.0 if double_counted else inter)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(union > 0, inter / np.where(union > 0, union, 1.0), empty)
    return box_iou


def pixel_area(boxes):
    """box_area with the pixel convention's + 1 on each side."""
    return (as_boxes(boxes)[:, 2:] - as_boxes(boxes)[:, :2] + 1.0).prod(axis=1)


def ranking(scores, order):
    """Indices in the order a variant visits them: "stable" (right: decreasing, ties to the lower
    index), "reversed" (np.argsort(scores)[::-1]: ties to the higher index) or "index" (unsorted)."""
    scores = np.asarray(scores, dtype=np.float64)
    if order == "index":
        return np.arange(len(scores))
    if order == "reversed":
        return np.argsort(scores, kind="stable")[::-1]
    return np.argsort(-scores, kind="stable")


def nms_variant(order="stable", strict=True):
    """Greedy NMS visiting the boxes in ``order`` (see :func:`ranking`); ``strict=False`` drops
    boxes at IoU >= threshold, not only above it."""
    def nms(boxes, scores, iou_threshold):
        iou = iou_variant()(boxes, boxes)
        suppressed = np.zeros(len(iou), dtype=bool)
        keep = []
        for i in ranking(scores, order):
            if not suppressed[i]:
                keep.append(i)
                suppressed |= (iou[i] > iou_threshold) if strict else (iou[i] >= iou_threshold)
        return np.array(keep, dtype=np.int64)
    return nms


def match_variant(rule="coco", order="stable", strict=False, last_tie=False):
    """Greedy matching by ``rule``: "coco" (right), "voc" (only the single best box; a miss if it
    is taken) or "twice" (a box may be matched again); ``strict``: IoU > threshold, not >=;
    ``last_tie``: of ground truths tied at the best IoU, the higher index claimed."""
    def match_detections(det_boxes, det_scores, gt_boxes, iou_threshold=0.5):
        iou = iou_variant()(det_boxes, gt_boxes)
        matched = np.zeros(iou.shape[1], dtype=bool)
        is_tp = np.zeros(iou.shape[0], dtype=bool)
        if iou.shape[1] == 0:
            return is_tp
        for d in ranking(det_scores, order):
            free = iou[d] if rule == "twice" else np.where(matched, -1.0, iou[d])
            best = iou[d] if rule == "voc" else free
            g = best.size - 1 - int(np.argmax(best[::-1])) if last_tie else int(np.argmax(best))
            good = free[g] > iou_threshold if strict else free[g] >= iou_threshold
            if good:
                matched[g] = is_tp[d] = True
        return is_tp
    return match_detections


def ap_variant(rule="envelope", order="stable"):
    """AP with the envelope (right), "raw" (precision as it is), "11-point" (PASCAL VOC 2007's mean
    of the envelope at recall 0, 0.1, ..., 1) or "found" (recall over the hits, not num_gt)."""
    def average_precision(scores, is_tp, num_gt):
        hits = np.asarray(is_tp, dtype=bool)[ranking(scores, order)]
        if hits.size == 0:
            return 0.0
        found = np.cumsum(hits)
        precision = found / np.arange(1, hits.size + 1)
        recall = found / (max(int(hits.sum()), 1) if rule == "found" else num_gt)
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        if rule == "11-point":
            return float(np.mean([precision[recall >= level].max(initial=0.0) for level in np.linspace(0, 1, 11)]))
        return float(np.sum(np.diff(recall, prepend=0.0) * (precision if rule == "raw" else envelope)))
    return average_precision


def absent_class_as_zero(expected, plan):
    """mAP's outputs with a class without ground truth given AP 0 and counted in the mean."""
    ap = np.nan_to_num(expected["ap"], nan=0.0)
    return {"ap": ap, "mAP": float(ap.mean())}


PIXEL_AREA = Hint(
    "pixel areas (+ 1)", "Your areas add 1 to the width and height, the pixel-index convention of old PASCAL code; "
    "boxes here have continuous coordinates: a box from x1 = 2 to x2 = 5 is 3 wide.", replace={"box_area": pixel_area})
PIXEL_IOU = Hint(
    "pixel IoU (+ 1)", "Your IoU adds 1 to every width and height (the pixel-index convention); with continuous "
    "coordinates the area is (x2 - x1) * (y2 - y1), and boxes that only touch do not overlap.",
    replace={"box_iou": iou_variant(plus=1.0)})
UNION_DOUBLE = Hint(
    "intersection counted twice", "Your IoU divides by area(A) + area(B), which counts the intersection twice: "
    "the union is area(A) + area(B) - intersection, so identical boxes have IoU 1, not 1/2.",
    replace={"box_iou": iou_variant(double_counted=True)})
CLIPPED_PRODUCT = Hint(
    "overlaps clipped after multiplying", "Your IoU is positive for boxes apart along both x and y: two negative "
    "overlaps multiply to a positive number. Clip the width and the height of the intersection at 0 each, then multiply.",
    replace={"box_iou": iou_variant(clip_product=True)})
EMPTY_UNION = Hint(
    "0 / 0 where the union is empty", "Your IoU is NaN for two boxes of zero area: their union is empty, and the "
    "contract says the IoU is 0 there (divide only where the union is positive).",
    replace={"box_iou": iou_variant(empty=np.nan)})
NMS_AT_THRESHOLD = Hint(
    "NMS suppresses at the threshold", "Your NMS drops a box whose IoU equals the threshold; it drops only boxes "
    "with IoU strictly greater (>), as torchvision.ops.nms.", replace={"nms": nms_variant(strict=False)})
NMS_UNSORTED = Hint(
    "NMS without sorting", "Your NMS visits the boxes in index order; greedy NMS keeps the highest-scoring "
    "remaining box first, so sort by decreasing score (keep is in that order too).", replace={"nms": nms_variant(order="index")})
TIES_REVERSED = Hint(
    "ties to the higher index", "Your result breaks score ties towards the higher index, as np.argsort(scores)[::-1] "
    "does; the contract sorts stably in decreasing order, np.argsort(-scores, kind=\"stable\"), so ties go to the lower index.",
    replace={"nms": nms_variant(order="reversed"), "match_detections": match_variant(order="reversed"),
             "average_precision": ap_variant(order="reversed")})
GT_TIE_REVERSED = Hint(
    "IoU ties to the higher ground-truth index", "Your detection claimed the later of two ground-truth boxes with "
    "exactly the same IoU; the contract gives the tie to the lower index (the first maximum, as np.argmax does).",
    replace={"match_detections": match_variant(last_tie=True)})
MATCHED_TWICE = Hint(
    "a ground truth matched twice", "Your matching lets several detections claim the same ground-truth box; each box "
    "is found once: a second detection of it is a false positive (a duplicate), unless another free box fits it.",
    replace={"match_detections": match_variant(rule="twice")})
VOC_MATCHING = Hint(
    "only the best ground truth", "Your matching gives up when a detection's best ground-truth box is taken; COCO's "
    "greedy rule lets it claim the best box still unmatched, if that one has IoU >= the threshold.",
    replace={"match_detections": match_variant(rule="voc")})
MATCH_STRICT = Hint(
    "match needs IoU > threshold", "Your matching rejects a detection whose IoU equals the threshold; a match "
    "needs IoU >= iou_threshold.", replace={"match_detections": match_variant(strict=True)})
NO_ENVELOPE = Hint(
    "AP without the envelope", "Your AP sums the raw precision at each recall step; interpolated AP first makes "
    "precision non-increasing from the right (p_interp(r) = max precision at recall >= r), the curve's envelope.",
    replace={"average_precision": ap_variant(rule="raw")})
ELEVEN_POINT = Hint(
    "11-point AP", "Your AP is the 11-point average of PASCAL VOC 2007 (the envelope at recall 0, 0.1, ..., 1); "
    "the all-point AP sums (r_k - r_{k-1}) * p_interp(r_k) over every recall step.",
    replace={"average_precision": ap_variant(rule="11-point")})
RECALL_OVER_HITS = Hint(
    "recall over the hits", "Your recall divides by the number of true positives; it divides by num_gt, so "
    "ground-truth boxes no detection found keep the recall, and the AP, below 1.",
    replace={"average_precision": ap_variant(rule="found")})
ABSENT_AS_ZERO = Hint(
    "class without ground truth counted as 0", "Your ap is 0 (and counts in the mean) for a class with no "
    "ground-truth box; its recall would divide by 0 boxes, so its AP is undefined: NaN, left out of mAP.",
    wrong=absent_class_as_zero)

IOU_HINTS = (PIXEL_IOU, UNION_DOUBLE, CLIPPED_PRODUCT)
NMS_HINTS = (NMS_AT_THRESHOLD, NMS_UNSORTED, TIES_REVERSED)
MATCH_HINTS = (MATCHED_TWICE, VOC_MATCHING, MATCH_STRICT, TIES_REVERSED)
AP_HINTS = (NO_ENVELOPE, ELEVEN_POINT, RECALL_OVER_HITS, TIES_REVERSED)


# -- the suite -------------------------------------------------------------------------------

THRESHOLD_NAMES = {1 / 3: "keep at threshold 1/3", 0.5: "keep at threshold 1/2"}

SUITE = Suite("detection", (
    Case("box_area", 1, single("box_area", fixed(AREA_BOXES), "areas"), about="(x2 - x1) * (y2 - y1), 0 for flat boxes",
         hints=(PIXEL_AREA,)),
    Case("box_area, random boxes", 1, single("box_area", lambda rng: (random_boxes(rng, int(rng.integers(3, 9))),), "areas"),
         visibility="hidden", hints=(PIXEL_AREA,)),
    raising("an inverted box", "box_area", as_boxes([[0, 0, 2, 2], [3, 1, 2, 4]])),
    raising("shape (N, 5)", "box_area", np.zeros((3, 5))),
    Case("box_iou, hand-picked geometry", 2, single("box_iou", fixed(GEOMETRY_A, GEOMETRY_B), "iou"),
         about="disjoint, touching, nested, identical, partial overlaps", hints=IOU_HINTS),
    Case("box_iou, boxes of zero area", 1, single("box_iou", fixed(DEGENERATE_A, DEGENERATE_B), "iou"),
         about="0 where the union is empty, not NaN", hints=(EMPTY_UNION, *IOU_HINTS)),
    Case("box_iou, random boxes", 2, single("box_iou", random_geometry, "iou"), visibility="hidden", hints=IOU_HINTS),
    raising("an inverted box in boxes2", "box_iou", GEOMETRY_A, as_boxes([[0, 0, 1, 1], [0, 3, 1, 2]])),
    raising("a single box of shape (4,)", "box_iou", np.array([0.0, 0.0, 1.0, 1.0]), GEOMETRY_B),
    Case("nms, IoU exactly at the threshold", 2, several("nms", [(THRESHOLD_NAMES[t], fixed(*case)) for case, t in ((THIRD, 1 / 3), (HALF, 0.5))]),
         about="a box at IoU == threshold is kept (>, not >=)", hints=NMS_HINTS),
    Case("nms, tied scores", 1, single("nms", fixed(*TIES), "keep"), about="ties go to the lower index", hints=NMS_HINTS),
    Case("nms, a scene of jittered candidates", 2, single("nms", lambda rng: (*candidates(rng, OBJECTS, 6), 0.5), "keep"),
         hints=NMS_HINTS),
    Case("nms, random scenes", 2, single("nms", random_nms_scene, "keep"), visibility="hidden", hints=NMS_HINTS),
    Case("nms, random scenes at the threshold, with ties", 2,
         several("nms", [(name, lambda rng, t=t: (*threshold_scene(rng, t), t)) for t, name in THRESHOLD_NAMES.items()]),
         visibility="hidden", hints=NMS_HINTS),
    # the inverted box scores lower and overlaps nothing: an nms without the check returns [0, 1]
    raising("an inverted box", "nms", as_boxes([[0, 0, 2, 2], [3, 1, 2, 4]]), np.array([0.9, 0.8]), 0.5),
    Case("match_detections, best ground truth already taken", 2,
         several("match_detections", [("is_tp", fixed(*TAKEN)), ("is_tp, ground truth reversed", fixed(*TAKEN_REVERSED))]),
         about="COCO: the next unmatched box with IoU >= 0.5", hints=MATCH_HINTS),
    Case("match_detections, duplicates, ties and IoU exactly 0.5", 2, single("match_detections", fixed(*DUPLICATES), "is_tp"),
         hints=MATCH_HINTS),
    Case("match_detections, two ground truths tied at the best IoU", 1, single("match_detections", fixed(*GT_TIE), "is_tp"),
         about="the lower ground-truth index wins", hints=(GT_TIE_REVERSED, *MATCH_HINTS)),
    # at the upper limit 1 only exact copies match: [F, T, T, F]; a strict > (or refusing 1) finds none
    # no hint: an IoU that is wrong everywhere also finds no exact copy, and would look strict
    Case("match_detections, iou_threshold = 1 (the upper limit)", 1, single("match_detections", fixed(*TAKEN, 1.0), "is_tp"),
         about="allowed: 0 < iou_threshold <= 1"),
    Case("match_detections, one detection and one ground truth smaller than one unit", 1,
         several("match_detections", [("is_tp at 0.3", fixed(*TINY, 0.3)), ("is_tp at 0.34", fixed(*TINY, 0.34))]), hints=MATCH_HINTS),
    Case("match_detections, an image without ground truth", 1, single("match_detections", fixed(TAKEN[0], TAKEN[1], np.zeros((0, 4))), "is_tp")),
    Case("match_detections, crowded random scenes", 3,
         several("match_detections", [(f"is_tp, image {i}", crowded_image) for i in (1, 2)]), visibility="hidden", hints=MATCH_HINTS),
    raising("iou_threshold = 0", "match_detections", *TAKEN, iou_threshold=0.0),
    raising("iou_threshold = 1.5", "match_detections", *TAKEN, iou_threshold=1.5),
    # the inverted detection scores lowest and overlaps nothing: a matching without the check calls it a false positive
    raising("an inverted box in det_boxes", "match_detections", as_boxes([*TAKEN[0][:3], [32, 0, 22, 10]]), TAKEN[1], TAKEN[2]),
    Case("average_precision, sequences worked out by hand", 3,
         several("average_precision", [(name, fixed(np.array(s), np.array(t, dtype=bool), g)) for name, (s, t, g) in HAND_AP.items()]),
         about="17/30, 29/75, 2/3 and 0", hints=AP_HINTS),
    Case("average_precision, tied scores", 1,
         several("average_precision", [(name, fixed(np.array(s), np.array(t, dtype=bool), g)) for name, (s, t, g) in TIED_AP.items()]),
         about="stable: ties to the lower index", hints=AP_HINTS),
    Case("average_precision, no detections", 0.5, single("average_precision", fixed(np.zeros(0), np.zeros(0, dtype=bool), 3), "AP")),
    Case("average_precision, random sequences", 2, several("average_precision", [(f"AP {i}", random_ap) for i in (1, 2, 3)]),
         visibility="hidden", hints=AP_HINTS),
    raising("num_gt = 0", "average_precision", np.array([0.5]), np.array([False]), 0),
    raising("more true positives than num_gt", "average_precision", np.array([0.5, 0.4, 0.3]), np.array([True, True, False]), 1),
    Case("mean_average_precision, two images, a class without detections", 2, map_plan(lambda rng: (*hand_scene(), 3)),
         about="a class with ground truth but no detection has AP 0"),
    Case("mean_average_precision, a class without ground truth", 1, map_plan(hand_scene_without),
         about="NaN in ap, left out of mAP", hints=(ABSENT_AS_ZERO,)),
    Case("mean_average_precision, random scenes", 2, map_plan(lambda rng: (*random_scene(rng, 3), 3)), visibility="hidden"),
    Case("mean_average_precision, random scenes with a class without ground truth", 1,
         map_plan(lambda rng: (*random_scene(rng, 4, without=int(rng.integers(4))), 4)), visibility="hidden", hints=(ABSENT_AS_ZERO,)),
    raising("lists of different lengths", "mean_average_precision", hand_scene()[0][:1], hand_scene()[1], 3),
    # the first four columns are the right boxes: code that ignores the fifth gets hand_scene's answer
    raising("ground-truth boxes of shape (3, 5)", "mean_average_precision", *hand_scene_with_labels_in_boxes(), 3),
))
