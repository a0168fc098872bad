"""The initialization suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end in the sandbox. The wrong ones are small textual
mutations of solutions/initialization.py (each replaced text must occur exactly once); each
must fail exactly the cases that see its bug, on two secret seeds, and say so in its message.
The initializers' cases are statistical, so "exactly" rests on the bounds that
tests/test_initialization_statistics.py proves: a correct draw fails a case with probability
below 1e-8, a wrong scale passes one with probability below 1e-100. Misconception hints fire
on the mutation that makes that mistake and on nothing else.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from autograder import wire
from autograder.grade import grade
from autograder.suite import fixed
from autograder.suites.initialization import HINTS, SUITE, draw_plan
from submissions import Grades, assert_fails_exactly, failing, mutated

pytestmark = pytest.mark.initialization

ROOT = Path(__file__).parents[1]
REFERENCE = (ROOT / "solutions" / "initialization.py").read_text()
SEEDS = (1, 2)

ALL_CASES = {case.name for case in SUITE.cases}
HIDDEN_CASES = {case.name for case in SUITE.cases if case.visibility == "hidden"}
STATISTICAL = {case.name for case in SUITE.cases if case.hints}
STDS = {name for name in ALL_CASES if name.startswith("activation_stds") and "raises" not in name}
RAISES = "activation_stds, another activation raises ValueError"


def named(function: str, *words: str) -> set:
    """The statistical cases of ``function`` whose names contain every one of ``words``."""
    return {name for name in STATISTICAL if name.startswith(f"{function},") and all(word in name for word in words)}


XN, XU, HE = "xavier_normal", "xavier_uniform", "he_normal"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> SubmissionResult of initialization.py with that source; cached."""
    return Grades("initialization", tmp_path_factory.mktemp("initialization"))


def case_result(result, name: str):
    (found,) = [case for case in result.cases if case.name == name]
    return found


# -- 1. the reference and the stubs ----------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_reference_scores_full_marks(graded, seed):
    """solutions/initialization.py passes every case, visible and hidden, with no hint and no staff note."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score == 33
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/initialization.py scores 0; every case says the function is not implemented, with no hint."""
    result = grade(ROOT / "assignments", ["initialization"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet (task 3." in case.message, case.name
        assert case.hint == "", case.name


def test_hidden_inputs_change_with_the_seed():
    """Every hidden case draws other shapes or generator seeds under another secret seed."""
    for case in SUITE.cases:
        if case.visibility == "hidden":
            assert wire.encode(case.build(case.rng(1))) != wire.encode(case.build(case.rng(2))), case.name


# -- 2. wrong implementations lose exactly the points of what they break -----------------------

XAVIER_BODY = "return rng.normal(0.0, np.sqrt(_xavier_variance(shape, mode)), size=tuple(shape))"
UNIFORM_BODY = "bound = np.sqrt(3.0 * _xavier_variance(shape, mode))\n    return rng.uniform(-bound, bound, size=tuple(shape))"
RNG_CASES = {f"{function} draws from rng" for function in (XN, XU, HE)}

# (replacements, the cases it fails, the hint offered on each failing visible statistical case)
MUTATIONS = {
    "xavier-with-fan_out": (
        [("return 1.0 / fan_in\n", "return 1.0 / fan_out\n")],
        named(XN, "fan_in") | named(XU, "fan_in"), "fans swapped"),
    "he-without-the-2": (
        [("np.sqrt(2.0 / fan_in)", "np.sqrt(1.0 / fan_in)")],
        named(HE), "ReLU factor 2 forgotten"),
    "variance-passed-as-the-std": (
        [(XAVIER_BODY, XAVIER_BODY.replace("np.sqrt(_xavier_variance(shape, mode))", "_xavier_variance(shape, mode)"))],
        named(XN), "variance passed as the standard deviation"),
    "std-used-as-the-variance": (
        [(XAVIER_BODY, XAVIER_BODY.replace("np.sqrt(_xavier_variance(shape, mode))", "np.sqrt(np.sqrt(_xavier_variance(shape, mode)))"))],
        named(XN), "standard deviation used as the variance"),
    "uniform-with-the-normal's-scale": (
        [("bound = np.sqrt(3.0 * _xavier_variance", "bound = np.sqrt(1.0 * _xavier_variance")],
        named(XU), "uniform bound sqrt(Var)"),
    "normal-where-uniform-is-asked": (
        [(UNIFORM_BODY, XAVIER_BODY)],
        named(XU), "normal instead of uniform"),
    "uniform-where-normal-is-asked": (
        [(XAVIER_BODY, UNIFORM_BODY)],
        named(XN), "uniform instead of normal"),
    # Glorot's average is symmetric in the fans: the mode-average cases cannot see this bug
    "conv-fans-swapped": (
        [("return channels * height * width, num_filters * height * width", "return num_filters * height * width, channels * height * width")],
        {"fan_in_fan_out, conv weight", "fan_in_fan_out, random conv shapes"} | named(XN, "conv", "fan_in") | named(XU, "conv", "fan_in") | named(HE, "conv"),
        "fans swapped"),
    "affine-fans-in-torch's-(out, in)-layout": (
        [("        fan_in, fan_out = shape\n", "        fan_out, fan_in = shape\n")],
        {"fan_in_fan_out, affine weight", "fan_in_fan_out, random affine shapes"} | named(XN, "affine", "fan_in") | named(XU, "affine", "fan_in") | named(HE, "affine"),
        "fans swapped"),
    "mode-ignored": (
        [('    if mode == "fan_in":\n        return 1.0 / fan_in\n', "    return 1.0 / fan_in\n")],
        named(XN, "average") | named(XU, "average"), "modes confused"),
    "xavier-variance-1.2/fan_in-no-known-mistake": (
        [("return 1.0 / fan_in\n", "return 1.2 / fan_in\n")],
        named(XN, "fan_in") | named(XU, "fan_in"), ""),
    "rng-ignored": (
        [("return rng.normal(0.0, np.sqrt(_xavier", "return np.random.normal(0.0, np.sqrt(_xavier"),
         ("return rng.normal(0.0, np.sqrt(2.0", "return np.random.normal(0.0, np.sqrt(2.0"),
         ("return rng.uniform(", "return np.random.uniform(")],
        RNG_CASES, ""),
    "own-fixed-seed": (
        [("return rng.normal(0.0, np.sqrt(_xavier", "return np.random.default_rng(0).normal(0.0, np.sqrt(_xavier")],
        {"xavier_normal draws from rng"}, ""),
    "shape-reversed": (
        [(XAVIER_BODY, XAVIER_BODY.replace("size=tuple(shape)", "size=tuple(shape)[::-1]"))],
        named(XN) | {"xavier_normal draws from rng"}, ""),
    "fans-as-floats": (
        [("        return fan_in, fan_out\n", "        return float(fan_in), float(fan_out)\n")],
        {"fan_in_fan_out, affine weight", "fan_in_fan_out, random affine shapes"}, ""),
    "stds-with-ddof-1": ([("float(np.std(h))", "float(np.std(h, ddof=1))")], STDS, ""),
    "stds-of-the-pre-activations": ([("float(np.std(h))", "float(np.std(a))")], STDS, ""),
    "stds-as-an-array": ([("    return stds\n", "    return np.array(stds)\n")], STDS, ""),
    "any-other-activation-is-tanh": (
        [('    if activation not in ("relu", "tanh"):\n        raise ValueError(f"activation is {activation!r}, expected \'relu\' or \'tanh\'")\n', "")],
        {RAISES}, ""),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, mutation):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    replacements, expected, _ = MUTATIONS[mutation]
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


# (mutation, case, what its message says)
MESSAGES = [
    ("he-without-the-2", "he_normal, affine weight", "The mean of W**2 (the variance about 0) is 0.01"),
    ("he-without-the-2", "he_normal, affine weight", "times the expected Var(W) = 2/fan_in = 2/64 = 0.03125"),
    ("mode-ignored", "xavier_normal, affine weight, mode average", "expected Var(W) = 2/(fan_in + fan_out) = 2/(320 + 80) = 0.005"),
    ("normal-where-uniform-is-asked", "xavier_uniform, affine weight, default mode fan_in", "entries lie outside [-a, a] with a = sqrt(3 Var(W)) = 0.2165"),
    ("uniform-where-normal-is-asked", "xavier_normal, conv weight, mode fan_in", "Only 0.00% of W's entries lie beyond sqrt(3 Var(W)) = 0.1118"),
    ("rng-ignored", "he_normal draws from rng", "he_normal returned different arrays for two generators with the same seed: draw every random number from rng"),
    ("own-fixed-seed", "xavier_normal draws from rng", "xavier_normal returned the same array for generators with different seeds"),
    ("shape-reversed", "xavier_normal, conv weight, mode fan_in", "W has shape (3, 5, 16, 64), expected (64, 16, 5, 3)."),
    ("fans-as-floats", "fan_in_fan_out, affine weight", "fans of (30, 7)[0] is the float 30.0, expected the int 30: use // or int(), not /."),
    ("stds-as-an-array", "activation_stds, relu, 10 layers", "stds is a numpy array of shape (10,) and dtype float64, expected a list of 10 items."),
    ("any-other-activation-is-tanh", RAISES, "'sigmoid') returned ["),
]


@pytest.mark.parametrize("mutation, name, text", MESSAGES, ids=[f"{m}: {n}" for m, n, _ in MESSAGES])
def test_failure_message_says_what_is_wrong(graded, mutation, name, text):
    """The message of a failing case names the statistic, the expected law or the form that is wrong."""
    result = graded(mutated(REFERENCE, *MUTATIONS[mutation][0]), SEEDS[0])
    assert text in case_result(result, name).message


# -- 3. a correct but differently written submission scores full marks -------------------------

ALTERNATIVE = '''
"""Correct, written differently: np.prod for the fans, standard draws rescaled, einsum."""
import math

import numpy as np


def fan_in_fan_out(shape):
    if len(shape) == 2:
        shape = (shape[1], shape[0], 1, 1)  # an affine layer is a 1x1 convolution with D_out filters
    if len(shape) != 4:
        raise ValueError("expected (D_in, D_out) or (F, C, HH, WW)")
    receptive = int(np.prod(shape[2:]))
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def _std(shape, mode):
    fan_in, fan_out = fan_in_fan_out(shape)
    return math.sqrt({"fan_in": 1 / fan_in, "average": 2 / (fan_in + fan_out)}[mode])


def xavier_normal(shape, rng, mode="fan_in"):
    return _std(shape, mode) * rng.standard_normal(shape)


def xavier_uniform(shape, rng, mode="fan_in"):
    limit = math.sqrt(3.0) * _std(shape, mode)
    return limit * (2.0 * rng.random(shape) - 1.0)


def he_normal(shape, rng):
    return math.sqrt(2.0) * _std(shape, "fan_in") * rng.standard_normal(size=shape)


def activation_stds(x, weights, activation):
    functions = {"relu": lambda a: a * (a > 0), "tanh": np.tanh}
    if activation not in functions:
        raise ValueError(f"unknown activation {activation}")
    h, stds = x, []
    for w in weights:
        h = functions[activation](np.einsum("nd,dm->nm", h, w))
        stds.append(math.sqrt(np.mean((h - h.mean()) ** 2)))
    return stds
'''


@pytest.mark.parametrize("seed", SEEDS)
def test_alternative_implementation_scores_full_marks(graded, seed):
    """Fans by np.prod, rescaled standard draws and einsum with a hand-written std score full marks."""
    result = graded(ALTERNATIVE, seed)
    assert failing(result) == set()
    assert result.score == SUITE.max_score


# -- 4. hints --------------------------------------------------------------------------------

@pytest.mark.hints
@pytest.mark.parametrize("mutation", [m for m, (_, _, hint) in MUTATIONS.items() if hint])
def test_hint_names_the_mistake_on_every_failing_visible_statistical_case(graded, mutation):
    """A mutation making a known mistake gets that mistake's hint on each visible statistical case it fails."""
    replacements, expected, hint = MUTATIONS[mutation]
    result = graded(mutated(REFERENCE, *replacements), SEEDS[0])
    visible = {case.name for case in result.cases if case.visibility == "visible" and case.name in expected & STATISTICAL}
    assert visible
    for name in visible:
        case = case_result(result, name)
        assert case.hint == hint, name
        assert f"\nHint: {next(h.text for h in HINTS[name.split(',')[0]] if h.name == hint)}" in case.message


@pytest.mark.hints
@pytest.mark.parametrize("mutation", ["xavier-variance-1.2/fan_in-no-known-mistake", "shape-reversed", "rng-ignored", "stds-with-ddof-1"])
def test_no_hint_for_a_mistake_matching_no_declared_variant(graded, mutation):
    """A variance of 1.2/fan_in (the other mode gives 1.5/fan_in to 1.71/fan_in here), a reversed shape, an ignored rng or ddof=1 fail with no hint at all."""
    for seed in SEEDS:
        result = graded(mutated(REFERENCE, *MUTATIONS[mutation][0]), seed)
        assert all(case.hint == "" and "Hint:" not in case.message for case in result.cases)


@pytest.mark.hints
def test_no_hint_on_right_answers(graded):
    """The reference and the alternative get no hint anywhere."""
    for source in (REFERENCE, ALTERNATIVE):
        assert all(case.hint == "" for case in graded(source, SEEDS[0]).cases)


def hint_test(function: str, name: str):
    (hint,) = [hint for hint in HINTS[function] if hint.name == name]
    return hint.test


@pytest.mark.hints
def test_fans_swapped_is_not_offered_where_it_coincides_with_the_right_law():
    """For a square weight (fan_in = fan_out) draws of variance 1/fan_out are right: no hint;
    for (64, 256) the same mistake is recognised."""
    rng = np.random.default_rng(0)
    for shape, offered in (((128, 128), False), ((64, 256), True)):
        plan = draw_plan(XN, fixed(*shape), "fan_in")(rng)
        W = rng.normal(0, math.sqrt(1 / shape[1]), size=shape)
        assert hint_test(XN, "fans swapped")({"W": W}, plan) is offered


@pytest.mark.hints
def test_two_mistakes_with_the_same_law_give_no_hint():
    """xavier_uniform, mode fan_in, on (64, 192): fans swapped and a bound of sqrt(Var) both give
    Var/3, so neither is offered; on (64, 256) (Var/4 and Var/3) the bound sqrt(Var) is recognised."""
    rng = np.random.default_rng(0)
    for shape, offered in (((64, 192), False), ((64, 256), True)):
        plan = draw_plan(XU, fixed(*shape), "fan_in")(rng)
        W = rng.uniform(-math.sqrt(1 / 64), math.sqrt(1 / 64), size=shape)  # the bound sqrt(1/fan_in)
        assert hint_test(XU, "uniform bound sqrt(Var)")({"W": W}, plan) is offered
        assert hint_test(XU, "fans swapped")({"W": W}, plan) is False
