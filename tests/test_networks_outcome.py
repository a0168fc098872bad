"""The networks outcome case: its threshold, margin, false-failure bound and time budget are what the suite states.

The suite's figures come from 200 seeds of the reference (seeds 0..199); here fresh seeds
re-measure them: every run clears the threshold by far, within the stated spread; an init_mlp that
draws its weights in another order (another correct solution) is just another sample; the judge
scores the parameters train returns, not the history it reports; the reference meets the time
budget with room to spare, inside the sandbox.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder import probes, wire
from autograder.grade import reference
from autograder.plan import execute
from autograder.suites import networks as suite
from submissions import Grades, reference_source

pytestmark = pytest.mark.networks

FRESH_SEEDS = range(1000, 1012)  # not among the 200 the suite's figures come from


def outcome(module, seed: int) -> tuple[float, list]:
    """(validation accuracy as the case judges it, the problems it reports) of the outcome plan on ``module``."""
    plan = suite.outcome_plan(np.random.default_rng(seed))
    outputs, _ = execute(wire.copied(plan), module, probes)
    X_val, y_val = plan.calls[1].args[3], plan.calls[1].args[4]
    share = float(np.mean(np.argmax(suite.scores_of(outputs["params"], X_val), axis=1) == y_val))
    return share, suite.learns_the_digits(outputs, plan)


def test_the_stated_bound_follows_from_the_stated_figures():
    """MARGIN = mean - THRESHOLD is 15 standard deviations; Cantelli's 1 / (1 + k^2) is below 0.5%."""
    k = suite.MARGIN / suite.MEASURED["std"]
    assert suite.MARGIN == pytest.approx(0.105) and k > 15
    assert suite.FALSE_FAILURE == pytest.approx(1 / (1 + k**2)) and suite.FALSE_FAILURE < 0.005
    assert suite.MEASURED["min"] - suite.THRESHOLD > 0.08


def test_the_reference_clears_the_threshold_on_fresh_seeds_within_the_stated_spread():
    """On 12 fresh seeds every run passes, at least 0.08 above the threshold and within 5 deviations of the mean."""
    solution = reference("networks")
    shares = []
    for seed in FRESH_SEEDS:
        share, problems = outcome(solution, seed)
        assert problems == [] and share >= suite.THRESHOLD + 0.08, seed
        shares.append(share)
    assert abs(np.mean(shares) - suite.MEASURED["mean"]) <= 5 * suite.MEASURED["std"] / math.sqrt(len(shares)) + 0.01
    assert all(abs(share - suite.MEASURED["mean"]) <= 5 * suite.MEASURED["std"] for share in shares)


def test_weights_drawn_in_another_order_are_another_sample():
    """An init_mlp drawing the last layer first (a correct solution) gives other weights, and passes just as well."""
    solution = reference("networks")

    def reversed_init(dims, rng, scheme="he"):
        layers = list(zip(dims[:-1], dims[1:]))
        weights = [rng.normal(0.0, math.sqrt(2.0 / a), size=(a, b)) for a, b in reversed(layers)][::-1]
        return {key: value for layer, (w, (_, b)) in enumerate(zip(weights, layers), start=1)
                for key, value in ((f"W{layer}", w), (f"b{layer}", np.zeros(b)))}

    other = type(solution)("networks_reversed_init")
    vars(other).update({name: value for name, value in vars(solution).items() if not name.startswith("__")})
    other.init_mlp = reversed_init
    dims = list(suite.OUTCOME_DIMS)
    assert not np.array_equal(reversed_init(dims, np.random.default_rng(0))["W1"], solution.init_mlp(dims, np.random.default_rng(0))["W1"])
    for seed in FRESH_SEEDS[:4]:
        share, problems = outcome(other, seed)
        assert problems == [] and share >= suite.THRESHOLD + 0.08, seed


def test_the_judge_scores_the_parameters_not_the_reported_history():
    """Untrained parameters with a history claiming 99% fail; the message gives the real share."""
    plan = suite.outcome_plan(np.random.default_rng(0))
    params = reference("networks").init_mlp(list(suite.OUTCOME_DIMS), np.random.default_rng(0))
    problems = suite.learns_the_digits({"params": params}, plan)
    assert len(problems) == 1 and "of the validation digits right" in problems[0]
    assert suite.learns_the_digits({"params": {"W1": params["W1"]}}, plan) != []  # a missing key is a form failure


def test_the_reference_meets_the_time_budget_in_the_sandbox(tmp_path):
    """Graded in the worker, the outcome case takes under half of TIME_BUDGET."""
    result = Grades("networks", tmp_path)(reference_source("networks"))
    (case,) = [case for case in result.cases if case.name.startswith("train reaches")]
    assert case.passed and 0 < case.student_seconds < suite.TIME_BUDGET / 2
    assert [c.timeout for c in suite.SUITE.cases if c.name == case.name] == [suite.TIME_BUDGET]
