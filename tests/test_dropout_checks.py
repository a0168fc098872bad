"""The public checks for dropout.py (assignments/checks/test_dropout.py) pass on the reference and catch mistakes.

The expected values are recorded from the reference into a temporary folder, as
`dlgrade release` does for the handout; the checks are then run in-process with
``harness.load_check_file`` on modules built from the reference, the stubs and one-bug
variants of the reference.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from submissions import ROOT, reference_source, stub_source, swap

pytestmark = pytest.mark.dropout

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("dropout")
TESTS = {"test_dropout_forward", "test_dropout_backward"}


def module_from(source: str) -> types.ModuleType:
    """A module named dropout executing ``source``."""
    module = types.ModuleType("dropout")
    exec(compile(source, "dropout.py", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def harness():
    """The checks' harness module, imported from assignments/checks as the check file imports it."""
    if str(CHECKS) not in sys.path:
        sys.path.insert(0, str(CHECKS))
    import harness as module
    return module


@pytest.fixture(scope="module")
def recorded(harness, tmp_path_factory):
    """A folder holding dropout.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_dropout.py", ROOT / "solutions" / "dropout.py", folder / "dropout.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a dropout module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("dropout", module_from(source))
        monkeypatch.setattr(sys.modules[type(checks.examples).__module__], "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with np.errstate(divide="ignore", invalid="ignore"):  # p = 0 divides by 0 in two variants
                        test()
                except (Exception, pytest.fail.Exception):  # noqa: BLE001 - a failed check (pytest.raises' is no Exception) or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the two functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("dropout", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("dropout")) == TESTS


MASK = "\n    mask = (rng.random(x.shape) >= p) / (1 - p)"  # the code line, not the docstring's
FORWARD = {"test_dropout_forward"}


@pytest.mark.parametrize("old, new, broken", [
    pytest.param("return x, None", "return x * (1 - p), None", FORWARD, id="scaled-at-test-time"),
    pytest.param(MASK, "\n    mask = (rng.random(x.shape) >= p) * 1.0", FORWARD, id="not-scaled-in-training"),
    pytest.param(MASK, "\n    mask = (rng.random(x.shape) >= p) / p", FORWARD, id="scaled-by-1-over-p"),
    pytest.param(MASK, "\n    mask = (rng.random(x.shape) < p) / p", FORWARD, id="keep-for-drop"),
    pytest.param(MASK, "\n    mask = (np.random.random(x.shape) >= p) / (1 - p)", FORWARD, id="global-numpy-random"),
    pytest.param(MASK, "\n    mask = (rng.random(x.shape[1:]) >= p) / (1 - p)", FORWARD, id="one-mask-for-the-batch"),
    pytest.param('raise ValueError(f"dropout_forward: p must be in [0, 1), got {p}")', "pass", FORWARD, id="p-not-checked"),
    pytest.param("return dout if mask is None else dout * mask", "return dout if mask is None else dout * (mask != 0)",
                 {"test_dropout_backward"}, id="backward-without-the-scale"),
    pytest.param("return dout if mask is None else dout * mask",
                 "return dout if mask is None else dout * (np.random.random(dout.shape) >= 0.3) / 0.7",
                 {"test_dropout_backward"}, id="new-mask-in-backward"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
