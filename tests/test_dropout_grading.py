"""The dropout suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end by ``autograder.grade.grade`` in the sandbox. The wrong
ones are one-mistake edits of solutions/dropout.py; each must fail exactly the cases that see
its mistake, on two secret seeds, and keep every other point. Correct submissions written
another way (the mask from rng.binomial, or from rng.uniform >= p) score full marks. The
statistical bounds are checked against exact binomial tails: a correct submission fails them
with probability below 1e-7 each, and the wrong ones pass them with probability below 1e-9.
Each misconception hint fires on exactly its mistake, and on nothing right or unrecognised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade
from autograder.hints import diagnose
from autograder.judge import Property
from autograder.plan import Call, Plan
from autograder.suites import dropout as suite
from autograder.suites.dropout import SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failed, hinted, reference_source, replaced, swap

pytestmark = pytest.mark.dropout

REFERENCE = reference_source("dropout")
SEEDS = (1, 2)
ALL_CASES = {case.name for case in SUITE.cases}


def cases(prefix: str) -> set:
    return {name for name in ALL_CASES if name.startswith(prefix)}


SHARE = cases("dropout_forward drops a share p")
SCALE = cases("dropout_forward scales kept units")
TEST_TIME = cases("dropout_forward at test time")
IDENTITY = {"dropout_forward with p = 0 is the identity"}
SEED = {"dropout_forward: the same seed gives the same mask"}
ROWS = {"dropout_forward: rows of a batch get their own masks"}
RAISES = cases("dropout_forward raises")
BACKWARD = cases("dropout_backward")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of dropout.py with that source (its one assignment); cached per module."""
    return Grades("dropout", tmp_path_factory.mktemp("dropout"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/dropout.py passes every case, visible and hidden, whatever the secret seed."""
    assignment = graded(REFERENCE, seed)
    assert failed(assignment) == {}
    assert assignment.score == assignment.max_score == SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/dropout.py scores 0, and every case says the function is not implemented yet."""
    (assignment,) = grade(ROOT / "assignments", ["dropout"], seed=SEEDS[0]).assignments
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    for name, text in failed(assignment).items():
        assert "not implemented yet" in text or "expected ValueError" in text, name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

MASK = "\n    mask = (rng.random(x.shape) >= p) / (1 - p)"  # the code line, not the docstring's

NEW_MASK = replaced('''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, (rng, p)


def dropout_backward(dout, cache):
    rng, p = cache
    return dout * (rng.random(dout.shape) >= p) / (1 - p)
''', REFERENCE)

MUTATIONS = [
    # scaled at test time instead of in training: the expectation is right, the convention is not
    pytest.param(
        swap(swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape) >= p) * 1.0"), "return x, None", "return x * (1 - p), None"),
        SCALE | TEST_TIME, ("dropout_forward scales kept units by 1/(1 - p), p = 0.2", "the kept units of out are x times 1 (median)"),
        id="non-inverted-dropout",
    ),
    # p = 0 divides by zero: inf where the reference is x
    pytest.param(
        swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape) >= p) / p"),
        SCALE | IDENTITY, ("dropout_forward scales kept units by 1/(1 - p), p = 0.2", "x times 5 (median)"),
        id="scaled-by-1-over-p",
    ),
    pytest.param(
        swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape) < p) / p"),
        SHARE | SCALE | IDENTITY, ("dropout_forward drops a share p of the units, p = 0.2", "expected 20.00% (within 1.87%)"),
        id="keep-probability-taken-for-drop-probability",
    ),
    pytest.param(NEW_MASK, BACKWARD, ("dropout_backward uses the forward's mask", "never draw a new one"), id="new-mask-in-backward"),
    pytest.param(
        swap(REFERENCE, "return dout if mask is None else dout * mask", "return dout if mask is None else dout * (mask != 0)"),
        BACKWARD, ("dropout_backward uses the forward's mask", "scale included"), id="backward-without-the-scale",
    ),
    pytest.param(
        swap(REFERENCE, MASK, "\n    mask = (np.random.random(x.shape) >= p) / (1 - p)"),
        SEED, ("dropout_forward: the same seed gives the same mask", "not from np.random's global state"), id="global-numpy-random",
    ),
    # N = 1 in the share cases: a mask for x.shape[1:] is a full mask there
    pytest.param(
        swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape[1:]) >= p) / (1 - p)"),
        ROWS, ("dropout_forward: rows of a batch get their own masks", "got 1 different masks among 40 rows"), id="one-mask-for-the-batch",
    ),
    pytest.param(
        swap(REFERENCE, "    if not train:\n        return x, None\n", ""),
        TEST_TIME, ("dropout_forward at test time returns x unchanged", "out is wrong in"), id="dropout-at-test-time-too",
    ),
    pytest.param(
        swap(REFERENCE, "return x * mask, mask", "x *= mask\n    return x, mask"),
        {"dropout_forward leaves x unchanged"}, ("dropout_forward leaves x unchanged", "x after dropout_forward is wrong in"),
        id="x-masked-in-place",
    ),
    pytest.param(
        swap(REFERENCE, 'raise ValueError(f"dropout_forward: p must be in [0, 1), got {p}")', "pass"),
        RAISES, ("dropout_forward raises ValueError for p = 1", "dropout_forward(<float64 array (3, 4)>, 1.0, True, rng) returned <float64 array (3, 4)>; expected ValueError."), id="p-not-checked",
    ),
]


@pytest.mark.parametrize("source, expected, message", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, message):
    """A one-mistake submission fails exactly the expected cases, on two secret seeds, with a message saying what."""
    case, text = message
    assert text in assert_fails_exactly(graded, source, expected, SEEDS)[case]


# -- 3. correct but differently written submissions score full marks ------------------------

BINOMIAL = '''
"""Correct, written differently: the mask from rng.binomial, a dict cache, np.where."""
import numpy as np


def dropout_forward(x, p, train, rng):
    if p < 0 or p >= 1:
        raise ValueError("p must lie in [0, 1)")
    if not train:
        return x, {"train": False}
    keep = rng.binomial(1, 1 - p, size=x.shape).astype(bool)
    return np.where(keep, x / (1 - p), 0.0), {"train": True, "keep": keep, "p": p}


def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout
    return np.where(cache["keep"], dout / (1 - cache["p"]), 0.0)
'''

UNIFORM = '''
"""Correct, written differently: the mask from rng.uniform >= p, a copy at test time."""
import numpy as np


def dropout_forward(x, p, train, rng):
    if not (0.0 <= p and p < 1.0):
        raise ValueError(f"bad p {p}")
    if not train:
        return x.copy(), (None, p)
    keep = rng.uniform(size=x.shape) >= p
    return x * keep * (1.0 / (1.0 - p)), (keep, p)


def dropout_backward(dout, cache):
    keep, p = cache
    return dout.copy() if keep is None else dout * keep * (1.0 / (1.0 - p))
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
@pytest.mark.parametrize("source", [BINOMIAL, UNIFORM], ids=["binomial", "uniform"])
def test_correct_alternative_scores_full_marks(graded, source, seed):
    """A correct submission written differently from the reference passes every case."""
    assignment = graded(source, seed)
    assert failed(assignment) == {}
    assert assignment.score == SUITE.max_score


# -- 4. the statistical bounds ----------------------------------------------------------------

def binomial_outside(n: int, p: float, low: float, high: float) -> float:
    """P(K/n <= low or K/n >= high) for K ~ Binomial(n, p), exactly (log-space sums)."""
    k = np.arange(n + 1)
    log_pmf = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
    with np.errstate(divide="ignore"):
        log_pmf = log_pmf + k * math.log(p) + (n - k) * math.log1p(-p)
    outside = (k / n <= low) | (k / n >= high)
    return float(np.exp(log_pmf[outside]).sum())


@pytest.mark.parametrize("p", [0.05, 0.2, 0.4, 0.6, 0.75, 0.95])
def test_share_bound_fails_a_correct_mask_rarely_and_a_swapped_one_surely(p):
    """Exact binomial tails at the graded size: a correct mask fails with probability < 1e-7, a swapped one passes with < 1e-9."""
    n = suite.SHARE_SIZE
    t = suite.share_tolerance(n)
    assert binomial_outside(n, p, p - t, p + t) < suite.FALSE_FAILURE
    # the share of a swapped mask is 1 - p, at least 0.2 away: it lands within t of p almost never
    assert 1 - binomial_outside(n, 1 - p, p - t, p + t) < 1e-9


def test_the_suite_has_at_most_ten_statistical_checks():
    """Ten checks at 1e-7 each keep a correct submission's chance of losing points below 1e-6 per grading."""
    statistical = [case for case in SUITE.cases if getattr(case.judge, "test", None) in (suite.share_near_p, suite.rows_differ, suite.reproducible)]
    assert len(statistical) <= 10


# -- 5. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_hidden_p_is_away_from_one_half():
    """Random p stays at least 0.1 from 0.5, where keep and drop probabilities would coincide."""
    rng = np.random.default_rng(0)
    ps = [suite.away_from_half(rng) for _ in range(1000)]
    assert min(abs(p - 0.5) for p in ps) >= 0.1 and 0.05 <= min(ps) and max(ps) <= 0.95


# -- 6. misconception hints -------------------------------------------------------------------

HINTED = [
    pytest.param(suite.SWAPPED, swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape) < p) / (1 - p)"), SHARE, id="keep-for-drop"),
    pytest.param(suite.SCALED_BY_INVERSE_P, MUTATIONS[1].values[0], SCALE, id="scaled-by-1-over-p"),
    pytest.param(suite.NOT_SCALED, swap(REFERENCE, MASK, "\n    mask = (rng.random(x.shape) >= p) * 1.0"), SCALE, id="not-scaled-in-training"),
    pytest.param(suite.NEW_MASK, NEW_MASK, BACKWARD, id="new-mask-in-backward"),
    pytest.param(suite.SCALED_AT_TEST_TIME, swap(REFERENCE, "return x, None", "return x * (1 - p), None"), TEST_TIME, id="scaled-at-test-time"),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, source, carrying", HINTED)
def test_each_misconception_fires_on_its_mistake(graded, hint, source, carrying):
    """A submission with exactly this mistake gets this hint, with its text, on the cases that see it, and no other."""
    assignment = graded(source, SEEDS[0])
    assert hinted(assignment) == {name: hint.name for name in carrying}
    for case in assignment.cases:
        if case.name in carrying:
            assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_both_mistakes_of_non_inverted_dropout_are_named(graded):
    """Non-inverted dropout (unscaled in training, scaled at test time) gets each hint on the cases that see it."""
    assignment = graded(MUTATIONS[0].values[0], SEEDS[0])
    expected = {name: suite.NOT_SCALED.name for name in SCALE} | {name: suite.SCALED_AT_TEST_TIME.name for name in TEST_TIME}
    assert hinted(assignment) == expected


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the dropout suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in HINTED}


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param((ROOT / "assignments" / "dropout.py").read_text(), id="stubs"),
    pytest.param(BINOMIAL, id="binomial"),
    pytest.param(UNIFORM, id="uniform"),
    pytest.param(MUTATIONS[4].values[0], id="backward without the scale"),
    pytest.param(MUTATIONS[6].values[0], id="one mask for the batch"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, correct alternatives and mistakes no hint describes get no hint."""
    assert hinted(graded(source, SEEDS[0])) == {}


@pytest.mark.hints
def test_property_hints_are_never_offered_at_one_half():
    """At p = 0.5 keep and drop probabilities coincide, and so do 1/p and 1/(1 - p): no hint there."""
    x = np.full((1, 1000), 2.0)
    out = np.where(np.arange(1000) % 2 == 0, 0.0, 4.0)[None, :]  # half dropped, kept ones x / 0.5
    for p, offered in ((0.5, None), (0.25, None)):
        plan = Plan([Call("dropout_forward", x, p, True, None)], {"out": None})
        assert diagnose((suite.SWAPPED, suite.SCALED_BY_INVERSE_P), {"out": out}, None, plan, None, Property(suite.share_near_p)) is offered
    plan = Plan([Call("dropout_forward", x, 0.25, True, None)], {"out": None})
    assert diagnose((suite.SCALED_BY_INVERSE_P,), {"out": np.where(out == 0, 0.0, 8.0)}, None, plan, None, Property(suite.share_near_p)) is suite.SCALED_BY_INVERSE_P


ZEROS_EVERYTHING = replaced('''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout_forward: p must be in [0, 1), got {p}")
    return np.zeros_like(x), np.zeros_like(x)


def dropout_backward(dout, cache):
    return dout * cache
''', REFERENCE)


def test_a_dropout_that_zeros_everything_scores_zero(graded):
    """Every unit zeroed, in training and at test time, p checked, x untouched, the backward masked
    by the same (empty) mask: no property holds vacuously (no kept unit, nothing to scale or
    mask) and the side cases (p checked, x unchanged, one seed one mask) are withheld."""
    result = graded(ZEROS_EVERYTHING)
    assert set(failed(result)) == ALL_CASES and result.score == 0
    messages = failed(result)
    for name in SCALE | BACKWARD | SEED:
        assert "has no kept unit among" in messages[name], name
    for name in RAISES | {"dropout_forward leaves x unchanged"}:
        assert messages[name].startswith("Withheld: dropout_forward does not yet compute right values"), name
