"""The public checks of attention.py (assignments/checks/test_attention.py) tell right from wrong.

They run in a handout folder laid out as `dlgrade release` makes it, with the expected
values recorded from the reference. The reference and the stub are checked the way a
student runs them, `pytest checks/test_attention.py`: the reference passes every check, the
stub fails every one. One-bug mutations of the reference (those of the grading tests) are
checked the way the notebook runs them, all in one process to save start-ups: each fails
the checks of the tasks it breaks, and only those.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from submissions import ROOT, mutated, reference_source, stub_source
from test_attention_grading import (BACKWARD_UNSCALED, DV_NOT_TRANSPOSED, HEADS_INTERLEAVED, MASK_AFTER_SOFTMAX,
                                    NAN_ROWS, SCALED_BY_D, SOFTMAX_LAST_AXIS, UNSTABLE_SOFTMAX)

pytestmark = [pytest.mark.attention, pytest.mark.handout]

CHECKS = ("test_softmax", "test_scaled_dot_product_attention", "test_attention_backward",
          "test_multi_head_attention_forward", "test_multi_head_attention_backward")
BACKWARDS = {"test_attention_backward", "test_multi_head_attention_backward"}
HEADS = {"test_multi_head_attention_forward", "test_multi_head_attention_backward"}

MUTATIONS = {
    "scores divided by d": (SCALED_BY_D, set(CHECKS) - {"test_softmax"}),
    "mask after the softmax": (MASK_AFTER_SOFTMAX, set(CHECKS) - {"test_softmax"}),
    "NaN for a query without keys": (NAN_ROWS, {"test_scaled_dot_product_attention", "test_attention_backward"}),
    "backward without 1/sqrt(d)": (BACKWARD_UNSCALED, BACKWARDS),
    "dv without the transpose": (DV_NOT_TRANSPOSED, BACKWARDS),
    "heads split without the transpose": (HEADS_INTERLEAVED, HEADS),
    "softmax without the max shift": (UNSTABLE_SOFTMAX, {"test_softmax", "test_scaled_dot_product_attention", "test_attention_backward"}),
    "softmax ignores axis": (SOFTMAX_LAST_AXIS, {"test_softmax"}),
}

# Runs in checks/: imports each module file as `attention` and runs the check functions on it.
DRIVER = """
import importlib.util, json, sys
import harness
failed = {}
for name, path in json.loads(sys.argv[1]).items():
    spec = importlib.util.spec_from_file_location("attention", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = harness.load_check_file("attention", module)
    failed[name] = []
    for test in json.loads(sys.argv[2]):
        try:
            getattr(checks, test)()
        except Exception:
            failed[name].append(test)
print(json.dumps(failed))
"""


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    """A handout folder: checks/ with the expected values recorded from the reference."""
    folder = tmp_path_factory.mktemp("handout")
    checks = folder / "checks"
    shutil.copytree(ROOT / "assignments" / "checks", checks, ignore=shutil.ignore_patterns("__pycache__", "expected"))
    record = (f"import harness; harness.write_expected({str(checks / 'test_attention.py')!r}, "
              f"{str(ROOT / 'solutions' / 'attention.py')!r}, {str(checks / 'expected' / 'attention.json')!r})")
    subprocess.run([sys.executable, "-c", record], cwd=checks, check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("source, failing", [
    pytest.param(reference_source("attention"), set(), id="reference"),
    pytest.param(stub_source("attention"), set(CHECKS), id="stubs"),
])
def test_pytest_on_the_public_checks(handout, source, failing):
    """`pytest checks/test_attention.py` passes on the reference and fails every check on the stub."""
    (handout / "attention.py").write_text(source)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "checks/test_attention.py"],
                         cwd=handout, capture_output=True, text=True, timeout=120)
    summary = f"{len(failing)} failed" if failing else f"{len(CHECKS)} passed"
    assert summary in run.stdout, run.stdout[-2000:]
    assert set(re.findall(r"^FAILED checks/test_attention\.py::(\w+)", run.stdout, flags=re.MULTILINE)) == failing


def test_each_mutation_fails_exactly_the_checks_of_its_tasks(handout, tmp_path):
    """Every one-bug mutation fails the public checks of the tasks it breaks, and passes the others."""
    paths = {}
    for name, (replacements, _) in MUTATIONS.items():
        paths[name] = tmp_path / f"mutation{len(paths)}.py"
        paths[name].write_text(mutated(reference_source("attention"), *replacements))
    run = subprocess.run([sys.executable, "-c", DRIVER, json.dumps({k: str(v) for k, v in paths.items()}), json.dumps(CHECKS)],
                         cwd=handout / "checks", capture_output=True, text=True, timeout=120, check=True)
    failed = json.loads(run.stdout.splitlines()[-1])
    assert {name: set(tests) for name, tests in failed.items()} == {name: expected for name, (_, expected) in MUTATIONS.items()}
