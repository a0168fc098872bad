"""The detection suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/detection.py (each replaced text occurs
exactly once), each the mistake as students make it; each must fail exactly the cases that
see its bug, on two secret seeds, and keep every other point. A wrong IoU also breaks the
student's own NMS, matching and mAP where the geometry decides them (the suite plants such
geometry in every hidden scene), and a wrong match or AP breaks their mAP, so those cases
are lost too. A correct submission written differently (plain Python loops) scores full
marks. The misconception hints fire on exactly their mistake and nowhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.judge import Compare, Mismatch, compare
from autograder.sandbox import Limits
from autograder.suites import detection as suite
from autograder.suites.detection import SUITE
from submissions import ROOT, Grades, assert_fails_exactly, failing, hinted, mutated, reference_source, replaced, stub_source

pytestmark = pytest.mark.detection

REFERENCE = reference_source("detection")
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, but=()) -> set:
    """Names of the cases starting with any of ``prefixes``, except those in ``but``."""
    return {name for name in ALL_CASES if name.startswith(prefixes)} - set(but)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of detection.py with that source; cached per module."""
    return Grades("detection", tmp_path_factory.mktemp("detection"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/detection.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/detection.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["detection"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

AREA = "return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])"
SIDES = "sides = np.clip(bottom_right - top_left, 0.0, None)"
UNION = "union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter"
SUPPRESS = "suppressed |= iou[i] > iou_threshold"
FREE = "free = np.where(matched, -1.0, iou[d])"
AREA_UNDER = "return float(np.sum(np.diff(recall, prepend=0.0) * envelope))"
BY_SCORE = 'return np.argsort(-scores, kind="stable")'
INVERTED = 'if np.any(boxes[:, 2] < boxes[:, 0]) or np.any(boxes[:, 3] < boxes[:, 1]):\n        raise ValueError(f"{name} has an inverted box (x2 < x1 or y2 < y1)")\n    '
SHAPED = 'if boxes.ndim != 2 or boxes.shape[1] != 4:\n        raise ValueError(f"{name} must have shape (N, 4), got {boxes.shape}")\n    '
CHECKED = 'if not 0 < iou_threshold <= 1:\n        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold!r}")'

# cases that see every geometry, matching and AP mistake through the student's own functions
RANDOM_MAP = cases("mean_average_precision, random")
MAP = cases("mean_average_precision,", but={"mean_average_precision raises ValueError: lists of different lengths"})
PIXEL_AREAS = mutated(REFERENCE, (AREA, "return (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)"),
                     (SIDES, "sides = np.clip(bottom_right - top_left + 1, 0.0, None)"))
DOUBLE_UNION = mutated(REFERENCE, (UNION, "union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :]"))
SUPPRESS_AT = mutated(REFERENCE, (SUPPRESS, "suppressed |= iou[i] >= iou_threshold"))
UNSORTED = mutated(REFERENCE, ("for i in _by_score(scores):", "for i in range(len(boxes)):"))
TWICE = mutated(REFERENCE, (FREE, "free = iou[d]"))
VOC = mutated(REFERENCE, ("g = int(np.argmax(free))", "g = int(np.argmax(iou[d]))"))
RAW = mutated(REFERENCE, (AREA_UNDER, "return float(np.sum(np.diff(recall, prepend=0.0) * precision))"))
ELEVEN = mutated(REFERENCE, (AREA_UNDER, "return float(np.mean([envelope[recall >= level].max(initial=0.0) for level in np.linspace(0, 1, 11)]))"))
ABSENT_ZERO = mutated(REFERENCE, ("ap = np.full(num_classes, np.nan)", "ap = np.zeros(num_classes)"))
PRODUCT_CLIPPED = mutated(REFERENCE, (SIDES + "  # negative: no overlap along that axis\n    inter = sides[..., 0] * sides[..., 1]",
                          "sides = bottom_right - top_left\n    inter = np.clip(sides[..., 0] * sides[..., 1], 0.0, None)"))
REVERSED = mutated(REFERENCE, (BY_SCORE, 'return np.argsort(scores, kind="stable")[::-1]'))
EMPTY_NAN = mutated(REFERENCE, ("np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)", "inter / union"))
STRICT = mutated(REFERENCE, ("if free[g] >= iou_threshold:", "if free[g] > iou_threshold:"))
OVER_HITS = mutated(REFERENCE, ("recall = true_positives / num_gt", "recall = true_positives / max(int(is_tp.sum()), 1)"))

AT_THRESHOLD = {"nms, IoU exactly at the threshold", "nms, random scenes at the threshold, with ties"}
TIES = {"nms, tied scores", "nms, random scenes at the threshold, with ties", "match_detections, duplicates, ties and IoU exactly 0.5",
        "average_precision, tied scores"}
MATCHING = {"match_detections, best ground truth already taken", "match_detections, duplicates, ties and IoU exactly 0.5",
            "match_detections, crowded random scenes", "match_detections, two ground truths tied at the best IoU"}
GT_TIE = "match_detections, two ground truths tied at the best IoU"
# of two ground truths at exactly the same IoU, the later one claimed
LAST_TIE = mutated(REFERENCE, ("g = int(np.argmax(free))", "g = len(free) - 1 - int(np.argmax(free[::-1]))"))
AP_VALUES = {"average_precision, sequences worked out by hand", "average_precision, tied scores", "average_precision, random sequences"}

# (source, the cases it fails, (a case, part of its message)); measured: each set is the same
# on secret seeds 1 to 100
MUTATIONS = [
    # pixel areas also put the "just below" pairs of NMS and mAP above the threshold
    pytest.param(PIXEL_AREAS, cases("box_area,", "box_iou,") | {"box_area"} | AT_THRESHOLD | {"nms, random scenes"} | RANDOM_MAP
                 | {"match_detections, one detection and one ground truth smaller than one unit"},
                 ("box_area", "areas is wrong in 5 of 5 entries"), id="pixel-areas-plus-one"),
    # a smaller IoU suppresses less: the pairs at the threshold are kept anyway
    pytest.param(DOUBLE_UNION, cases("box_iou,", "nms,", "match_detections,", but={"match_detections, an image without ground truth",
                                                                                  "nms, IoU exactly at the threshold"}) | MAP,
                 ("box_iou, hand-picked geometry", "expected 1, got 0.5"), id="union-double-counts-the-intersection"),
    pytest.param(SUPPRESS_AT, AT_THRESHOLD, ("nms, IoU exactly at the threshold", "keep at threshold 1/3 has shape (4,), expected (5,)"),
                 id="nms-suppresses-at-the-threshold"),
    pytest.param(UNSORTED, cases("nms,"), ("nms, tied scores", "keep differs in 2 of 3 entries; first at index (0,): expected 4, got 0"),
                 id="nms-without-sorting"),
    # more hits than ground truth: the student's own average_precision raises inside their mAP
    pytest.param(TWICE, MATCHING | MAP, ("mean_average_precision, a class without ground truth", "average_precision raised ValueError"),
                 id="ground-truth-matched-twice"),
    pytest.param(VOC, {"match_detections, best ground truth already taken", "match_detections, crowded random scenes"} | RANDOM_MAP,
                 ("match_detections, best ground truth already taken", "is_tp differs in 2 of 4 entries"), id="pascal-voc-matching"),
    pytest.param(RAW, {"average_precision, sequences worked out by hand", "average_precision, random sequences"} | RANDOM_MAP,
                 ("average_precision, sequences worked out by hand", "is 0.353333, expected 0.386667"), id="ap-without-the-envelope"),
    pytest.param(ELEVEN, AP_VALUES | MAP, ("average_precision, tied scores", "AP of scores 0.5, 0.9, 0.5 is 0.848485, expected 0.833333"),
                 id="eleven-point-ap"),
    pytest.param(ABSENT_ZERO, cases("mean_average_precision, a class", "mean_average_precision, random scenes with"),
                 ("mean_average_precision, a class without ground truth", "ap is wrong in 1 of 4 entries: largest relative error inf "
                  "(tolerance 1e-06) at index (3,), expected nan, got 0"), id="absent-class-counted-as-zero"),
    pytest.param(REVERSED, TIES, ("average_precision, tied scores", "is 1, expected 0.833333"), id="ties-to-the-higher-index"),
    pytest.param(EMPTY_NAN, {"box_iou, boxes of zero area"}, ("box_iou, boxes of zero area", "non-finite entries (NaN"),
                 id="nan-for-an-empty-union"),
    pytest.param(LAST_TIE, {GT_TIE}, (GT_TIE, "is_tp differs in 2 of 3 entries"), id="ground-truth-ties-to-the-higher-index"),
    pytest.param(STRICT, {"match_detections, duplicates, ties and IoU exactly 0.5", "match_detections, iou_threshold = 1 (the upper limit)"},
                 ("match_detections, duplicates, ties and IoU exactly 0.5", "expected True, got False"), id="match-needs-more-than-the-threshold"),
    pytest.param(OVER_HITS, AP_VALUES | MAP, ("average_precision, sequences worked out by hand", "is 0.755556, expected 0.566667"),
                 id="recall-over-the-hits"),
    pytest.param(mutated(REFERENCE, (CHECKED + "\n    det_boxes", "det_boxes")),
                 {"match_detections raises ValueError: iou_threshold = 0", "match_detections raises ValueError: iou_threshold = 1.5"},
                 ("match_detections raises ValueError: iou_threshold = 0", "iou_threshold=0.0) returned <bool array (4,)>; expected ValueError: iou_threshold = 0."), id="threshold-not-checked"),
    # every function taking boxes is graded on an inverted one
    pytest.param(mutated(REFERENCE, (INVERTED, "")),
                 {"box_area raises ValueError: an inverted box", "box_iou raises ValueError: an inverted box in boxes2",
                  "nms raises ValueError: an inverted box", "match_detections raises ValueError: an inverted box in det_boxes"},
                 ("match_detections raises ValueError: an inverted box in det_boxes", "returned <bool array (4,)>; expected ValueError: an inverted box in det_boxes."), id="inverted-boxes-not-checked"),
    # corners read as columns 0:2 and 2:4 (slicing 2: would not broadcast a fifth column, raising ValueError by chance)
    pytest.param(mutated(REFERENCE, (SHAPED, ""), ("np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])", "np.minimum(boxes1[:, None, 2:4], boxes2[None, :, 2:4])")),
                 {"box_area raises ValueError: shape (N, 5)", "box_iou raises ValueError: a single box of shape (4,)",
                  "mean_average_precision raises ValueError: ground-truth boxes of shape (3, 5)"},
                 ("mean_average_precision raises ValueError: ground-truth boxes of shape (3, 5)", "; expected ValueError: ground-truth boxes of shape (3, 5)."),
                 id="box-shapes-not-checked"),
]


@pytest.mark.parametrize("source, expected, where", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, where):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, keeps every other point, and is told why."""
    messages = assert_fails_exactly(graded, source, expected, SEEDS)
    name, text = where
    assert text in messages[name]


LOOPS = '''
"""Correct, written differently: Python loops over Python floats, lists, sorted() on keys."""
import numpy as np


def _rows(boxes):
    array = np.asarray(boxes, dtype=float)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError("boxes must be (N, 4)")
    rows = [tuple(float(v) for v in row) for row in array]
    for x1, y1, x2, y2 in rows:
        if x2 < x1 or y2 < y1:
            raise ValueError("inverted box")
    return rows


def _order(scores):
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))


def _pair(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = w * h if w > 0 and h > 0 else 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_area(boxes):
    return np.array([(x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in _rows(boxes)], dtype=float)


def box_iou(boxes1, boxes2):
    rows1, rows2 = _rows(boxes1), _rows(boxes2)
    return np.array([[_pair(a, b) for b in rows2] for a in rows1], dtype=float).reshape(len(rows1), len(rows2))


def nms(boxes, scores, iou_threshold):
    rows = _rows(boxes)
    left, keep = _order(scores), []
    while left:
        best = left.pop(0)
        keep.append(best)
        left = [i for i in left if _pair(rows[best], rows[i]) <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def match_detections(det_boxes, det_scores, gt_boxes, iou_threshold=0.5):
    if not (iou_threshold > 0 and iou_threshold <= 1):
        raise ValueError("threshold")
    dets, gts = _rows(det_boxes), _rows(gt_boxes)
    free = set(range(len(gts)))
    hits = [False] * len(dets)
    for d in _order(det_scores):
        options = sorted((-_pair(dets[d], gts[g]), g) for g in free if _pair(dets[d], gts[g]) >= iou_threshold)
        if options:
            free.discard(options[0][1])
            hits[d] = True
    return np.array(hits, dtype=bool)


def average_precision(scores, is_tp, num_gt):
    if num_gt < 1 or sum(bool(t) for t in is_tp) > num_gt:
        raise ValueError("counts")
    ranks = [bool(is_tp[i]) for i in _order(scores)]
    precision = [sum(ranks[: k + 1]) / (k + 1) for k in range(len(ranks))]
    return float(sum(max(precision[k:]) for k, hit in enumerate(ranks) if hit) / num_gt)


def mean_average_precision(detections, ground_truths, num_classes, iou_threshold=0.5):
    if len(detections) != len(ground_truths):
        raise ValueError("lengths")
    ap = []
    for c in range(num_classes):
        scores, hits, num_gt = [], [], 0
        for det, gt in zip(detections, ground_truths):
            mine = [i for i, label in enumerate(det["labels"]) if label == c]
            truth = np.array([box for box, label in zip(gt["boxes"], gt["labels"]) if label == c]).reshape(-1, 4)
            num_gt += len(truth)
            picked = np.asarray(det["boxes"]).reshape(-1, 4)[mine]
            scores += [float(det["scores"][i]) for i in mine]
            hits += list(match_detections(picked, np.asarray(det["scores"])[mine], truth, iou_threshold))
        ap.append(average_precision(scores, hits, num_gt) if num_gt else float("nan"))
    found = [value for value in ap if value == value]
    return (sum(found) / len(found) if found else float("nan")), np.array(ap)
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """A correct submission written differently from the reference (loops, sorted keys) passes every case."""
    result = graded(LOOPS, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


def test_loops_stay_far_inside_the_case_timeout(graded):
    """Plain Python loops take under a fifth of the 10 s per case, on both seeds (measured: 0.011 s at most)."""
    assert all(case.timeout is None for case in SUITE.cases)  # every case has the default timeout
    for seed in SEEDS:
        slowest = max(graded(LOOPS, seed).cases, key=lambda case: case.student_seconds)
        assert slowest.student_seconds < Limits().call_seconds / 5, (slowest.name, slowest.student_seconds)


def test_the_judge_takes_nan_for_nan_and_nothing_else_for_it():
    """ap's NaN (a class without ground truth) is matched by NaN only: not by 0, and a NaN where a number is expected fails."""
    expected = np.array([0.5, np.nan])
    compare("ap", np.array([0.5, np.nan]), expected, 1e-6)
    for wrong in (np.array([0.5, 0.0]), np.array([np.nan, np.nan])):
        with pytest.raises(Mismatch):
            compare("ap", wrong, expected, 1e-6)
    compare("mAP", float("nan"), float("nan"), 1e-6)


# -- 3. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_function_has_visible_and_hidden_cases():
    """Each of the six functions is graded on public inputs and on fresh hidden ones."""
    for function in ("box_area", "box_iou", "nms", "match_detections", "average_precision", "mean_average_precision"):
        kinds = {case.visibility for case in SUITE.cases if function in case.build(case.rng(SEEDS[0])).functions}
        assert kinds == {"visible", "hidden"}, function


def test_planted_geometry_is_what_the_comments_say():
    """The fixed scenes hold IoUs of exactly 1/3 and 1/2, pairs just below, and the taken-best configuration."""
    solution = reference("detection")
    for (boxes, _, threshold), pair, below, above in ((suite.THIRD, (0, 1), 3 / 11, 5 / 13), (suite.HALF, (0, 2), 7 / 15, 9 / 17)):
        iou = solution.box_iou(boxes, boxes)
        assert iou[pair] == threshold
        assert iou[3, 4] == pytest.approx(below, rel=1e-12)
        assert suite.iou_variant(plus=1.0)(boxes, boxes)[3, 4] == pytest.approx(above, rel=1e-12)
    det, scores, gt = suite.TAKEN
    np.testing.assert_allclose(solution.box_iou(det, gt)[0], [9 / 11, 2 / 3, 0.0], rtol=1e-12)
    np.testing.assert_array_equal(solution.match_detections(det, scores, gt), [True, False, True, True])


def test_random_scenes_plant_their_configurations():
    """Over many draws, every hidden scene holds a pair at exactly the threshold, one just below, and a taken best box."""
    rng = np.random.default_rng(7)
    solution = reference("detection")
    for _ in range(50):
        for threshold in (1 / 3, 0.5):
            boxes, _ = suite.threshold_scene(rng, threshold)
            iou = solution.box_iou(boxes, boxes)
            np.fill_diagonal(iou, 0.0)
            assert (iou == threshold).sum() == 4  # two pairs, each counted twice
            near = (iou < threshold) & (suite.iou_variant(plus=1.0)(boxes, boxes) > threshold)
            assert near.any()
        gt, det, scores = suite.taken_best(rng, np.zeros(2))
        np.testing.assert_array_equal(solution.match_detections(det, scores, gt), [True, True, False])
        np.testing.assert_array_equal(suite.match_variant(rule="voc")(det, scores, gt), [True, False, False])


# -- 4. misconception hints ------------------------------------------------------------------

PIXEL_HINTS = {**dict.fromkeys({"box_area", "box_area, random boxes"}, suite.PIXEL_AREA.name),
               **dict.fromkeys(cases("box_iou,"), suite.PIXEL_IOU.name)}

# (a mistake, every hint its grading shows: case name -> hint name). A wrong IoU gets its
# hint in the box cases only, never in the NMS, matching or mAP cases it also breaks, where
# no NMS or matching mistake is blamed for it.
HINTED_MISTAKES = [
    pytest.param(PIXEL_AREAS, PIXEL_HINTS, id="pixel-areas"),
    pytest.param(DOUBLE_UNION, dict.fromkeys(cases("box_iou,"), suite.UNION_DOUBLE.name), id="double-union"),
    pytest.param(EMPTY_NAN, {"box_iou, boxes of zero area": suite.EMPTY_UNION.name}, id="empty-union"),
    # what else it breaks depends on the draw (a hidden NMS scene with two boxes apart along both
    # axes and a fake IoU above the threshold: 84 to 99 seeds in 100), so MUTATIONS leaves it out
    pytest.param(PRODUCT_CLIPPED, dict.fromkeys(cases("box_iou,"), suite.CLIPPED_PRODUCT.name), id="product-clipped"),
    pytest.param(SUPPRESS_AT, dict.fromkeys(AT_THRESHOLD, suite.NMS_AT_THRESHOLD.name), id="nms-at-the-threshold"),
    pytest.param(UNSORTED, dict.fromkeys(cases("nms,"), suite.NMS_UNSORTED.name), id="nms-unsorted"),
    pytest.param(REVERSED, dict.fromkeys(TIES, suite.TIES_REVERSED.name), id="ties-reversed"),
    pytest.param(TWICE, dict.fromkeys(MATCHING, suite.MATCHED_TWICE.name), id="matched-twice"),
    pytest.param(VOC, dict.fromkeys({"match_detections, best ground truth already taken", "match_detections, crowded random scenes"},
                                    suite.VOC_MATCHING.name), id="voc-matching"),
    pytest.param(STRICT, {"match_detections, duplicates, ties and IoU exactly 0.5": suite.MATCH_STRICT.name}, id="match-strict"),
    pytest.param(LAST_TIE, {GT_TIE: suite.GT_TIE_REVERSED.name}, id="ground-truth-ties-reversed"),
    pytest.param(RAW, dict.fromkeys({"average_precision, sequences worked out by hand", "average_precision, random sequences"},
                                    suite.NO_ENVELOPE.name), id="no-envelope"),
    pytest.param(ELEVEN, dict.fromkeys(AP_VALUES, suite.ELEVEN_POINT.name), id="eleven-point"),
    pytest.param(OVER_HITS, dict.fromkeys(AP_VALUES, suite.RECALL_OVER_HITS.name), id="recall-over-hits"),
    pytest.param(ABSENT_ZERO, dict.fromkeys(cases("mean_average_precision, a class", "mean_average_precision, random scenes with"),
                                            suite.ABSENT_AS_ZERO.name), id="absent-class-as-zero"),
]
HINTS = {hint.name: hint for case in SUITE.cases for hint in case.hints}


@pytest.mark.hints
@pytest.mark.parametrize("source, expected", HINTED_MISTAKES)
def test_each_misconception_fires_on_its_mistake(graded, source, expected):
    """A submission with one mistake gets exactly its hints, with their text, on the cases that show it, and no other hint."""
    for seed in SEEDS:
        result = graded(source, seed)
        assert hinted(result) == expected, f"seed {seed}"
        for case in result.cases:
            if case.name in expected:
                assert case.message.endswith(f"\nHint: {HINTS[expected[case.name]].text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the detection suite has a mistake above that makes it fire; at least five."""
    fired = {name for mistake in HINTED_MISTAKES for name in mistake.values[1].values()}
    assert set(HINTS) == fired
    assert len(fired) >= 5


INTERSECTION_OVER_MINIMUM = replaced('''
def box_iou(boxes1, boxes2):
    boxes1, boxes2 = _boxes(boxes1, "boxes1"), _boxes(boxes2, "boxes2")
    top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    sides = np.clip(bottom_right - top_left, 0.0, None)
    inter = sides[..., 0] * sides[..., 1]
    smaller = np.minimum(box_area(boxes1)[:, None], box_area(boxes2)[None, :])
    return np.divide(inter, smaller, out=np.zeros_like(inter), where=smaller > 0)
''', REFERENCE)


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(stub_source("detection"), id="stubs"),
    pytest.param(LOOPS, id="alternative"),
    pytest.param(INTERSECTION_OVER_MINIMUM, id="intersection-over-the-smaller-box"),
    pytest.param(mutated(REFERENCE, ("envelope = np.maximum.accumulate(precision[::-1])[::-1]", "envelope = np.minimum.accumulate(precision)")),
                 id="envelope-from-the-left"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    for seed in SEEDS:
        assert hinted(graded(source, seed)) == {}


@pytest.mark.hints
def test_a_tie_hint_is_not_offered_where_there_are_no_ties():
    """Without tied scores, breaking ties the other way changes nothing: the hint is offered on the tie case only."""
    solution = reference("detection")
    (tied,) = [case for case in SUITE.cases if case.name == "nms, tied scores"]
    (untied,) = [case for case in SUITE.cases if case.name == "nms, a scene of jittered candidates"]
    for case, offered in ((tied, suite.TIES_REVERSED), (untied, None)):
        plan = case.build(case.rng(SEEDS[0]))
        boxes, scores, threshold = plan.calls[0].args
        expected = {"keep": solution.nms(boxes, scores, threshold)}
        student = {"keep": suite.nms_variant(order="reversed")(boxes, scores, threshold)}
        assert diagnose((suite.TIES_REVERSED,), student, expected, plan, solution, Compare()) == offered
