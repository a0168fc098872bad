"""Misconception hints: each fires on exactly its mistake, never on a right answer, never guessed.

The backprop submissions are one-mistake mutations of the reference, graded end to end; the
engine's rules (failing path only, no hint where the mistake coincides with the truth) are
checked on :func:`autograder.hints.diagnose` directly.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grade import grade, reference
from autograder.hints import Hint, diagnose
from autograder.judge import Compare
from autograder.plan import Call, Plan
from autograder.suites import backprop as suite
from submissions import REFERENCE, ROOT, graded, replaced, swap

pytestmark = [pytest.mark.hints, pytest.mark.backprop]

# One mutation per misconception: (hint, the reference with exactly that mistake).
MISTAKES = [
    (suite.DB_MEAN, replaced('''
def affine_backward(dout, cache):
    x, w, _ = cache
    return dout @ w.T, x.T @ dout, dout.mean(axis=0)
''')),
    (suite.DW_TRANSPOSED, replaced('''
def affine_backward(dout, cache):
    x, w, _ = cache
    return dout @ w.T, dout.T @ x, dout.sum(axis=0)
''')),
    (suite.RELU_KINK, swap(REFERENCE, "np.where(x > 0,", "np.where(x >= 0,")),
    (suite.SOFTMAX_AXIS, replaced('''
def softmax(x):
    z = np.exp(x - x.max(axis=0, keepdims=True))
    return z / z.sum(axis=0, keepdims=True)
''')),
    (suite.LOSS_SUMMED, replaced('''
def softmax_cross_entropy(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1
    return -log_probs[rows, y].sum(), dscores
''')),
    (suite.LOGISTIC_SUMMED, replaced('''
def logistic_regression_loss(w, b, X, y):
    z = X @ w + b
    loss = np.sum(np.logaddexp(0.0, z) - y * z)
    p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
    return float(loss), X.T @ (p - y), float(np.sum(p - y))
''')),
    (suite.JX_TRANSPOSED, replaced('''
def affine_jacobians(x, w):
    return w.copy(), np.kron(x, np.eye(w.shape[1]))
''')),
    (suite.JW_COLUMN_MAJOR, replaced('''
def affine_jacobians(x, w):
    return w.T.copy(), np.kron(np.eye(w.shape[1]), x)
''')),
    (suite.FORWARD_DIFFERENCE, replaced('''
def numerical_jacobian(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    base = np.array(f(x), dtype=np.float64).ravel()
    J = np.zeros((base.size, x.size))
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        J[:, i] = (np.array(f(x + step.reshape(x.shape)), dtype=np.float64).ravel() - base) / h
    return J
''')),
]


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """source -> the graded backprop assignment, seed 1, cached."""
    cache = {}

    def grade_source(source):
        if source not in cache:
            cache[source] = graded(tmp_path_factory.mktemp("hint"), source)[1]
        return cache[source]
    return grade_source


def hinted(assignment) -> dict:
    """Case name -> hint name, for the cases that carry a hint."""
    return {case.name: case.hint for case in assignment.cases if case.hint}


@pytest.mark.parametrize("hint, source", MISTAKES, ids=[hint.name for hint, _ in MISTAKES])
def test_each_misconception_fires_on_its_mistake(grades, hint, source):
    """A submission with exactly this mistake gets this hint, with its text, on the cases that see it, and no other."""
    assignment = grades(source)
    carrying = hinted(assignment)
    assert carrying, "the hint did not fire on any case"
    assert set(carrying.values()) == {hint.name}
    for case in assignment.cases:
        if case.name in carrying:
            assert not case.passed
            assert case.message.endswith(f"\nHint: {hint.text}")
            assert hint in next(c for c in suite.SUITE.cases if c.name == case.name).hints


def test_every_declared_misconception_is_exercised():
    """Each hint declared in the backprop suite has a mistake above that makes it fire."""
    declared = {hint.name for case in suite.SUITE.cases for hint in case.hints}
    assert declared == {hint.name for hint, _ in MISTAKES}
    assert len(declared) >= 5


@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param((ROOT / "assignments" / "backprop.py").read_text(), id="stubs"),
    pytest.param(replaced('''
def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)
'''), id="alternative"),
    pytest.param(replaced('''
def affine_backward(dout, cache):
    x, w, _ = cache
    return dout @ w.T, x.T @ dout, dout[0].copy()
'''), id="a different mistake"),
    pytest.param(replaced('''
def affine_backward(dout, cache):
    x, w, _ = cache
    return dout @ w.T, 2 * x.T @ dout, dout.sum(axis=0)
'''), id="dw doubled"),
])
def test_no_hint_without_a_matching_mistake(grades, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(grades(source)) == {}


def affine_backward_plan(n):
    rng = np.random.default_rng(0)
    forward = Call("affine_forward", rng.standard_normal((n, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2))
    backward = Call("affine_backward", rng.standard_normal((n, 2)), forward.out[1])
    return Plan([forward, backward], {"db": backward.out[2]})


def test_a_variant_equal_to_the_truth_is_never_offered():
    """With a batch of one the mean equals the sum: a wrong db gets no 'averaged' hint there."""
    solution = reference("backprop")
    for n, offered in ((1, None), (4, suite.DB_MEAN)):
        plan = affine_backward_plan(n)
        expected = {"db": plan.calls[1].args[0].sum(axis=0)}
        student = {"db": plan.calls[1].args[0].mean(axis=0) if n > 1 else expected["db"] + 1.0}
        assert diagnose((suite.DB_MEAN,), student, expected, plan, solution, Compare()) == offered


def test_variants_are_matched_within_the_case_tolerance():
    """An answer near the wrong variant (within tol) gets the hint; one further off does not."""
    plan = affine_backward_plan(4)
    solution = reference("backprop")
    mean = plan.calls[1].args[0].mean(axis=0)
    expected = {"db": 4 * mean}
    assert diagnose((suite.DB_MEAN,), {"db": mean * (1 + 1e-9)}, expected, plan, solution, Compare()) is suite.DB_MEAN
    assert diagnose((suite.DB_MEAN,), {"db": mean * 1.01}, expected, plan, solution, Compare()) is None


def test_a_broken_hint_is_skipped_not_fatal():
    """A variant that raises is passed over: the next hint still gets its chance."""
    plan = affine_backward_plan(4)
    broken = Hint("broken", "never shown", wrong=lambda e, plan: 1 / 0)
    mean = plan.calls[1].args[0].mean(axis=0)
    found = diagnose((broken, suite.DB_MEAN), {"db": mean}, {"db": 4 * mean}, plan, reference("backprop"), Compare())
    assert found is suite.DB_MEAN


def test_property_hints_use_their_test():
    """A property-judged case's hint fires when its test says so, and only then."""
    plan = affine_backward_plan(4)
    hint = Hint("too big", "Your db is large.", test=lambda outputs, plan: np.abs(outputs["db"]).max() > 10)
    assert diagnose((hint,), {"db": np.full(2, 11.0)}, None, plan, None, Compare()) is hint
    assert diagnose((hint,), {"db": np.ones(2)}, None, plan, None, Compare()) is None


def test_a_hint_needs_exactly_one_way_to_recognise_it():
    """Hint(...) without wrong=, replace= or test=, or with two of them, is a suite bug, reported at once."""
    with pytest.raises(ValueError, match="exactly one of wrong=, replace= or test="):
        Hint("none", "text")
    with pytest.raises(ValueError, match="exactly one of wrong=, replace= or test="):
        Hint("two", "text", wrong=lambda e, p: e, test=lambda o, p: True)


def test_hints_reach_the_table_and_results_json(tmp_path):
    """The hint line is part of the student's message in the terminal table and in Gradescope's output."""
    from autograder.report import gradescope, table

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "backprop.py").write_text(MISTAKES[0][1])
    result = grade(folder, ["backprop"], seed=1)
    text = f"Hint: {suite.DB_MEAN.text}"
    assert text.split(";")[0] in table(result)
    assert any(text in test["output"] for test in gradescope(result)["tests"])


def test_a_replaced_function_is_also_replaced_where_the_reference_calls_it(tmp_path):
    """replace= swaps a function for the reference's callers too, so a wrong helper shows in what uses it."""
    (tmp_path / "toy.py").write_text(
        "def scale(x):\n    return 2 * x\n\n\ndef twice_scaled(x, times=2):\n    return times * scale(x)\n")
    solution = reference("toy", tmp_path)
    hint = Hint("scale by 3", "Your scale multiplies by 3.", replace={"scale": lambda x: 3 * x})
    call = Call("twice_scaled", np.ones(2))
    plan = Plan([call], {"out": call.out})
    found = diagnose((hint,), {"out": np.full(2, 6.0)}, {"out": np.full(2, 4.0)}, plan, solution, Compare())
    assert found is hint
    assert solution.twice_scaled(np.ones(2)).tolist() == [4.0, 4.0]  # the reference itself is untouched
