"""The Gradescope autograder, as Gradescope runs it: `dlgrade gradescope build` writes the zip,
the zip is unpacked into a temporary root laid out like Gradescope's /autograder, and its own
`run_autograder` grades a submission there (DLGRADE_AUTOGRADER_ROOT points it at the root).

setup.sh's downloads are played by ``gradescope.install``: the root's venv is made from an
interpreter of this Python's version that every user may run, with this machine's numpy.
Under root (CI, Gradescope) the worker drops to an unprivileged user; the tests that show it
are skipped, saying so, when the tests do not run as root.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from autograder import gradescope
from autograder.gradescope_config import ConfigError, load
from autograder.sandbox import WorkerUser
from autograder.suites import SUITES
from submissions import ROOT, calling, reference_source, stub_source, swap

pytestmark = pytest.mark.gradescope

SCHEMA = json.loads((ROOT / "autograder" / "gradescope_files" / "results.schema.json").read_text())
AS_ROOT = os.geteuid() == 0
ROOT_ONLY = pytest.mark.skipif(not AS_ROOT, reason="dropping the worker to another user needs root (CI and Gradescope run as root)")
# small limits, so that hostile and broken submissions are cut short
FAST = """
[limits]
call_seconds = 1
import_seconds = 5
memory_mb = 512
"""


# a worker user that no machine has, whether or not a Gradescope image (with setup.sh's
# dlgrade-worker) was tried here: the worker then falls back to nobody on every machine
ABSENT_USER = next(name for name in (f"dlgrade-absent-{n}" for n in range(1000)) if name not in {entry.pw_name for entry in pwd.getpwall()})
NO_USER = f'[autograder]\nworker_user = "{ABSENT_USER}"\n'


# -- the fake Gradescope machine -------------------------------------------------------------

PYTHON = gradescope.shared_python()
NEEDS_PYTHON = pytest.mark.skipif(PYTHON is None, reason="no Python of this version that an unprivileged user can run (setup.sh installs one on Gradescope)")


class Autograder:
    """An unpacked autograder.zip in a root laid out like Gradescope's /autograder."""

    def __init__(self, zip_path: Path):
        # a folder every user can enter, as /autograder is: only the permissions run_autograder
        # sets keep the worker out of what is not its own
        self.root = Path(tempfile.mkdtemp(prefix="dlgrade-autograder-"))
        gradescope.install(zip_path, self.root)

    def submit(self, files: dict) -> None:
        """Replace the submission with ``files`` (name -> text or bytes)."""
        shutil.rmtree(self.root / "submission")
        (self.root / "submission").mkdir()
        for name, content in files.items():
            path = self.root / "submission" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())

    def run(self, timeout: float = 120) -> tuple[dict, str]:
        """Run ``run_autograder`` as Gradescope does; results.json (checked against the schema) and stdout."""
        finished = subprocess.run(["bash", str(self.root / "run_autograder")], capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "DLGRADE_AUTOGRADER_ROOT": str(self.root)}, cwd=self.root)
        assert finished.returncode == 0, finished.stderr
        results = json.loads((self.root / "results" / "results.json").read_text())
        jsonschema.validate(results, SCHEMA)
        return results, finished.stdout + finished.stderr

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def built(tmp_path_factory, config: str = "", assignments=("backprop",)) -> Path:
    """Build autograder.zip with ``config`` (TOML text) for ``assignments``; its path."""
    folder = tmp_path_factory.mktemp("build")
    (folder / "gradescope.toml").write_text(config)
    gradescope.build(folder / "autograder.zip", folder / "gradescope.toml", list(assignments))
    return folder / "autograder.zip"


@pytest.fixture(scope="module")
def backprop(tmp_path_factory):
    """An installed autograder for backprop alone, with small limits."""
    if PYTHON is None:
        pytest.skip(NEEDS_PYTHON.kwargs["reason"])
    autograder = Autograder(built(tmp_path_factory, FAST))
    yield autograder
    autograder.remove()


BACKPROP_MAX = SUITES["backprop"].max_score


# -- the zip ----------------------------------------------------------------------------------

def test_zip_is_laid_out_as_gradescope_expects(tmp_path_factory):
    """setup.sh and run_autograder (executable) at the root; engine, graded suites only, references, pinned numpy, seed."""
    with zipfile.ZipFile(built(tmp_path_factory)) as bundle:
        names = set(bundle.namelist())
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in bundle.infolist()}
        requirements = bundle.read("requirements.txt").decode()
        secret = bundle.read("secret_seed").decode().strip()
        settings = json.loads(bundle.read("settings.json"))
        setup = bundle.read("setup.sh").decode()
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert {"autograder/grade.py", "autograder/worker.py", "autograder/gradescope.py", "autograder/suites/backprop.py", "solutions/backprop.py"} <= names
    assert not {name for name in names if "__pycache__" in name or name.startswith(("autograder/gradescope_files", "tests/"))}
    assert {name for name in names if name.startswith("solutions/")} == {"solutions/backprop.py"}
    assert {name for name in names if name.startswith("autograder/suites/")} == {"autograder/suites/__init__.py", "autograder/suites/backprop.py"}
    assert requirements == f"numpy=={gradescope.handout_numpy()}\n" == "numpy==2.4.6\n"  # the handout's pin
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert settings["assignments"] == ["backprop"]
    assert 'user="dlgrade-worker"' in setup and "useradd" in setup and "requirements.txt" in setup


def test_zip_carries_the_data_files_its_suites_read(tmp_path_factory):
    """A suite's data files (visualization: the digits and the trained models) travel in assignments/data/, and no others."""
    with zipfile.ZipFile(built(tmp_path_factory, assignments=("backprop", "visualization"))) as bundle:
        names = set(bundle.namelist())
        carried = {name for name in names if name.startswith("assignments/")}
        assert carried == {f"assignments/data/{name}" for name in SUITES["visualization"].data} == {
            "assignments/data/digits.npz", "assignments/data/visualization_models.npz"}
        assert bundle.read("assignments/data/digits.npz") == (ROOT / "assignments" / "data" / "digits.npz").read_bytes()
    with zipfile.ZipFile(built(tmp_path_factory)) as bundle:
        assert not {name for name in bundle.namelist() if name.startswith("assignments/")}


def test_config_can_pin_another_numpy(tmp_path_factory):
    """`numpy = "X"` in [autograder] replaces the handout's pin in the zip's requirements.txt."""
    with zipfile.ZipFile(built(tmp_path_factory, '[autograder]\nnumpy = "2.3.5"\n')) as bundle:
        assert bundle.read("requirements.txt").decode() == "numpy==2.3.5\n"


def test_every_build_draws_a_fresh_secret(tmp_path_factory):
    """Two builds of the same config have different secret seeds."""
    secrets = {zipfile.ZipFile(built(tmp_path_factory)).read("secret_seed") for _ in range(2)}
    assert len(secrets) == 2


def test_build_command_writes_the_zip_and_rejects_a_bad_config(tmp_path):
    """`dlgrade gradescope build` writes --out; a bad --config is one error line and status 2, and no zip."""
    good = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "build", "--out", str(tmp_path / "a.zip"), "-a", "backprop"],
                          capture_output=True, text=True, cwd=ROOT)
    assert good.returncode == 0, good.stderr
    assert zipfile.is_zipfile(tmp_path / "a.zip") and "wrote" in good.stdout
    (tmp_path / "bad.toml").write_text("[limits]\nmemory_mb = -1\n")
    bad = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "build", "--out", str(tmp_path / "b.zip"), "--config", str(tmp_path / "bad.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"dlgrade: error: {tmp_path / 'bad.toml'}: [limits] memory_mb must be a positive number, not -1"
    assert not (tmp_path / "b.zip").exists()


@NEEDS_PYTHON
def test_try_command_grades_a_submission_as_gradescope_would(tmp_path, tmp_path_factory):
    """`dlgrade gradescope try ZIP SUBMISSION` runs the zip's run_autograder: staff see the table, --json gets results.json."""
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "backprop.py").write_text(swap(reference_source("backprop"), "return x @ w + b", "return x @ w"))
    finished = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "try", str(built(tmp_path_factory)), str(tmp_path / "hw"),
                               "--json", str(tmp_path / "results.json")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert finished.returncode == 0, finished.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    lost = {f"backprop: {case.name}" for case in SUITES["backprop"].cases if case.name.startswith("affine_forward")}  # the cache is still right
    assert {test["name"] for test in results["tests"] if test["status"] == "failed"} == lost
    assert "FAIL affine_forward" in finished.stdout and finished.stdout.rstrip().endswith(f"results.json: score {results['score']:g}, written to {tmp_path / 'results.json'}")


# -- the settings file ------------------------------------------------------------------------

def test_documented_default_config_is_the_default():
    """gradescope.toml in the project states the defaults: reading it changes nothing."""
    assert load(ROOT / "gradescope.toml", SUITES, np.__version__, ["backprop"]) == load(None, SUITES, np.__version__, ["backprop"])


def test_a_config_that_is_not_utf8_is_a_clear_error(tmp_path):
    """A settings file saved in another encoding: a ConfigError naming the file and the byte, not a UnicodeDecodeError."""
    path = tmp_path / "gradescope.toml"
    path.write_bytes('[autograder]\nassignments = ["backprop"]  # café\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=re.escape(f"{path} is not UTF-8 text (byte 46 is 0xe9): save it as UTF-8, as TOML requires")):
        load(path, SUITES, np.__version__)


def test_build_without_assignments_asks_which(tmp_path):
    """Neither -a nor [autograder] assignments: one line asking which (a course runs one assignment per homework), no zip."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "build", "--out", str(tmp_path / "a.zip")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and not (tmp_path / "a.zip").exists()
    assert done.stderr == (f"dlgrade: error: {ROOT / 'gradescope.toml'}: which assignment does this autograder grade? Name it with "
                           f"-a NAME (repeatable), or in the config: [autograder] assignments = [\"backprop\"] (known: {', '.join(SUITES)})\n")


def test_config_may_grade_several_assignments_in_one_autograder(tmp_path):
    """[autograder] assignments lists several: all of them are built in, in that order."""
    (tmp_path / "gradescope.toml").write_text('[autograder]\nassignments = ["conv", "backprop"]\n')
    settings = gradescope.build(tmp_path / "a.zip", tmp_path / "gradescope.toml")
    assert settings.assignments == ("conv", "backprop")
    names = set(zipfile.ZipFile(tmp_path / "a.zip").namelist())
    assert {"solutions/conv.py", "solutions/backprop.py"} <= names and "solutions/dropout.py" not in names


@pytest.mark.parametrize("text, message", [
    ("[limits]\ncall_second = 3\n", r"unknown key 'call_second' in \[limits\] \(did you mean 'call_seconds'\?\)"),
    ("[limits]\nmemory_mb = 0\n", r"\[limits\] memory_mb must be a positive number, not 0"),
    ("[visibility]\nhidden = 'later'\n", r"\[visibility\] hidden must be one of hidden, after_due_date, after_published, visible, not 'later'"),
    ("[autograder]\nassignments = ['backprob']\n", r"'backprob' is not a known assignment \(did you mean 'backprop'\?\)"),
    ("[assignment.backprop.case.'sigmoid, random value']\npoints = 2\n", r"'sigmoid, random value' is not a known case of backprop \(did you mean 'sigmoid, random values'\?\)"),
    ("[assignment.backprop.case.sigmoid]\npoints = -1\n", r'\[assignment.backprop.case."sigmoid"\] points must be a non-negative number, not -1'),
    ("[assignment.backprop.case.sigmoid]\ntimeout = 'long'\n", r"timeout must be a positive number, not 'long'"),
    ("[assignment.backprop]\nlimits = { memory = 100 }\n", r"unknown key 'memory' in \[assignment.backprop\] limits"),
    ("[autograder]\nworker_user = 0\n", r"worker_user must be a user name or a uid > 0 \(never root\), not 0"),
    ("[autograder]\nworker_user = 'root'\n", r"worker_user must be a user name or a uid > 0 \(never root\), not 'root'"),
    ("[autograder]\nnumpy = '>=2'\n", r"numpy must be a version like"),
    ("[limits\n", r"is not valid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path, text, message):
    """Each kind of mistake in the settings file is a ConfigError naming the file, the place and what is expected."""
    path = tmp_path / "gradescope.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ".*" + message):
        load(path, SUITES, np.__version__)


# -- grading ----------------------------------------------------------------------------------

@NEEDS_PYTHON
def test_reference_scores_full_marks_and_stubs_zero(tmp_path_factory):
    """Every assignment: the references score the suites' total, every test passed; the stubs score 0, every test failed."""
    autograder = Autograder(built(tmp_path_factory, NO_USER, assignments=tuple(SUITES)))
    try:
        autograder.submit({f"{name}.py": reference_source(name) for name in SUITES})
        results, stdout = autograder.run()
        autograder.submit({f"{name}.py": stub_source(name) for name in SUITES})
        stubs, _ = autograder.run()
    finally:
        autograder.remove()
    total = sum(suite.max_score for suite in SUITES.values())
    assert results["score"] == pytest.approx(total) and len(results["tests"]) == sum(len(s.cases) for s in SUITES.values())
    assert {test["status"] for test in results["tests"]} == {"passed"}
    assert stubs["score"] == 0 and {test["status"] for test in stubs["tests"]} == {"failed"}
    assert all("not implemented yet" in test["output"] for test in stubs["tests"])
    hidden = {f"{name}: {case.name}" for name, suite in SUITES.items() for case in suite.cases if case.visibility == "hidden"}
    assert {test["name"] for test in results["tests"] if test["visibility"] == "after_due_date"} == hidden
    assert {test["visibility"] for test in results["tests"]} == {"visible", "after_due_date"}
    if AS_ROOT:
        assert f"the worker runs as uid 65534 (no user '{ABSENT_USER}': run setup.sh)" in stdout


@NEEDS_PYTHON
def test_summary_gives_away_no_hidden_result(backprop):
    """The top-level output counts only the cases shown now, and says how many points are shown later."""
    backprop.submit({"backprop.py": reference_source("backprop")})
    results, _ = backprop.run()
    shown = sum(case.points for case in SUITES["backprop"].cases if case.visibility == "visible")
    assert results["output"] == f"backprop.py: {shown:g} / {shown:g} on the cases shown now; {BACKPROP_MAX - shown:g} more points in cases shown later"
    assert results["stdout_visibility"] == "hidden" and results["visibility"] == "visible"


def nested_zip(files: dict) -> bytes:
    """A zip holding a zip holding ``files``."""
    inner, outer = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(inner, "w") as bundle:
        for name, text in files.items():
            bundle.writestr(f"hw/{name}", text)
    with zipfile.ZipFile(outer, "w") as bundle:
        bundle.writestr("inner.zip", inner.getvalue())
    return outer.getvalue()


@NEEDS_PYTHON
@pytest.mark.parametrize("files, score, message", [
    ({}, 0, "No file named backprop.py in your submission"),
    ({"notes.txt": "hello", "Backprop (1).py": "x = 1\n"}, 0, "Found 'Backprop (1).py': rename it to backprop.py"),
    ({"hw.zip": b"PK\x03\x04 not really a zip"}, 0, "No file named backprop.py"),
    ({"submission.zip": nested_zip({"backprop.py": reference_source("backprop")})}, BACKPROP_MAX, None),
    ({"deep/er/backprop.py": reference_source("backprop")}, BACKPROP_MAX, None),
])
def test_every_submission_gets_a_valid_results_json(backprop, files, score, message):
    """Empty, wrong files, a broken zip, a zip of a zip, a nested folder: a valid results.json with the right score."""
    backprop.submit(files)
    results, _ = backprop.run()
    assert results["score"] == score
    if message:
        assert all(message in test["output"] for test in results["tests"])


@NEEDS_PYTHON
def test_symlink_to_the_reference_is_not_graded(backprop):
    """A submitted symlink named backprop.py (pointing at the reference) is ignored: nothing to grade."""
    backprop.submit({})
    (backprop.root / "submission" / "backprop.py").symlink_to(backprop.root / "source" / "solutions" / "backprop.py")
    results, _ = backprop.run()
    assert results["score"] == 0
    assert all("No file named backprop.py" in test["output"] for test in results["tests"])


@NEEDS_PYTHON
def test_grader_error_gives_zero_a_message_and_details_for_staff_only(tmp_path_factory):
    """A grader that fails (settings missing) still writes results.json: score 0, a clear message; the traceback on stdout only."""
    autograder = Autograder(built(tmp_path_factory))
    try:
        (autograder.root / "source" / "settings.json").unlink()
        autograder.submit({"backprop.py": reference_source("backprop")})
        results, stdout = autograder.run()
    finally:
        autograder.remove()
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"] == gradescope.GRADER_FAILED
    assert "Traceback" in stdout and "settings.json" in stdout
    assert "Traceback" not in json.dumps(results)


@NEEDS_PYTHON
def test_grader_that_cannot_start_still_writes_results_json(tmp_path_factory):
    """With no Python in the venv, run_autograder itself writes a zero-score results.json with a message."""
    autograder = Autograder(built(tmp_path_factory))
    try:
        shutil.rmtree(autograder.root / "venv")
        autograder.submit({"backprop.py": reference_source("backprop")})
        results, stdout = autograder.run()
    finally:
        autograder.remove()
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("The autograder could not start")
    assert "without writing results.json" in stdout


@NEEDS_PYTHON
def test_broken_reference_costs_its_cases_with_details_for_staff_only(tmp_path_factory):
    """A reference that fails to import: its cases say "Grader error", the traceback is on stdout, not in results.json."""
    autograder = Autograder(built(tmp_path_factory))
    try:
        (autograder.root / "source" / "solutions" / "backprop.py").write_text("raise RuntimeError('staff typo')\n")
        autograder.submit({"backprop.py": reference_source("backprop")})
        results, stdout = autograder.run()
    finally:
        autograder.remove()
    assert results["score"] == 0
    assert all(test["output"].startswith("Grader error") for test in results["tests"])
    assert "RuntimeError: staff typo" in stdout and "staff typo" not in json.dumps(results)


CONFIGURED = FAST + """
[assignment.backprop]
visibility = { hidden = "after_published" }

[assignment.backprop.case.sigmoid]
points = 7
visibility = "hidden"

[assignment.backprop.case."relu_forward, exact zeros"]
timeout = 2.5
"""


@NEEDS_PYTHON
def test_config_sets_points_visibility_and_timeouts(tmp_path_factory):
    """Points, per-assignment and per-case visibility and a case's timeout come from the config file."""
    autograder = Autograder(built(tmp_path_factory, CONFIGURED))
    slow = swap(reference_source("backprop"), "def relu_forward(x):\n", "def relu_forward(x):\n    import time; time.sleep(1.5)\n")
    try:
        autograder.submit({"backprop.py": slow})
        results, _ = autograder.run()
    finally:
        autograder.remove()
    tests = {test["name"]: test for test in results["tests"]}
    assert tests["backprop: sigmoid"]["max_score"] == tests["backprop: sigmoid"]["score"] == 7
    assert tests["backprop: sigmoid"]["visibility"] == "hidden"
    hidden = {f"backprop: {case.name}" for case in SUITES["backprop"].cases if case.visibility == "hidden"}
    assert {name for name, test in tests.items() if test["visibility"] == "after_published"} == hidden
    # 1.5 s of sleep: within the case's own 2.5 s, past the 1 s of every other relu_forward case
    assert tests["backprop: relu_forward, exact zeros"]["status"] == "passed"
    assert tests["backprop: relu_forward, random shapes"]["output"].startswith("Timed out: relu_forward did not finish within 1 s")
    lost = calling("relu_forward") - {"relu_forward, exact zeros"}
    assert {name for name, test in tests.items() if test["status"] == "failed"} == {f"backprop: {name}" for name in lost}
    assert results["score"] == BACKPROP_MAX - 1 + 7 - sum(case.points for case in SUITES["backprop"].cases if case.name in lost)


@NEEDS_PYTHON
def test_config_memory_limit_reaches_the_worker(backprop):
    """Under the config's 512 MB (not the default 1024 MB) a 300 MB array fits and a 600 MB one does not."""
    source = swap(reference_source("backprop"), "def chain_rule(J_L_f, J_f_W):\n", "def chain_rule(J_L_f, J_f_W):\n    np.empty(75_000_000)\n")
    source = swap(source, "def sigmoid(x):\n", "def sigmoid(x):\n    np.empty(37_500_000)\n")
    backprop.submit({"backprop.py": source})
    results, _ = backprop.run()
    tests = {test["name"]: test for test in results["tests"]}
    assert tests["backprop: sigmoid"]["status"] == "passed"
    assert tests["backprop: chain_rule"]["status"] == "failed" and "memory" in tests["backprop: chain_rule"]["output"].lower()


# -- the secret seed --------------------------------------------------------------------------

def test_seed_derives_from_the_secret_and_the_submission():
    """The same secret and submission give the same seed; a change in either gives another."""
    seeds = {gradescope.derive_seed(secret, digest) for secret in ("a", "b") for digest in ("x", "y")}
    assert len(seeds) == 4
    assert gradescope.derive_seed("a", "x") == gradescope.derive_seed("a", "x")


@NEEDS_PYTHON
def test_hidden_inputs_repeat_for_a_submission_and_change_with_it(backprop):
    """Regrading a submission draws the same hidden inputs; a changed submission (a comment added) draws others."""
    seen = []
    for source in (reference_source("backprop"), reference_source("backprop"), reference_source("backprop") + "# v2\n"):
        backprop.submit({"backprop.py": source})
        _, stdout = backprop.run()
        seen.append(re.search(r"hidden inputs drawn with seed (\d+)", stdout).group(1))
    assert seen[0] == seen[1] != seen[2]


# -- isolation --------------------------------------------------------------------------------

UNUSED_UID = next(uid for uid in range(61000, 65000) if uid not in {entry.pw_uid for entry in pwd.getpwall()})


@pytest.mark.parametrize("name, expected", [
    (ABSENT_USER, gradescope.NOBODY),
    ("root", gradescope.NOBODY),
    ("nobody", gradescope.NOBODY),
    (0, gradescope.NOBODY),
    (UNUSED_UID, WorkerUser(UNUSED_UID, UNUSED_UID, dedicated=True)),
])
def test_worker_user_is_dedicated_or_nobody_never_root(name, expected):
    """A configured uid is dedicated (all its processes are killed after grading); a missing user, root or nobody give nobody, not dedicated."""
    assert gradescope.worker_user(name) == expected


@ROOT_ONLY
@NEEDS_PYTHON
def test_run_locks_the_autograder_away_from_the_worker(backprop):
    """After a run: source, submission and results belong to root alone; only the venv is open to others."""
    backprop.submit({"backprop.py": reference_source("backprop")})
    backprop.run()
    for name in ("source", "submission", "results", "run_autograder"):
        status = os.stat(backprop.root / name)
        assert status.st_uid == 0 and status.st_mode & 0o077 == 0, name
    assert os.stat(backprop.root / "venv").st_mode & 0o005 == 0o005


@ROOT_ONLY
@NEEDS_PYTHON
def test_unreachable_python_is_a_grader_error_not_a_worker_as_root(tmp_path_factory):
    """If the worker's user cannot run the grader's Python, nothing runs as root: a grader error, explained to staff."""
    autograder = Autograder(built(tmp_path_factory, NO_USER))
    try:
        os.chmod(autograder.root / "venv", 0o700)
        os.chmod(autograder.root / "venv" / "bin", 0o700)
        autograder.submit({"backprop.py": reference_source("backprop")})
        results, stdout = autograder.run()
    finally:
        autograder.remove()
    assert results["score"] == 0 and results["output"] == gradescope.GRADER_FAILED
    assert "PermissionError: the worker runs as uid 65534, which cannot enter" in stdout


# -- setup.sh, with the network played by stand-ins -------------------------------------------

FAKE_PYTHON = """#!/bin/bash
echo "$(basename "$0") $*" >> "$SETUP_LOG"
case "$1" in
    -c) exit "$PYTHON_TOO_OLD" ;;
    -m) mkdir -p "$3/bin"; printf '#!/bin/bash\\necho "venv python $*" >> "$SETUP_LOG"\\n' > "$3/bin/python"; chmod +x "$3/bin/python" ;;
esac
"""


@ROOT_ONLY
@pytest.mark.parametrize("too_old, python", [(0, "python3"), (1, "python3.11")])
def test_setup_installs_pinned_numpy_in_a_venv_creates_the_user_and_locks_the_source(tmp_path_factory, too_old, python):
    """setup.sh (apt-get, useradd and Python played by stand-ins that log their calls): Python >= 3.11, a venv
    with the pinned numpy, the source compiled, the configured user, the source private to root and the venv open to all."""
    zip_path = built(tmp_path_factory, '[autograder]\nworker_user = "course-worker"\n')
    folder = tmp_path_factory.mktemp("setup")
    fakes, root, log = folder / "bin", folder / "autograder", folder / "log"
    fakes.mkdir()
    for name, text in {"apt-get": 'echo "apt-get $*" >> "$SETUP_LOG"\n', "useradd": 'echo "useradd $*" >> "$SETUP_LOG"\n',
                       "id": "exit 1\n", "python3": FAKE_PYTHON, "python3.11": FAKE_PYTHON}.items():
        (fakes / name).write_text(text if text.startswith("#!") else "#!/bin/bash\n" + text)
        os.chmod(fakes / name, 0o755)
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root / "source")
    finished = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PATH": f"{fakes}:{os.environ['PATH']}", "SETUP_LOG": str(log),
                                   "PYTHON_TOO_OLD": str(too_old), "DLGRADE_AUTOGRADER_ROOT": str(root)})
    assert finished.returncode == 0, finished.stderr
    calls = log.read_text().splitlines()
    assert (calls[1:3] == ["apt-get update", "apt-get install -y python3.11 python3.11-venv"]) == bool(too_old)
    assert f"{python} -m venv {root / 'venv'}" in calls
    assert f"venv python -m pip install --no-cache-dir --only-binary=:all: -r {root / 'source' / 'requirements.txt'}" in calls
    assert f"venv python -m compileall -q {root / 'source'}" in calls  # by the venv's Python, whose bytecode run_autograder reads
    assert calls[-1] == "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin course-worker"
    assert (root / "source" / "requirements.txt").read_text() == "numpy==2.4.6\n"
    assert all(path.stat().st_mode & 0o077 == 0 for path in (root / "source").rglob("*"))
    assert (root / "venv" / "bin" / "python").stat().st_mode & 0o005 == 0o005
