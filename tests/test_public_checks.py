"""The handout's public checks (checks/harness.py on checks/data/) are the graded suites' visible cases.

For every assignment and every wrong submission of its grading tests (the references, the
stubs, each mutation of tests/test_<a>_grading.py, and a submission with the reference's form
and none of its substance, whose side cases are withheld), the public checks and `dlgrade grade`
agree case by case on the visible cases: the same pass or fail, message and hint. Under
pytest, each visible case is one item, its id its name on Gradescope, and a function's cases
are selected by the function's exact name; in a notebook, run_checks does the same.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import grade
from autograder.release import HANDOUT, released
from autograder.suite import Suite
from autograder.suites import SUITES
from submissions import form_only, mutated, mutations, reference_source, stub_source, swap

pytestmark = pytest.mark.handout

ASSIGNMENTS = released()


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    """A copy of student_template/ (kept equal to a fresh release by tests/test_handout.py)."""
    folder = tmp_path_factory.mktemp("public") / "handout"
    shutil.copytree(HANDOUT, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    return folder


@pytest.fixture(scope="module")
def harness(handout):
    """The handout's checks package, imported from the copy as a notebook imports it."""
    sys.path.insert(0, str(handout))
    try:
        yield importlib.import_module("checks.harness")
    finally:
        sys.path.remove(str(handout))
        for name in [name for name in sys.modules if name == "checks" or name.startswith("checks.")]:
            del sys.modules[name]


def visible_only(assignment: str) -> dict:
    suite = SUITES[assignment]
    return {assignment: Suite(assignment, tuple(case for case in suite.cases if case.visibility == "visible"))}


def as_seen(cases) -> list:
    """What a student sees of each case: name, verdict, message, hint."""
    return [(case.name, case.passed, case.message, case.hint) for case in cases]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_checks_agree_with_the_grader(assignment, handout, harness, tmp_path):
    """On the reference, the stubs and every mutation of the grading tests, each visible case
    gets the same verdict, message and hint from the public checks as from `dlgrade grade`."""
    sources = [reference_source(assignment), stub_source(assignment), form_only(assignment), *mutations(assignment)]
    disagreements, failures, hinted, withheld = [], 0, 0, 0
    for number, source in enumerate(sources):
        (handout / f"{assignment}.py").write_text(source)
        submission = tmp_path / f"submission{number}"
        submission.mkdir()
        (submission / f"{assignment}.py").write_text(source)
        state = np.random.get_state()
        with np.errstate(all="ignore"):  # a wrong variant's 0/0 may warn in a hint's check, on either side
            (graded,) = grade(submission, [assignment], seed=1, suites=visible_only(assignment)).assignments
            # numpy's global generator, which a wrong submission may draw from, seeded apart for the
            # two runs here: they then differ where, and only where, the outcome depends on it, and
            # do so every time (unseeded, two runs may happen to give the same message)
            np.random.seed(1)
            public = harness.graded(assignment)
            np.random.seed(2)
            again = harness.graded(assignment)
        np.random.set_state(state)
        # a submission that draws from its own unseeded generator differs from run to run, on
        # Gradescope too: for those cases the numbers in the message cannot agree, the rest must
        random = {case.name for case, other in zip(public, again) if case.message != other.message}
        disagreements += [(number, grader, local) for grader, local in zip(as_seen(graded.cases), as_seen(public))
                          if (grader if grader[0] not in random else grader[:2] + grader[3:]) != (local if local[0] not in random else local[:2] + local[3:])]
        assert len(public) == len(graded.cases)
        failures += sum(not case.passed for case in public)
        hinted += sum(bool(case.hint) for case in public)
        withheld += sum(case.message.startswith("Withheld: ") for case in public)
    assert disagreements == []
    # the form-only submission passes the side cases, whose points wait for the main cases
    assert withheld > 0 or not any(case.side or case.side_of for case in SUITES[assignment].cases if case.visibility == "visible")
    assert all(case.passed for case in harness.graded(assignment)) is False  # the last source is wrong
    assert failures > 0 and (hinted > 0 or not any(case.hints for case in SUITES[assignment].cases if case.visibility == "visible"))


def pytest_in(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments], cwd=folder,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"})


def test_one_item_per_visible_case_named_as_on_gradescope(handout):
    """`pytest --collect-only` lists one item per visible case, test_<function>[<Gradescope's name>],
    and one per central-difference check."""
    done = pytest_in(handout, "--collect-only", "checks/test_backprop.py")  # -q is in pytest.ini
    items = [line for line in done.stdout.splitlines() if "::" in line]
    suite = SUITES["backprop"]
    expected = [f"checks/test_backprop.py::test_{case.build(case.rng(0)).functions[-1]}[backprop: {case.name}]"
                for case in suite.cases if case.visibility == "visible"]
    expected += [f"checks/test_backprop.py::test_{function}[backprop: {name}: central differences]" for function, name in [
        ("affine_backward", "affine_backward"), ("softmax_cross_entropy", "softmax_cross_entropy"),
        ("softmax_cross_entropy", "softmax_cross_entropy, logits of magnitude 1000")]]
    assert sorted(items) == sorted(expected) and len(items) > 20


def test_a_function_is_selected_by_its_exact_name(handout):
    """::test_softmax runs the cases of softmax only, not those of softmax_cross_entropy or
    softmax_jacobian; a failure shows the grader's message and hint."""
    (handout / "backprop.py").write_text(swap(reference_source("backprop"), "dout.sum(axis=0)", "dout.mean(axis=0)"))
    done = pytest_in(handout, "--tb=line", "checks/test_backprop.py::test_softmax")
    cases = [case.name for case in SUITES["backprop"].cases if case.visibility == "visible" and case.build(case.rng(0)).functions[-1] == "softmax"]
    assert done.returncode == 0 and done.stdout.splitlines()[-1].startswith(f"{len(cases)} passed"), done.stdout
    done = pytest_in(handout, "checks/test_backprop.py::test_affine_backward")
    assert done.returncode == 1
    assert "FAILED checks/test_backprop.py::test_affine_backward[backprop: affine_backward: db]" in done.stdout
    assert "Hint: Your db equals the mean of dout over the batch" in done.stdout


def test_run_checks_takes_exact_function_names(harness, handout, capsys):
    """run_checks prints a line per case of the named functions and returns True when all
    passed; a name that is not a checked function (a prefix, say) is refused with the list."""
    module = types.ModuleType("backprop")
    exec(compile(reference_source("backprop"), str(handout / "backprop.py"), "exec"), module.__dict__)
    assert harness.run_checks("backprop", "softmax", module=module) is True
    printed = capsys.readouterr().out.splitlines()
    softmax = [case.name for case in SUITES["backprop"].cases if case.visibility == "visible" and case.build(case.rng(0)).functions[-1] == "softmax"]
    assert printed == [f"ok   {name}" for name in softmax] + [f"{len(softmax)} of {len(softmax)} checks passed"]
    assert harness.run_checks("backprop", "affine") is False
    assert capsys.readouterr().out.startswith("no visible case of backprop checks affine: name functions exactly, one of affine_forward, ")


def test_run_checks_shows_the_message_and_the_hint(harness, handout, capsys):
    """A failing case prints FAIL, its name, and the grader's message with the hint, indented."""
    (handout / "backprop.py").write_text(swap(reference_source("backprop"), "dout.sum(axis=0)", "dout.mean(axis=0)"))
    assert harness.run_checks("backprop", "affine_backward") is False
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["ok   affine_backward: dx", "ok   affine_backward: dw"]
    assert printed[2] == "FAIL affine_backward: db"
    assert printed[3].startswith("     db is wrong in ") and printed[4].startswith("     Hint: Your db equals the mean of dout")


def test_an_import_error_fails_every_case_as_in_the_grader(harness, handout, tmp_path):
    """A file that does not import fails every visible case with the grader's message."""
    source = "def affine_forward(x, w, b)\n    return x\n"
    (handout / "backprop.py").write_text(source)
    (tmp_path / "backprop.py").write_text(source)
    (graded,) = grade(tmp_path, ["backprop"], seed=1, suites=visible_only("backprop")).assignments
    public = harness.graded("backprop")
    assert {case.message for case in public} == {graded.problem} and not any(case.passed for case in public)


# -- central differences against the student's own forward pass ------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_gradient_checks_pass_on_the_reference_and_fail_on_the_stubs(assignment, harness, handout):
    """Every central-difference check passes on the reference and fails on the stubs, each
    listed under the function it checks."""
    checks = harness.gradient_checks(assignment)
    (handout / f"{assignment}.py").write_text(reference_source(assignment))
    assert [result.passed for result in harness.checked_gradients(assignment)] == [True] * len(checks)
    (handout / f"{assignment}.py").write_text(stub_source(assignment))
    assert not any(result.passed for result in harness.checked_gradients(assignment))
    assert {check["function"] for check in checks} <= set(harness.functions(assignment))


def test_gradient_checks_cover_the_backward_passes(harness):
    """The backward passes and losses with gradients of the visible cases each get a check."""
    assert {check["name"] for check in harness.gradient_checks("backprop")} == {
        "affine_backward: central differences", "softmax_cross_entropy: central differences",
        "softmax_cross_entropy, logits of magnitude 1000: central differences"}
    assert {"conv_backward", "attention_backward", "batchnorm_backward"} <= {
        check["function"] for name in ("conv", "attention", "batchnorm") for check in harness.gradient_checks(name)}


def test_a_gradient_check_tells_a_wrong_backward_from_a_wrong_forward(harness, handout):
    """A backward pass wrong for its own forward fails the check, naming the gradient and the
    entries; a backward pass right for a forward that is wrong passes it while the graded cases fail."""
    (handout / "backprop.py").write_text(swap(reference_source("backprop"), "dout.sum(axis=0)", "2 * dout.sum(axis=0)"))
    (check,) = [result for result in harness.checked_gradients("backprop") if result.name == "affine_backward: central differences"]
    assert not check.passed and check.message.startswith("the gradient for b (compared with central differences of your affine_forward) is wrong in 3 of 3 entries")
    doubled = mutated(reference_source("backprop"), ("return x @ w + b, (x, w, b)", "return x @ w + 2 * b, (x, w, b)"),
                      ("dout.sum(axis=0)", "2 * dout.sum(axis=0)"))
    (handout / "backprop.py").write_text(doubled)
    (check,) = [result for result in harness.checked_gradients("backprop") if result.name == "affine_backward: central differences"]
    assert check.passed
    assert not next(case for case in harness.graded("backprop") if case.name == "affine_backward: db").passed


def test_no_gradient_check_where_central_differences_are_not_the_derivative():
    """relu_backward's visible inputs hold exact zeros (its kink): the reference fails central
    differences there, so no check is made; affine_backward's inputs give one."""
    from autograder import gradients
    from autograder.grade import reference

    solution = reference("backprop")
    plans = {case.name: case.build(case.rng(0)) for case in SUITES["backprop"].cases if case.visibility == "visible"}
    assert gradients.derive(plans["relu_backward, gradient 0 at x == 0"], solution) is None
    assert gradients.derive(plans["affine_backward: db"], solution)["names"] == ["x", "w", "b"]


# -- what of a suite is shipped ----------------------------------------------------------------

def test_shipped_suite_code_is_judging_code_only(handout):
    """engine/suites/ holds, of each suite, statements its visible property judges and hint
    tests need: never SUITE, a Case, a hint's wrong implementation (replace=, wrong=)."""
    shipped = sorted((handout / "checks" / "engine" / "suites").glob("[!_]*.py"))
    assert {path.stem for path in shipped} >= {"dropout", "initialization", "ensembles", "optimizers"}
    for path in shipped:
        text = path.read_text()
        assert "SUITE" not in text and "Case(" not in text and "replace=" not in text and "wrong=" not in text, path.name


def test_code_reachable_only_through_the_suite_stops_the_release():
    """A property judge written inline in SUITE cannot be shipped alone: the release says what to do."""
    from autograder import public
    from autograder.judge import Property
    from autograder.plan import Call, Plan
    from autograder.suite import Case

    module = types.ModuleType("autograder.suites.inline")
    module.SUITE = Suite("inline", (Case("f is positive", 1, lambda rng: Plan([Call("f")], {}), Property(lambda outputs, plan: [])),))
    with pytest.raises(public.PublicError, match=r"'f is positive': '.*<lambda>' is reachable only through SUITE; bind it .* at the top of autograder.suites.inline"):
        public._code(module.SUITE.cases[0].judge.test, module, set(), "f is positive")
