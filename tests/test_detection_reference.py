"""The detection reference proven against a second, independent implementation and hand-worked values.

torchvision's box ops cannot be installed beside the CPU build of torch here, so the oracle
is written below: plain Python loops over Python floats, one pair, one box, one rank at a
time, structured differently from the vectorized reference (IoU from the overlap along
each axis, NMS by filtering a list, matching by scanning candidates, AP as the mean of the
interpolated precision at each true positive). The two agree on many random inputs, among
them integer coordinates and scores with many exact ties; AP also matches values worked out
by hand in the comments. Hypothesis checks properties that need no oracle (IoU symmetric and 1
on the diagonal, every box NMS drops explained by a kept one, AP bounded by the recall and
independent of the input order). The last tests check that the student stub has the reference's API.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load

pytestmark = pytest.mark.detection

ROOT = Path(__file__).parents[1]

# SPEC order; task 11.k is the k-th name
SPEC_FUNCTIONS = ["box_area", "box_iou", "nms", "match_detections", "average_precision", "mean_average_precision"]


ref = load(ROOT / "solutions" / "detection.py", "reference_detection")
stub = load(ROOT / "assignments" / "detection.py", "stub_detection")


# --- the oracle: loops over Python floats -------------------------------------------------


def pair_iou(a, b) -> float:
    """IoU of two boxes given as 4 numbers; 0 when the union is empty."""
    overlap_x = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    overlap_y = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = overlap_x * overlap_y
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def ranked(scores) -> list:
    """Indices by decreasing score, ties to the lower index: sorted on (-score, index)."""
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))


def oracle_nms(boxes, scores, threshold) -> list:
    remaining = ranked(scores)
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [i for i in remaining if not pair_iou(boxes[best], boxes[i]) > threshold]
    return keep


def oracle_match(det_boxes, det_scores, gt_boxes, threshold) -> list:
    is_tp = [False] * len(det_boxes)
    taken = set()
    for d in ranked(det_scores):
        best, best_iou = None, -1.0
        for g in range(len(gt_boxes)):
            overlap = pair_iou(det_boxes[d], gt_boxes[g])
            if g not in taken and overlap >= threshold and overlap > best_iou:  # strict: the lower index keeps a tie
                best, best_iou = g, overlap
        if best is not None:
            taken.add(best)
            is_tp[d] = True
    return is_tp


def oracle_ap(scores, is_tp, num_gt) -> float:
    """The mean, over all num_gt ground-truth boxes, of the interpolated precision at the rank
    where each was found (0 for those never found): the same area, summed by recall steps."""
    hits = [bool(is_tp[i]) for i in ranked(scores)]
    precision = [sum(hits[: k + 1]) / (k + 1) for k in range(len(hits))]
    total = 0.0
    for k, hit in enumerate(hits):
        if hit:
            total += max(precision[k:])
    return total / num_gt


def oracle_map(detections, ground_truths, num_classes, threshold):
    ap = []
    for c in range(num_classes):
        scores, hits, num_gt = [], [], 0
        for det, gt in zip(detections, ground_truths):
            mine = [i for i in range(len(det["labels"])) if det["labels"][i] == c]
            truth = [gt["boxes"][g] for g in range(len(gt["labels"])) if gt["labels"][g] == c]
            num_gt += len(truth)
            scores += [det["scores"][i] for i in mine]
            hits += oracle_match([det["boxes"][i] for i in mine], [det["scores"][i] for i in mine], truth, threshold)
        ap.append(oracle_ap(scores, hits, num_gt) if num_gt else math.nan)
    found = [value for value in ap if not math.isnan(value)]
    return sum(found) / len(found), ap


# --- random inputs ------------------------------------------------------------------------


def random_boxes(rng, n, integer=False, size=10.0):
    """n boxes in a 20 x 20 field, some of zero width or height; integer corners when asked."""
    corners = rng.uniform(0, 20, size=(n, 2))
    sides = rng.uniform(0, size, size=(n, 2)) * (rng.random((n, 2)) > 0.1)
    boxes = np.concatenate([corners, corners + sides], axis=1)
    return np.round(boxes) if integer else boxes


def random_scores(rng, n, integer=False):
    """Scores in [0, 1), or in {0, 1, 2} (many ties) when asked."""
    return rng.integers(0, 3, size=n).astype(np.float64) if integer else rng.random(n)


def jittered(rng, gt_boxes, count, jitter):
    """``count`` detections near randomly picked ground-truth boxes (several per box)."""
    if len(gt_boxes) == 0:
        return random_boxes(rng, count)
    base = gt_boxes[rng.integers(len(gt_boxes), size=count)]
    boxes = base + rng.normal(scale=jitter, size=base.shape)
    return np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2026)


# --- 11.1, 11.2 areas and IoU -------------------------------------------------------------


def test_box_area_of_hand_picked_boxes():
    """Width times height in continuous coordinates (no + 1), 0 for a box of zero width or height."""
    boxes = np.array([[0, 0, 3, 2], [2, 5, 5, 5], [1.5, 1, 1.5, 4], [-2, -3, 2, 0.5], [7, 7, 7, 7]], dtype=float)
    np.testing.assert_array_equal(ref.box_area(boxes), [6.0, 0.0, 0.0, 14.0, 0.0])
    assert ref.box_area(np.zeros((0, 4))).shape == (0,)


# (box a, box b, IoU): each geometry worked out by hand
GEOMETRY = [
    pytest.param([0, 0, 2, 2], [3, 3, 5, 5], 0.0, id="disjoint"),
    pytest.param([0, 0, 2, 2], [2, 0, 4, 2], 0.0, id="touching-edges"),
    pytest.param([0, 0, 2, 2], [2, 2, 4, 4], 0.0, id="touching-corners"),
    pytest.param([0, 0, 4, 4], [1, 1, 3, 3], 4 / 16, id="nested"),
    pytest.param([1, 2, 4, 7], [1, 2, 4, 7], 1.0, id="identical"),
    pytest.param([0, 0, 2, 1], [1, 0, 3, 1], 1 / 3, id="half-overlap-one-third"),
    pytest.param([0, 0, 4, 2], [2, 1, 6, 3], 2 / 14, id="corner-overlap"),
    pytest.param([0, 0, 0, 3], [0, 0, 2, 3], 0.0, id="zero-width-inside"),
    pytest.param([1, 1, 1, 1], [1, 1, 1, 1], 0.0, id="empty-union"),
]


@pytest.mark.parametrize("a, b, expected", GEOMETRY)
def test_box_iou_of_hand_picked_geometry(a, b, expected):
    """IoU is 0 for disjoint or touching boxes, area ratio when nested, 1 when identical, 0 for an empty union."""
    iou = ref.box_iou(np.array([a], dtype=float), np.array([b], dtype=float))
    assert iou.shape == (1, 1) and iou.dtype == np.float64
    assert iou[0, 0] == pytest.approx(expected, abs=1e-15)
    assert ref.box_iou(np.array([b], dtype=float), np.array([a], dtype=float))[0, 0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("integer", [False, True], ids=["continuous", "integer"])
def test_box_iou_agrees_with_the_loop_oracle(rng, integer):
    """Every pair's IoU equals the loop oracle's, including zero-area boxes, on many random sets."""
    for _ in range(40):
        n, m = rng.integers(0, 8, size=2)
        a, b = random_boxes(rng, n, integer), random_boxes(rng, m, integer)
        expected = np.array([[pair_iou(p, q) for q in b] for p in a]).reshape(n, m)
        np.testing.assert_allclose(ref.box_iou(a, b), expected, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ref.box_area(a), [(p[2] - p[0]) * (p[3] - p[1]) for p in a], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.floats(-50, 50, allow_nan=False)] * 2, *[st.floats(0, 30, allow_nan=False)] * 2), min_size=1, max_size=6))
def test_box_iou_is_symmetric_bounded_and_one_on_the_diagonal(rows):
    """IoU(a, b) = IoU(b, a), in [0, 1], and IoU(a, a) = 1 exactly where a has positive area."""
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in rows])
    iou = ref.box_iou(boxes, boxes)
    np.testing.assert_array_equal(iou, iou.T)
    assert np.all((iou >= 0) & (iou <= 1 + 1e-12))
    np.testing.assert_allclose(np.diag(iou), ref.box_area(boxes) > 0, rtol=1e-12)


@pytest.mark.parametrize("function", ["box_area", "box_iou"])
@pytest.mark.parametrize("boxes, message", [
    (np.zeros((3, 5)), r"must have shape \(N, 4\), got \(3, 5\)"),
    (np.zeros(4), r"must have shape \(N, 4\), got \(4,\)"),
    (np.array([[0.0, 0.0, -1.0, 1.0]]), "inverted box"),
    (np.array([[0.0, 2.0, 1.0, 1.0]]), "inverted box"),
])
def test_box_functions_reject_bad_shapes_and_inverted_boxes(function, boxes, message):
    """box_area and box_iou (either argument) raise ValueError for another shape or x2 < x1 or y2 < y1."""
    good = np.array([[0.0, 0.0, 1.0, 1.0]])
    calls = [(boxes,)] if function == "box_area" else [(boxes, good), (good, boxes)]
    for args in calls:
        with pytest.raises(ValueError, match=message):
            getattr(ref, function)(*args)


# --- 11.3 non-maximum suppression ---------------------------------------------------------


def test_nms_keeps_a_box_exactly_at_the_threshold():
    """IoU 1/3 and 1/2 (exact in floating point, integer corners) survive a threshold equal to them: > not >=."""
    one_third = np.array([[0, 0, 2, 1], [1, 0, 3, 1]], dtype=float)  # overlap 1, union 3
    half = np.array([[0, 0, 2, 2], [0, 0, 2, 1]], dtype=float)  # overlap 2, union 4
    for boxes, threshold in ((one_third, 1 / 3), (half, 0.5)):
        assert ref.box_iou(boxes[:1], boxes[1:])[0, 0] == threshold
        np.testing.assert_array_equal(ref.nms(boxes, np.array([0.9, 0.8]), threshold), [0, 1])
        np.testing.assert_array_equal(ref.nms(boxes, np.array([0.9, 0.8]), np.nextafter(threshold, 0)), [0])


def test_nms_breaks_score_ties_to_the_lower_index():
    """Identical boxes with equal scores: the lower index is kept; the keep order is by decreasing score."""
    boxes = np.array([[10, 10, 12, 12], [0, 0, 4, 4], [0, 0, 4, 4], [10, 10, 12, 12], [20, 0, 21, 1]], dtype=float)
    keep = ref.nms(boxes, np.array([0.5, 0.7, 0.7, 0.5, 0.9]), 0.5)
    assert keep.dtype == np.int64
    np.testing.assert_array_equal(keep, [4, 1, 0])


def test_nms_suppresses_only_from_kept_boxes():
    """A box suppressed by a kept one does not itself suppress: a chain A-B-C keeps A and C."""
    boxes = np.array([[0, 0, 4, 1], [2, 0, 6, 1], [4, 0, 8, 1]], dtype=float)  # neighbours overlap 1/3
    np.testing.assert_array_equal(ref.nms(boxes, np.array([0.9, 0.8, 0.7]), 0.3), [0, 2])
    np.testing.assert_array_equal(ref.nms(np.zeros((0, 4)), np.zeros(0), 0.5), np.zeros(0, dtype=np.int64))


@pytest.mark.parametrize("integer", [False, True], ids=["continuous", "integer-with-ties"])
def test_nms_agrees_with_the_loop_oracle(rng, integer):
    """The kept indices and their order equal the oracle's at thresholds across (0, 1], with ties in scores and IoU."""
    for _ in range(60):
        n = int(rng.integers(0, 25))
        boxes, scores = random_boxes(rng, n, integer), random_scores(rng, n, integer)
        threshold = float(rng.choice([0.0, 1 / 3, 0.5, rng.uniform(0, 1), 1.0]))
        keep = ref.nms(boxes, scores, threshold)
        assert keep.dtype == np.int64
        assert keep.tolist() == oracle_nms(boxes, scores, threshold)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 20), st.floats(0.05, 0.95))
def test_nms_keeps_a_set_that_explains_every_dropped_box(seed, n, threshold):
    """Kept boxes overlap each other by at most the threshold; every dropped box overlaps a kept box of at least its score by more."""
    generator = np.random.default_rng(seed)
    boxes, scores = random_boxes(generator, n), random_scores(generator, n, integer=seed % 2 == 0)
    keep = ref.nms(boxes, scores, threshold)
    iou = ref.box_iou(boxes, boxes)
    assert np.all(scores[keep][:-1] >= scores[keep][1:])
    assert np.all(iou[np.ix_(keep, keep)][~np.eye(len(keep), dtype=bool)] <= threshold)
    for dropped in sorted(set(range(n)) - set(keep.tolist())):
        assert any(iou[k, dropped] > threshold and scores[k] >= scores[dropped] for k in keep)


def test_nms_rejects_scores_of_the_wrong_shape():
    """nms raises ValueError when scores is not (N,)."""
    with pytest.raises(ValueError, match=r"scores must have shape \(2,\)"):
        ref.nms(np.zeros((2, 4)), np.zeros(3), 0.5)


# --- 11.4 matching ------------------------------------------------------------------------


def test_match_takes_the_next_ground_truth_when_the_best_is_taken():
    """COCO greedy: the second detection's best box is taken, so it claims the next one it overlaps >= 0.5."""
    gt = np.array([[0, 0, 4, 4], [1, 0, 5, 4]], dtype=float)  # the two overlap 3/5
    det = np.array([[0, 0, 4, 4], [0.5, 0, 4.5, 4]], dtype=float)  # the second: IoU 7/9 with both
    assert ref.box_iou(det[1:], gt)[0, 0] == pytest.approx(ref.box_iou(det[1:], gt)[0, 1])
    np.testing.assert_array_equal(ref.match_detections(det, np.array([0.9, 0.8]), gt), [True, True])
    # at a threshold above 7/9 the free box is too far: a false positive, beside a first detection at IoU 1
    np.testing.assert_array_equal(ref.match_detections(det, np.array([0.9, 0.8]), gt, iou_threshold=0.8), [True, False])


def test_match_claims_the_best_free_box_and_the_lower_index_on_ties():
    """A detection takes the free box of largest IoU; on tied IoU the lower index; a duplicate is a false positive."""
    gt = np.array([[0, 0, 2, 2], [1, 0, 3, 2], [10, 10, 12, 12]], dtype=float)
    det = np.array([[0.5, 0, 2.5, 2], [0.5, 0, 2.5, 2], [0.5, 0, 2.5, 2], [10, 10, 12, 12]], dtype=float)
    # each of the first three overlaps gt 0 and gt 1 by 3/5; the highest-scoring (index 1) takes gt 0,
    # index 0 (tied score with index 2, lower index first) takes gt 1, index 2 finds none left
    is_tp = ref.match_detections(det, np.array([0.6, 0.9, 0.6, 0.1]), gt)
    assert is_tp.dtype == np.bool_
    np.testing.assert_array_equal(is_tp, [True, True, False, True])
    assert oracle_match(det, [0.6, 0.9, 0.6, 0.1], gt, 0.5) == is_tp.tolist()


def test_match_with_no_ground_truth_or_no_detection():
    """Without ground truth every detection is a false positive; without detections is_tp is empty."""
    np.testing.assert_array_equal(ref.match_detections(np.ones((2, 4)), np.ones(2), np.zeros((0, 4))), [False, False])
    assert ref.match_detections(np.zeros((0, 4)), np.zeros(0), np.ones((3, 4))).shape == (0,)


def test_match_agrees_with_the_loop_oracle(rng):
    """is_tp equals the oracle's on crowded scenes: jittered duplicates, overlapping ground truth, score ties."""
    for trial in range(80):
        gt = random_boxes(rng, int(rng.integers(0, 6)), size=8.0)
        n = int(rng.integers(0, 12))
        det = jittered(rng, gt, n, jitter=float(rng.uniform(0.2, 2.0)))
        scores = random_scores(rng, n, integer=trial % 2 == 1)
        threshold = float(rng.choice([0.3, 0.5, 0.75, 1.0]))
        assert ref.match_detections(det, scores, gt, threshold).tolist() == oracle_match(det, scores, gt, threshold)


@pytest.mark.parametrize("threshold", [0.0, -0.5, 1.5, math.nan])
def test_match_rejects_a_threshold_outside_zero_one(threshold):
    """match_detections raises ValueError unless 0 < iou_threshold <= 1."""
    with pytest.raises(ValueError, match=r"iou_threshold must be in \(0, 1\]"):
        ref.match_detections(np.ones((1, 4)), np.ones(1), np.ones((1, 4)), iou_threshold=threshold)


@pytest.mark.parametrize("boxes, message", [(np.array([[3.0, 0.0, 1.0, 1.0]]), "inverted box"), (np.zeros((1, 5)), r"must have shape \(N, 4\)")])
@pytest.mark.parametrize("which", ["det_boxes", "gt_boxes"])
def test_match_rejects_an_inverted_box_and_another_shape(boxes, message, which):
    """match_detections raises ValueError, naming the argument, for an inverted box or another shape in either box array."""
    good = np.array([[0.0, 0.0, 1.0, 1.0]])
    det, gt = (boxes, good) if which == "det_boxes" else (good, boxes)
    with pytest.raises(ValueError, match=f"{which} .*{message}"):
        ref.match_detections(det, np.ones(1), gt)


# --- 11.5 average precision ---------------------------------------------------------------


# (scores, is_tp, num_gt, AP), each worked out by hand
HAND_AP = [
    # ranks T F T F T, num_gt 4: precision 1, 1/2, 2/3, 2/4, 3/5; recall .25, .25, .5, .5, .75;
    # envelope 1, 2/3, 2/3, 3/5, 3/5; AP = .25 * 1 + .25 * 2/3 + .25 * 3/5 = 17/30
    pytest.param([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1], 4, 17 / 30, id="T-F-T-F-T"),
    # given out of order; ranks F T T F T, num_gt 5: precision 0, 1/2, 2/3, 1/2, 3/5; recall 0, .2, .4, .4, .6;
    # envelope 2/3, 2/3, 2/3, 3/5, 3/5; AP = .2 * 2/3 + .2 * 2/3 + .2 * 3/5 = 29/75
    # (without the envelope .2 * 1/2 + .2 * 2/3 + .2 * 3/5 = 53/150)
    pytest.param([0.6, 0.95, 0.7, 0.8, 0.3], [0, 0, 1, 1, 1], 5, 29 / 75, id="F-T-T-F-T-shuffled"),
    # tied scores, stable: ranks are index 1 (T), 0 (F), 2 (T); precision 1, 1/2, 2/3; recall 1/2, 1/2, 1;
    # envelope 1, 2/3, 2/3; AP = 1/2 * 1 + 1/2 * 2/3 = 5/6 (index 2 before 0 would give 1)
    pytest.param([0.5, 0.9, 0.5], [0, 1, 1], 2, 5 / 6, id="tie-to-the-lower-index"),
    # every detection a hit, but 2 of 3 ground-truth boxes found: AP = 2/3
    pytest.param([0.3, 0.7], [1, 1], 3, 2 / 3, id="perfect-precision-partial-recall"),
    # only false positives: AP = 0
    pytest.param([0.3, 0.2, 0.1], [0, 0, 0], 2, 0.0, id="only-false-positives"),
]


@pytest.mark.parametrize("scores, is_tp, num_gt, expected", HAND_AP)
def test_average_precision_of_hand_worked_sequences(scores, is_tp, num_gt, expected):
    """AP equals the value worked out by hand, and the oracle agrees."""
    ap = ref.average_precision(np.array(scores), np.array(is_tp, dtype=bool), num_gt)
    assert type(ap) is float
    assert ap == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert oracle_ap(scores, is_tp, num_gt) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_shuffled_sequence_is_the_one_in_the_comment():
    """The shuffled hand case sorts to F T T F T (a check on the table above)."""
    scores, is_tp = [0.6, 0.95, 0.7, 0.8, 0.3], [0, 0, 1, 1, 1]
    assert [is_tp[i] for i in ranked(scores)] == [0, 1, 1, 0, 1]


def test_average_precision_agrees_with_the_loop_oracle(rng):
    """AP equals the oracle's on random sequences, with tied scores in half of them."""
    for trial in range(200):
        n = int(rng.integers(0, 30))
        is_tp = rng.random(n) < rng.uniform(0.1, 0.9)
        num_gt = int(is_tp.sum() + rng.integers(0 if is_tp.any() else 1, 5))
        scores = random_scores(rng, n, integer=trial % 2 == 1)
        assert ref.average_precision(scores, is_tp, num_gt) == pytest.approx(oracle_ap(scores, is_tp, num_gt), rel=1e-12, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.booleans()), min_size=1, max_size=25, unique_by=lambda row: row[0]),
       st.integers(0, 5), st.randoms(use_true_random=False))
def test_average_precision_is_bounded_and_ignores_the_input_order(rows, missed, shuffle):
    """0 <= AP <= final recall, 1 exactly when every box is found before any false positive; the input order of distinct scores does not matter."""
    scores, is_tp = np.array([row[0] for row in rows]), np.array([row[1] for row in rows])
    num_gt = max(int(is_tp.sum()) + missed, 1)
    ap = ref.average_precision(scores, is_tp, num_gt)
    assert 0.0 <= ap <= is_tp.sum() / num_gt + 1e-12
    hits = is_tp[np.argsort(-scores)]
    perfect = missed == 0 and hits.any() and not np.any(~hits[: int(hits.sum())])
    assert (ap == pytest.approx(1.0, abs=1e-12)) == perfect
    order = list(range(len(rows)))
    shuffle.shuffle(order)
    assert ref.average_precision(scores[order], is_tp[order], num_gt) == pytest.approx(ap, rel=1e-12, abs=1e-15)


def test_average_precision_is_zero_without_detections():
    """No detections: AP 0.0, a float."""
    ap = ref.average_precision(np.zeros(0), np.zeros(0, dtype=bool), 3)
    assert ap == 0.0 and type(ap) is float


@pytest.mark.parametrize("scores, is_tp, num_gt, message", [
    ([0.5], [True], 0, "num_gt must be at least 1"),
    ([0.5, 0.4, 0.3], [True, True, False], 1, "2 true positives but only 1 ground-truth boxes"),
    ([0.5, 0.4], [True], 2, "the same shape"),
])
def test_average_precision_rejects_impossible_counts(scores, is_tp, num_gt, message):
    """AP raises ValueError for num_gt < 1, more hits than ground truth, or mismatched lengths."""
    with pytest.raises(ValueError, match=message):
        ref.average_precision(np.array(scores), np.array(is_tp), num_gt)


# --- 11.6 mean average precision ----------------------------------------------------------


def hand_scene():
    """Two images, three classes; class 2 has detections but no ground truth."""
    detections = [
        {"boxes": np.array([[0, 0, 4, 4], [0.5, 0, 4.5, 4], [10, 10, 14, 14], [20, 20, 22, 22]], dtype=float),
         "scores": np.array([0.9, 0.8, 0.6, 0.7]), "labels": np.array([0, 0, 1, 2])},
        {"boxes": np.array([[0, 0, 4, 4], [30, 30, 34, 34]], dtype=float),
         "scores": np.array([0.75, 0.85]), "labels": np.array([0, 1])},
    ]
    ground_truths = [
        {"boxes": np.array([[0, 0, 4, 4], [10, 10, 14, 14]], dtype=float), "labels": np.array([0, 1])},
        {"boxes": np.array([[0, 0, 4, 4], [50, 50, 52, 52]], dtype=float), "labels": np.array([0, 0])},
    ]
    return detections, ground_truths


def test_mean_average_precision_of_a_hand_worked_scene():
    """Per-class AP worked out by hand; the class without ground truth is NaN and left out of the mean."""
    # class 0: scores .9 (T, image 0), .8 (F, duplicate of the same box), .75 (T, image 1); num_gt 3
    #   precision 1, 1/2, 2/3; recall 1/3, 1/3, 2/3; envelope 1, 2/3, 2/3: AP = 1/3 + 1/3 * 2/3 = 5/9
    # class 1: scores .85 (F, image 1, no class-1 box there), .6 (T, image 0); num_gt 1
    #   precision 0, 1/2; recall 0, 1: AP = 1/2
    # class 2: no ground truth: NaN.  mAP = (5/9 + 1/2) / 2 = 19/36
    mAP, ap = ref.mean_average_precision(*hand_scene(), num_classes=3)
    assert type(mAP) is float and ap.dtype == np.float64 and ap.shape == (3,)
    np.testing.assert_allclose(ap[:2], [5 / 9, 1 / 2], rtol=1e-12)
    assert np.isnan(ap[2])
    assert mAP == pytest.approx(19 / 36, rel=1e-12)


def test_mean_average_precision_agrees_with_the_loop_oracle(rng):
    """mAP and every class's AP equal the oracle's on random multi-image scenes, including empty images and classes."""
    for _ in range(30):
        num_classes, detections, ground_truths = int(rng.integers(1, 5)), [], []
        for _ in range(int(rng.integers(1, 5))):
            g = int(rng.integers(0, 5))
            gt_boxes = random_boxes(rng, g, size=8.0)
            n = int(rng.integers(0, 9))
            detections.append({"boxes": jittered(rng, gt_boxes, n, 1.0), "scores": rng.random(n), "labels": rng.integers(0, num_classes, size=n)})
            ground_truths.append({"boxes": gt_boxes, "labels": rng.integers(0, num_classes, size=g)})
        if not any(len(gt["labels"]) for gt in ground_truths):
            continue
        threshold = float(rng.choice([0.3, 0.5, 0.7]))
        mAP, ap = ref.mean_average_precision(detections, ground_truths, num_classes, threshold)
        expected_map, expected_ap = oracle_map(detections, ground_truths, num_classes, threshold)
        np.testing.assert_allclose(ap, expected_ap, rtol=1e-12, atol=1e-15)  # NaN where NaN
        assert mAP == pytest.approx(expected_map, rel=1e-12, abs=1e-15)


def test_mean_average_precision_without_any_ground_truth_is_nan():
    """With no ground-truth box in any class every AP is NaN, and so is the mean."""
    detections = [{"boxes": np.ones((1, 4)), "scores": np.ones(1), "labels": np.array([0])}]
    ground_truths = [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0, dtype=np.int64)}]
    mAP, ap = ref.mean_average_precision(detections, ground_truths, 2)
    assert math.isnan(mAP) and np.isnan(ap).all()


def test_mean_average_precision_rejects_mismatched_lists_thresholds_and_box_shapes():
    """mAP raises ValueError for lists of different lengths, a threshold outside (0, 1] and ground-truth boxes of shape (g, 5)."""
    detections, ground_truths = hand_scene()
    with pytest.raises(ValueError, match="2 images of detections but 1 of ground truth"):
        ref.mean_average_precision(detections, ground_truths[:1], 3)
    with pytest.raises(ValueError, match=r"iou_threshold must be in \(0, 1\]"):
        ref.mean_average_precision(detections, ground_truths, 3, iou_threshold=0.0)
    ground_truths[1]["boxes"] = np.column_stack([ground_truths[1]["boxes"], ground_truths[1]["labels"]])
    with pytest.raises(ValueError, match=r"gt_boxes must have shape \(N, 4\), got \(2, 5\)"):
        ref.mean_average_precision(detections, ground_truths, 3)


def test_no_function_modifies_its_inputs(rng):
    """Boxes, scores, flags and the per-image dicts are left exactly as they were."""
    detections, ground_truths = hand_scene()
    boxes, scores = random_boxes(rng, 6), rng.random(6)
    is_tp = rng.random(6) < 0.5
    before = [a.copy() for a in (boxes, scores, is_tp)]
    saved = [{key: value.copy() for key, value in item.items()} for item in detections + ground_truths]
    ref.box_area(boxes), ref.box_iou(boxes, boxes), ref.nms(boxes, scores, 0.3)
    ref.match_detections(boxes, scores, boxes[:3]), ref.average_precision(scores, is_tp, 6)
    ref.mean_average_precision(detections, ground_truths, 3)
    for a, b in zip(before, (boxes, scores, is_tp)):
        np.testing.assert_array_equal(a, b)
    for old, new in zip(saved, detections + ground_truths):
        assert old.keys() == new.keys() and all(np.array_equal(old[key], new[key]) for key in old)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=11)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=11, k=k)
