"""The public checks for visualization.py (assignments/checks/test_visualization.py) pass on the reference and catch mistakes.

The expected values are recorded from the reference into a temporary folder, as
`dlgrade release` does for the handout; the checks are then run in-process with
``harness.load_check_file`` on modules built from the reference, the stubs and one-bug
variants of the reference.
"""

from __future__ import annotations

import importlib.util
import sys
import types

import pytest

from submissions import ROOT, reference_source, stub_source, swap

pytestmark = pytest.mark.visualization

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("visualization")
TESTS = {"test_saliency_map", "test_occlusion_map", "test_class_visualization", "test_fooling_image", "test_pca"}


def module_from(source: str) -> types.ModuleType:
    """A module named visualization executing ``source``."""
    module = types.ModuleType("visualization")
    exec(compile(source, "visualization.py", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def harness():
    """assignments/checks/harness.py, standing as ``harness`` (what the check file imports)
    while these tests run, whatever other tests imported under that name."""
    spec = importlib.util.spec_from_file_location("harness", CHECKS / "harness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved = sys.modules.get("harness")
    sys.modules["harness"] = module
    yield module
    if saved is None:
        del sys.modules["harness"]
    else:
        sys.modules["harness"] = saved


@pytest.fixture(scope="module")
def recorded(harness, tmp_path_factory):
    """A folder holding visualization.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_visualization.py", ROOT / "solutions" / "visualization.py", folder / "visualization.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a visualization module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("visualization", module_from(source))
        monkeypatch.setattr(harness, "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    test()
                except (Exception, pytest.fail.Exception):  # noqa: BLE001 - a failed check (pytest.raises fails with a BaseException) or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the five functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("visualization", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("visualization")) == TESTS


# One typical bug each; a check file tests one task per test, so each breaks its own tests only.
@pytest.mark.parametrize("old, new, broken", [
    pytest.param("return np.abs(np.asarray(gradient, dtype=np.float64))", "return np.asarray(gradient, dtype=np.float64)",
                 {"test_saliency_map"}, id="signed-gradient"),
    pytest.param("np.asarray(y)))", "np.argmax(scores(X), axis=1)))", {"test_saliency_map"}, id="predicted-class"),
    pytest.param("return (base - occluded).T.reshape(count, rows, cols)", "return occluded.T.reshape(count, rows, cols)",
                 {"test_occlusion_map"}, id="occluded-score"),
    pytest.param("rows, cols = (height - patch) // stride + 1, (width - patch) // stride + 1",
                 "rows, cols = (height - 1) // stride + 1, (width - 1) // stride + 1", {"test_occlusion_map"}, id="patches-run-off"),
    pytest.param("x = x + lr * (gradient - 2.0 * l2 * x)", "x = x + lr * (gradient + 2.0 * l2 * x)", {"test_class_visualization"}, id="l2-sign"),
    pytest.param("x = x + lr * (gradient - 2.0 * l2 * x)", "x = x + lr * (gradient - l2 * x)", {"test_class_visualization"}, id="l2-factor"),
    pytest.param("x = x + lr * gradient / norm", "x = x + lr * gradient", {"test_fooling_image"}, id="unnormalized-step"),
    pytest.param("if int(np.argmax(current)) == target:", "if step > 0 and int(np.argmax(current)) == target:", {"test_fooling_image"},
                 id="step-before-the-first-check"),
    pytest.param("centred = X - X.mean(axis=0)", "centred = X", {"test_pca"}, id="uncentred"),
    pytest.param("component *= -1.0", "pass", {"test_pca"}, id="signs-ignored"),
    pytest.param("first = int(np.argmax(magnitude >= (1.0 - TIED) * magnitude.max()))", "first = int(np.argmax(magnitude))", {"test_pca"},
                 id="sign-tie-to-the-larger"),
    pytest.param("singular[:k] ** 2 / np.sum(singular**2)", "singular[:k] ** 2 / np.sum(singular[:k] ** 2)", {"test_pca"}, id="ratio-of-the-top-k"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
