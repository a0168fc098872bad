"""The ensembles suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end by ``autograder.grade.grade`` in the sandbox. The wrong
ones are one-mistake edits of solutions/ensembles.py; each must fail exactly the cases that
see its mistake, on two secret seeds, and keep every other point. A correct submission
written another way scores full marks. The statistical bounds of bootstrap_indices are
checked by computation: exact binomial tails, the exact variance of the number of distinct
indices, and the wrong samplers far outside them.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.plan import Call, Plan
from autograder.suites import ensembles as suite
from autograder.suites.ensembles import SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failed, hinted, reference_source, replaced, swap

pytestmark = pytest.mark.ensembles


def load_module(path):
    """The module at ``path``, imported outside any package (the reference, as the grader holds it)."""
    spec = importlib.util.spec_from_file_location("reference_ensembles", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

REFERENCE = reference_source("ensembles")
solution = load_module(ROOT / "solutions" / "ensembles.py")
SEEDS = (1, 2)
ALL_CASES = {case.name for case in SUITE.cases}


def cases(prefix: str) -> set:
    return {name for name in ALL_CASES if name.startswith(prefix)}


RANGE = cases("bootstrap_indices") & {name for name in ALL_CASES if "int64 indices in range" in name}
DISTINCT = {name for name in ALL_CASES if "1 - 1/e" in name}
REPRODUCIBLE = {"bootstrap_indices: the same seed gives the same indices"}
AVERAGE_SEVERAL = {"average_predictions", "average_predictions, random shapes"}
TIES = {"majority_vote, ties to the smallest label", "majority_vote, random votes with ties"}
ANY_ORDER = {"average_parameters, keys in any order", "average_parameters, random names and shapes"}
RAISES = cases("average_parameters raises")
EMA_VALUES = {"ema_update, decay = 0.9", "ema_update, random decay"}
EMA_KEEPS = {"ema_update leaves average and params unchanged"}
CLIPPED = {"adaboost_update, err = 0 and err = 1 clipped"}
NEW_WEIGHTS = {name for name in cases("adaboost_update") if name.endswith(": new_weights")}
WEIGHTED = cases("adaboost_update, weights not summing to 1") | cases("adaboost_update, random rounds")
DISTILLATION = cases("distillation_loss")
T_NOT_ONE = DISTILLATION - cases("distillation_loss, T = 1")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of ensembles.py with that source (its one assignment); cached per module."""
    return Grades("ensembles", tmp_path_factory.mktemp("ensembles"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/ensembles.py passes every case, visible and hidden, whatever the secret seed."""
    assignment = graded(REFERENCE, seed)
    assert failed(assignment) == {}
    assert assignment.score == assignment.max_score == SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/ensembles.py scores 0, and every case says the function is not implemented yet."""
    (assignment,) = grade(ROOT / "assignments", ["ensembles"], seed=SEEDS[0]).assignments
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    for name, text in failed(assignment).items():
        assert "not implemented yet" in text, name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

DRAW = "return rng.integers(0, n, size=n, dtype=np.int64)"
EMA = "return {name: decay * average[name] + (1 - decay) * params[name] for name in average}"
UPDATE = "new_weights = sample_weights * np.exp(-alpha * y_true * y_pred)"
MEAN = "return {name: np.mean([model[name] for model in params], axis=0) for name in params[0]}"

SAME_KEY_ORDER = replaced('''
def average_parameters(params):
    if not params:
        raise ValueError("average_parameters: params is empty")
    names = set(params[0])
    for model in params[1:]:
        if set(model) != names:
            raise ValueError("average_parameters: different keys")
        if [np.shape(a) for a in model.values()] != [np.shape(a) for a in params[0].values()]:
            raise ValueError("average_parameters: different shapes")
    columns = zip(*(model.values() for model in params))
    return {name: np.mean(arrays, axis=0) for name, arrays in zip(params[0], columns)}
''', REFERENCE)

NOT_VALIDATED = replaced('''
def average_parameters(params):
    return {name: sum(model[name] for model in params) / len(params) for name in params[0]}
''', REFERENCE)

EMA_IN_PLACE = replaced('''
def ema_update(average, params, decay):
    for name in average:
        average[name] *= decay
        average[name] += (1 - decay) * params[name]
    return average
''', REFERENCE)

TIED_TO_LARGEST = swap(REFERENCE, "return np.argmax(counts, axis=1).astype(np.int64)",
                       "return (num_classes - 1 - np.argmax(counts[:, ::-1], axis=1)).astype(np.int64)")
NO_T_SQUARED = swap(REFERENCE, "loss = alpha * temperature**2 * kl", "loss = alpha * kl")
NO_T_SQUARED = swap(NO_T_SQUARED, "dstudent = alpha * temperature * (q - p) / n", "dstudent = alpha * (q - p) / temperature / n")
KL_REVERSED = replaced('''
def distillation_loss(student_logits, teacher_logits, y, temperature=1.0, alpha=0.5):
    n, rows = len(y), np.arange(len(y))
    log_p = _log_softmax(teacher_logits / temperature)
    log_q = _log_softmax(student_logits / temperature)
    q = np.exp(log_q)
    kl_rows = np.sum(q * (log_q - log_p), axis=1, keepdims=True)
    log_probs = _log_softmax(student_logits)
    loss = alpha * temperature**2 * kl_rows.mean() - (1 - alpha) * log_probs[rows, y].mean()
    dhard = np.exp(log_probs)
    dhard[rows, y] -= 1
    dsoft = q * (log_q - log_p - kl_rows) * temperature
    return float(loss), alpha * dsoft / n + (1 - alpha) * dhard / n
''', REFERENCE)
HARD_AT_T = swap(swap(REFERENCE, "log_probs = _log_softmax(student_logits)", "log_probs = _log_softmax(student_logits / temperature)"),
                 "(1 - alpha) * dhard / n", "(1 - alpha) * dhard / temperature / n")
UNWEIGHTED_ERROR = swap(REFERENCE, "err = np.sum(sample_weights * (y_true != y_pred)) / np.sum(sample_weights)", "err = np.mean(y_true != y_pred)")

MUTATIONS = [
    pytest.param(swap(REFERENCE, DRAW, "return rng.permutation(n)"), DISTINCT,
                 ("bootstrap_indices: about 1 - 1/e of the indices distinct", "holds 20000 distinct values among n = 20000 (100.0%)"),
                 id="sampling-without-replacement"),
    pytest.param(swap(REFERENCE, DRAW, "return np.random.randint(0, n, size=n)"), REPRODUCIBLE,
                 ("bootstrap_indices: the same seed gives the same indices", "not from np.random's global state"), id="global-numpy-random"),
    pytest.param(swap(REFERENCE, DRAW, "return rng.integers(0, n, size=n, dtype=np.int32)"), RANGE,
                 ("bootstrap_indices: n int64 indices in range(n)", "has dtype int32, expected int64"), id="int32-indices"),
    pytest.param(swap(REFERENCE, DRAW, "return rng.integers(0, max(n // 2, 1), size=n, dtype=np.int64)"), DISTINCT | {"bootstrap_indices: uniform over range(n)"},
                 ("bootstrap_indices: uniform over range(n)", "expected 10.0% (within 2.2%): every index of range(n) must be equally likely"), id="first-half-only"),
    pytest.param(swap(REFERENCE, "return np.mean(probs, axis=0)", "return np.sum(probs, axis=0)"), AVERAGE_SEVERAL,
                 ("average_predictions", "out is wrong in 20 of 20 entries"), id="predictions-summed"),
    pytest.param(TIED_TO_LARGEST, TIES, ("majority_vote, ties to the smallest label", "votes differs in"), id="ties-to-the-largest-label"),
    pytest.param(SAME_KEY_ORDER, ANY_ORDER, ("average_parameters, keys in any order", "average_parameters raised ValueError"), id="same-key-order-assumed"),
    pytest.param(NOT_VALIDATED, RAISES, ("average_parameters raises ValueError when the shapes differ", "; expected ValueError."), id="no-validation"),
    pytest.param(swap(REFERENCE, EMA, EMA.replace("decay * average[name] + (1 - decay) * params[name]", "(1 - decay) * average[name] + decay * params[name]")),
                 EMA_VALUES, ("ema_update, decay = 0.9", "new['w1'] is wrong in 12 of 12 entries"), id="decay-swapped"),
    pytest.param(EMA_IN_PLACE, EMA_KEEPS, ("ema_update leaves average and params unchanged", "average after ema_update['w1'] is wrong"), id="ema-in-place"),
    pytest.param(swap(REFERENCE, "return new_weights / np.sum(new_weights), float(alpha)", "return new_weights, float(alpha)"), NEW_WEIGHTS | CLIPPED,
                 ("adaboost_update: new_weights", "new_weights is wrong in 12 of 12 entries"), id="weights-not-normalized"),
    # a member right (or wrong) everywhere scales every weight alike, whatever the sign: the clipped case passes
    pytest.param(swap(REFERENCE, UPDATE, UPDATE.replace("-alpha", "alpha")), NEW_WEIGHTS,
                 ("adaboost_update: new_weights", "new_weights is wrong in"), id="sign-of-alpha-flipped"),
    pytest.param(UNWEIGHTED_ERROR, WEIGHTED, ("adaboost_update, weights not summing to 1: alpha", "alpha is"), id="err-ignores-the-weights"),
    pytest.param(swap(REFERENCE, "err = float(np.clip(err, 1e-10, 1 - 1e-10))", "err = err"), CLIPPED,
                 ("adaboost_update, err = 0 and err = 1 clipped", "new_weights, err = 0 has 8 non-finite entries"), id="err-not-clipped"),
    pytest.param(NO_T_SQUARED, T_NOT_ONE, ("distillation_loss, T = 4, alpha = 0.9: loss", "loss is"), id="T-squared-missing"),
    pytest.param(KL_REVERSED, DISTILLATION, ("distillation_loss, T = 1: loss", "loss is"), id="KL-in-the-wrong-direction"),
    pytest.param(HARD_AT_T, T_NOT_ONE, ("distillation_loss, T = 4, alpha = 0.9: dstudent", "dstudent is wrong in"), id="hard-loss-at-temperature-T"),
    pytest.param(swap(REFERENCE, "log_probs = _log_softmax(student_logits)", "log_probs = np.log(np.exp(student_logits) / np.exp(student_logits).sum(axis=1, keepdims=True))"),
                 {"distillation_loss, logits of magnitude 1000"}, ("distillation_loss, logits of magnitude 1000", "expected the finite number"), id="unstable-cross-entropy"),
]


@pytest.mark.parametrize("source, expected, message", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, message):
    """A one-mistake submission fails exactly the expected cases, on two secret seeds, with a message saying what."""
    case, text = message
    assert text in assert_fails_exactly(graded, source, expected, SEEDS)[case]


# -- 3. a correct but differently written submission scores full marks -----------------------

ALTERNATIVE = '''
"""Correct, written differently: loops over models and keys, bincount, where, explicit softmax."""
import functools

import numpy as np


def bootstrap_indices(n, rng):
    return np.floor(rng.random(n) * n).astype(np.int64)


def average_predictions(probs):
    return sum(probs[m] for m in range(probs.shape[0])) / probs.shape[0]


def majority_vote(labels, num_classes):
    return np.array([np.bincount(column, minlength=num_classes).argmax() for column in labels.T], dtype=np.int64)


def average_parameters(params):
    if len(params) == 0:
        raise ValueError("no models")
    keys = sorted(params[0])
    if any(sorted(model) != keys for model in params):
        raise ValueError("keys differ")
    if any(np.shape(model[k]) != np.shape(params[0][k]) for model in params for k in keys):
        raise ValueError("shapes differ")
    return {k: functools.reduce(np.add, [model[k] for model in params]) / len(params) for k in keys}


def ema_update(average, params, decay):
    new = {}
    for name, value in average.items():
        new[name] = value + (1 - decay) * (params[name] - value)
    return new


def adaboost_update(sample_weights, y_true, y_pred):
    w = sample_weights / sample_weights.sum()
    wrong = y_true != y_pred
    err = min(max(w[wrong].sum(), 1e-10), 1 - 1e-10)
    alpha = 0.5 * np.log(1 - err) - 0.5 * np.log(err)
    new = w * np.where(wrong, np.exp(alpha), np.exp(-alpha))
    return new / new.sum(), float(alpha)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logsumexp(z):
    top = z.max(axis=1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=1))


def distillation_loss(student_logits, teacher_logits, y, temperature=1.0, alpha=0.5):
    T, n = temperature, len(y)
    s, t = student_logits / T, teacher_logits / T
    p = softmax(t)
    # KL(p || q) = sum p log p - sum p log q, with log q = s - logsumexp(s)
    log_p = t - logsumexp(t)[:, None]
    cross = -(p * (s - logsumexp(s)[:, None])).sum(axis=1)
    entropy = -(p * log_p).sum(axis=1)
    kl = np.mean(cross - entropy)
    ce = np.mean(logsumexp(student_logits) - student_logits[np.arange(n), y])
    onehot = np.eye(student_logits.shape[1])[y]
    grad = alpha * T * (softmax(s) - p) / n + (1 - alpha) * (softmax(student_logits) - onehot) / n
    return float(alpha * T * T * kl + (1 - alpha) * ce), grad
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """A correct submission written differently from the reference passes every case."""
    assignment = graded(ALTERNATIVE, seed)
    assert failed(assignment) == {}
    assert assignment.score == SUITE.max_score


# -- 4. the statistical bounds ----------------------------------------------------------------

def binomial_outside(n: int, p: float, low: float, high: float) -> float:
    """P(K/n <= low or K/n >= high) for K ~ Binomial(n, p), exactly (log-space sums)."""
    k = np.arange(n + 1)
    log_pmf = np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
    log_pmf = log_pmf + k * math.log(p) + (n - k) * math.log1p(-p)
    outside = (k / n <= low) | (k / n >= high)
    return float(np.exp(log_pmf[outside]).sum())


@pytest.mark.parametrize("n", [20_000, 20_007])
def test_uniformity_bound_fails_a_correct_sampler_rarely(n):
    """Exact binomial tails: over the ten buckets a correct sampler fails with probability < 1e-7 (the suite's claim)."""
    t = suite.bucket_tolerance(n)
    sizes = np.bincount(np.arange(n) * suite.BUCKETS // n, minlength=suite.BUCKETS)
    total = sum(binomial_outside(n, size / n, size / n - t, size / n + t) for size in sizes)
    assert total < suite.FALSE_FAILURE
    # a sampler that never draws the second half of range(n) leaves its buckets empty: 10% away, far beyond t
    assert t < 0.025


def exact_distinct_variance(n: int) -> float:
    """Var[D] for D the number of distinct values among n uniform draws from range(n) (occupancy)."""
    empty, two_empty = (1 - 1 / n) ** n, (1 - 2 / n) ** n
    return n * empty + n * (n - 1) * two_empty - (n * empty) ** 2


@pytest.mark.parametrize("n", [20_000, 40_000])
def test_distinct_bound_is_wide_for_a_correct_sampler_and_narrow_for_a_permutation(n):
    """The McDiarmid bound is at least 9 exact standard deviations wide, and a permutation lies 34% of n outside it."""
    a = suite.distinct_tolerance(n)
    assert 2 * math.exp(-2 * a**2 / n) == pytest.approx(suite.FALSE_FAILURE)
    assert a > 9 * math.sqrt(exact_distinct_variance(n))
    assert n - suite.expected_distinct(n) - a > 0.34 * n
    assert suite.expected_distinct(n) / n == pytest.approx(1 - 1 / math.e, abs=1e-4)


def test_correct_samples_pass_the_statistical_checks_with_room():
    """200 correct samples of n = 20,000 stay within half of both bounds (a Monte Carlo sanity check)."""
    rng = np.random.default_rng(12)
    n = 20_000
    plan = Plan([Call("bootstrap_indices", n, None), Call("bootstrap_indices", 1, None)])
    mean, a = suite.expected_distinct(n), suite.distinct_tolerance(n)
    sizes = np.bincount(np.arange(n) * suite.BUCKETS // n) / n
    for _ in range(200):
        indices = rng.integers(0, n, size=n)
        outputs = {"indices": indices, "indices for n = 1": np.zeros(1, dtype=np.int64)}
        assert suite.distinct_share(outputs, plan) == [] and suite.uniform(outputs, plan) == []
        assert abs(len(np.unique(indices)) - mean) < a / 2
        assert np.max(np.abs(np.bincount(indices * suite.BUCKETS // n) / n - sizes)) < suite.bucket_tolerance(n) / 2


def test_the_suite_has_three_statistical_checks():
    """Three checks at 1e-7 each keep a correct submission's chance of losing points below 1e-6 per grading."""
    statistical = [case for case in SUITE.cases if getattr(case.judge, "test", None) in (suite.distinct_share, suite.uniform)]
    assert len(statistical) == 3


# -- 5. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_hidden_decay_and_temperature_stay_where_mistakes_show():
    """Random decays stay 0.1 away from 1/2 and random temperatures above 1.5, where swapped decays and a missing T**2 show."""
    rng = np.random.default_rng(0)
    assert min(abs(suite.away_from_half(rng) - 0.5) for _ in range(1000)) >= 0.1
    assert min(suite.RANDOM_T(rng) for _ in range(1000)) >= 1.5


def test_tied_votes_hold_ties():
    """Every other column of the tied votes is a two-way tie between two different labels."""
    labels = suite.tied_votes(np.random.default_rng(3), 6, 7, 4)
    for column in labels.T[::2]:
        values, counts = np.unique(column, return_counts=True)
        assert len(values) == 2 and list(counts) == [3, 3]


# -- 6. misconception hints -------------------------------------------------------------------

HINTED = [
    pytest.param(suite.WITHOUT_REPLACEMENT, MUTATIONS[0].values[0], DISTINCT, id="without-replacement"),
    pytest.param(suite.SUMMED_PREDICTIONS, MUTATIONS[4].values[0], AVERAGE_SEVERAL, id="predictions-summed"),
    pytest.param(suite.TIES_TO_LARGEST, TIED_TO_LARGEST, TIES, id="ties-to-the-largest-label"),
    pytest.param(suite.DECAY_SWAPPED, MUTATIONS[8].values[0], EMA_VALUES, id="decay-swapped"),
    pytest.param(suite.NOT_NORMALIZED, MUTATIONS[10].values[0], NEW_WEIGHTS, id="weights-not-normalized"),
    pytest.param(suite.ALPHA_SIGN, MUTATIONS[11].values[0], NEW_WEIGHTS, id="sign-of-alpha-flipped"),
    pytest.param(suite.UNWEIGHTED_ERROR, UNWEIGHTED_ERROR, WEIGHTED, id="err-ignores-the-weights"),
    pytest.param(suite.NO_T_SQUARED, NO_T_SQUARED, T_NOT_ONE, id="T-squared-missing"),
    pytest.param(suite.KL_REVERSED, KL_REVERSED, DISTILLATION, id="KL-in-the-wrong-direction"),
    pytest.param(suite.HARD_AT_T, HARD_AT_T, T_NOT_ONE, id="hard-loss-at-temperature-T"),
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
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the ensembles suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in HINTED}


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param((ROOT / "assignments" / "ensembles.py").read_text(), id="stubs"),
    pytest.param(ALTERNATIVE, id="alternative"),
    pytest.param(MUTATIONS[13].values[0], id="err not clipped"),
    pytest.param(MUTATIONS[6].values[0], id="same key order assumed"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source, SEEDS[0])) == {}


@pytest.mark.hints
def test_hints_are_not_offered_where_the_mistake_coincides_with_the_truth():
    """With uniform weights the unweighted err is right, at T = 1 T**2 is 1, for one model a sum is a mean: no hint."""
    def offered(hint, plan, outputs):
        """The hint diagnose() offers for right ``outputs`` (which the wrong variant equals here)."""
        expected = dict(zip(plan.outputs, outputs))
        return diagnose((hint,), expected, expected, plan, solution, Compare())

    w, y_true = np.full(6, 1 / 6), np.array([1, -1, 1, 1, -1, 1])
    y_pred = y_true * np.array([1, 1, -1, 1, 1, 1])
    call = Call("adaboost_update", w, y_true, y_pred)
    plan = Plan([call], {"new_weights": call.out[0], "alpha": call.out[1]})
    assert offered(suite.UNWEIGHTED_ERROR, plan, solution.adaboost_update(w, y_true, y_pred)) is None

    rng = np.random.default_rng(5)
    s, t, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), np.array([0, 2, 1])
    call = Call("distillation_loss", s, t, y, temperature=1.0, alpha=0.5)
    plan = Plan([call], {"loss": call.out[0], "dstudent": call.out[1]})
    assert offered(suite.NO_T_SQUARED, plan, solution.distillation_loss(s, t, y, 1.0, 0.5)) is None
    assert offered(suite.HARD_AT_T, plan, solution.distillation_loss(s, t, y, 1.0, 0.5)) is None

    probs = rng.dirichlet(np.ones(3), size=(1, 4))
    call = Call("average_predictions", probs)
    plan = Plan([call], {"out": call.out})
    assert offered(suite.SUMMED_PREDICTIONS, plan, (solution.average_predictions(probs),)) is None
