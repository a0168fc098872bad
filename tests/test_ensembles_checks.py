"""The public checks for ensembles.py (assignments/checks/test_ensembles.py) pass on the reference and catch mistakes.

The expected values are recorded from the reference into a temporary folder, as
`dlgrade release` does for the handout; the checks are then run in-process with
``harness.load_check_file`` on modules built from the reference, the stubs, a correct
alternative and the one-mistake variants of the grading tests.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from submissions import ROOT, reference_source, stub_source, swap
from test_ensembles_grading import (ALTERNATIVE, DRAW, EMA, EMA_IN_PLACE, HARD_AT_T, KL_REVERSED, NO_T_SQUARED, NOT_VALIDATED,
                                    SAME_KEY_ORDER, TIED_TO_LARGEST, UNWEIGHTED_ERROR, UPDATE)

pytestmark = pytest.mark.ensembles

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("ensembles")
TESTS = {"test_bootstrap_indices", "test_average_predictions", "test_majority_vote", "test_average_parameters",
         "test_ema_update", "test_adaboost_update", "test_distillation_loss"}


def module_from(source: str) -> types.ModuleType:
    """A module named ensembles executing ``source``."""
    module = types.ModuleType("ensembles")
    exec(compile(source, "ensembles.py", "exec"), module.__dict__)
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
    """A folder holding ensembles.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_ensembles.py", ROOT / "solutions" / "ensembles.py", folder / "ensembles.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on an ensembles module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("ensembles", module_from(source))
        monkeypatch.setattr(sys.modules[type(checks.examples).__module__], "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with np.errstate(all="ignore"):  # err = 0 divides by zero in one variant
                        test()
                except Exception:  # noqa: BLE001 - a failed check or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the seven functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("ensembles", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check_and_the_alternative_none(failed):
    """The untouched stubs fail every check; a correct submission written differently passes them all."""
    assert failed(stub_source("ensembles")) == TESTS
    assert failed(ALTERNATIVE) == set()


@pytest.mark.parametrize("source, broken", [
    pytest.param(swap(REFERENCE, DRAW, "return rng.permutation(n)"), "test_bootstrap_indices", id="without-replacement"),
    pytest.param(swap(REFERENCE, DRAW, "return np.random.randint(0, n, size=n)"), "test_bootstrap_indices", id="global-numpy-random"),
    pytest.param(swap(REFERENCE, DRAW, "return rng.integers(0, n, size=n, dtype=np.int32)"), "test_bootstrap_indices", id="int32-indices"),
    pytest.param(swap(REFERENCE, "return np.mean(probs, axis=0)", "return np.sum(probs, axis=0)"), "test_average_predictions", id="predictions-summed"),
    pytest.param(TIED_TO_LARGEST, "test_majority_vote", id="ties-to-the-largest-label"),
    pytest.param(SAME_KEY_ORDER, "test_average_parameters", id="same-key-order-assumed"),
    pytest.param(NOT_VALIDATED, "test_average_parameters", id="no-validation"),
    pytest.param(swap(REFERENCE, EMA, EMA.replace("decay * average[name] + (1 - decay) * params[name]", "(1 - decay) * average[name] + decay * params[name]")),
                 "test_ema_update", id="decay-swapped"),
    pytest.param(EMA_IN_PLACE, "test_ema_update", id="ema-in-place"),
    pytest.param(swap(REFERENCE, "return new_weights / np.sum(new_weights), float(alpha)", "return new_weights, float(alpha)"), "test_adaboost_update", id="weights-not-normalized"),
    pytest.param(swap(REFERENCE, UPDATE, UPDATE.replace("-alpha", "alpha")), "test_adaboost_update", id="sign-of-alpha-flipped"),
    pytest.param(UNWEIGHTED_ERROR, "test_adaboost_update", id="err-ignores-the-weights"),
    pytest.param(swap(REFERENCE, "err = float(np.clip(err, 1e-10, 1 - 1e-10))", "err = err"), "test_adaboost_update", id="err-not-clipped"),
    pytest.param(NO_T_SQUARED, "test_distillation_loss", id="T-squared-missing"),
    pytest.param(KL_REVERSED, "test_distillation_loss", id="KL-in-the-wrong-direction"),
    pytest.param(HARD_AT_T, "test_distillation_loss", id="hard-loss-at-temperature-T"),
    pytest.param(swap(REFERENCE, "dstudent = alpha * temperature * (q - p) / n", "dstudent = alpha * temperature**2 * (q - p) / n"),
                 "test_distillation_loss", id="gradient-with-T-squared"),
])
def test_checks_catch_a_one_bug_variant(failed, source, broken):
    """A reference with one typical bug fails exactly the check of the function it breaks."""
    assert failed(source) == {broken}
