"""The public checks' harness (assignments/checks/harness.py) and the backprop check file.

The harness is numpy-only student-facing code: its messages follow the grader's ladder
(what, got, expected, where), its central differences are right, its stored values are
deterministic text, and run_checks runs a check file on a module or a notebook's namespace.
The backprop checks pass on the reference and catch typical mistakes with a clear message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.release import record
from submissions import ROOT, reference_source, swap

pytestmark = pytest.mark.handout

CHECKS = ROOT / "assignments" / "checks"
spec = importlib.util.spec_from_file_location("public_checks_harness", CHECKS / "harness.py")
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)


def message(check, *args, **kwargs) -> str:
    """The message of the CheckFailed that ``check(*args)`` raises."""
    with pytest.raises(harness.CheckFailed) as failure:
        check(*args, **kwargs)
    return str(failure.value)


# -- the ladder -----------------------------------------------------------------------------

def test_messages_climb_the_ladder():
    """Type, exact shape (with the keepdims hint), dtype, finiteness, then the largest relative error and where."""
    expected = np.arange(6.0).reshape(2, 3) + 1
    assert message(harness.assert_close, "dx", [1.0], expected) == "dx is a list of 1 items, expected a numpy array of shape (2, 3)."
    assert message(harness.assert_close, "db", expected.reshape(1, 6), expected.reshape(6)) == (
        "db has shape (1, 6), expected (6,). The same entries in another shape: check a transpose, reshape or a kept dimension (keepdims).")
    assert message(harness.assert_close, "dx", expected.astype(np.float32), expected) == "dx has dtype float32, expected float64."
    bad = expected.copy()
    bad[1, 2] = np.nan
    assert message(harness.assert_close, "out", bad, expected).startswith("out has 1 non-finite entries (NaN at index (1, 2)), expected finite values")
    off = expected.copy()
    off[0, 1] *= 1.5
    assert message(harness.assert_close, "out", off, expected) == (
        "out is wrong in 1 of 6 entries: largest relative error 0.2 (tolerance 1e-06) at index (0, 1), expected 2, got 3.")
    assert message(harness.assert_close, "loss", np.array([1.0]), 1.0) == "loss is a numpy array of shape (1,), expected a single number: use float(...) or .item()."
    assert message(harness.assert_close, "n", 3.0, 3) == "n is the float 3.0, expected the int 3."
    harness.assert_close("out", expected * (1 + 1e-9), expected)


def test_numerical_gradient_is_central_differences():
    """numerical_gradient of sum(f(x) * dout) matches the analytic gradient to O(h^2), and leaves x alone."""
    r = np.random.default_rng(0)
    x, dout = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    before = x.copy()
    grad = harness.numerical_gradient(np.sin, x, dout)
    np.testing.assert_allclose(grad, np.cos(x) * dout, rtol=1e-8, atol=1e-10)
    assert np.array_equal(x, before)
    harness.check_gradient("dx", np.cos(x) * dout, np.sin, x, dout)
    assert message(harness.check_gradient, "dx", -np.cos(x) * dout, np.sin, x, dout).startswith(
        "dx (compared with central differences) is wrong in 12 of 12 entries")


def test_property_helpers():
    """No-warnings, unchanged-input and statistic checks fail with messages saying what happened."""
    assert message(harness.assert_no_warnings, "naive sigmoid", lambda x: 1 / (1 + np.exp(-x)), np.array([-1000.0])) == (
        "naive sigmoid raised a numpy RuntimeWarning: overflow encountered in exp. "
        "Rewrite it so that exp never sees a large positive number and log never sees 0.")
    x = np.zeros((2, 2))
    changed = x.copy()
    changed[1, 0] = 1
    assert message(harness.assert_unchanged, "dout", x, changed).startswith("dout was modified by your function (first change at (1, 0))")
    assert message(harness.assert_statistic, "the share of zeros", 0.7, 0.5, 0.05) == "the share of zeros is 0.7, expected 0.5 within 0.05."


# -- stored values --------------------------------------------------------------------------

def test_recorded_values_are_deterministic_text(tmp_path):
    """Recording twice gives the same text, rounded to 12 digits, and reading it back restores shapes, dtypes and types."""
    examples = harness.Examples("toy")

    @examples.register
    def toy(module):
        return {"out": np.array([[1 / 3, -0.0], [2e300, 5.0]]), "loss": 2 / 3, "count": np.int64(4), "ok": True, "labels": np.array([2, 0])}

    text = examples.record(None)
    assert text == examples.record(None)
    assert text == ('{\n  "toy": {\n'
                    '    "count": {"int": 4},\n'
                    '    "labels": {"array": [2, 0], "dtype": "int64", "shape": [2]},\n'
                    '    "loss": {"float": 0.666666666667},\n'
                    '    "ok": {"bool": true},\n'
                    '    "out": {"array": [0.333333333333, -0.0, 2e+300, 5.0], "dtype": "float64", "shape": [2, 2]}\n'
                    '  }\n}\n')
    stored = {name: harness._decode(value) for name, value in __import__("json").loads(text)["toy"].items()}
    assert stored["out"].shape == (2, 2) and stored["out"].dtype == np.float64 and stored["labels"].dtype == np.int64
    assert (type(stored["loss"]), type(stored["count"]), stored["ok"]) == (float, int, True)


# -- the backprop check file ----------------------------------------------------------------

@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    """checks/ with the backprop check file and its expected values, recorded from the reference as the release does."""
    folder = tmp_path_factory.mktemp("handout")
    shutil.copytree(CHECKS, folder / "checks", ignore=shutil.ignore_patterns("__pycache__", "README.md"))
    record(folder / "checks", [("test_backprop.py", ROOT / "solutions" / "backprop.py", folder / "checks" / "expected" / "backprop.json")])
    return folder


def pytest_in(folder: Path, source: str) -> subprocess.CompletedProcess:
    """Run the backprop checks with pytest in ``folder``, backprop.py holding ``source``."""
    (folder / "backprop.py").write_text(source)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line", "checks/test_backprop.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "400"})


def test_backprop_checks_pass_on_the_reference_and_fail_on_the_stubs(handout):
    """Under pytest: all twelve tasks' checks pass on the reference; on the stubs all fail with 'not implemented yet'."""
    done = pytest_in(handout, reference_source("backprop"))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1].startswith("12 passed")
    done = pytest_in(handout, (ROOT / "assignments" / "backprop.py").read_text())
    assert done.stdout.splitlines()[-1].startswith("12 failed")
    assert "FAILED checks/test_backprop.py::test_sigmoid - NotImplementedError: sigmoid: not implemented yet (task 1.5)" in done.stdout


def loaded_harness(handout: Path):
    """The handout's own harness module (it finds checks/ and expected/ beside itself)."""
    spec = importlib.util.spec_from_file_location("handout_harness", handout / "checks" / "harness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_module(source: str) -> types.SimpleNamespace:
    """The functions ``source`` defines, as a namespace (what a notebook's globals look like)."""
    namespace = {}
    exec(compile(source, "submission", "exec"), namespace)
    return types.SimpleNamespace(**namespace)


@pytest.mark.parametrize("old, new, shown", [
    ("dout.sum(axis=0)", "dout.sum(axis=0, keepdims=True)", "db has shape (1, 5), expected (5,)."),
    ("dout.sum(axis=0)", "dout.mean(axis=0)", "db is wrong in 5 of 5 entries: largest relative error 0.5"),
    ("return dout @ w.T, x.T @ dout,", "return dout @ w, x.T @ dout,", "ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0"),
])
def test_backprop_checks_catch_typical_mistakes(handout, capsys, monkeypatch, old, new, shown):
    """A typical mistake in affine_backward fails its check and only its check, with a grader-style message."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert loaded_harness(handout).run_checks("backprop", module=as_module(swap(reference_source("backprop"), old, new))) is False
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if line.startswith("FAIL")] == [line for line in printed if line.startswith("FAIL test_affine_backward: ")]
    assert len([line for line in printed if line.startswith("FAIL")]) == 1 and shown in printed[1]
    assert printed[-1] == "11 of 12 checks passed"


def test_run_checks_on_a_notebook_namespace(handout, capsys, monkeypatch):
    """run_checks runs the tests whose names match, without pytest, on any object with the functions (a notebook's globals)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    module = as_module(reference_source("backprop"))
    assert loaded_harness(handout).run_checks("backprop", "affine_forward", "affine_backward", "affine_jacobians", module=module) is True
    assert capsys.readouterr().out.splitlines() == [
        "ok   test_affine_forward", "ok   test_affine_backward", "ok   test_affine_jacobians", "3 of 3 checks passed"]
    assert sys.modules.get("backprop") is not module


def test_run_checks_reports_a_missing_error_as_a_failure(handout, capsys, monkeypatch):
    """A check whose pytest.raises sees no error prints FAIL (pytest's Failed is not an Exception) and the run goes on."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    unchecked = swap(reference_source("backprop"), 'raise ValueError(f"h is {h}, expected a positive step")', "pass")
    with np.errstate(divide="ignore", invalid="ignore"):  # h = 0 now divides by zero, as it should
        passed = loaded_harness(handout).run_checks("backprop", "numerical_jacobian", "chain_rule", module=as_module(unchecked))
    assert passed is False
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "ok   test_chain_rule"
    assert printed[1].startswith("FAIL test_numerical_jacobian: ") and "DID NOT RAISE" in printed[1]
    assert printed[-1] == "1 of 2 checks passed"


def test_run_checks_selects_exactly_the_functions_named(handout, capsys, monkeypatch):
    """A function name selects its own tests only: "sigmoid" never runs softmax's, "softmax" never softmax_cross_entropy's;
    a test name selects that test; a name that is neither is a failure that says so."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    harness = loaded_harness(handout)
    module = as_module(reference_source("backprop"))
    assert harness.run_checks("backprop", "sigmoid", module=module) is True
    assert capsys.readouterr().out.splitlines() == ["ok   test_sigmoid", "1 of 1 checks passed"]
    assert harness.run_checks("backprop", "sigmoid", "softmax", module=module) is True
    assert capsys.readouterr().out.splitlines() == ["ok   test_sigmoid", "ok   test_softmax", "2 of 2 checks passed"]
    assert harness.run_checks("backprop", "test_softmax_jacobian", module=module) is True
    assert capsys.readouterr().out.splitlines()[0] == "ok   test_softmax_jacobian"
    assert harness.run_checks("backprop", "affine", module=module) is False
    assert capsys.readouterr().out == "no check in test_backprop.py for affine (name a function of backprop.py, or a test)\n"
