"""The activations suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/activations.py (each replaced text must
occur exactly once, so a change to the reference breaks these tests loudly); each must fail
exactly the cases that see its bug and pass the rest, on two secret seeds. A correct
submission written with Python loops, other formulas and dict caches scores full marks. The
hints tests check that each declared misconception fires on exactly its mistake, and on
nothing else, and is not offered where the mistake and the truth coincide.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.plan import Call, Plan
from autograder.suites import activations as suite
from submissions import Grades, ROOT, assert_fails_exactly, failing, hinted, message, mutated, reference_source, withheld

pytestmark = pytest.mark.activations

REFERENCE = reference_source("activations")
SUITE = suite.SUITE
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}
HIDDEN_CASES = {case.name for case in SUITE.cases if case.visibility == "hidden"}


def named(*fragments: str) -> set:
    """Case names starting with any of ``fragments``."""
    return {name for name in ALL_CASES if name.startswith(fragments)}


SIGMOID_BACKWARD = named("sigmoid_backward")
TANH_BACKWARD = named("tanh_backward")
KEEPS_DOUT = {"relu_backward leaves dout unchanged", "leaky_relu_backward leaves dout unchanged"}
RELU_BACKWARD = named("relu_backward") - KEEPS_DOUT
LEAKY_BACKWARD = named("leaky_relu_backward") - KEEPS_DOUT
LEAKY_NOT_DEFAULT = LEAKY_BACKWARD - {"leaky_relu_backward, default negative_slope"}
ELU_BACKWARD = named("elu_backward")
ELU_ALPHA_NOT_1 = {"elu_backward, alpha=0.5", "elu_backward, random alpha"}
MAXOUT_BACKWARD = named("maxout_backward")
MAXOUT_TIED = named("maxout_backward, tied pieces")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(source, seed) -> SubmissionResult of activations.py with that source; cached per module."""
    return Grades("activations", tmp_path_factory.mktemp("activations"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/activations.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/activations.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["activations"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name
        assert case.hint == "", case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

ELU_DERIVATIVE_AS_FORWARD = [("np.where(x > 0, dout, dout * (out + alpha))", "np.where(x > 0, dout, dout * out)")]
ELU_KINK = [("np.where(x > 0, dout, dout * (out + alpha))", "np.where(x >= 0, dout, dout * (out + alpha))")]
ELU_OVERFLOW = [("alpha * np.expm1(np.minimum(x, 0.0))", "alpha * (np.exp(x) - 1.0)")]
RELU_KINK = [("np.where(x > 0, np.asarray(dout, dtype=np.float64), 0.0)", "np.where(x >= 0, np.asarray(dout, dtype=np.float64), 0.0)")]
LEAKY_SLOPE_IGNORED = [("x, negative_slope = cache", "x, _ = cache\n    negative_slope = 0.01")]
LEAKY_KINK = [("np.where(x > 0, dout, negative_slope * dout)", "np.where(x >= 0, dout, negative_slope * dout)")]
SIGMOID_OF_X = [
    ("out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))\n    return out, (out,)",
     "out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))\n    return out, (x,)"),
    ("(out,) = cache\n    return np.asarray(dout, dtype=np.float64) * out * (1.0 - out)",
     "(x,) = cache\n    return np.asarray(dout, dtype=np.float64) * x * (1.0 - x)"),
]
UNSTABLE_SIGMOID = [(
    "z = np.exp(-np.abs(x))  # in (0, 1]: safe in both branches of the where\n"
    "    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))",
    "out = 1.0 / (1.0 + np.exp(-x))",
)]
TANH_OF_X = [
    ("out = np.tanh(np.asarray(x, dtype=np.float64))\n    return out, (out,)",
     "x = np.asarray(x, dtype=np.float64)\n    return np.tanh(x), (x,)"),
    ("(out,) = cache\n    return np.asarray(dout, dtype=np.float64) * (1.0 - out**2)",
     "(x,) = cache\n    return np.asarray(dout, dtype=np.float64) * (1.0 - x**2)"),
]
NAIVE_TANH = [("out = np.tanh(np.asarray(x, dtype=np.float64))",
               "x = np.asarray(x, dtype=np.float64)\n    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))")]
MAXOUT_EVERY_PIECE = [("chosen = np.arange(w.shape[0])[:, None, None] == winner[None]", "chosen = np.ones((w.shape[0], *winner.shape), dtype=bool)")]
MAXOUT_LAST_TIE = [("winner = np.argmax(pieces, axis=0)", "winner = pieces.shape[0] - 1 - np.argmax(pieces[::-1], axis=0)")]
# the forward caches every piece's value, and the backward shares dout between the maximal ones
TIED_PIECES_CACHED = [
    ("return out, (x, w, winner)", "return out, (x, w, pieces)"),
    ("x, w, winner = cache\n    chosen = np.arange(w.shape[0])[:, None, None] == winner[None]",
     "x, w, pieces = cache\n    chosen = pieces == pieces.max(axis=0)"),
]
MAXOUT_TIES_TO_ALL = TIED_PIECES_CACHED
MAXOUT_TIES_SPLIT = [
    *TIED_PIECES_CACHED,
    ("dpieces = np.where(chosen, np.asarray(dout, dtype=np.float64), 0.0)", "dpieces = chosen / chosen.sum(axis=0) * dout"),
]
MAXOUT_WITHOUT_BIAS = [("pieces = np.einsum(\"nd,kdm->knm\", x, w) + b[:, None, :]", "pieces = np.einsum(\"nd,kdm->knm\", x, w)")]

# dx is right (the caller's dout is zeroed or scaled in place, then returned): only the case
# that checks dout fails
RELU_WRITES_INTO_DOUT = [("return np.where(x > 0, np.asarray(dout, dtype=np.float64), 0.0)", "dout[x <= 0] = 0.0\n    return dout")]
LEAKY_WRITES_INTO_DOUT = [("return np.where(x > 0, dout, negative_slope * dout)", "dout[x <= 0] *= negative_slope\n    return dout")]

LARGE = {"sigmoid_forward, |x| up to 1000 without overflow", "sigmoid_backward, |x| up to 1000 without overflow"}
ELU_LARGE = {"elu_forward, |x| up to 1000 without overflow", "elu_backward, |x| up to 1000 without overflow"}
TANH_LARGE = {"tanh_forward, |x| up to 1000 without overflow", "tanh_backward, |x| up to 1000 without overflow"}

MUTATIONS = [
    pytest.param(ELU_DERIVATIVE_AS_FORWARD, ELU_BACKWARD, id="elu-derivative-as-exp(x)-1"),
    pytest.param(ELU_KINK, ELU_ALPHA_NOT_1, id="elu-slope-1-at-0"),
    pytest.param(ELU_OVERFLOW, ELU_LARGE, id="elu-exp-of-large-x"),
    pytest.param(RELU_KINK, RELU_BACKWARD, id="relu-gradient-1-at-0"),
    pytest.param(LEAKY_SLOPE_IGNORED, LEAKY_NOT_DEFAULT, id="leaky-slope-ignored-in-backward"),
    pytest.param(LEAKY_KINK, LEAKY_BACKWARD, id="leaky-slope-1-at-0"),
    pytest.param(SIGMOID_OF_X, SIGMOID_BACKWARD, id="sigmoid-backward-of-x"),
    pytest.param(UNSTABLE_SIGMOID, LARGE, id="sigmoid-overflows"),
    pytest.param(TANH_OF_X, TANH_BACKWARD, id="tanh-backward-1-minus-x-squared"),
    pytest.param(NAIVE_TANH, TANH_LARGE, id="tanh-from-exp-gives-nan"),
    pytest.param(MAXOUT_EVERY_PIECE, MAXOUT_BACKWARD, id="maxout-gradient-to-every-piece"),
    pytest.param(MAXOUT_TIES_TO_ALL, MAXOUT_TIED, id="maxout-ties-to-every-maximal-piece"),
    pytest.param(MAXOUT_TIES_SPLIT, MAXOUT_TIED, id="maxout-ties-split"),
    pytest.param(MAXOUT_LAST_TIE, MAXOUT_TIED, id="maxout-ties-to-the-last-piece"),
    pytest.param(RELU_WRITES_INTO_DOUT, {"relu_backward leaves dout unchanged"}, id="relu_backward-writes-into-dout"),
    pytest.param(LEAKY_WRITES_INTO_DOUT, {"leaky_relu_backward leaves dout unchanged"}, id="leaky_relu_backward-writes-into-dout"),
]


@pytest.mark.parametrize("replacements, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, replacements, expected):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


def test_maxout_without_bias_fails_every_forward_case(graded):
    """A maxout forward that forgets b fails every forward case, and the backward cases only where a winner moved.

    Without b the winning pieces usually change, but on a small random draw they may all stay
    the same, and then dx, dw and db are right (they depend on x, w and the winners only).
    """
    for seed in SEEDS:
        lost = failing(graded(mutated(REFERENCE, *MAXOUT_WITHOUT_BIAS), seed))
        assert named("maxout_forward") <= lost <= named("maxout"), f"seed {seed}"


def test_overflowing_sigmoid_is_told_about_the_warning(graded):
    """Right values computed through an overflowing exp fail with the warning named."""
    text = message(graded(mutated(REFERENCE, *UNSTABLE_SIGMOID)), "sigmoid_forward, |x| up to 1000 without overflow")
    assert text.startswith("The values are right, but numpy warned: RuntimeWarning: overflow encountered in exp (activations.py, line")


def test_kink_message_points_at_the_zero(graded):
    """relu's gradient 1 at 0 is reported at an entry where x == 0, expected 0."""
    result = graded(mutated(REFERENCE, *RELU_KINK))
    case = next(case for case in SUITE.cases if case.name == "relu_backward, gradient 0 at x == 0")
    x = case.build(case.rng(SEEDS[0])).calls[0].args[0]
    text = message(result, case.name)
    index = tuple(int(i) for i in text.split(" at index (")[1].split(")")[0].split(", "))
    assert f"wrong in {int((x == 0).sum())} of {x.size} entries" in text
    assert x[index] == 0.0 and ", expected 0, got" in text


def test_maxout_gradient_shape_is_reported(graded):
    """A db of shape (M,) (summed over the pieces too) is reported with both shapes."""
    result = graded(mutated(REFERENCE, ("return dx, dw, dpieces.sum(axis=1)", "return dx, dw, dpieces.sum(axis=(0, 1))")))
    assert failing(result) == named("maxout_backward", "maxout_backward, tied pieces") & {n for n in ALL_CASES if n.endswith(": db")}
    assert message(result, "maxout_backward: db").startswith("db has shape (3,), expected (3, 3).")


# -- 3. correct but differently written submissions score full marks ------------------------

LOOPS = '''
"""Correct, written differently: Python loops over entries, math functions, dict caches."""
import math

import numpy as np


def _each(function, x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        out[index] = function(float(x[index]))
    return out


def sigmoid_forward(x):
    out = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))
    return out, {"x": np.array(x, dtype=np.float64)}


def sigmoid_backward(dout, cache):
    s = sigmoid_forward(cache["x"])[0]  # recomputed from x: right too
    return np.asarray(dout) * s * (1.0 - s)


def tanh_forward(x):
    out = _each(math.tanh, x)
    return out, {"out": out}


def tanh_backward(dout, cache):
    return np.asarray(dout) * (1.0 - cache["out"] * cache["out"])


def relu_forward(x):
    return _each(lambda v: v if v > 0 else 0.0, x), {"x": np.array(x, dtype=np.float64)}


def relu_backward(dout, cache):
    slope = _each(lambda v: 1.0 if v > 0 else 0.0, cache["x"])
    return np.asarray(dout) * slope


def leaky_relu_forward(x, negative_slope=0.01):
    out = _each(lambda v: v if v > 0 else negative_slope * v, x)
    return out, {"x": np.array(x, dtype=np.float64), "slope": negative_slope}


def leaky_relu_backward(dout, cache):
    slope = _each(lambda v: 1.0 if v > 0 else cache["slope"], cache["x"])
    return np.asarray(dout) * slope


def elu_forward(x, alpha=1.0):
    out = _each(lambda v: v if v > 0 else alpha * math.expm1(v), x)
    return out, {"x": np.array(x, dtype=np.float64), "alpha": alpha}


def elu_backward(dout, cache):
    slope = _each(lambda v: 1.0 if v > 0 else cache["alpha"] * math.exp(v), cache["x"])
    return np.asarray(dout) * slope


def maxout_forward(x, w, b):
    n, m, k = x.shape[0], w.shape[2], w.shape[0]
    out = np.empty((n, m))
    winner = np.zeros((n, m), dtype=int)
    for i in range(n):
        for j in range(m):
            best = None
            for piece in range(k):
                value = float(x[i] @ w[piece, :, j] + b[piece, j])
                if best is None or value > best:  # strict: the first maximal piece stays
                    best, winner[i, j] = value, piece
            out[i, j] = best
    return out, {"x": x.copy(), "w": w.copy(), "winner": winner}


def maxout_backward(dout, cache):
    x, w, winner = cache["x"], cache["w"], cache["winner"]
    dx, dw, db = np.zeros(x.shape), np.zeros(w.shape), np.zeros((w.shape[0], w.shape[2]))
    for i in range(x.shape[0]):
        for j in range(w.shape[2]):
            piece = winner[i, j]
            dx[i] += dout[i, j] * w[piece, :, j]
            dw[piece, :, j] += dout[i, j] * x[i]
            db[piece, j] += dout[i, j]
    return dx, dw, db
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """A correct submission written with loops, math functions and dict caches passes every case, without a hint."""
    result = graded(LOOPS, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


# -- 4. hidden inputs change with the seed ---------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones, slopes and alphas from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_hidden_parameters_stay_away_from_the_defaults():
    """Over 200 seeds, hidden slopes lie in [0.05, 0.6] and alphas in [0.2, 0.8] or [1.5, 3]: a default in the backward shows."""
    slopes = next(case for case in SUITE.cases if case.name == "leaky_relu_backward, random negative_slope")
    alphas = next(case for case in SUITE.cases if case.name == "elu_backward, random alpha")
    drawn_slopes = [slopes.build(slopes.rng(seed)).calls[0].kwargs["negative_slope"] for seed in range(200)]
    drawn_alphas = np.array([alphas.build(alphas.rng(seed)).calls[0].kwargs["alpha"] for seed in range(200)])
    assert min(drawn_slopes) >= 0.05 and max(drawn_slopes) <= 0.6 and len(set(drawn_slopes)) == 200
    assert (((0.2 <= drawn_alphas) & (drawn_alphas <= 0.8)) | ((1.5 <= drawn_alphas) & (drawn_alphas <= 3.0))).all()
    assert (drawn_alphas < 1).any() and (drawn_alphas > 1).any()


def test_every_kinked_input_has_a_zero_and_every_tied_input_a_tie():
    """On many seeds, every ReLU-like case's x holds an exact 0, and every tied maxout case a K-way tie at (0, 0)."""
    for case in SUITE.cases:
        for seed in range(20):
            plan = case.build(case.rng(seed))
            first = plan.calls[0]
            if first.function.startswith(("relu", "leaky_relu", "elu")) and "1000" not in case.name:
                assert (first.args[0] == 0).any(), case.name
            if "tied" in case.name:
                x, w, b = first.args
                pieces = np.einsum("nd,kdm->knm", x, w) + b[:, None, :]
                assert (pieces[:, 0, 0] == pieces[0, 0, 0]).all() and len(set(w[:, 0, 0])) == w.shape[0], case.name


# -- 5. misconception hints -----------------------------------------------------------------

MISTAKES = [
    pytest.param(suite.RELU_KINK, RELU_KINK, RELU_BACKWARD, id="relu-kink"),
    pytest.param(suite.LEAKY_SLOPE_IGNORED, LEAKY_SLOPE_IGNORED, LEAKY_NOT_DEFAULT, id="leaky-slope-ignored"),
    pytest.param(suite.LEAKY_KINK, LEAKY_KINK, LEAKY_BACKWARD, id="leaky-kink"),
    pytest.param(suite.SIGMOID_OF_X, SIGMOID_OF_X, SIGMOID_BACKWARD, id="sigmoid-of-x"),
    pytest.param(suite.TANH_OF_X, TANH_OF_X, TANH_BACKWARD, id="tanh-of-x"),
    pytest.param(suite.ELU_DERIVATIVE_AS_FORWARD, ELU_DERIVATIVE_AS_FORWARD, ELU_BACKWARD, id="elu-derivative-as-forward"),
    pytest.param(suite.ELU_KINK, ELU_KINK, ELU_ALPHA_NOT_1, id="elu-kink"),
    pytest.param(suite.MAXOUT_EVERY_PIECE, MAXOUT_EVERY_PIECE, MAXOUT_BACKWARD, id="maxout-every-piece"),
    pytest.param(suite.MAXOUT_TIES_TO_ALL, MAXOUT_TIES_TO_ALL, MAXOUT_TIED, id="maxout-ties-to-all"),
    pytest.param(suite.MAXOUT_TIES_SPLIT, MAXOUT_TIES_SPLIT, MAXOUT_TIED, id="maxout-ties-split"),
    pytest.param(suite.MAXOUT_LAST_TIE, MAXOUT_LAST_TIE, MAXOUT_TIED, id="maxout-last-tie"),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, replacements, expected", MISTAKES)
def test_each_misconception_fires_on_its_mistake(graded, hint, replacements, expected):
    """A submission with exactly this mistake gets this hint, with its text, on every case it fails, and no other hint."""
    result = graded(mutated(REFERENCE, *replacements))
    carrying = hinted(result)
    assert set(carrying.values()) == {hint.name}
    assert set(carrying) == expected
    assert failing(result) == expected | withheld("activations", expected)  # side cases go with their main case
    for case in result.cases:
        if case.name in carrying:
            assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the activations suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in MISTAKES}
    assert len(declared) >= 5


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(LOOPS, id="alternative"),
    pytest.param(mutated(REFERENCE, *UNSTABLE_SIGMOID), id="overflowing sigmoid"),
    pytest.param(mutated(REFERENCE, *ELU_OVERFLOW), id="overflowing elu"),
    pytest.param(mutated(REFERENCE, *MAXOUT_WITHOUT_BIAS), id="maxout without bias"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source)) == {}


def elementwise_diagnosis(name, hint, wrong_backward, **kwargs):
    """The hint ``diagnose`` offers for a student whose ``name``_backward is ``wrong_backward``, on x with zeros."""
    solution = reference("activations")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x[::2, ::2] = 0.0
    dout = rng.standard_normal((3, 4))
    forward = Call(f"{name}_forward", x, **kwargs)
    backward = Call(f"{name}_backward", dout, forward.out[1])
    plan = Plan([forward, backward], {"dx": backward.out})
    cache = getattr(solution, f"{name}_forward")(x, **kwargs)[1]
    expected = {"dx": getattr(solution, f"{name}_backward")(dout, cache)}
    student = {"dx": wrong_backward(x, dout, kwargs)}
    return diagnose((hint,), student, expected, plan, solution, suite.STABLE)


@pytest.mark.hints
def test_a_variant_equal_to_the_truth_is_never_offered():
    """At the default slope 0.01 and at alpha = 1 the 'slope ignored' and 'slope 1 at 0' variants equal the truth: not offered there, offered elsewhere.

    The student's dx is right at the defaults (failed for another reason, say a warning), so
    naming a misconception there would be a guess.
    """
    def leaky_with_default(x, dout, kwargs):
        return dout * np.where(x > 0, 1.0, 0.01)

    def elu_slope_1_at_0(x, dout, kwargs):
        a = kwargs.get("alpha", 1.0)
        return dout * np.where(x >= 0, 1.0, a * np.exp(np.minimum(x, 0.0)))

    assert elementwise_diagnosis("leaky_relu", suite.LEAKY_SLOPE_IGNORED, leaky_with_default) is None
    assert elementwise_diagnosis("leaky_relu", suite.LEAKY_SLOPE_IGNORED, leaky_with_default, negative_slope=0.3) is suite.LEAKY_SLOPE_IGNORED
    assert elementwise_diagnosis("elu", suite.ELU_KINK, elu_slope_1_at_0) is None
    assert elementwise_diagnosis("elu", suite.ELU_KINK, elu_slope_1_at_0, alpha=0.5) is suite.ELU_KINK
