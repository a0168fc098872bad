"""The public checks for detection.py (assignments/checks/test_detection.py) pass on the reference and catch mistakes.

The expected values are recorded from the reference into a temporary folder, as
`dlgrade release` does for the handout; the checks are then run in-process with
``harness.load_check_file`` on modules built from the reference, the stubs and one-bug
variants of the reference.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
import warnings

import pytest

from submissions import ROOT, reference_source, stub_source, swap

pytestmark = pytest.mark.detection

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("detection")
TESTS = {"test_box_area", "test_box_iou", "test_nms", "test_match_detections", "test_average_precision", "test_mean_average_precision"}


def module_from(source: str) -> types.ModuleType:
    """A module named detection executing ``source``."""
    module = types.ModuleType("detection")
    exec(compile(source, "detection.py", "exec"), module.__dict__)
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
    """A folder holding detection.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_detection.py", ROOT / "solutions" / "detection.py", folder / "detection.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a detection module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("detection", module_from(source))
        monkeypatch.setattr(harness, "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    with warnings.catch_warnings():  # a broken variant's 0 / 0 is its failure, not a test warning
                        warnings.simplefilter("ignore", RuntimeWarning)
                        test()
                except Exception:  # noqa: BLE001 - a failed check or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the six functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("detection", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("detection")) == TESTS


def test_recorded_values_keep_nan_for_a_class_without_ground_truth(recorded):
    """The stored ap of the mAP example holds NaN for class 2 (JSON NaN), and finite APs for the others."""
    stored = json.loads((recorded / "detection.json").read_text())["mean_average_precision"]
    ap = stored["ap of 3 images (class 2 has no ground truth)"]["array"]
    assert len(ap) == 3 and ap[2] != ap[2] and all(0 <= value <= 1 for value in ap[:2])


AREA = "return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])"
AREA_UNDER = "return float(np.sum(np.diff(recall, prepend=0.0) * envelope))"


# A wrong IoU breaks every check that uses it (NMS, matching and mAP call it); a wrong AP breaks mAP.
@pytest.mark.parametrize("old, new, broken", [
    pytest.param(AREA, "return (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)",
                 TESTS - {"test_average_precision"}, id="pixel-areas"),
    pytest.param("np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)", "inter / union", {"test_box_iou"},
                 id="nan-for-an-empty-union"),
    pytest.param("suppressed |= iou[i] > iou_threshold", "suppressed |= iou[i] >= iou_threshold", {"test_nms"}, id="nms-at-the-threshold"),
    pytest.param('return np.argsort(-scores, kind="stable")', 'return np.argsort(scores, kind="stable")[::-1]',
                 {"test_nms", "test_average_precision"}, id="ties-to-the-higher-index"),
    pytest.param("g = int(np.argmax(free))", "g = int(np.argmax(iou[d]))", {"test_match_detections"}, id="pascal-voc-matching"),
    pytest.param("free = np.where(matched, -1.0, iou[d])", "free = iou[d]", {"test_match_detections", "test_mean_average_precision"},
                 id="ground-truth-matched-twice"),
    pytest.param(AREA_UNDER, "return float(np.sum(np.diff(recall, prepend=0.0) * precision))",
                 {"test_average_precision", "test_mean_average_precision"}, id="ap-without-the-envelope"),
    pytest.param("ap = np.full(num_classes, np.nan)", "ap = np.zeros(num_classes)", {"test_mean_average_precision"}, id="absent-class-as-zero"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
