"""Class-grading throughput: a generated class graded with one and with two jobs, in one run.

Generates ``--students`` submissions (default 200) holding every assignment: mostly the
reference, some stubs, some with one backprop mistake. Grades the class with
``dlgrade grade DIR --class`` (``autograder.batch.grade_class``) at ``--jobs 1`` and at
``--jobs 2`` (``--force``, so nothing is reused), and prints submissions per second, the
speed-up, and the grader's overhead per submission beyond the student code's own run time.

With ``--nbgrader``, the same class is also graded as notebooks by ``nbgrader autograde``
(the course written by ``dlgrade nbgrader export``), and the throughput ratio is printed.

    python benchmarks/grade_class.py [--students 200] [--assignments backprop conv ...] [--nbgrader]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.batch import grade_class
from autograder.roster import roster
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = (  # backprop mistakes, each a (text, replacement) in the reference
    ("np.where(x > 0,", "np.where(x >= 0,"),
    ("return dout @ w.T, x.T @ dout, dout.sum(axis=0)", "return dout @ w.T, x.T @ dout, dout.mean(axis=0)"),
)


def source(assignment: str, number: int) -> str:
    """Student ``number``'s file for ``assignment``: every 10th the stub, some backprop mistakes, else the reference."""
    if number % 10 == 9:
        return (ROOT / "assignments" / f"{assignment}.py").read_text()
    text = (ROOT / "solutions" / f"{assignment}.py").read_text()
    if assignment == "backprop" and number % 10 < len(MISTAKES):
        old, new = MISTAKES[number % 10]
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def make_class(folder: Path, students: int, assignments: list[str]) -> None:
    for number in range(students):
        student = folder / f"student{number:04d}"
        student.mkdir(parents=True)
        for assignment in assignments:
            (student / f"{assignment}.py").write_text(source(assignment, number))


def dlgrade_run(folder: Path, out: Path, jobs: int, assignments: list[str]) -> tuple[float, float]:
    """(wall seconds, total seconds inside student calls) of grading the class."""
    submissions = roster(folder)
    start = time.perf_counter()
    graded = grade_class(submissions, out, jobs=jobs, force=True, assignments=assignments, secret=1)
    wall = time.perf_counter() - start
    return wall, sum(entry.result.student_seconds for entry in graded)


def nbgrader_run(folder: Path, work: Path, assignments: list[str]) -> float:
    """Wall seconds of ``nbgrader autograde`` on the class, its files turned into notebooks."""
    from autograder.nbgrader_export import export, student_notebook

    course = work / "course"
    export(course, assignments)
    for assignment in assignments:
        subprocess.run(["nbgrader", "generate_assignment", assignment, "--force"], cwd=course, check=True, capture_output=True)
    for student in sorted(folder.iterdir()):
        for assignment in assignments:
            target = course / "submitted" / student.name / assignment
            target.mkdir(parents=True, exist_ok=True)
            student_notebook(course, assignment, (student / f"{assignment}.py").read_text(), target / f"{assignment}.ipynb")
    start = time.perf_counter()
    for assignment in assignments:
        subprocess.run(["nbgrader", "autograde", assignment, "--force"], cwd=course, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--students", type=int, default=200)
    options.add_argument("--assignments", nargs="+", default=list(SUITES), choices=list(SUITES))
    options.add_argument("--nbgrader", action="store_true", help="also time nbgrader autograde on the same class")
    arguments = options.parse_args()
    print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{arguments.students} students x {', '.join(arguments.assignments)}")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        make_class(work / "class", arguments.students, arguments.assignments)
        rates = {}
        for jobs in (1, 2):
            wall, student = dlgrade_run(work / "class", work / f"out{jobs}", jobs, arguments.assignments)
            rates[jobs] = arguments.students / wall
            overhead = (wall * jobs - student) / arguments.students
            print(f"dlgrade --jobs {jobs}: {wall:7.1f} s  {rates[jobs]:6.2f} submissions/s  "
                  f"student code {student / arguments.students * 1000:6.0f} ms/submission, grader overhead {overhead * 1000:6.0f} ms/submission (per core)")
        print(f"speed-up with 2 jobs: {rates[2] / rates[1]:.2f}x")
        if arguments.nbgrader:
            wall = nbgrader_run(work / "class", work, arguments.assignments)
            rate = arguments.students / wall
            print(f"nbgrader autograde: {wall:7.1f} s  {rate:6.2f} submissions/s")
            print(f"dlgrade --jobs 2 / nbgrader: {rates[2] / rate:.1f}x the throughput; --jobs 1 / nbgrader: {rates[1] / rate:.1f}x")


if __name__ == "__main__":
    main()
