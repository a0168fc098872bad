"""The mutation benchmark's parts: the mutants it makes and the oracle that calls them wrong."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from autograder.plan import Call, Plan

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks"))
import mutation_score  # noqa: E402

pytestmark = pytest.mark.engine

SOURCE = '''
import numpy as np


def scaled(x, k):
    """Doc."""
    if k < 0:
        raise ValueError("k")
    return np.sum(x * k, axis=0) + 1


def helper(x):
    return x - 1
'''


def test_mutants_change_one_thing_in_the_named_functions_only():
    """Operators, comparisons, constants, axes and dropped terms, one change each, never in other functions or docstrings."""
    made = mutation_score.mutants(SOURCE, {"scaled"})
    changes = {mutant.change for mutant in made}
    assert {"Lt -> LtE", "Mult -> Div", "Add -> Sub", "dropped the Add term", "constant 0 -> 1", "constant 1 -> 2",
            "axis=0 -> axis=-1", "axis=0 -> axis=None"} <= changes
    for mutant in made:
        assert "return x - 1" in mutant.source and "Doc." in mutant.source, mutant.change


def test_the_oracle_tells_a_wrong_mutant_from_an_equivalent_one():
    """A mutant that changes a result, or raises where the reference does not, is wrong; one that only moves a
    bound no input reaches is not."""
    reference = mutation_score.module_from(SOURCE, "reference")
    plans = [Plan([Call("scaled", np.arange(6.0).reshape(2, 3), k)], {}) for k in (2, 3)]
    for plan in plans:
        plan.outputs = {"result": plan.calls[0].out}
    expected = [mutation_score.outcome(plan, reference) for plan in plans]
    wrong = mutation_score.module_from(SOURCE.replace("x * k", "x / k"), "wrong")
    raising = mutation_score.module_from(SOURCE.replace("k < 0", "k > 0"), "raising")
    equivalent = mutation_score.module_from(SOURCE.replace("k < 0", "k < -1"), "equivalent")
    assert mutation_score.really_wrong(wrong, reference, plans, expected)
    assert mutation_score.really_wrong(raising, reference, plans, expected)
    assert not mutation_score.really_wrong(equivalent, reference, plans, expected)
