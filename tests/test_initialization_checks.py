"""The public checks of initialization.py (assignments/checks/test_initialization.py) tell right from wrong.

They run as a student runs them: `pytest checks/test_initialization.py` in a handout folder
whose initialization.py is the reference, the alternative, the stub or a one-bug mutation of
the reference, with the expected values recorded from the reference as `dlgrade release`
does. Right answers pass every check, the stub fails every one, and each mutation fails the
checks of the tasks it breaks, and only those.
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
from test_initialization_grading import ALTERNATIVE, MUTATIONS

pytestmark = [pytest.mark.initialization, pytest.mark.handout]

CHECKS = {"test_fan_in_fan_out", "test_xavier_normal", "test_xavier_uniform", "test_he_normal", "test_activation_stds"}
INITIALIZERS = {"test_xavier_normal", "test_xavier_uniform", "test_he_normal"}


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> Path:
    """checks/expected/initialization.json recorded from the reference, in a scratch folder."""
    checks = tmp_path_factory.mktemp("recorded") / "checks"
    shutil.copytree(ROOT / "assignments" / "checks", checks, ignore=shutil.ignore_patterns("__pycache__", "expected"))
    record = (f"import harness; harness.write_expected({str(checks / 'test_initialization.py')!r}, "
              f"{str(ROOT / 'solutions' / 'initialization.py')!r}, {str(checks / 'expected' / 'initialization.json')!r})")
    subprocess.run([sys.executable, "-c", record], cwd=checks, check=True, capture_output=True)
    return checks / "expected" / "initialization.json"


def failed_checks(folder: Path, source: str, expected: Path) -> set:
    """The names of the public checks that fail on a handout whose initialization.py is ``source``."""
    folder.mkdir()
    (folder / "initialization.py").write_text(source)
    shutil.copytree(ROOT / "assignments" / "checks", folder / "checks", ignore=shutil.ignore_patterns("__pycache__", "expected"))
    (folder / "checks" / "expected").mkdir()
    shutil.copyfile(expected, folder / "checks" / "expected" / "initialization.json")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "checks/test_initialization.py"],
                         cwd=folder, capture_output=True, text=True, timeout=120)
    assert re.search(r"\d+ (passed|failed)", run.stdout), run.stdout + run.stderr
    return set(re.findall(r"^FAILED checks/test_initialization\.py::(\w+)", run.stdout, flags=re.MULTILINE))


RUNNER = """
import importlib.util, json, sys
import harness
failed = {}
for label, path in json.loads(sys.argv[1]).items():
    spec = importlib.util.spec_from_file_location("initialization", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks = harness.load_check_file("initialization", module)
    failed[label] = []
    for name, test in vars(checks).items():
        if name.startswith("test_") and callable(test):
            try:
                test()
            except Exception:
                failed[label].append(name)
print(json.dumps(failed))
"""


def failed_in_process(tmp_path: Path, sources: dict, expected: Path) -> dict:
    """{label: failing check names} for each source, all run by harness.run_checks's way in one
    process (one pytest start-up per handout would cost seconds each)."""
    checks = tmp_path / "checks"
    shutil.copytree(expected.parent.parent, checks, ignore=shutil.ignore_patterns("__pycache__"))
    paths = {}
    for number, (label, source) in enumerate(sources.items()):
        paths[label] = str(tmp_path / f"source{number}.py")
        Path(paths[label]).write_text(source)
    run = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(paths)], cwd=checks, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return {label: set(names) for label, names in json.loads(run.stdout.splitlines()[-1]).items()}


@pytest.mark.parametrize("source, failing", [
    pytest.param(reference_source("initialization"), set(), id="reference"),
    pytest.param(stub_source("initialization"), CHECKS, id="stubs"),
])
def test_public_checks_under_pytest_pass_the_reference_and_fail_the_stub(tmp_path, expected, source, failing):
    """Run as a student runs them, the public checks all pass on the reference and all fail on the stub."""
    assert failed_checks(tmp_path / "handout", source, expected) == failing


MUTATED = {
    "xavier-with-fan_out": {"test_xavier_normal", "test_xavier_uniform"},
    "he-without-the-2": {"test_he_normal"},
    "variance-passed-as-the-std": {"test_xavier_normal"},
    "std-used-as-the-variance": {"test_xavier_normal"},
    "uniform-with-the-normal's-scale": {"test_xavier_uniform"},
    "normal-where-uniform-is-asked": {"test_xavier_uniform"},
    "uniform-where-normal-is-asked": {"test_xavier_normal"},
    "conv-fans-swapped": {"test_fan_in_fan_out"} | INITIALIZERS,
    "affine-fans-in-torch's-(out, in)-layout": {"test_fan_in_fan_out"} | INITIALIZERS,
    "mode-ignored": {"test_xavier_normal", "test_xavier_uniform"},
    "rng-ignored": INITIALIZERS,
    "own-fixed-seed": {"test_xavier_normal"},
    "shape-reversed": {"test_xavier_normal"},
    "fans-as-floats": {"test_fan_in_fan_out"},
    "stds-with-ddof-1": {"test_activation_stds"},
    "stds-of-the-pre-activations": {"test_activation_stds"},
    "stds-as-an-array": {"test_activation_stds"},
    "any-other-activation-is-tanh": {"test_activation_stds"},
}


def test_public_checks_catch_each_mutation_in_its_tasks_only(tmp_path, expected):
    """Every mutation of the grading tests fails exactly the checks of the tasks it breaks; the alternative passes all."""
    assert set(MUTATED) == set(MUTATIONS) - {"xavier-variance-1.2/fan_in-no-known-mistake"}
    sources = {name: mutated(reference_source("initialization"), *MUTATIONS[name][0]) for name in MUTATED} | {"alternative": ALTERNATIVE}
    assert failed_in_process(tmp_path, sources, expected) == MUTATED | {"alternative": set()}
