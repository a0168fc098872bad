"""The public checks of activations.py (assignments/checks/test_activations.py) tell right from wrong.

They run in a handout folder laid out as `dlgrade release` makes it, with the expected
values recorded from the reference. The reference and the stub are checked the way a
student runs them, `pytest checks/test_activations.py`: the reference passes every check,
the stub fails every one. One-bug mutations of the reference (those of the grading tests)
are checked the way the notebook runs them, all in one process to save start-ups: each
fails the checks of the tasks it breaks, and only those.
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
from test_activations_grading import (ELU_DERIVATIVE_AS_FORWARD, ELU_KINK, ELU_OVERFLOW, LEAKY_KINK, LEAKY_SLOPE_IGNORED,
                                      MAXOUT_EVERY_PIECE, MAXOUT_LAST_TIE, MAXOUT_TIES_SPLIT, MAXOUT_TIES_TO_ALL,
                                      LEAKY_WRITES_INTO_DOUT, MAXOUT_WITHOUT_BIAS, NAIVE_TANH, RELU_KINK,
                                      RELU_WRITES_INTO_DOUT, SIGMOID_OF_X, TANH_OF_X, UNSTABLE_SIGMOID)

pytestmark = [pytest.mark.activations, pytest.mark.handout]

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout")
CHECKS = tuple(f"test_{name}_{direction}" for name in FUNCTIONS for direction in ("forward", "backward"))

MUTATIONS = {
    "ELU derivative as exp(x) - 1": (ELU_DERIVATIVE_AS_FORWARD, {"test_elu_backward"}),
    "ELU slope 1 at 0": (ELU_KINK, {"test_elu_backward"}),
    "ELU exp of large x": (ELU_OVERFLOW, {"test_elu_forward", "test_elu_backward"}),
    "ReLU gradient 1 at 0": (RELU_KINK, {"test_relu_backward"}),
    "leaky ReLU slope ignored in backward": (LEAKY_SLOPE_IGNORED, {"test_leaky_relu_backward"}),
    "leaky ReLU slope 1 at 0": (LEAKY_KINK, {"test_leaky_relu_backward"}),
    "sigmoid backward of x": (SIGMOID_OF_X, {"test_sigmoid_backward"}),
    "overflowing sigmoid": (UNSTABLE_SIGMOID, {"test_sigmoid_forward", "test_sigmoid_backward"}),
    "tanh backward 1 - x**2": (TANH_OF_X, {"test_tanh_backward"}),
    "tanh from exp": (NAIVE_TANH, {"test_tanh_forward"}),
    "maxout gradient to every piece": (MAXOUT_EVERY_PIECE, {"test_maxout_backward"}),
    "maxout ties to every maximal piece": (MAXOUT_TIES_TO_ALL, {"test_maxout_backward"}),
    "maxout ties split": (MAXOUT_TIES_SPLIT, {"test_maxout_backward"}),
    "maxout ties to the last piece": (MAXOUT_LAST_TIE, {"test_maxout_backward"}),
    "maxout without bias": (MAXOUT_WITHOUT_BIAS, {"test_maxout_forward", "test_maxout_backward"}),
    "relu_backward writes into dout": (RELU_WRITES_INTO_DOUT, {"test_relu_backward"}),
    "leaky_relu_backward writes into dout": (LEAKY_WRITES_INTO_DOUT, {"test_leaky_relu_backward"}),
}

# Runs in checks/: imports each module file as `activations` and runs the check functions on it.
DRIVER = """
import importlib.util, json, sys
import harness
failed = {}
for name, path in json.loads(sys.argv[1]).items():
    spec = importlib.util.spec_from_file_location("activations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = harness.load_check_file("activations", module)
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
    record = (f"import harness; harness.write_expected({str(checks / 'test_activations.py')!r}, "
              f"{str(ROOT / 'solutions' / 'activations.py')!r}, {str(checks / 'expected' / 'activations.json')!r})")
    subprocess.run([sys.executable, "-c", record], cwd=checks, check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("source, failing", [
    pytest.param(reference_source("activations"), set(), id="reference"),
    pytest.param(stub_source("activations"), set(CHECKS), id="stubs"),
])
def test_pytest_on_the_public_checks(handout, source, failing):
    """`pytest checks/test_activations.py` passes on the reference and fails every check on the stub."""
    (handout / "activations.py").write_text(source)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "checks/test_activations.py"],
                         cwd=handout, capture_output=True, text=True, timeout=120)
    summary = f"{len(failing)} failed" if failing else f"{len(CHECKS)} passed"
    assert summary in run.stdout, run.stdout[-2000:]
    assert set(re.findall(r"^FAILED checks/test_activations\.py::(\w+)", run.stdout, flags=re.MULTILINE)) == failing


def test_each_mutation_fails_exactly_the_checks_of_its_tasks(handout, tmp_path):
    """Every one-bug mutation fails the public checks of the tasks it breaks, and passes the others."""
    paths = {}
    for name, (replacements, _) in MUTATIONS.items():
        paths[name] = tmp_path / f"mutation{len(paths)}.py"
        paths[name].write_text(mutated(reference_source("activations"), *replacements))
    run = subprocess.run([sys.executable, "-c", DRIVER, json.dumps({k: str(v) for k, v in paths.items()}), json.dumps(CHECKS)],
                         cwd=handout / "checks", capture_output=True, text=True, timeout=120, check=True)
    failed = json.loads(run.stdout.splitlines()[-1])
    assert {name: set(tests) for name, tests in failed.items()} == {name: expected for name, (_, expected) in MUTATIONS.items()}


def test_expected_values_cover_every_example(handout):
    """The recorded expected values hold every example, each with the outputs its checks compare."""
    stored = json.loads((handout / "checks" / "expected" / "activations.json").read_text())
    assert set(stored) == {f"{name}_{direction}" for name in FUNCTIONS for direction in ("forward", "backward")}
    assert set(stored["maxout_backward"]) == {"dx", "dw", "db", "dx with tied pieces", "dw with tied pieces", "db with tied pieces"}
