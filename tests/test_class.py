"""Grading a whole class: rosters, parallel grading, resumption, grades.csv, feedback, summary.

The generated class mixes the reference, the stubs, one-mistake mutations whose lost points
do not depend on the hidden inputs, and submissions the grader cannot read; every student's
expected total is known in advance. Only backprop is graded, to keep the tests fast.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.batch import _load, _plain, _store, course_secret, file_name, result_to_dict, student_seed
from autograder.cli import main
from autograder.grade import grade
from autograder.roster import roster
from autograder.suites import SUITES
from submissions import REFERENCE, ROOT, replaced, stub_source, swap

pytestmark = pytest.mark.classgrade

FULL = 60
DB_MEAN = replaced('''
def affine_backward(dout, cache):
    x, w, _ = cache
    return dout @ w.T, x.T @ dout, dout.mean(axis=0)
''')  # loses "affine_backward: db" and "affine_backward, random shapes: db": 2 points
# loses both relu_backward value cases (2 points) and so the point of "relu_backward leaves dout unchanged" (withheld)
RELU_KINK = swap(REFERENCE, "np.where(x > 0,", "np.where(x >= 0,")
NO_SIGMOID = swap(REFERENCE, "def sigmoid(", "def sigmoid_(")  # sigmoid cases (4) and logistic regression (8): 12 points

KINDS = [  # (kind, how to write it, expected backprop score)
    ("reference", lambda path: _folder(path, REFERENCE), FULL),
    ("stubs", lambda path: _folder(path, stub_source("backprop")), 0),
    ("db-mean", lambda path: _folder(path, DB_MEAN), FULL - 2),
    ("relu-kink", lambda path: _folder(path, RELU_KINK), FULL - 3),
    ("no-sigmoid", lambda path: _zip(path, NO_SIGMOID), FULL - 12),
    ("syntax-error", lambda path: _folder(path, "def affine_forward(x, w, b)\n    return x\n"), 0),
    ("not-a-zip", lambda path: path.with_suffix(".zip").write_bytes(b"this is not a zip"), 0),
    ("nothing", lambda path: path.mkdir(), 0),
]


def _folder(path: Path, source: str) -> None:
    (path / "hw").mkdir(parents=True)
    (path / "hw" / "backprop.py").write_text(source)


def _zip(path: Path, source: str) -> None:
    with zipfile.ZipFile(path.with_suffix(".zip"), "w") as archive:
        archive.writestr("submission/backprop.py", source)


def make_class(folder: Path, size: int) -> dict:
    """``size`` students cycling through KINDS; returns student id -> expected total."""
    folder.mkdir(parents=True)
    expected = {}
    for number in range(size):
        kind, write, score = KINDS[number % len(KINDS)]
        student = f"s{number:03d}-{kind}"
        write(folder / student)
        expected[student] = score
    return expected


def status_of(argv: list) -> int:
    """The exit status of ``dlgrade argv``, whether main returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of 32 graded with two jobs: (submissions folder, output folder, expected totals, exit status, stderr)."""
    root = tmp_path_factory.mktemp("class")
    expected = make_class(root / "submissions", 32)
    stderr = io.StringIO()
    real, sys.stderr = sys.stderr, stderr
    try:
        status = main(["grade", str(root / "submissions"), "--class", "-a", "backprop", "--jobs", "2", "--seed", "7"])
    finally:
        sys.stderr = real
    return root / "submissions", root / "grading", expected, status, stderr.getvalue()


def test_every_student_gets_the_expected_total(graded_class):
    """grades.csv has one row per student, sorted, with the total their submission deserves."""
    _, out, expected, status, _ = graded_class
    assert status == 0
    rows = read_csv(out / "grades.csv")
    assert list(rows[0]) == ["student", "backprop", "total"]
    assert [row["student"] for row in rows] == sorted(expected)
    assert {row["student"]: float(row["total"]) for row in rows} == expected
    assert all(row["backprop"] == row["total"] for row in rows)


def test_each_student_gets_a_feedback_file_with_their_table(graded_class):
    """feedback/<student>.txt is the table the student would see, naming their mistakes."""
    _, out, expected, _, _ = graded_class
    assert sorted(path.stem for path in (out / "feedback").iterdir()) == sorted(expected)
    text = (out / "feedback" / "s002-db-mean.txt").read_text()
    assert "FAIL affine_backward: db" in text and "Total: 58 / 60" in text
    assert "is not a readable zip file" in (out / "feedback" / "s006-not-a-zip.txt").read_text()
    assert "could not be imported" in (out / "feedback" / "s005-syntax-error.txt").read_text()


def test_the_staff_summary_names_what_the_class_missed(graded_class):
    """summary.md has the distribution, the most failed cases with a message, and misconception counts."""
    _, out, _, _, _ = graded_class
    text = (out / "summary.md").read_text()
    assert "# Class summary: 32 students" in text
    assert "| backprop | 60 |" in text
    assert "| backprop | bias gradient averaged | 4 |" in text
    assert "| backprop | relu gradient at 0 | 4 |" in text
    assert "| 20 of 32 | backprop: affine_backward: db; backprop: affine_backward, random shapes: db |" in text  # all but the reference, relu-kink and no-sigmoid students
    assert "report.html" in text.splitlines()[2]
    assert "Class report: 32 students" in (out / "report.html").read_text()


def test_the_histogram_is_a_png_of_the_scores(graded_class):
    """scores.png is a real PNG image."""
    import matplotlib.image

    _, out, _, _, _ = graded_class
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(out / "scores.png").ndim == 3


def test_a_progress_bar_is_shown(graded_class):
    """Progress goes to stderr, ending at the full count."""
    *_, stderr = graded_class
    assert "32/32 submissions" in stderr


def test_seeds_differ_across_students_and_repeat_for_a_regrade(graded_class):
    """Each student's hidden inputs come from the course secret and their id: reproducible, and distinct."""
    _, out, expected, _, _ = graded_class
    seeds = {student: (out / "feedback" / f"{student}.txt").read_text().split("seed ")[1].split(";")[0] for student in expected}
    assert len(set(seeds.values())) == len(seeds)
    assert seeds["s000-reference"] == str(student_seed(7, "s000-reference"))
    assert student_seed(7, "alice") == student_seed(7, "alice") != student_seed(8, "alice")


def test_a_second_run_grades_only_what_changed(graded_class, capsys):
    """Unchanged submissions are reused; a changed one is graded again; --force grades all."""
    submissions, out, _, _, _ = graded_class
    (submissions / "s000-reference" / "hw" / "backprop.py").write_text(DB_MEAN)
    assert main(["grade", str(submissions), "--class", "-a", "backprop", "--jobs", "1", "--seed", "7"]) == 0
    assert "Graded 1 submissions (31 unchanged" in capsys.readouterr().out
    assert {row["student"]: row["total"] for row in read_csv(out / "grades.csv")}["s000-reference"] == "58"
    (submissions / "s000-reference" / "hw" / "backprop.py").write_text(REFERENCE)
    assert main(["grade", str(submissions), "--class", "-a", "backprop", "--seed", "7", "--force"]) == 0
    assert "Graded 32 submissions (0 unchanged" in capsys.readouterr().out


def test_a_killed_run_resumes_where_it_stopped(tmp_path):
    """After SIGKILL midway, the next run reuses every finished submission and grades the rest."""
    expected = make_class(tmp_path / "submissions", 30)
    command = [sys.executable, "-m", "autograder.cli", "grade", str(tmp_path / "submissions"), "--class", "-a", "backprop", "--jobs", "1"]
    scratch = tmp_path / "scratch"  # the killed run's sandbox folders land here, not in /tmp
    scratch.mkdir()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(scratch)})
    results = tmp_path / "grading" / "results"
    deadline = time.monotonic() + 60
    while len(list(results.glob("*.json"))) < 5 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list(results.glob("*.json")))
    assert 5 <= finished < 30, "the run was not stopped midway"
    secret = course_secret(tmp_path / "grading")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"Graded {30 - finished} submissions ({finished} unchanged" in done.stdout
    assert {row["student"]: float(row["total"]) for row in read_csv(tmp_path / "grading" / "grades.csv")} == expected
    assert course_secret(tmp_path / "grading") == secret  # the kept secret: the same hidden inputs


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_at_once_and_cleans_up(tmp_path, jobs):
    """Ctrl-C (SIGINT to the command) while imports sleep for 15 s: exit 130 within a few seconds, the
    interruption said in one line, no sandbox folder or worker left behind."""
    for number in range(4):
        _folder(tmp_path / "submissions" / f"s{number}", "import time\ntime.sleep(15)\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(tmp_path / "submissions"), "--class", "-a", "backprop",
                                "--jobs", jobs], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while not list(scratch.glob("dlgrade-*/work/backprop.py")) and time.monotonic() < deadline:  # a student's import is running
        time.sleep(0.05)
    time.sleep(1)
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and time.monotonic() - start < 8
    assert "dlgrade: interrupted; finished submissions are kept in" in err
    assert list(scratch.iterdir()) == []  # every sandbox closed, its folder removed


def test_gradescope_export_layout(tmp_path):
    """A Gradescope export is read through submission_metadata.yml: every submitter of a group gets a row."""
    export = tmp_path / "export"
    _folder(export / "submission_101", REFERENCE)
    _folder(export / "submission_102", DB_MEAN)
    (export / "submission_metadata.yml").write_text(
        "submission_101:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n    :email: ada@example.edu\n"
        "  :created_at: 2026-11-20 10:00:00.000000000 -08:00\n"
        "submission_102:\n  :submitters:\n  - :name: Alan Turing\n    :email: alan@example.edu\n"
        "  - :name: Grace Hopper\n    :sid: '1906'\n    :email: ''\n"
    )
    found = roster(export)
    assert [(s.student, s.name, s.path.name) for s in found] == [
        ("1906", "Grace Hopper", "submission_102"), ("ada@example.edu", "Ada Lovelace", "submission_101"),
        ("alan@example.edu", "Alan Turing", "submission_102")]
    assert main(["grade", str(export), "--class", "-a", "backprop", "--jobs", "1", "--out", str(tmp_path / "out")]) == 0
    totals = {row["student"]: row["total"] for row in read_csv(tmp_path / "out" / "grades.csv")}
    assert totals == {"1906": "58", "ada@example.edu": "60", "alan@example.edu": "58"}


def test_output_folder_inside_the_submissions_is_not_a_student(tmp_path, capsys):
    """--out inside the submissions folder is skipped when listing students."""
    make_class(tmp_path / "subs", 2)
    assert main(["grade", str(tmp_path / "subs"), "--class", "-a", "backprop", "--out", str(tmp_path / "subs" / "grading")]) == 0
    assert [row["student"] for row in read_csv(tmp_path / "subs" / "grading" / "grades.csv")] == ["s000-reference", "s001-stubs"]


BACKPROP = ["-a", "backprop"]


@pytest.mark.parametrize("setup, args, message", [
    (lambda root: None, BACKPROP, "is not a folder of submissions"),
    (lambda root: root.mkdir(), BACKPROP, "holds no submissions"),
    (lambda root: (_folder(root / "alice", REFERENCE), _zip(root / "alice", REFERENCE)), BACKPROP, "two submissions for student 'alice'"),
    (lambda root: root.mkdir(), [*BACKPROP, "--json", "r.json"], "--json grades one submission"),
    (lambda root: root.mkdir(), [*BACKPROP, "--jobs", "0"], "--jobs must be a positive integer"),
    (lambda root: _folder(root / "alice", REFERENCE), [], f"--class grades the assignments you name: add -a NAME (repeatable; known: {', '.join(SUITES)})"),
], ids=["missing", "empty", "duplicate", "json", "jobs", "no assignment"])
def test_usage_errors_are_one_line(tmp_path, capsys, setup, args, message):
    """Bad class-mode input exits 2 with one line saying what is wrong."""
    setup(tmp_path / "subs")
    assert status_of(["grade", str(tmp_path / "subs"), "--class", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_out_that_cannot_be_written_is_one_line(tmp_path, capsys, where):
    """--out at a file (or a folder that cannot be made): one line naming it and the reason, exit 2, no traceback."""
    _folder(tmp_path / "subs" / "alice", REFERENCE)
    (tmp_path / "taken").write_text("not a folder")
    out = tmp_path / "taken" if where == "a file" else tmp_path / "taken" / "grading"
    assert status_of(["grade", str(tmp_path / "subs"), "--class", "-a", "backprop", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dlgrade: error: cannot write {out}") and err.endswith("; give a folder you can write to\n")
    assert f"{tmp_path / 'taken'}" in err and ("Not a directory" in err or "File exists" in err)
    assert err.count("\n") == 1


def test_out_without_class_is_a_usage_error(tmp_path, capsys):
    """--out and --force only make sense with --class."""
    assert status_of(["grade", str(ROOT / "solutions"), "--out", str(tmp_path)]) == 2
    assert "--out, --force and --allow-unconfined go with --class" in capsys.readouterr().err


def test_file_names_are_safe_and_unique():
    """Student ids become file names without path separators, distinct for distinct ids."""
    assert file_name("ada@example.edu") == "ada@example.edu"
    assert "/" not in file_name("../etc/passwd") and not file_name("../etc/passwd").startswith(".")
    assert file_name("a/b") != file_name("a_b")


def test_a_stored_result_reads_back_as_it_was(tmp_path):
    """A result stored (the form dataclasses.asdict gives, as JSON) reads back equal to the one graded,
    problems and all; a byte changed in the file fails its integrity check."""
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "backprop.py").write_text(DB_MEAN)
    result = grade(tmp_path / "ada", ["backprop", "conv"], seed=3)
    assert result.assignments[1].problem and result.score > 0
    assert json.dumps(result_to_dict(result), default=_plain) == json.dumps(dataclasses.asdict(result), default=_plain)
    key = b"k" * 32
    (tmp_path / "out" / "results").mkdir(parents=True)
    _store(tmp_path / "out", "ada", "print", result, key)
    assert _load(tmp_path / "out", "ada", "print", key) == (result, "")
    stored = tmp_path / "out" / "results" / f"{file_name('ada')}.json"
    text = stored.read_text()
    assert '"passed": true' in text
    stored.write_text(text.replace('"passed": true', '"passed": false', 1))
    assert _load(tmp_path / "out", "ada", "print", key)[1].endswith("failed its integrity check: regraded")
