"""The public checks for optimizers.py (assignments/checks/test_optimizers.py) pass on the reference and catch mistakes.

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

pytestmark = pytest.mark.optimizers

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("optimizers")
FUNCTIONS = ["sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "newton_step", "step_decay",
             "exponential_decay", "inverse_time_decay", "inverse_sqrt_decay", "clip_by_value", "clip_by_norm",
             "log_uniform", "update_ratio"]
TESTS = {f"test_{name}" for name in FUNCTIONS}


def module_from(source: str) -> types.ModuleType:
    """A module named optimizers executing ``source``."""
    module = types.ModuleType("optimizers")
    exec(compile(source, "optimizers.py", "exec"), module.__dict__)
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
    """A folder holding optimizers.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_optimizers.py", ROOT / "solutions" / "optimizers.py", folder / "optimizers.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on an optimizers module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("optimizers", module_from(source))
        monkeypatch.setattr(sys.modules[type(checks.examples).__module__], "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with np.errstate(divide="ignore", invalid="ignore"):  # Adam with t = 0 divides by 0
                        test()
                except (Exception, pytest.fail.Exception):  # noqa: BLE001 - a failed check (pytest.raises' Failed too) or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the fifteen functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("optimizers", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("optimizers")) == TESTS


@pytest.mark.parametrize("old, new, broken", [
    pytest.param("m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)", "m_hat, v_hat = m, v", {"test_adam"}, id="adam-without-bias-correction"),
    pytest.param('return dw + config["weight_decay"] * w', "return dw", TESTS & {f"test_{rule}" for rule in FUNCTIONS[:6]}, id="weight-decay-forgotten"),
    pytest.param('return dw + config["weight_decay"] * w', 'dw += config["weight_decay"] * w\n    return dw', TESTS & {f"test_{rule}" for rule in FUNCTIONS[:6]}, id="weight-decay-added-into-dw"),
    pytest.param('config["sum_squares"] = s\n    return w - config["lr"] * g / (np.sqrt(s) + config["eps"]), config',
                 'config["sum_squares"] = s\n    return w - config["lr"] * g / np.sqrt(s + config["eps"]), config', {"test_adagrad"}, id="eps-inside-the-square-root"),
    pytest.param('+ _gradient(w, dw, config)\n    config["velocity"] = v\n', "+ _gradient(w, dw, config)\n", {"test_sgd_momentum"}, id="momentum-state-not-stored"),
    pytest.param("if key in FRACTIONS and not 0 <= config[key] < 1", "if key in FRACTIONS and not 0 <= config[key] <= 1",
                 {"test_sgd_momentum", "test_rmsprop", "test_adam"}, id="fractions-up-to-1-accepted"),
    pytest.param("np.linalg.solve(hessian, grad)", "np.linalg.pinv(hessian) @ grad", {"test_newton_step"}, id="newton-pseudo-inverse"),
    pytest.param("gamma ** (t // step_size)", "gamma ** (t / step_size)", {"test_step_decay"}, id="step-decay-without-floor"),
    pytest.param("return [np.clip(g, -clip_value, clip_value) for g in grads]", "return [np.clip(g, -clip_value, clip_value, out=g) for g in grads]",
                 {"test_clip_by_value"}, id="clip-in-place"),
    pytest.param("NORM_EPS = 1e-6", "NORM_EPS = 0.0", {"test_clip_by_norm"}, id="clip-by-norm-without-eps"),
    pytest.param("10.0 ** rng.uniform(np.log10(low), np.log10(high), size=size)", "rng.uniform(low, high, size=size)", {"test_log_uniform"}, id="uniform-not-log"),
    pytest.param("10.0 ** rng.uniform(", "10.0 ** np.random.uniform(", {"test_log_uniform"}, id="log-uniform-from-np-random"),
    pytest.param("return float(np.sqrt(np.sum(update**2)) / w_norm)", "return float(w_norm / np.sqrt(np.sum(update**2)))", {"test_update_ratio"}, id="ratio-upside-down"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
