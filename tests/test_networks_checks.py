"""The public checks for networks.py (assignments/checks/test_networks.py) pass on the reference and catch mistakes.

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

pytestmark = pytest.mark.networks

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("networks")
FUNCTIONS = ["init_mlp", "mlp_forward", "mlp_loss", "residual_block_forward", "residual_block_backward", "global_average_pool_forward",
             "global_average_pool_backward", "sgd_step", "accuracy", "train"]
TESTS = {f"test_{name}" for name in FUNCTIONS}


def module_from(source: str) -> types.ModuleType:
    """A module named networks executing ``source``."""
    module = types.ModuleType("networks")
    exec(compile(source, "networks.py", "exec"), module.__dict__)
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
    """A folder holding networks.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_networks.py", ROOT / "solutions" / "networks.py", folder / "networks.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a networks module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("networks", module_from(source))
        monkeypatch.setattr(sys.modules[type(checks.examples).__module__], "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with np.errstate(over="ignore", invalid="ignore"):  # a diverging training overflows
                        test()
                except (Exception, pytest.fail.Exception):  # noqa: BLE001 - a failed check (pytest.raises' Failed too) or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the ten functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("networks", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("networks")) == TESTS


@pytest.mark.parametrize("old, new, broken", [
    pytest.param('SCHEMES = {"he": 2.0, "xavier": 1.0}', 'SCHEMES = {"he": 1.0, "xavier": 2.0}', {"test_init_mlp"}, id="schemes-swapped"),
    pytest.param("dw + reg * w, db", "dw + 0.5 * reg * w, db", {"test_mlp_loss", "test_train"}, id="half-reg-gradient"),
    pytest.param("return dsum + dx_branch, dw1", "return dx_branch, dw1", {"test_residual_block_backward"}, id="shortcut-skipped"),
    pytest.param("(dout / (height * width))[:, :, None, None]", "dout[:, :, None, None]", {"test_global_average_pool_backward"}, id="pool-not-divided"),
    pytest.param("value if key in frozen else value - lr * grads[key]", "value - lr * grads[key]", {"test_sgd_step"}, id="frozen-updated"),
    pytest.param("return float(np.mean(np.argmax(scores, axis=1) == y))", "return float(np.mean(scores.shape[1] - 1 - np.argmax(scores[:, ::-1], axis=1) == y))",
                 {"test_accuracy"}, id="ties-to-last"),  # train's scores are continuous: no ties there
    pytest.param("order = rng.permutation(n)", "order = np.arange(n)", {"test_train"}, id="not-shuffled"),
    pytest.param("return float(-log_probs[rows, y].mean()), dscores / n", "return float(-log_probs[rows, y].mean()), dscores",
                 {"test_mlp_loss", "test_train"}, id="summed-gradient"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
