"""The batchnorm suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end by ``autograder.grade.grade`` in the sandbox. The wrong
ones are one-mistake edits of solutions/batchnorm.py (each replaced text must occur exactly
once, so a change to the reference breaks these tests loudly); each must fail exactly the
cases that see its mistake, on two secret seeds, and keep every other point. A correct
submission written another way (the backward pass through the computational graph, step by
step) scores full marks. Each misconception hint fires on exactly its mistake, and on nothing
right or unrecognised.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import probes, wire
from autograder.grade import grade, reference
from autograder.hints import diagnose
from autograder.judge import Compare, Raises
from autograder.plan import execute
from autograder.suites import batchnorm as suite
from autograder.suites.batchnorm import SUITE
from submissions import Grades, ROOT, assert_fails_exactly, failed, hinted, reference_source, replaced, swap

pytestmark = pytest.mark.batchnorm

REFERENCE = reference_source("batchnorm")
SEEDS = (1, 2)
ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, outputs=("",)) -> set:
    """Case names that start with one of ``prefixes`` and end with one of ``outputs``."""
    return {name for name in ALL_CASES if name.startswith(prefixes) and name.endswith(outputs)}


RUNNING = {
    "batchnorm_forward updates running_mean and running_var in bn_param",
    "batchnorm_forward, running statistics after 5 training steps",
    "batchnorm_forward, running statistics after 5 steps, random data",
    "spatial_batchnorm_forward updates the running statistics per channel",
}
TEST_MODE = cases("batchnorm_forward, test mode", "spatial_batchnorm_forward, test mode")
TRAIN_OUT = cases("batchnorm_forward, train mode", "batchnorm_forward, a feature", "spatial_batchnorm_forward, train mode")
BACKWARD = cases("batchnorm_backward", "spatial_batchnorm_backward")
DX = {name for name in BACKWARD if name.endswith(": dx") or ":" not in name}
DGAMMA = cases("batchnorm_backward", "spatial_batchnorm_backward", outputs=(": dgamma",))
DBETA = cases("batchnorm_backward", "spatial_batchnorm_backward", outputs=(": dbeta",))
SPATIAL = cases("spatial_batchnorm")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of batchnorm.py with that source (its one assignment); cached per module."""
    return Grades("batchnorm", tmp_path_factory.mktemp("batchnorm"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/batchnorm.py passes every case, visible and hidden, whatever the secret seed."""
    assignment = graded(REFERENCE, seed)
    assert failed(assignment) == {}
    assert assignment.score == assignment.max_score == SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/batchnorm.py scores 0, and every case says the function is not implemented yet."""
    (assignment,) = grade(ROOT / "assignments", ["batchnorm"], seed=SEEDS[0]).assignments
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    for name, text in failed(assignment).items():
        assert "not implemented yet" in text, name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

NEW_DICT = swap(REFERENCE, '    mode = bn_param["mode"]\n', '    bn_param = dict(bn_param)  # the caller\'s dict is never updated\n    mode = bn_param["mode"]\n')

PER_POSITION = replaced('''
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.reshape(n, -1), np.repeat(gamma, h * w), np.repeat(beta, h * w), bn_param)
    return out.reshape(x.shape), (cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    rows_cache, shape = cache
    n, c, h, w = shape
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(n, -1), rows_cache)
    return dx.reshape(shape), dgamma.reshape(c, -1).sum(axis=1), dbeta.reshape(c, -1).sum(axis=1)
''', REFERENCE)

MUTATIONS = [
    pytest.param(
        swap(REFERENCE, "momentum * var * n / (n - 1)", "momentum * var"),
        RUNNING, ("batchnorm_forward updates running_mean and running_var in bn_param", "bn_param['running_var'] is wrong in"), id="running-variance-biased",
    ),
    pytest.param(
        swap(swap(REFERENCE, "(1 - momentum) * running_mean + momentum * mean", "momentum * running_mean + (1 - momentum) * mean"),
             "(1 - momentum) * running_var + momentum * var", "momentum * running_var + (1 - momentum) * var"),
        RUNNING, ("batchnorm_forward updates running_mean and running_var in bn_param", "bn_param['running_mean'] is wrong in"), id="momentum-backwards",
    ),
    # the 5-step cases start without running statistics: the caller's dict never gets them
    pytest.param(NEW_DICT, RUNNING, ("batchnorm_forward updates running_mean and running_var in bn_param", "bn_param['running_mean'] is wrong in"), id="running-statistics-in-a-new-dict"),
    pytest.param(
        swap(REFERENCE, "return dx, dgamma, dbeta\n", "return dx, (dout * x_hat).sum(axis=1), dbeta\n"),
        DGAMMA, ("batchnorm_backward: dgamma", "dgamma has shape (5,), expected (4,)."), id="dgamma-summed-over-features",
    ),
    pytest.param(
        swap(REFERENCE, "(n * dout - dbeta - x_hat * dgamma)", "(n * dout - dbeta + x_hat * dgamma)"),
        DX, ("batchnorm_backward: dx", "dx is wrong in"), id="simplified-backward-sign-error",
    ),
    # dbeta = sum dout does not see eps, and the running statistics do not either
    pytest.param(
        swap(REFERENCE, "inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / (np.sqrt(var) + eps)"),
        TRAIN_OUT | TEST_MODE | DX | DGAMMA, ("batchnorm_forward, train mode", "out is wrong in"), id="eps-outside-the-sqrt",
    ),
    pytest.param(
        swap(REFERENCE, "mean, var = running_mean, running_var", "mean, var = x.mean(axis=0), x.var(axis=0)"),
        TEST_MODE, ("batchnorm_forward, test mode", "out is wrong in"), id="test-mode-with-batch-statistics",
    ),
    # out and the running statistics stay right: only the caller's x is spoiled
    pytest.param(
        swap(REFERENCE, "x_hat = (x - mean) * inv_std", "x -= mean\n    x_hat = x * inv_std"),
        {"batchnorm_forward leaves x unchanged"}, ("batchnorm_forward leaves x unchanged", "x after batchnorm_forward is wrong in"),
        id="x-centred-in-place",
    ),
    # dbeta sums dout per channel whatever the statistics; everything else spatial is lost
    pytest.param(PER_POSITION, SPATIAL - DBETA, ("spatial_batchnorm_forward, train mode", "out is wrong in"), id="spatial-statistics-per-position"),
]


@pytest.mark.parametrize("source, expected, message", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, message):
    """A one-mistake submission fails exactly the expected cases, on two secret seeds, with a message saying what."""
    case, text = message
    assert text in assert_fails_exactly(graded, source, expected, SEEDS)[case]


def test_a_new_dict_is_told_its_running_statistics_are_missing(graded):
    """Running statistics kept in a copy of bn_param: the student reads that bn_param has no running_mean."""
    text = failed(graded(NEW_DICT, SEEDS[0]))["batchnorm_forward, running statistics after 5 training steps"]
    assert text == "bn_param has no key 'running_mean'."


def test_forward_without_eps_is_told_about_nan(graded):
    """Without eps, a constant feature gives 0 / 0: the message names the NaN."""
    source = swap(REFERENCE, "inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var)")
    text = failed(graded(source, SEEDS[0]))["batchnorm_forward, a feature of variance 0"]
    assert text.startswith("out has 6 non-finite entries (NaN at index")


# -- 3. correct but differently written submissions score full marks ------------------------

GRAPH = '''
"""Correct, written differently: the backward pass through the computational graph, one
node at a time; per-channel statistics with axis=(0, 2, 3); running arrays updated in place."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"unknown mode {mode}")
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    d = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", np.zeros(d))
    running_var = bn_param.setdefault("running_var", np.ones(d))
    if mode == "test":
        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    n = x.shape[0]
    if n < 2:
        raise ValueError("train mode needs two samples")
    mu = np.sum(x, axis=0) / n
    xmu = x - mu
    sq = xmu ** 2
    var = np.sum(sq, axis=0) / n
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    running_mean *= 1 - momentum
    running_mean += momentum * mu
    running_var *= 1 - momentum
    running_var += momentum * np.sum(sq, axis=0) / (n - 1)
    return gamma * xhat + beta, {"xhat": xhat, "gamma": gamma, "xmu": xmu, "ivar": ivar, "sqrtvar": sqrtvar, "var": var, "eps": eps}


def batchnorm_backward(dout, cache):
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * cache["xhat"], axis=0)
    dxhat = dout * cache["gamma"]
    divar = np.sum(dxhat * cache["xmu"], axis=0)
    dxmu1 = dxhat * cache["ivar"]
    dsqrtvar = -1.0 / cache["sqrtvar"] ** 2 * divar
    dvar = 0.5 / np.sqrt(cache["var"] + cache["eps"]) * dsqrtvar
    dsq = np.ones_like(dout) / n * dvar
    dxmu2 = 2 * cache["xmu"] * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx2 = np.ones_like(dout) / n * dmu
    return dx1 + dx2, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    c = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(c))
    running_var = bn_param.get("running_var", np.ones(c))
    g, b = gamma[None, :, None, None], beta[None, :, None, None]
    if mode == "test":
        mean, var = running_mean, running_var
        return g * (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps) + b, None
    m = x.size // c
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mean
    bn_param["running_var"] = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    inv = 1 / np.sqrt(var + eps)
    xhat = (x - mean[None, :, None, None]) * inv[None, :, None, None]
    return g * xhat + b, (xhat, gamma, inv)


def spatial_batchnorm_backward(dout, cache):
    xhat, gamma, inv = cache
    m = dout.size // dout.shape[1]
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    scale = (gamma * inv / m)[None, :, None, None]
    return scale * (m * dout - dbeta[None, :, None, None] - xhat * dgamma[None, :, None, None]), dgamma, dbeta
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """Backward through the computational graph, axis=(0, 2, 3) statistics, in-place running arrays: full marks."""
    assignment = graded(GRAPH, seed)
    assert failed(assignment) == {}
    assert assignment.score == SUITE.max_score


# -- 4. hidden inputs ------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_suite_inputs_catch_what_tame_data_lets_through():
    """Every batch has N != D and N >= 2 in train mode (but where N = 1 must raise); momentum is never 0.5;
    hidden spatial inputs have H != W."""
    for case in SUITE.cases:
        if isinstance(case.judge, Raises):
            continue
        for seed in SEEDS:
            plan = case.build(case.rng(seed))
            for call in plan.calls:
                x, bn_param = call.args[0], call.args[3] if len(call.args) > 3 else None
                if call.function == "batchnorm_forward":
                    assert x.shape[0] != x.shape[1], case.name
                if isinstance(bn_param, dict):
                    assert bn_param.get("momentum") != 0.5, case.name
                    if bn_param["mode"] == "train":
                        assert x.size // x.shape[1] >= 2, case.name
                if call.function == "spatial_batchnorm_forward":
                    assert x.shape[2] != x.shape[3], case.name


# -- 5. misconception hints -------------------------------------------------------------------

AVERAGED = swap(REFERENCE, "return dx, dgamma, dbeta\n", "return dx, dgamma / n, dbeta / n\n")

HINTED = [
    pytest.param(suite.BIASED_RUNNING_VAR, MUTATIONS[0].values[0], RUNNING, id="biased-running-variance"),
    pytest.param(suite.MOMENTUM_BACKWARDS, MUTATIONS[1].values[0], RUNNING, id="momentum-backwards"),
    # the 5-step cases start without running statistics: "has no key 'running_mean'" says it all
    pytest.param(suite.NOT_IN_PLACE, NEW_DICT, {"batchnorm_forward updates running_mean and running_var in bn_param"}, id="new-dict"),
    pytest.param(suite.EPS_OUTSIDE_SQRT, MUTATIONS[5].values[0], TRAIN_OUT | TEST_MODE, id="eps-outside-the-sqrt"),
    pytest.param(suite.TEST_WITH_BATCH_STATISTICS, MUTATIONS[6].values[0], TEST_MODE, id="test-mode-with-batch-statistics"),
    pytest.param(suite.SUMS_AVERAGED, AVERAGED, DGAMMA | DBETA, id="dgamma-dbeta-averaged"),
    # seed 1's hidden spatial shape has N = 1, where per-position statistics of one sample raise
    pytest.param(suite.PER_POSITION, PER_POSITION, {"spatial_batchnorm_forward, train mode"}, id="spatial-statistics-per-position"),
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
    """Each hint declared in the batchnorm suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in HINTED}


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param((ROOT / "assignments" / "batchnorm.py").read_text(), id="stubs"),
    pytest.param(GRAPH, id="alternative"),
    pytest.param(MUTATIONS[4].values[0], id="sign error in dx"),
    pytest.param(MUTATIONS[3].values[0], id="dgamma over the wrong axis"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source, SEEDS[0])) == {}


@pytest.mark.hints
def test_a_variant_equal_to_the_truth_is_never_offered():
    """With momentum 0 the running statistics do not move: biased or not, backwards or not, no hint."""
    solution = reference("batchnorm")
    for momentum, offered in ((0.0, None), (0.25, suite.BIASED_RUNNING_VAR)):
        plan = suite.update_plan("batchnorm_forward", suite.rows, suite.fixed(5, 3), 2, start=suite.given_statistics, momentum=momentum)(np.random.default_rng(0))
        expected, _ = execute(wire.copied(plan), solution, probes)
        student = suite.replayed(plan, ddof=0)
        assert diagnose(suite.RUNNING, student, expected, plan, solution, Compare()) == offered
