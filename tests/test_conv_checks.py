"""The public checks for conv.py (assignments/checks/test_conv.py) pass on the reference and catch mistakes.

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

pytestmark = pytest.mark.conv

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("conv")
TESTS = {"test_conv_output_size", "test_pool_output_size", "test_conv_transpose_output_size", "test_conv_params",
         "test_conv_forward", "test_conv_backward", "test_max_pool_forward", "test_max_pool_backward"}


def module_from(source: str) -> types.ModuleType:
    """A module named conv executing ``source``."""
    module = types.ModuleType("conv")
    exec(compile(source, "conv.py", "exec"), module.__dict__)
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
    """A folder holding conv.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_conv.py", ROOT / "solutions" / "conv.py", folder / "conv.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a conv module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("conv", module_from(source))
        monkeypatch.setattr(harness, "EXPECTED", recorded)
        failures = set()
        for name, test in vars(checks).items():
            if name.startswith("test_") and callable(test):
                try:
                    test()
                except Exception:  # noqa: BLE001 - a failed check or the module's own error
                    failures.add(name)
        return failures
    return run


def test_check_file_has_one_test_per_task(harness, failed):
    """The check file tests each of the eight functions under its own name, and the reference passes them all."""
    checks = [name for name in vars(harness.load_check_file("conv", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("conv")) == TESTS


SIZE_RETURN = "return (n + 2 * pad - span) // stride + 1"


# A wrong conv_output_size breaks every check that uses it: the layers' shapes, and the
# check that it inverts conv_transpose_output_size.
@pytest.mark.parametrize("old, new, broken", [
    pytest.param(SIZE_RETURN, "return (n + 2 * pad - span) // stride", TESTS - {"test_conv_params"}, id="size-off-by-one"),
    pytest.param(SIZE_RETURN, "return -(-(n + 2 * pad - span) // stride) + 1", TESTS - {"test_conv_params"}, id="size-ceil"),
    pytest.param("stride = f if stride is None else stride", "stride = 1 if stride is None else stride", {"test_pool_output_size"}, id="pool-stride-default-1"),
    pytest.param('out += np.einsum("nchw,fc->nfhw", _tap(x_pad, i, j, stride, out_h, out_w), w[:, :, i, j])',
                 'out += np.einsum("nchw,fc->nfhw", _tap(x_pad, i, j, stride, out_h, out_w), w[:, :, -1 - i, -1 - j])',
                 {"test_conv_forward", "test_conv_backward"}, id="kernel-flipped"),
    pytest.param("dout.sum(axis=(0, 2, 3))", "dout.sum(axis=(2, 3)).mean(axis=0)", {"test_conv_backward"}, id="db-averaged"),
    pytest.param("dx = dx_pad[:, :, pad : pad + height, pad : pad + width]", "dx = dx_pad[:, :, pad:-pad, pad:-pad]", {"test_conv_backward"}, id="pad-slice"),
    pytest.param("first = np.argmax(windows, axis=-1)", "first = windows.shape[-1] - 1 - np.argmax(windows[..., ::-1], axis=-1)",
                 {"test_max_pool_backward"}, id="last-maximum"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
