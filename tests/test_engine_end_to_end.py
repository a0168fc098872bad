"""The engine end to end on a toy assignment: in-place updates, property checks, required errors.

The backprop suite exercises none of these judges, so a small assignment made here does:
a function that updates a dict argument in place (as batchnorm's running statistics will),
a random function judged by properties with a numpy Generator made on each side, a
function that must raise ``ValueError``, and points for substance: a side case (an error
raised, an argument untouched, a reproducible draw, an answer of all zeros) counts only once
its function's main case passes.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grade import grade
from autograder.judge import Compare, Property, Raises
from autograder.plan import Call, Made, Plan
from autograder.suite import Case, Suite, normal

pytestmark = pytest.mark.engine

REFERENCE = '''
import numpy as np


def center(x, state, momentum=0.1):
    mean = x.mean(axis=0)
    state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mean
    return x - mean


def checked_size(n):
    if n < 1:
        raise ValueError("n must be >= 1")
    return n


def count_positive(x):
    return int(np.sum(x > 0))


def noise(shape, rng):
    return rng.standard_normal(shape)
'''

SIZE = (400, 50)


def center_plan(rng):
    call = Call("center", normal(rng, 5, 3), {"running_mean": normal(rng, 3)})
    return Plan([call], {"out": call.out, "state": call.arg(1)})


def noise_plan(rng):
    seed = int(rng.integers(2**31))
    first = Call("noise", SIZE, Made("generator", (("seed", seed),)))
    again = Call("noise", SIZE, Made("generator", (("seed", seed),)))
    return Plan([first, again], {"noise": first.out, "again": again.out})


def standard_normal(outputs, plan):
    """Shape, mean 0 and variance 1 within six standard errors (false failure < 1e-8), reproducible."""
    x = outputs["noise"]
    if not isinstance(x, np.ndarray) or x.shape != SIZE:
        return [f"noise should be an array of shape {SIZE}."]
    problems = []
    if abs(x.mean()) > 6 / np.sqrt(x.size):
        problems.append(f"The mean is {x.mean():.3g}, expected 0.")
    if abs(x.var() - 1) > 6 * np.sqrt(2 / x.size):
        problems.append(f"The variance is {x.var():.3g}, expected 1.")
    if not np.array_equal(x, outputs["again"]):
        problems.append("Two generators with the same seed gave different noise: draw from rng, not np.random.")
    return problems


def single(function, *args):
    """A plan of one call to ``function``, its result judged."""
    call = Call(function, *args)
    return lambda rng: Plan([call], {"result": call.out})


def center_keeps_x(rng):
    call = Call("center", normal(rng, 5, 3), {"running_mean": normal(rng, 3)})
    return Plan([call], {"x after center": call.arg(0), "out": call.out})


def reproducible(outputs, plan):
    return [] if np.array_equal(outputs["noise"], outputs["again"]) else ["Two generators with the same seed gave different noise."]


SUITE = Suite("toy", (
    Case("center", 1, center_plan),
    Case("center leaves x unchanged", 1, center_keeps_x, Compare(tol=0.0, form_only=("out",))),
    Case("checked_size", 1, single("checked_size", 3), visibility="hidden"),
    Case("checked_size rejects 0", 1, single("checked_size", 0), Raises(ValueError, "n must be >= 1")),
    Case("noise", 1, noise_plan, Property(standard_normal)),
    Case("noise is reproducible", 1, noise_plan, Property(reproducible, side=True)),
    Case("noise declared the subject", 1, single("checked_size", 0), Raises(ValueError), side_of="noise"),
    Case("count_positive of negatives", 1, single("count_positive", -np.ones(3))),
    Case("count_positive", 1, single("count_positive", np.array([1.0, -1.0, 2.0]))),
))


@pytest.fixture
def grade_toy(tmp_path):
    """Grade a toy submission made from the reference with some replacements."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "toy.py").write_text(REFERENCE)

    def run(*replacements):
        source = REFERENCE
        for old, new in replacements:
            assert source.count(old) == 1, old
            source = source.replace(old, new)
        submission = tmp_path / "submission"
        submission.mkdir(exist_ok=True)
        (submission / "toy.py").write_text(source)
        result = grade(submission, seed=3, suites={"toy": SUITE}, solutions=solutions)
        return {case.name: case for case in result.cases}

    return run


def test_reference_passes_every_judge(grade_toy):
    """The toy reference passes the compare, the in-place, the property and the raises cases."""
    cases = grade_toy()
    assert all(case.passed for case in cases.values()), {name: case.message for name, case in cases.items()}


def test_in_place_update_is_judged(grade_toy):
    """A running mean updated in a copy instead of in place fails, naming the dict key."""
    cases = grade_toy(('    state["running_mean"] =', '    state = dict(state)\n    state["running_mean"] ='))
    assert not cases["center"].passed
    assert cases["center"].message.startswith("state['running_mean'] is wrong in 3 of 3 entries")


def test_momentum_applied_backwards_is_caught(grade_toy):
    """(momentum, 1 - momentum) swapped changes the running mean: the case fails."""
    cases = grade_toy(("(1 - momentum) * state[\"running_mean\"] + momentum * mean", "momentum * state[\"running_mean\"] + (1 - momentum) * mean"))
    assert not cases["center"].passed and "state['running_mean']" in cases["center"].message
    assert cases["noise"].passed and cases["checked_size rejects 0"].passed


def test_missing_required_error_fails(grade_toy):
    """checked_size(0) returning instead of raising fails with what it returned and what to raise."""
    cases = grade_toy(('        raise ValueError("n must be >= 1")', '        return 0'))
    assert cases["checked_size rejects 0"].message == "checked_size(0) returned 0; expected ValueError: n must be >= 1."


def test_wrong_error_type_fails(grade_toy):
    """Raising TypeError where ValueError is required fails, naming both."""
    cases = grade_toy(('raise ValueError("n must be >= 1")', 'raise TypeError("bad n")'))
    assert cases["checked_size rejects 0"].message == "checked_size(0) raised TypeError: bad n; expected ValueError: n must be >= 1."


def test_error_subclass_is_accepted(grade_toy):
    """A subclass of the required error passes, as ``pytest.raises`` would."""
    cases = grade_toy(('raise ValueError("n must be >= 1")', 'raise IndexError("n")'))
    assert not cases["checked_size rejects 0"].passed
    cases = grade_toy(('raise ValueError("n must be >= 1")', 'raise __import__("json").JSONDecodeError("n", "", 0)'))
    assert cases["checked_size rejects 0"].passed


def test_property_catches_a_wrong_scale(grade_toy):
    """Noise with standard deviation 2 fails the variance property."""
    cases = grade_toy(("return rng.standard_normal(shape)", "return 2 * rng.standard_normal(shape)"))
    assert not cases["noise"].passed
    assert cases["noise"].message.startswith("The variance is 4")


def test_property_catches_ignoring_the_generator(grade_toy):
    """Drawing from numpy's global generator instead of rng breaks reproducibility."""
    cases = grade_toy(("return rng.standard_normal(shape)", "return np.random.standard_normal(shape)"))
    assert cases["noise"].message == "Two generators with the same seed gave different noise: draw from rng, not np.random."


def test_broken_reference_is_a_grader_error_not_a_crash(grade_toy, tmp_path):
    """A reference that raises gives 'Grader error' on its cases and a staff note; grading goes on."""
    (tmp_path / "solutions" / "toy.py").write_text(REFERENCE.replace("    mean = x.mean(axis=0)\n", "    mean = x.mean(axis=0)\n    raise RuntimeError('reference bug')\n"))
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "toy.py").write_text(REFERENCE)
    result = grade(submission, seed=3, suites={"toy": SUITE}, solutions=tmp_path / "solutions")
    by_name = {case.name: case for case in result.cases}
    assert by_name["center"].message.startswith("Grader error")
    assert by_name["noise"].passed
    assert any("reference bug" in line for line in result.staff)


WITHHELD = "Withheld: {function} does not yet compute right values (see {main!r}). This check passed; its points count once that case passes too."


def test_side_cases_count_only_beside_right_values(grade_toy):
    """A function with the right form and wrong values earns none of its side cases: the raised
    error (main case hidden: the first hidden one counts), the untouched argument, the
    reproducible draw, a case declared side_of, an answer of all zeros (count_positive of
    negatives); each message names the main case. The other functions keep their points."""
    cases = grade_toy(
        ("    return n\n", "    return n + 1\n"),
        ("    return x - mean", "    return x + mean"),
        ("    return rng.standard_normal(shape)", "    return 2 * rng.standard_normal(shape)"),
        ("    return int(np.sum(x > 0))", "    return 0"),
    )
    assert {name for name, case in cases.items() if not case.passed} == set(cases)
    assert cases["checked_size rejects 0"].message == WITHHELD.format(function="checked_size", main="checked_size")
    assert cases["center leaves x unchanged"].message == WITHHELD.format(function="center", main="center")
    assert cases["noise is reproducible"].message == WITHHELD.format(function="noise", main="noise")
    assert cases["noise declared the subject"].message == WITHHELD.format(function="noise", main="noise")
    assert cases["count_positive of negatives"].message == WITHHELD.format(function="count_positive", main="count_positive")


def test_writing_into_the_argument_costs_only_the_unchanged_case(grade_toy):
    """A right center that also subtracts the mean from x in place loses that case only."""
    cases = grade_toy(("    return x - mean", "    x -= mean\n    return x.copy()"))
    assert {name for name, case in cases.items() if not case.passed} == {"center leaves x unchanged"}
    assert cases["center leaves x unchanged"].message.startswith("x after center is wrong in 15 of 15 entries")


def test_a_side_case_without_a_main_case_is_a_grader_error(tmp_path):
    """A suite whose side case has no main case for its function: a grader error and a staff note, not points."""
    (tmp_path / "toy.py").write_text(REFERENCE)
    suite = Suite("toy", (Case("checked_size rejects 0", 1, single("checked_size", 0), Raises(ValueError)),))
    result = grade(tmp_path, seed=3, suites={"toy": suite}, solutions=tmp_path)
    (case,) = result.cases
    assert not case.passed and case.message.startswith("Grader error")
    assert result.staff == ("toy/checked_size rejects 0: a side case of checked_size, which has no main case in the suite",)
