"""The `dlgrade grade` command, run as a user runs it: in a subprocess, by module and by name.

Exit status 0 whenever grading happened (whatever the score), 2 with one error line on a
usage error; --json writes Gradescope's results.json; --seed makes hidden inputs reproducible.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.suites import SUITES
from autograder.suites.backprop import SUITE

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "assignments"
TEST_FIELDS = {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
FULL = f"{SUITE.max_score:g}"  # backprop's total, as the report prints it
ALL = f"{sum(suite.max_score for suite in SUITES.values()):g}"  # every assignment's

# the reference with affine_forward forgetting the bias and sigmoid off by a constant (the
# later definitions win): their messages quote input-dependent values, which change with the
# hidden inputs' seed
WRONG = (SOLUTIONS / "backprop.py").read_text() + """


def affine_forward(x, w, b):
    return x @ w, (x, w, b)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x)) + 0.5
"""


def dlgrade(*arguments, command=None, cwd=ROOT):
    """Run the CLI (``python -m autograder.cli`` unless ``command`` is given); the finished process."""
    env = {key: value for key, value in os.environ.items() if key != "DLGRADE_SEED"}
    command = command or [sys.executable, "-m", "autograder.cli"]
    return subprocess.run([*command, *map(str, arguments)], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def results_json(tmp_path, submission, *arguments, name="results.json"):
    """Grade ``submission`` with --json; the parsed results.json."""
    path = tmp_path / "out" / name
    finished = dlgrade("grade", submission, "--json", path, *arguments)
    assert finished.returncode == 0, finished.stderr
    return json.loads(path.read_text())


def wrong_submission(tmp_path) -> Path:
    folder = tmp_path / "wrong"
    folder.mkdir()
    (folder / "backprop.py").write_text(WRONG)
    return folder


def test_reference_scores_full_marks():
    """`python -m autograder.cli grade solutions` exits 0 with full marks: "Total: N / N", N every suite's total;
    stderr holds only the one line on how the worker was confined."""
    finished = dlgrade("grade", SOLUTIONS, "--seed", 1)
    assert finished.returncode == 0, finished.stderr
    assert f"Total: {ALL} / {ALL}" in finished.stdout
    assert "hidden inputs drawn with seed 1" in finished.stdout
    assert finished.stderr.startswith("dlgrade: Isolation: student code ran confined (Landlock ABI")
    assert finished.stderr.count("\n") == 1


def test_the_worker_is_forked_by_a_parent_started_first_and_nothing_is_left_behind(tmp_path):
    """`dlgrade grade` starts the workers' parent before its own imports: the student's code runs
    in a child of that parent (not of the grader), confined; afterwards no process and no
    folder of the grader's is left, also after a usage error."""
    submission = tmp_path / "ada"
    submission.mkdir()
    (submission / "backprop.py").write_text((SOLUTIONS / "backprop.py").read_text() + (
        "\nimport os\nprint(f'my parent is {os.getppid()}.')\n"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    env.pop("DLGRADE_SEED", None)
    grader = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", submission, "--seed", "1"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
    out, err = grader.communicate(timeout=120)
    assert grader.returncode == 0, err
    assert "Total: 60 / 60" in out and "ran confined (Landlock" in err
    assert "my parent is " in out and f"my parent is {grader.pid}." not in out  # what the student printed
    missing = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", tmp_path / "absent"], capture_output=True,
                             text=True, env=env, timeout=120)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert list(temporary.iterdir()) == []


def test_installed_command_grades(tmp_path):
    """The installed `dlgrade` command works from any folder: the reference scores full marks."""
    executable = shutil.which("dlgrade")
    assert executable is not None, "dlgrade is not on PATH: pip install -e ."
    finished = dlgrade("grade", SOLUTIONS, "--seed", 1, "-a", "backprop", command=[executable], cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert f"Total: {FULL} / {FULL}" in finished.stdout


def test_stubs_score_zero_and_exit_zero():
    """The unimplemented stubs are graded (exit 0) and score 0, saying what is not implemented."""
    finished = dlgrade("grade", STUBS)
    assert finished.returncode == 0, finished.stderr
    assert f"Total: 0 / {ALL}" in finished.stdout
    text = " ".join(finished.stdout.split())  # the table wraps long messages
    assert "affine_forward is not implemented yet: it raises NotImplementedError('affine_forward: not implemented yet (task 1.1)')." in text


def test_json_follows_gradescope_schema(tmp_path):
    """--json: valid JSON, the documented test fields, hidden cases after_due_date, score = sum of tests."""
    results = results_json(tmp_path, wrong_submission(tmp_path), "--seed", 3, "-a", "backprop")
    tests = results["tests"]
    assert [test["name"] for test in tests] == [f"backprop: {case.name}" for case in SUITE.cases]
    for test, case in zip(tests, SUITE.cases):
        assert set(test) == TEST_FIELDS
        assert test["visibility"] == {"visible": "visible", "hidden": "after_due_date"}[case.visibility]
        assert test["max_score"] == case.points
        assert test["score"] in (0, case.points)
        assert test["status"] == ("passed" if test["score"] == case.points else "failed")
        assert test["tags"] == ["backprop"]
        assert isinstance(test["output"], str) and test["output"]
    assert [test["number"] for test in tests] == [str(n) for n in range(1, len(tests) + 1)]
    assert results["score"] == sum(test["score"] for test in tests)
    assert 0 < results["score"] < SUITE.max_score
    assert results["tests"][0]["output"].startswith("out is wrong in ")


def test_json_for_the_reference_has_full_score(tmp_path):
    """--json for the reference: full marks and every test passed."""
    results = results_json(tmp_path, SOLUTIONS, "--seed", 1, "-a", "backprop")
    assert results["score"] == SUITE.max_score
    assert {test["status"] for test in results["tests"]} == {"passed"}


def test_zip_submission_is_graded(tmp_path):
    """A .zip holding backprop.py in a nested folder is graded like the folder."""
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(SOLUTIONS / "backprop.py", "my work/hw1/backprop.py")
    finished = dlgrade("grade", archive, "--seed", 1, "-a", "backprop")
    assert finished.returncode == 0, finished.stderr
    assert f"Total: {FULL} / {FULL}" in finished.stdout
    assert f"backprop.py  (my work/hw1/backprop.py): {FULL} / {FULL}" in finished.stdout


def test_seed_makes_hidden_inputs_reproducible(tmp_path):
    """The same --seed gives the same results; another seed changes some hidden case's message."""
    submission = wrong_submission(tmp_path)
    first = results_json(tmp_path, submission, "--seed", 5, name="first.json")["tests"]
    again = results_json(tmp_path, submission, "--seed", 5, name="again.json")["tests"]
    other = results_json(tmp_path, submission, "--seed", 6, name="other.json")["tests"]
    assert first == again
    visible = [(a, b) for a, b in zip(first, other) if a["visibility"] == "visible"]
    hidden = [(a, b) for a, b in zip(first, other) if a["visibility"] == "after_due_date"]
    assert all(a == b for a, b in visible)
    assert any(a["output"] != b["output"] for a, b in hidden)


def assert_usage_error(finished, message):
    """Exit 2, nothing graded, and exactly one error line on stderr, holding ``message``."""
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert "Traceback" not in finished.stderr
    errors = [line for line in finished.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, finished.stderr
    assert errors[0].startswith("dlgrade")
    assert message in errors[0]


def test_missing_path_is_a_usage_error(tmp_path):
    """A path that does not exist: exit 2 with a single line naming it."""
    missing = tmp_path / "nowhere"
    finished = dlgrade("grade", missing)
    assert_usage_error(finished, f"{missing} does not exist")
    assert finished.stderr == f"dlgrade: error: {missing} does not exist\n"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--assignment", "nope"], f"unknown assignment 'nope' (known: {', '.join(SUITES)})"),
        (["--seed", "-1"], "the seed must be a non-negative integer, not -1"),
        (["--seed", "x"], "the seed must be a non-negative integer, not 'x'"),
    ],
)
def test_bad_option_is_a_usage_error(arguments, message):
    """An unknown --assignment, or a negative or non-integer --seed: exit 2 with the reason."""
    assert_usage_error(dlgrade("grade", SOLUTIONS, *arguments), message)


def test_no_subcommand_is_a_usage_error():
    """`dlgrade` alone: exit 2, asking for a command."""
    assert_usage_error(dlgrade(), "the following arguments are required: COMMAND")


def test_unwritable_json_path_is_a_usage_error(tmp_path):
    """--json into a path that cannot be written exits 2 with one line, no traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    finished = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(ROOT / "solutions"), "--json", str(blocker / "results.json")], capture_output=True, text=True)
    assert finished.returncode == 2
    assert finished.stderr.startswith("dlgrade: error: cannot write") and finished.stderr.count("\n") == 1


def test_without_assignment_only_the_files_present_are_graded(tmp_path):
    """No --assignment: the assignments whose files are there are graded, and nothing is said of the others."""
    folder = tmp_path / "hw1"
    folder.mkdir()
    shutil.copy(SOLUTIONS / "backprop.py", folder)
    finished = dlgrade("grade", folder, "--seed", 1)
    assert f"Total: {FULL} / {FULL}" in finished.stdout
    assert not [name for name in SUITES if name != "backprop" and f"{name}.py" in finished.stdout]


def test_a_near_miss_is_graded_as_missing_with_its_rename(tmp_path):
    """No --assignment and 'Backprop (1).py': backprop scores 0 with the rename to make; no other assignment is reported."""
    (tmp_path / "hw").mkdir()
    shutil.copy(SOLUTIONS / "backprop.py", tmp_path / "hw" / "Backprop (1).py")
    finished = dlgrade("grade", tmp_path / "hw", "--seed", 1)
    text = " ".join(finished.stdout.split())
    assert f"backprop.py: 0 / {FULL}" in text and "Found 'Backprop (1).py': rename it to backprop.py and submit again." in text
    assert f"Total: 0 / {FULL}" in text and "conv.py" not in text


def test_a_submission_with_no_file_says_what_was_expected(tmp_path):
    """A folder holding none of the files: nothing graded, one paragraph naming the files expected."""
    folder = tmp_path / "empty"
    folder.mkdir()
    finished = dlgrade("grade", folder, "--seed", 1)
    assert finished.returncode == 0
    text = " ".join(finished.stdout.split())
    expected = ", ".join(f"{name}.py" for name in SUITES)
    assert text.startswith(f"No assignment file in your submission (expected one of: {expected}; a notebook <name>.ipynb counts too).")
    assert "Total: 0 / 0" in text


def nested(depth: int, files: dict) -> bytes:
    """A zip holding a zip ... ``depth`` zips in all, the innermost holding ``files``."""
    blob, inner = None, files
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            for name, data in inner.items():
                bundle.writestr(name, data)
        blob, inner = buffer.getvalue(), {f"level{level}.zip": buffer.getvalue()}
    return blob


@pytest.mark.parametrize("where", ["zip", "folder"])
def test_a_zip_nested_too_deep_is_named_not_called_missing(tmp_path, where):
    """backprop.py inside four zips: the message names the zip left unpacked and what to do, not just "no file"."""
    archive = nested(4, {"backprop.py": (SOLUTIONS / "backprop.py").read_text()})
    submission = tmp_path / "deep.zip" if where == "zip" else tmp_path / "hw"
    if where == "folder":
        submission.mkdir()
        (submission / "deep.zip").write_bytes(archive)
    else:
        submission.write_bytes(archive)
    text = " ".join(dlgrade("grade", submission, "-a", "backprop", "--seed", 1).stdout.split())
    assert "level0.zip is a zip inside 3 zips, deeper than the grader unpacks: put your files in one zip." in text
    assert "Found " in text


def test_a_zip_inside_a_folder_is_unpacked(tmp_path):
    """A folder holding hw.zip holding backprop.py: graded in full (the folder's zips are unpacked like a zip's)."""
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "hw.zip").write_bytes(nested(1, {"backprop.py": (SOLUTIONS / "backprop.py").read_text()}))
    finished = dlgrade("grade", tmp_path / "hw", "--seed", 1)
    assert f"Total: {FULL} / {FULL}" in finished.stdout
    assert (tmp_path / "hw" / "hw.zip").exists() and not (tmp_path / "hw" / "hw_unzipped").exists()  # the copy was unpacked


def test_a_corrupt_zip_in_a_folder_is_named(tmp_path):
    """A folder holding a corrupt hw.zip and no backprop.py: the message says the zip is unreadable."""
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "hw.zip").write_bytes(b"PK\x03\x04 not really a zip" * 4)
    text = " ".join(dlgrade("grade", tmp_path / "hw", "--seed", 1).stdout.split())
    assert text.startswith("No assignment file in your submission")
    assert "Found hw.zip is not a readable zip file: make the zip again." in text


# -- the terminal -----------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def two_assignments(tmp_path) -> Path:
    """A folder with the references of backprop and dropout, and a wrong sigmoid."""
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "backprop.py").write_text(WRONG)
    shutil.copy(SOLUTIONS / "dropout.py", folder)
    return folder


def in_a_terminal(arguments: list, columns: int, **environment) -> str:
    """What `dlgrade` prints on a terminal ``columns`` wide (a pseudo-terminal), escapes included."""
    import pty

    leader, follower = pty.openpty()
    env = {**{k: v for k, v in os.environ.items() if k not in ("DLGRADE_SEED", "NO_COLOR")}, "COLUMNS": str(columns), "TERM": "xterm-256color", **environment}
    process = subprocess.Popen([sys.executable, "-m", "autograder.cli", *map(str, arguments)], stdin=follower, stdout=follower,
                               stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_report_ends_with_a_summary_per_assignment_and_stays_plain_in_a_pipe(tmp_path):
    """Piped: no colour codes, no line over 100 columns, and a summary line per assignment before the total."""
    finished = dlgrade("grade", two_assignments(tmp_path), "--seed", 1)
    lines = finished.stdout.splitlines()
    assert not ANSI.search(finished.stdout) and max(map(len, lines)) <= 100
    summary = lines[lines.index("Summary:") + 1:]
    assert re.fullmatch(r"  backprop\.py +\d+ / 60 +\d+ of \d+ cases passed", summary[0])
    assert re.fullmatch(r"  dropout\.py +20 / 20 +16 of 16 cases passed", summary[1])
    assert summary[2] == "" and summary[3].startswith("Total: ")


def test_on_a_terminal_the_report_is_coloured_and_wrapped_to_its_width(tmp_path):
    """On a terminal 72 columns wide: FAIL in red, ok in green, every line within 72 columns; NO_COLOR turns the colours off."""
    text = in_a_terminal(["grade", two_assignments(tmp_path), "--seed", 1], 72)
    assert "\x1b[1;31mFAIL" in text and "\x1b[32mok " in text
    plain = ANSI.sub("", text)
    assert "Summary:" in plain and max(len(line) for line in plain.splitlines()) <= 72
    uncoloured = in_a_terminal(["grade", tmp_path / "two", "--seed", 1], 72, NO_COLOR="1")  # bold stays: NO_COLOR is about colour
    assert "FAIL" in uncoloured and not re.search(r"\x1b\[[0-9;]*3[0-7]m", uncoloured)


def test_version():
    """`dlgrade --version` prints the installed version."""
    from importlib.metadata import version

    finished = dlgrade("--version")
    assert finished.returncode == 0 and finished.stdout == f"dlgrade {version('dlgrade')}\n"


@pytest.mark.parametrize("command", [[], ["grade"], ["release"], ["gradescope"], ["gradescope", "build"], ["gradescope", "try"],
                                     ["gradescope", "run"], ["nbgrader"], ["nbgrader", "export"]], ids=" ".join)
def test_every_help_has_examples(command):
    """Each command's --help ends with examples of it that start with `dlgrade <command>`."""
    finished = dlgrade(*command, "--help")
    assert finished.returncode == 0
    examples = finished.stdout.split("examples:\n")[1].splitlines()
    assert examples and all(line.startswith("  dlgrade " + " ".join(command[:1])) for line in examples)
