"""The public checks for segmentation.py (assignments/checks/test_segmentation.py) pass on the reference and catch mistakes.

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

pytestmark = pytest.mark.segmentation

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("segmentation")
TESTS = {"test_nearest_upsample_forward", "test_nearest_upsample_backward", "test_bed_of_nails_upsample_forward",
         "test_bed_of_nails_upsample_backward", "test_max_pool_with_indices", "test_max_unpool_forward", "test_max_unpool_backward",
         "test_conv_transpose_forward", "test_conv_transpose_backward", "test_segmentation_iou", "test_pixel_accuracy"}


def module_from(source: str) -> types.ModuleType:
    """A module named segmentation executing ``source``."""
    module = types.ModuleType("segmentation")
    exec(compile(source, "segmentation.py", "exec"), module.__dict__)
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
    """A folder holding segmentation.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_segmentation.py", ROOT / "solutions" / "segmentation.py", folder / "segmentation.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a segmentation module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("segmentation", module_from(source))
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
    """The check file tests each of the eleven functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("segmentation", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("segmentation")) == TESTS


# One typical bug each; a check file tests one task per test, so each breaks its own tests only.
@pytest.mark.parametrize("old, new, broken", [
    pytest.param("return blocks.sum(axis=(3, 5))", "return blocks.mean(axis=(3, 5))", {"test_nearest_upsample_backward"}, id="nearest-averaged"),
    pytest.param("out[:, :, ::scale, ::scale] = x", "out[:, :, scale // 2 :: scale, scale // 2 :: scale] = x",
                 {"test_bed_of_nails_upsample_forward", "test_bed_of_nails_upsample_backward"}, id="bed-of-nails-at-the-centre"),
    pytest.param("isinstance(value, numbers.Integral)", "isinstance(value, int)",
                 {"test_nearest_upsample_forward", "test_bed_of_nails_upsample_forward"}, id="numpy-integer-scale-rejected"),
    pytest.param("return out, (rows * width + cols).astype(np.int64)", "return out, first.astype(np.int64)",
                 {"test_max_pool_with_indices"}, id="indices-per-window"),
    pytest.param("first = np.argmax(windows, axis=-1)", "first = pool * pool - 1 - np.argmax(windows[..., ::-1], axis=-1)",
                 {"test_max_pool_with_indices"}, id="ties-to-the-last-maximum"),
    pytest.param('out_h, out_w = (_integer("output_size", size, 1) for size in output_size)', "out_h, out_w = 2 * x.shape[2], 2 * x.shape[3]",
                 {"test_max_unpool_forward", "test_max_unpool_backward"}, id="unpool-ignores-output_size"),
    pytest.param("indices.min() < 0 or ", "", {"test_max_unpool_forward"}, id="unpool-wraps-minus-1"),
    pytest.param("out = out_full[:, :, pad : full_h - pad, pad : full_w - pad]", "out = np.pad(out_full, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                 {"test_conv_transpose_forward", "test_conv_transpose_backward"}, id="padding-added"),
    pytest.param("return dx, dw, dout.sum(axis=(0, 2, 3))", "return dx, dw.transpose(1, 0, 2, 3), dout.sum(axis=(0, 2, 3))",
                 {"test_conv_transpose_backward"}, id="dw-transposed"),
    pytest.param("present = iou[~np.isnan(iou)]", "present = np.nan_to_num(iou)", {"test_segmentation_iou"}, id="nan-counted-as-0"),
    pytest.param("pred, target = _labels(pred, target)\n", "pred, target = np.asarray(pred), np.asarray(target)\n",
                 {"test_pixel_accuracy"}, id="pixel-accuracy-broadcasts"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
