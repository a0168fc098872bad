"""The public checks for semantics.py (assignments/checks/test_semantics.py) pass on the reference and catch mistakes.

The expected values are recorded from the reference into a temporary folder, as
`dlgrade release` does for the handout; the checks are then run in-process with
``harness.load_check_file`` on modules built from the reference, the stubs and one-bug
variants of the reference.
"""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings

import pytest

from submissions import ROOT, reference_source, stub_source, swap

pytestmark = pytest.mark.semantics

CHECKS = ROOT / "assignments" / "checks"
REFERENCE = reference_source("semantics")
TESTS = {"test_cooccurrence", "test_ppmi", "test_lsa", "test_cosine_similarities", "test_nearest", "test_analogy"}


def module_from(source: str) -> types.ModuleType:
    """A module named semantics executing ``source``."""
    module = types.ModuleType("semantics")
    exec(compile(source, "semantics.py", "exec"), module.__dict__)
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
    """A folder holding semantics.json, the examples' outputs on the reference."""
    folder = tmp_path_factory.mktemp("expected")
    harness.write_expected(CHECKS / "test_semantics.py", ROOT / "solutions" / "semantics.py", folder / "semantics.json")
    return folder


@pytest.fixture
def failed(harness, recorded, monkeypatch):
    """failed(source) -> the names of the check file's tests that fail on a semantics module with ``source``."""
    def run(source: str) -> set:
        checks = harness.load_check_file("semantics", module_from(source))
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
    checks = [name for name in vars(harness.load_check_file("semantics", module_from(REFERENCE))) if name.startswith("test_")]
    assert set(checks) == TESTS
    assert failed(REFERENCE) == set()


def test_stubs_fail_every_check(failed):
    """The untouched stubs fail every check."""
    assert failed(stub_source("semantics")) == TESTS


# A wrong cosine breaks nearest's check too (the reference's nearest calls it).
@pytest.mark.parametrize("old, new, broken", [
    pytest.param("return counts + counts.T", "return counts", {"test_cooccurrence", "test_ppmi"}, id="each-pair-counted-once"),
    pytest.param("range(1, min(window, ids.size - 1) + 1)", "range(1, min(2 * window, ids.size - 1) + 1)", {"test_cooccurrence", "test_ppmi"},
                 id="window-read-as-2w"),
    pytest.param("out[i, j] = np.maximum(0.0, np.log(C[i, j] * total / (rows[i] * cols[j])))", "out[i, j] = np.log(C[i, j] * total / (rows[i] * cols[j]))",
                 {"test_ppmi"}, id="pmi-without-the-clip"),
    pytest.param("out = np.zeros_like(C)\n    i, j = np.nonzero(C > 0)  # there, total, rows[i] and cols[j] are positive too\n    "
                 "out[i, j] = np.maximum(0.0, np.log(C[i, j] * total / (rows[i] * cols[j])))",
                 "out = np.maximum(0.0, np.log(C * total / np.outer(rows, cols)))", {"test_ppmi"}, id="log-of-zero"),
    pytest.param("X = U[:, :k] * S[:k]", "X = U[:, :k]", {"test_lsa"}, id="u-without-s"),
    pytest.param("return X * np.where(X[deciding, np.arange(k)] < 0, -1.0, 1.0)", "return X", {"test_lsa"}, id="no-sign-rule"),
    pytest.param("return _cosines_with(unit, unit[i])", "return (E * E[i]).sum(axis=1)", {"test_cosine_similarities", "test_nearest"},
                 id="dot-products"),
    pytest.param("return _ranked(cosine_similarities(E, i), {i}, k)", "return _ranked(cosine_similarities(E, i), set(), k)", {"test_nearest"},
                 id="query-row-kept"),
    pytest.param('order = np.argsort(-scores[candidates], kind="stable")', 'order = np.argsort(scores[candidates], kind="stable")[::-1]',
                 {"test_nearest", "test_analogy"}, id="ties-to-the-higher-index"),
    pytest.param("_cosines_with(unit, unit[b] - unit[a] + unit[c])", "_cosines_with(unit, E[b] - E[a] + E[c])", {"test_analogy"},
                 id="unnormalized-analogy"),
    pytest.param("{a, b, c}, k)", "set(), k)", {"test_analogy"}, id="query-words-kept"),
])
def test_checks_catch_a_one_bug_variant(failed, old, new, broken):
    """A reference with one typical bug fails exactly the checks of the functions it breaks."""
    assert failed(swap(REFERENCE, old, new)) == broken
