"""The public checks for batchnorm.py (assignments/checks/test_batchnorm.py) pass on the reference and catch mistakes.

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

pytestmark = pytest.mark.batchnorm

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("batchnorm")
TESTS = {"test_batchnorm_forward", "test_batchnorm_backward", "test_spatial_batchnorm_forward", "test_spatial_batchnorm_backward"}


def module_from(source: str) -> types.ModuleType:
    """A module named batchnorm executing ``source``."""
    module = types.ModuleType("batchnorm")
    exec(compile(source, "batchnorm.py", "exec"), module.__dict__)
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
    """A folder holding batchnorm.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_batchnorm.py", ROOT / "solutions" / "batchnorm.py", folder / "batchnorm.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a batchnorm module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("batchnorm", module_from(source))
        monkeypatch.setattr(sys.modules[type(checks.examples).__module__], "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with np.errstate(divide="ignore", invalid="ignore"):  # the no-eps variant divides 0 by 0
                        test()
                except Exception:  # noqa: BLE001 - a failed check or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the four functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("batchnorm", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("batchnorm")) == TESTS


FORWARDS = {"test_batchnorm_forward", "test_spatial_batchnorm_forward"}


@pytest.mark.parametrize("old, new, broken", [
    pytest.param("momentum * var * n / (n - 1)", "momentum * var", FORWARDS, id="running-variance-biased"),
    pytest.param("(1 - momentum) * running_mean + momentum * mean", "momentum * running_mean + (1 - momentum) * mean", FORWARDS, id="momentum-backwards"),
    pytest.param('    mode = bn_param["mode"]\n', '    bn_param = dict(bn_param)\n    mode = bn_param["mode"]\n', FORWARDS, id="new-dict"),
    pytest.param("mean, var = running_mean, running_var", "mean, var = x.mean(axis=0), x.var(axis=0)", FORWARDS, id="test-mode-batch-statistics"),
    pytest.param("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var)", TESTS, id="no-eps"),
    pytest.param("(n * dout - dbeta - x_hat * dgamma)", "(n * dout - dbeta + x_hat * dgamma)",
                 {"test_batchnorm_backward", "test_spatial_batchnorm_backward"}, id="backward-sign-error"),
    pytest.param("return dx, dgamma, dbeta\n", "return dx, dgamma / n, dbeta / n\n",
                 {"test_batchnorm_backward", "test_spatial_batchnorm_backward"}, id="sums-averaged"),
    pytest.param("return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])", "return x.reshape(-1, x.shape[1])",
                 {"test_spatial_batchnorm_forward", "test_spatial_batchnorm_backward"}, id="spatial-reshape-without-transpose"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
