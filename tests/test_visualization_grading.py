"""The visualization suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox, where
the student's functions get the model as probes with the weights bound. The wrong ones are small
textual mutations of solutions/visualization.py (each replaced text occurs exactly once), each
a mistake as students make it; each must fail exactly the cases that see its bug, on two secret
seeds, and keep every other point. A correct submission written differently (one image at a
time, plain loops, PCA by the covariance's eigenvectors) scores full marks. The misconception
hints fire on exactly their mistake and nowhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade
from autograder.sandbox import Limits
from autograder.suites.visualization import SUITE
from autograder.suites import visualization as suite
from submissions import ROOT, Grades, assert_fails_exactly, failing, hinted, mutated, reference_source, stub_source

pytestmark = pytest.mark.visualization

REFERENCE = reference_source("visualization")
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, but=()) -> set:
    """Names of the cases starting with any of ``prefixes``, except those in ``but``."""
    return {name for name in ALL_CASES if name.startswith(prefixes)} - set(but)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of visualization.py with that source; cached per module."""
    return Grades("visualization", tmp_path_factory.mktemp("visualization"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/visualization.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/visualization.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["visualization"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

MAGNITUDE = "return np.abs(np.asarray(gradient, dtype=np.float64))"
TRUE_CLASS = "gradient = input_gradient(X, _one_hot(len(X), classes, np.asarray(y)))"
DROP = "return (base - occluded).T.reshape(count, rows, cols)"
INSIDE = "rows, cols = (height - patch) // stride + 1, (width - patch) // stride + 1"
ASCENT = "x = x + lr * (gradient - 2.0 * l2 * x)"
REACHED = "if int(np.argmax(current)) == target:"
STEP = "x = x + lr * gradient / norm"
CENTRED = "centred = X - X.mean(axis=0)"
FLIP = "component *= -1.0"
RATIO = "singular[:k] ** 2 / np.sum(singular**2)"
FIRST = "first = int(np.argmax(magnitude >= (1.0 - TIED) * magnitude.max()))"

SALIENCY = cases("saliency_map,")
OCCLUSION = cases("occlusion_map,")
ASCENT_VALUES = cases("class_visualization,", but={"class_visualization, steps = 0"})
FOOLING_STEPS = cases("fooling_image,", but={"fooling_image, stopping at step 0"})
PCA = cases("pca,")
SIGNED_PCA = {name for name in PCA if not name.endswith("explained_variance_ratio")}
RATIOS = {"pca, correlated data, k = 1, 2 and 3: explained_variance_ratio", "pca, random data: explained_variance_ratio",
          "pca, the MLP's hidden layer on digits: explained_variance_ratio"}

SIGNED = mutated(REFERENCE, (MAGNITUDE, "return np.asarray(gradient, dtype=np.float64)"))
PREDICTED = mutated(REFERENCE, (TRUE_CLASS, "gradient = input_gradient(X, _one_hot(len(X), classes, np.argmax(scores(X), axis=1)))"))
OCCLUDED = mutated(REFERENCE, (DROP, "return occluded.T.reshape(count, rows, cols)"))
RISE = mutated(REFERENCE, (DROP, "return (occluded - base).T.reshape(count, rows, cols)"))
RUNS_OFF = mutated(REFERENCE, (INSIDE, "rows, cols = (height - 1) // stride + 1, (width - 1) // stride + 1"))
L2_SIGN = mutated(REFERENCE, (ASCENT, "x = x + lr * (gradient + 2.0 * l2 * x)"))
L2_FACTOR = mutated(REFERENCE, (ASCENT, "x = x + lr * (gradient - l2 * x)"))
DESCENT = mutated(REFERENCE, (ASCENT, "x = x + lr * (-gradient - 2.0 * l2 * x)"))
UNNORMALIZED = mutated(REFERENCE, (STEP, "x = x + lr * gradient"))
TIE_REACHED = mutated(REFERENCE, (REACHED, "if current[target] >= current.max():"))
STEP_FIRST = mutated(REFERENCE, (REACHED, "if step > 0 and int(np.argmax(current)) == target:"))
UNCENTRED = mutated(REFERENCE, (CENTRED, "centred = X"))
SIGNS_IGNORED = mutated(REFERENCE, (FLIP, "pass"))
RATIO_OF_K = mutated(REFERENCE, (RATIO, "singular[:k] ** 2 / np.sum(singular[:k] ** 2)"))
TIE_TO_LARGER = mutated(REFERENCE, (FIRST, "first = int(np.argmax(magnitude))"))
IN_PLACE = mutated(REFERENCE, ("x = np.array(x, dtype=np.float64)\n    dscores = None", "x = np.asarray(x, dtype=np.float64)\n    dscores = None"),
                   (STEP, "x += lr * gradient / norm"))

# (source, the cases it fails, (a case, part of its message)); measured: each set is the same
# on secret seeds 1 to 50 (in-process, each case's plan run on the mutated reference)
MUTATIONS = [
    pytest.param(SIGNED, SALIENCY, ("saliency_map, the linear model on digits", "saliency is wrong in"), id="signed-gradient"),
    pytest.param(PREDICTED, SALIENCY, ("saliency_map, the MLP on digits", "saliency is wrong in"), id="predicted-class-gradient"),
    pytest.param(OCCLUDED, OCCLUSION, ("occlusion_map, patch 2, stride 1, the linear model", "occlusion is wrong in"), id="occluded-score"),
    pytest.param(RISE, OCCLUSION, ("occlusion_map, patch 2, stride 1, the linear model", "occlusion is wrong in"), id="rise-not-drop"),
    pytest.param(RUNS_OFF, OCCLUSION,
                 ("occlusion_map, patch 3, stride np.int64(2) (not dividing 8 - 3), fill 0.5, the MLP", "occlusion has shape (3, 4, 4), expected (3, 3, 3)"),
                 id="patches-run-off-the-image"),
    pytest.param(L2_SIGN, ASCENT_VALUES, ("class_visualization, the linear model from zeros", "x is wrong in"), id="l2-sign"),
    pytest.param(L2_FACTOR, ASCENT_VALUES, ("class_visualization, the MLP from a digit", "x is wrong in"), id="l2-factor"),
    pytest.param(DESCENT, ASCENT_VALUES, ("class_visualization, the linear model from zeros", "x is wrong in"), id="descent"),
    pytest.param(UNNORMALIZED, FOOLING_STEPS, ("fooling_image, the linear model on a digit", "steps, a digit is"), id="unnormalized-step"),
    pytest.param(TIE_REACHED, {"fooling_image, a target tied with a lower class"},
                 ("fooling_image, a target tied with a lower class", "steps, target 3 of tied 1 and 3 is 0, expected 7"), id="tie-counted-as-reached"),
    pytest.param(STEP_FIRST, {"fooling_image, stopping at step 0", "fooling_image, a target tied with a lower class"},
                 ("fooling_image, stopping at step 0", "target already highest"), id="step-before-the-first-check"),
    pytest.param(UNCENTRED, PCA, ("pca, correlated data, k = 1, 2 and 3: components", "components, data"), id="uncentred-pca"),
    pytest.param(SIGNS_IGNORED, SIGNED_PCA, ("pca, correlated data, k = 1, 2 and 3: components", "components, data"), id="signs-ignored"),
    pytest.param(RATIO_OF_K, RATIOS, ("pca, correlated data, k = 1, 2 and 3: explained_variance_ratio", "explained_variance_ratio, data 1 is wrong in 1 of 1 entries"),
                 id="ratio-over-the-top-k"),
    pytest.param(TIE_TO_LARGER, {"pca, tied largest magnitudes"}, ("pca, tied largest magnitudes", "components is wrong in"), id="sign-tie-to-the-larger"),
    pytest.param(IN_PLACE, {"fooling_image leaves x unchanged"}, ("fooling_image leaves x unchanged", "x after fooling_image"), id="fooling-in-place"),
    pytest.param(mutated(REFERENCE, ('stride = _size("stride", stride, 1)', "")), {"occlusion_map raises ValueError: stride = 0"},
                 ("occlusion_map raises ValueError: stride = 0", "ZeroDivisionError"), id="stride-not-checked"),
    pytest.param(mutated(REFERENCE, ('if np.all(X == X[0]):\n        raise ValueError("X has no variance: every row is the same")\n    ', "")),
                 {"pca raises ValueError: no variance (every row the same)"},
                 ("pca raises ValueError: no variance (every row the same)", "pca("), id="no-variance-not-checked"),
]


@pytest.mark.parametrize("source, expected, where", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, where):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, keeps every other point, and is told why."""
    messages = assert_fails_exactly(graded, source, expected, SEEDS)
    name, text = where
    assert text in messages[name], messages[name]


LOOPS = '''
"""Correct, written differently: one image at a time, plain loops, PCA by the covariance's eigenvectors."""
import operator

import numpy as np


def _integer(value, low, high):
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError("not an integer")
    value = operator.index(value)
    if not low <= value <= high:
        raise ValueError("out of range")
    return value


def _gradient_of(input_gradient, x, classes, c):
    dscores = np.zeros((1, classes))
    dscores[0, c] = 1.0
    return np.array(input_gradient(x[None], dscores)[0], dtype=float)


def saliency_map(scores, input_gradient, X, y):
    classes = scores(X[:1]).shape[1]
    return np.stack([np.abs(_gradient_of(input_gradient, X[i], classes, int(y[i]))) for i in range(len(X))])


def occlusion_map(scores, X, y, patch, stride=1, fill=0.0):
    n, h, w = X.shape
    patch = _integer(patch, 1, min(h, w))
    stride = _integer(stride, 1, 1 << 62)
    out = np.zeros((n, len(range(0, h - patch + 1, stride)), len(range(0, w - patch + 1, stride))))
    for i in range(n):
        label = int(y[i])
        base = float(scores(X[i][None])[0, label])
        for a, r in enumerate(range(0, h - patch + 1, stride)):
            for b, c in enumerate(range(0, w - patch + 1, stride)):
                covered = X[i].copy()
                covered[r:r + patch, c:c + patch] = fill
                out[i, a, b] = base - float(scores(covered[None])[0, label])
    return out


def class_visualization(scores, input_gradient, target, shape, steps, lr, l2=0.0, x0=None):
    x = np.zeros(shape) if x0 is None else np.copy(x0).astype(float)
    classes = scores(x[None]).shape[1]
    for _ in range(steps):
        x = (1.0 - 2.0 * lr * l2) * x + lr * _gradient_of(input_gradient, x, classes, target)
    return x


def fooling_image(scores, input_gradient, x, target, lr, max_steps):
    x = x.astype(float)
    steps = 0
    while steps < max_steps:
        s = list(scores(x[None])[0])
        if s.index(max(s)) == target:
            break
        g = _gradient_of(input_gradient, x, len(s), target)
        norm = float(np.linalg.norm(g))
        if norm == 0.0:
            break
        x = x + (lr / norm) * g
        steps += 1
    return x, steps


def pca(X, k):
    n, d = X.shape
    k = _integer(k, 1, min(n, d))
    if (X.max(axis=0) == X.min(axis=0)).all():
        raise ValueError("no variance")
    centred = X - X.sum(axis=0) / n
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(-values, kind="stable")[:k]
    components = vectors[:, order].T.copy()
    for row in components:
        top = max(abs(v) for v in row)
        first = [j for j in range(d) if abs(row[j]) >= top * (1 - 1e-9)][0]
        if row[first] < 0:
            row *= -1
    values = np.clip(values, 0.0, None)
    return components, centred @ components.T, values[order] / values.sum()
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """A correct submission written differently from the reference passes every case."""
    result = graded(LOOPS, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


def test_loops_stay_far_inside_the_case_timeout(graded):
    """One image at a time in plain loops takes under a fifth of the 10 s per case, on both seeds."""
    assert all(case.timeout is None for case in SUITE.cases)
    for seed in SEEDS:
        slowest = max(graded(LOOPS, seed).cases, key=lambda case: case.student_seconds)
        assert slowest.student_seconds < Limits().call_seconds / 5, (slowest.name, slowest.student_seconds)


# -- 3. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_function_has_visible_and_hidden_cases_with_several_models():
    """Each of the five functions is graded on public inputs and on fresh hidden ones, the hidden ones with more than one network."""
    for function in ("saliency_map", "occlusion_map", "class_visualization", "fooling_image", "pca"):
        kinds = {case.visibility for case in SUITE.cases if function in case.build(case.rng(SEEDS[0])).functions}
        assert kinds == {"visible", "hidden"}, function
    for function in ("saliency_map", "occlusion_map", "class_visualization", "fooling_image"):
        networks = set()
        for case in SUITE.cases:
            plan = case.build(case.rng(SEEDS[0]))
            if case.visibility == "hidden" and function in plan.functions:
                networks |= {wire.encode(call.args[0]) for call in plan.calls}
        assert len(networks) >= 2, function


def test_planted_inputs_are_what_the_docstrings_say():
    """Saliency batches hold a misclassified digit; hidden occlusion sizes let a patch run off; fooling targets differ from the start class."""
    rng = np.random.default_rng(9)
    for _ in range(30):
        for name in ("linear", "mlp"):
            layers = suite.trained(name)
            X, y = suite.some_digits(rng, layers, 4)
            assert (np.argmax(suite.network_scores(layers, X), axis=1) != y).sum() >= 1
        height, width, patch, stride = suite.running_off(rng)
        assert height != width and all((side - 1) // stride > (side - patch) // stride for side in (height, width))
        scores, _, x, target, _, _ = suite.fooling_random(rng)
        weights = dict(scores.kwargs)
        assert np.argmax(suite.network_scores(list(zip(weights["weights"], weights["biases"])), x[None])) != target


# -- 4. misconception hints ------------------------------------------------------------------

# (a mistake, every hint its grading shows: case name -> hint name)
HINTED_MISTAKES = [
    pytest.param(SIGNED, dict.fromkeys(SALIENCY, suite.SIGNED.name), id="signed"),
    pytest.param(PREDICTED, dict.fromkeys(SALIENCY, suite.PREDICTED_CLASS.name), id="predicted-class"),
    pytest.param(OCCLUDED, dict.fromkeys(OCCLUSION, suite.OCCLUDED_SCORE.name), id="occluded-score"),
    pytest.param(RISE, dict.fromkeys(OCCLUSION, suite.RISE.name), id="rise"),
    pytest.param(RUNS_OFF, dict.fromkeys(OCCLUSION, suite.RUNS_OFF.name), id="runs-off"),
    pytest.param(L2_SIGN, dict.fromkeys(ASCENT_VALUES, suite.L2_SIGN.name), id="l2-sign"),
    pytest.param(L2_FACTOR, dict.fromkeys(ASCENT_VALUES, suite.L2_FACTOR.name), id="l2-factor"),
    pytest.param(DESCENT, dict.fromkeys(ASCENT_VALUES, suite.DESCENT.name), id="descent"),
    pytest.param(UNNORMALIZED, dict.fromkeys(FOOLING_STEPS, suite.UNNORMALIZED.name), id="unnormalized"),
    pytest.param(TIE_REACHED, {"fooling_image, a target tied with a lower class": suite.STOP_AT_TIE.name}, id="tie-reached"),
    pytest.param(STEP_FIRST, dict.fromkeys({"fooling_image, stopping at step 0", "fooling_image, a target tied with a lower class"},
                                           suite.STEP_BEFORE_CHECK.name), id="step-first"),
    pytest.param(UNCENTRED, dict.fromkeys(PCA, suite.UNCENTRED.name), id="uncentred"),
    pytest.param(SIGNS_IGNORED, dict.fromkeys(SIGNED_PCA, suite.SIGNS_IGNORED.name), id="signs-ignored"),
    pytest.param(RATIO_OF_K, dict.fromkeys(RATIOS, suite.RATIO_OF_K.name), id="ratio-of-k"),
    pytest.param(TIE_TO_LARGER, {"pca, tied largest magnitudes": suite.TIE_TO_LARGER.name}, id="tie-to-larger"),
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
    """Each hint declared in the visualization suite has a mistake above that makes it fire."""
    fired = {name for mistake in HINTED_MISTAKES for name in mistake.values[1].values()}
    assert set(HINTS) == fired


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(stub_source("visualization"), id="stubs"),
    pytest.param(LOOPS, id="alternative"),
    pytest.param(mutated(REFERENCE, (MAGNITUDE, "return np.asarray(gradient, dtype=np.float64) ** 2")), id="squared-gradient"),
    pytest.param(mutated(REFERENCE, (STEP, "x = x + lr * gradient / np.abs(gradient).sum()")), id="l1-normalized-step"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    for seed in SEEDS:
        assert hinted(graded(source, seed)) == {}
