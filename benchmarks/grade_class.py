"""Class-grading throughput: a generated class graded with one and with two jobs, in one run.

Generates ``--students`` submissions (default 200) holding every assignment: mostly the
reference, some stubs, some with one backprop mistake. Grades the class with
``dlgrade grade DIR --class`` (``autograder.batch.grade_class``) at ``--jobs 1`` and at
``--jobs 2`` (``--force``, so nothing is reused), ``--rounds`` times in turn, and prints
submissions per second, the speed-up (median over the rounds), the grader's overhead per
submission beyond the student code's own run time, and how many cores one job keeps busy
(the grader computes the reference while its worker runs the student's code): 2 jobs
cannot be faster than 2 / that.

With ``--nbgrader``, the same class is also graded as notebooks by ``nbgrader autograde``
(the course written by ``dlgrade nbgrader export``), and the throughput ratio is printed.

    python benchmarks/grade_class.py [--students 200] [--assignments backprop conv ...] [--rounds 1] [--nbgrader]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
MISTAKES = (  # backprop mistakes: (function, text in the reference, replacement)
    ("relu_backward", "np.where(x > 0,", "np.where(x >= 0,"),
    ("affine_backward", "dout.sum(axis=0)", "dout.mean(axis=0)"),
)
STUB = 9  # every 10th student hands in the stubs


def mistakes(assignment: str, number: int) -> tuple:
    """The mistakes student ``number`` makes in ``assignment``."""
    return (MISTAKES[number % 10],) if assignment == "backprop" and number % 10 < len(MISTAKES) else ()


def source(assignment: str, number: int) -> str:
    """Student ``number``'s file for ``assignment``: the stub, or the reference with their mistakes."""
    if number % 10 == STUB:
        return (ROOT / "assignments" / f"{assignment}.py").read_text()
    text = (ROOT / "solutions" / f"{assignment}.py").read_text()
    for _, old, new in mistakes(assignment, number):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def make_class(folder: Path, students: int, assignments: list[str]) -> None:
    for number in range(students):
        student = folder / f"student{number:04d}"
        student.mkdir(parents=True)
        for assignment in assignments:
            (student / f"{assignment}.py").write_text(source(assignment, number))


def cpu_seconds() -> float:
    """CPU time of this process and of its children reaped so far (theirs included, recursively)."""
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime


def dlgrade_run(folder: Path, out: Path, jobs: int, assignments: list[str]) -> tuple[float, float, float]:
    """(wall seconds, total seconds inside student calls, CPU seconds) of grading the class.

    The CPU time is complete at one job only (the grading runs here; its zygote and, through
    it, every worker are reaped): a pool's processes do not reap their zygotes."""
    submissions = roster(folder)
    cpu, start = cpu_seconds(), time.perf_counter()
    graded = grade_class(submissions, out, jobs=jobs, force=True, assignments=assignments, secret=1)
    wall = time.perf_counter() - start
    return wall, sum(entry.result.student_seconds for entry in graded), cpu_seconds() - cpu


def nbgrader_course(students: int, work: Path, assignments: list[str], seed: int = 1) -> Path:
    """The course folder ``work/course`` (``dlgrade nbgrader export``, hidden tests drawn with
    ``seed``, then ``nbgrader generate_assignment``) with the same class submitted as notebooks:
    each student's released notebook answered with the reference and their mistakes (or left
    as the stubs)."""
    import nbformat

    from autograder.nbgrader_export import answered, export

    course = work / "course"
    export(course, assignments, seed=seed)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force"], cwd=course, check=True, capture_output=True)
    for assignment in assignments:
        source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        for number in range(students):
            release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
            notebook = release if number % 10 == STUB else answered(release, source, mistakes(assignment, number))
            target = course / "submitted" / f"student{number:04d}" / assignment
            target.mkdir(parents=True)
            nbformat.write(notebook, target / f"{assignment}.ipynb")
    return course


def nbgrader_autograde(course: Path) -> float:
    """Wall seconds of ``nbgrader autograde`` of every submission in ``course`` (``--force``:
    graded again even if it was before)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "*", "--force"], cwd=course, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--students", type=int, default=200)
    options.add_argument("--assignments", nargs="+", default=list(SUITES), choices=list(SUITES))
    options.add_argument("--nbgrader", action="store_true", help="also time nbgrader autograde on the same class")
    options.add_argument("--rounds", type=int, default=1, help="grade the class this many times at each job count, in turn (medians)")
    arguments = options.parse_args()
    print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{arguments.students} students x {', '.join(arguments.assignments)}, {arguments.rounds} round(s)")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        make_class(work / "class", arguments.students, arguments.assignments)
        runs = {1: [], 2: []}
        for _ in range(arguments.rounds):
            for jobs in (1, 2):
                runs[jobs].append(dlgrade_run(work / "class", work / f"out{jobs}", jobs, arguments.assignments))
        rates = {}
        for jobs, measured in runs.items():
            wall, student, _ = (statistics.median(values) for values in zip(*measured))
            rates[jobs] = arguments.students / wall
            overhead = (wall * jobs - student) / arguments.students
            print(f"dlgrade --jobs {jobs}: {wall:7.1f} s  {rates[jobs]:6.2f} submissions/s  "
                  f"student code {student / arguments.students * 1000:6.0f} ms/submission, grader overhead {overhead * 1000:6.0f} ms/submission (per core)")
        speedups = sorted(one[0] / two[0] for one, two in zip(runs[1], runs[2]))
        busy = statistics.median(cpu / wall for wall, _, cpu in runs[1])
        print(f"speed-up with 2 jobs: {statistics.median(speedups):.2f}x (per round {', '.join(f'{x:.2f}' for x in speedups)})")
        print(f"at --jobs 1 the grader and its workers keep {busy:.2f} cores busy ({statistics.median(cpu for _, _, cpu in runs[1]) / arguments.students * 1000:.0f} ms "
              f"of CPU per submission), so 2 jobs can be at most {2 / busy:.2f}x as fast")
        if arguments.nbgrader:
            wall = nbgrader_autograde(nbgrader_course(arguments.students, work, arguments.assignments))
            rate = arguments.students / wall
            print(f"nbgrader autograde: {wall:7.1f} s  {rate:6.2f} submissions/s")
            print(f"dlgrade --jobs 2 / nbgrader: {rates[2] / rate:.1f}x the throughput; --jobs 1 / nbgrader: {rates[1] / rate:.1f}x")


if __name__ == "__main__":
    main()
