"""Peers side by side: dlgrade, nbgrader autograde and otter run grade the same class, interleaved.

Generates ``--students`` submissions of one assignment as ``benchmarks/grade_class.py`` does
(mostly the reference, every tenth the stubs, some with one backprop mistake) and grades
them ``--runs`` times; each run has every tool grade the whole class in turn, the order
rotated from run to run so that a slow spell on the shared machine hits them all alike:

- ``dlgrade grade STUDENT -a NAME --seed S --json FILE``, one process per submission;
- ``dlgrade grade CLASS --class -a NAME --jobs 1``, and ``--jobs 2`` (``--force``);
- ``nbgrader autograde`` of the class as notebooks: the course from ``dlgrade nbgrader export``
  with the hidden tests drawn from the same seed S (``grade_class.nbgrader_course``);
- ``otter run -a autograder.zip STUDENT/NAME.py``, one process per submission (otter-grader's
  non-container path; its ``otter grade`` needs Docker). The otter assignment is written from
  the same export: one test file per function, one test case per visible case of the suite,
  running the calls of nbgrader's visible test code, whose expected values the reference
  computed at export time. otter-grader is installed on first use in a venv of its own under
  ``--cache`` (it is not a dependency of dlgrade).

It prints, per tool, the median, min and max wall time of grading the class, per student, and
the ratio to ``dlgrade --class --jobs 1``; the floor, the time spent inside the student's
functions (``student_seconds`` of :func:`autograder.grade.grade` on each submission) and the
reference's (run on the same plans, once per student), and each tool's ratio to it. Then it
checks that the tools agree on each student's score where their cases agree:

- ``dlgrade grade`` one by one and ``--class`` at 1 and 2 jobs: the same score, in every run;
- nbgrader: a test cell holds all of a function's cases, visible and hidden, and scores all
  or nothing, so each cell's score is checked against "dlgrade passed every case of that
  function" (same seed, so the same hidden inputs);
- otter: the visible cases, each with its own points; checked per function against
  dlgrade's verdicts as judged, where a side case that dlgrade withholds because its
  function's main case failed counts as passed (otter has no such rule).

    python benchmarks/peers.py [--students 40] [--runs 3] [--assignment backprop] [--skip-otter]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from grade_class import make_class, nbgrader_autograde, nbgrader_course
from machine import machine

from autograder import probes
from autograder.grade import grade, reference
from autograder.plan import execute
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
DLGRADE = str(Path(sys.executable).with_name("dlgrade"))
OTTER = "otter-grader==7.0.0"
# otter runs even a .py submission in a Jupyter kernel (ipykernel); the students' code needs numpy
OTTER_PACKAGES = (OTTER, "ipykernel", "numpy")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dlgrade-benchmarks"
CASE_HEADER = re.compile(r"^# (.+) \((\d+(?:\.\d+)?) points?\)$", re.MULTILINE)  # nbgrader_export's "# {case} ({n} points)"
HIDDEN = "### BEGIN HIDDEN TESTS"
WITHHELD = "Withheld:"  # how dlgrade's message opens for a passed side case whose main case failed
TOOLS = ("dlgrade grade, one by one", "dlgrade --class --jobs 1", "dlgrade --class --jobs 2", "nbgrader autograde", "otter run, one by one")
BASELINE = "dlgrade --class --jobs 1"
OTTER_TIMEOUT, OTTER_TRIES = 120, 3  # seconds for one otter run (it takes under 30 on a busy machine), attempts

OTTER_TEST = '''"""otter tests of {function}: the visible cases of dlgrade's {assignment} suite, from its
nbgrader export (written by benchmarks/peers.py)."""
import os
import sys

from otter.test_files import test_case

OK_FORMAT = False
name = {function!r}
HELPERS = {helpers!r}  # the exported notebook's imports and test helpers


def namespace(env):
    """The student's globals and the test code's helpers (the judging code and probes: support files)."""
    support = os.path.abspath("dlgrade_support")  # otter grades in the submission's folder
    if support not in sys.path:
        sys.path.insert(0, support)
    space = dict(env)
    exec(HELPERS, space)
    return space
'''
OTTER_CASE = '''

@test_case(name={name!r}, points={points!r})
def test_{index}(env):
    exec({code!r}, namespace(env))
'''


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run`` with the output captured; ``SystemExit`` with its stderr on failure."""
    done = subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise SystemExit(f"{shlex.join(map(str, command))} failed ({done.returncode}):\n{(done.stderr or done.stdout)[-3000:]}")
    return done


# -- the test code of the nbgrader export, shared by nbgrader and otter -----------------------

def exported_tests(notebook: nbformat.NotebookNode) -> dict:
    """{function: [(case name, points, code, visible)]} from the test cells of an exported
    source notebook, whose cases open with ``# <case> (<n> points)``."""
    tests = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        visible_part = cell.source.split(HIDDEN)[0]
        heads = list(CASE_HEADER.finditer(cell.source))
        ends = [head.start() for head in heads[1:]] + [len(cell.source)]
        tests[meta["grade_id"].removeprefix("test_")] = [
            (head.group(1), float(head.group(2)), cell.source[head.start():end].split(HIDDEN)[0].strip(), head.start() < len(visible_part))
            for head, end in zip(heads, ends)]
    return tests


def helpers(notebook: nbformat.NotebookNode) -> str:
    """The code the test cells rely on: the notebook's imports cell and its test helpers."""
    cells = {cell.metadata.nbgrader.grade_id: cell.source for cell in notebook.cells if "nbgrader" in cell.metadata}
    return f"{cells['imports']}\n\n{cells['test_helpers']}"


# -- otter ------------------------------------------------------------------------------------

def otter_command(cache: Path) -> tuple[list[str] | None, str]:
    """(the ``otter`` command, "") from the benchmark's own venv, installing it there on first
    use; (None, why) when it cannot be installed."""
    venv = cache / OTTER.replace("==", "-")
    otter = venv / "bin" / "otter"
    if not otter.exists():
        print(f"installing {', '.join(OTTER_PACKAGES)} into {venv} (once) ...", flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        steps = ([sys.executable, "-m", "venv", str(venv)], [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *OTTER_PACKAGES])
        for step in steps:
            done = subprocess.run(step, check=False, capture_output=True, text=True)
            if done.returncode:
                shutil.rmtree(venv, ignore_errors=True)
                lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip() and "WARNING" not in line]
                return None, f"`{shlex.join(step)}` failed: {lines[-1] if lines else done.returncode}"
    return [str(otter)], ""


def otter_assignment(course: Path, assignment: str, folder: Path, otter: list[str]) -> Path:
    """Write the otter assignment to ``folder`` (a test file per function that has visible
    cases) and build its ``autograder.zip`` with ``otter generate``; returns the zip."""
    source = course / "source" / assignment
    notebook = nbformat.read(source / f"{assignment}.ipynb", as_version=4)
    code = helpers(notebook)
    tests = folder / "tests"
    support = folder / "dlgrade_support"  # a folder: otter refuses a submission folder holding several .py files
    for path in (tests, support):
        path.mkdir(parents=True)
    for path in source.iterdir():  # what the export puts beside the notebook: probes.py, engine/ (the judging code)
        if path.is_dir():
            shutil.copytree(path, support / path.name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.suffix == ".py":
            shutil.copyfile(path, support / path.name)
    for function, cases in exported_tests(notebook).items():
        visible = [(name, points, body) for name, points, body, shown in cases if shown]
        if not visible:
            continue
        text = OTTER_TEST.format(function=function, assignment=assignment, helpers=code)
        text += "".join(OTTER_CASE.format(name=name, points=points, index=index, code=body) for index, (name, points, body) in enumerate(visible))
        (tests / f"{function}.py").write_text(text)
    zipped = folder / "autograder.zip"
    run([*otter, "generate", "-t", "tests", "-o", str(zipped), "--no-config", "--no-requirements", "--no-environment", "dlgrade_support"], cwd=folder)
    return zipped


# -- one tool grading the class ---------------------------------------------------------------

def timed(function, *args) -> float:
    """Wall seconds of ``function(*args)``."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def dlgrade_each(students: list[Path], assignment: str, seed: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for student in students:
        run([DLGRADE, "grade", str(student), "-a", assignment, "--seed", str(seed), "--json", str(out / f"{student.name}.json")])


def dlgrade_class(folder: Path, assignment: str, seed: int, jobs: int, out: Path) -> None:
    run([DLGRADE, "grade", str(folder), "--class", "-a", assignment, "--jobs", str(jobs), "--seed", str(seed), "--out", str(out), "--force"])


def otter_each(students: list[Path], assignment: str, zipped: Path, out: Path, otter: list[str]) -> tuple[float, int]:
    """``otter run`` of each submission: (seconds, attempts that hung). Now and then otter's
    Jupyter kernel dies and otter waits for it forever; such an attempt is stopped after
    ``OTTER_TIMEOUT``, left out of the seconds and run again (``SystemExit`` after ``OTTER_TRIES``)."""
    seconds, hung = 0.0, 0
    for student in students:
        target = out / student.name
        target.mkdir(parents=True, exist_ok=True)
        command = [*otter, "run", "-a", str(zipped), "--no-logo", "-o", str(target), str(student / f"{assignment}.py")]
        for _ in range(OTTER_TRIES):
            with open(target / "otter.log", "w") as log:
                start = time.perf_counter()
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                try:
                    code = process.wait(OTTER_TIMEOUT)
                except subprocess.TimeoutExpired:
                    stop(process)
                    hung += 1
                    continue
            if code:
                raise SystemExit(f"{shlex.join(command)} failed ({code}):\n{(target / 'otter.log').read_text()[-3000:]}")
            seconds += time.perf_counter() - start
            break
        else:
            raise SystemExit(f"otter run hung {OTTER_TRIES} times on {student.name}")
    return seconds, hung


def stop(process: subprocess.Popen) -> None:
    """Kill a hung ``otter run`` and the kernels it started (in sessions of their own)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for pid in (children.read_text().split() if children.exists() else []):
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.kill()
    process.wait()


def floor(students: list[Path], assignment: str, seed: int) -> tuple[float, float]:
    """(seconds inside the student's functions, inside the reference's) for grading the class:
    ``student_seconds`` of :func:`grade` per submission, and the reference run on the plans of
    every case that needs it, once per student."""
    module, student_seconds, reference_seconds = reference(assignment), 0.0, 0.0
    for student in students:
        student_seconds += grade(student, [assignment], seed=seed).student_seconds
        for case in SUITES[assignment].cases:
            if case.judge.needs_reference:
                reference_seconds += execute(case.build(case.rng(seed)), module, probes)[1]
    return student_seconds, reference_seconds


# -- the scores each tool gave ----------------------------------------------------------------

def dlgrade_cases(out: Path, assignment: str) -> dict:
    """{student: {case: (score, max score, message)}} from the ``--json`` files in ``out``."""
    cases = {}
    for path in sorted(out.glob("*.json")):
        tests = json.loads(path.read_text())["tests"]
        cases[path.stem] = {test["name"].removeprefix(f"{assignment}: "): (test["score"], test["max_score"], test.get("output", "")) for test in tests}
    return cases


def case_scores(cases: dict) -> dict:
    """{student: {case: score}} of :func:`dlgrade_cases`, the messages left out."""
    return {student: {case: score for case, (score, _, _) in got.items()} for student, got in cases.items()}


def class_scores(out: Path, assignment: str) -> dict:
    """{student: score} from ``grades.csv`` of a ``--class`` run."""
    with open(out / "grades.csv", newline="") as grades:
        return {row["student"]: float(row[assignment]) for row in csv.DictReader(grades)}


def nbgrader_scores(course: Path, assignment: str, students: list[str]) -> dict:
    """{student: {function: score of its test cell}} from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {student: {grade.name.removeprefix("test_"): grade.score
                          for grade in gradebook.find_submission_notebook(assignment, assignment, student).grades}
                for student in students}


def otter_scores(out: Path) -> dict:
    """{student: {function: score}} from otter's ``results.json`` per student (its summary entry,
    "Public Tests", has no score)."""
    return {folder.name: {test["name"]: test["score"] for test in json.loads((folder / "results.json").read_text())["tests"] if test.get("score") is not None}
            for folder in sorted(out.iterdir())}


# -- agreement --------------------------------------------------------------------------------

def agreement(students: list[str], cases: dict, by_class: list[dict], exported: dict, nbgrader: dict | None, otter: dict | None) -> list[str]:
    """Lines saying where the tools agree on each student's score and where not, and why."""
    total = {student: sum(score for score, _, _ in cases[student].values()) for student in students}
    maximum = sum(top for _, top, _ in next(iter(cases.values())).values())
    lines = []
    same = [student for student in students if all(scores[student] == total[student] for scores in by_class)]
    lines.append(f"dlgrade grade one by one = --class --jobs 1 = --jobs 2 (total, every run): {len(same)} of {len(students)} students")
    lines += [f"  differs: {student}: one by one {total[student]:g}, --class {[scores[student] for scores in by_class]}" for student in students if student not in same]
    if nbgrader is not None:
        cells = {student: {function: sum(points for _, points, _, _ in tests) * all(cases[student][name][0] == cases[student][name][1] for name, _, _, _ in tests)
                           for function, tests in exported.items()} for student in students}
        agree = [student for student in students if cells[student] == nbgrader[student]]
        lines.append(f"nbgrader vs dlgrade, per test cell (all of a function's cases, all or nothing): {len(agree)} of {len(students)} students agree")
        lines += [f"  differs: {student}: cell {function}: nbgrader {nbgrader[student].get(function)}, dlgrade's cases {cells[student][function]:g}"
                  for student in students if student not in agree for function in exported if cells[student][function] != nbgrader[student].get(function)]
        totals = [student for student in students if sum(nbgrader[student].values()) == total[student]]
        lines.append(f"  the totals as each tool scores them (nbgrader's cells vs dlgrade's cases, of {maximum:g}): equal for {len(totals)} of {len(students)}")
        lines += [f"    {student}: nbgrader {sum(nbgrader[student].values()):g}, dlgrade {total[student]:g}: a failed case costs nbgrader its whole cell"
                  for student in students if student not in totals]
    if otter is not None:
        visible = {function: [name for name, _, _, shown in tests if shown] for function, tests in exported.items()}
        visible = {function: names for function, names in visible.items() if names}

        def judged(student, names, as_judged):
            return sum(cases[student][name][1] for name in names
                       if cases[student][name][0] == cases[student][name][1] or (as_judged and cases[student][name][2].startswith(WITHHELD)))

        agree = [student for student in students if all(otter[student].get(function) == judged(student, names, True) for function, names in visible.items())]
        lines.append(f"otter vs dlgrade, visible cases per function (dlgrade's verdicts before withholding): {len(agree)} of {len(students)} students agree")
        lines += [f"  differs: {student}: {function}: otter {otter[student].get(function)}, dlgrade {judged(student, names, True):g}"
                  for student in students if student not in agree for function, names in visible.items() if otter[student].get(function) != judged(student, names, True)]
        scored = [student for student in students if sum(otter[student].values()) == sum(judged(student, names, False) for names in visible.values())]
        top = sum(cases[students[0]][name][1] for names in visible.values() for name in names)
        lines.append(f"  the visible totals as each tool scores them (of {top:g}): equal for {len(scored)} of {len(students)}")
        lines += [f"    {student}: otter {sum(otter[student].values()):g}, dlgrade {sum(judged(student, names, False) for names in visible.values()):g}: "
                  "dlgrade withholds a passed side case whose function's main case failed"
                  for student in students if student not in scored]
    return lines


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--students", type=int, default=40)
    options.add_argument("--runs", type=int, default=3, help="runs of every tool, interleaved (default 3)")
    options.add_argument("--assignment", default="backprop", choices=sorted(SUITES))
    options.add_argument("--seed", type=int, default=1, help="hidden inputs of dlgrade grade, nbgrader's hidden tests and the floor; the --class secret")
    options.add_argument("--skip-otter", action="store_true", help="leave otter out (it is installed on first use otherwise)")
    options.add_argument("--cache", type=Path, default=CACHE, help=f"where otter-grader's venv goes (default {CACHE})")
    arguments = options.parse_args()
    if arguments.students < 1 or arguments.runs < 1:
        options.error("--students and --runs must be at least 1")
    name, seed = arguments.assignment, arguments.seed

    otter, skipped = (None, "left out by --skip-otter") if arguments.skip_otter else otter_command(arguments.cache)
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        make_class(work / "class", arguments.students, [name])
        students = sorted(path for path in (work / "class").iterdir())
        ids = [path.name for path in students]
        course = nbgrader_course(arguments.students, work, [name], seed=seed)
        exported = exported_tests(nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4))
        found = sorted(case for tests in exported.values() for case, _, _, _ in tests)
        if found != sorted(case.name for case in SUITES[name].cases):  # the agreement maps cases by name
            raise SystemExit(f"the nbgrader export of {name} names other cases than its suite: {found}")
        if otter:
            zipped = otter_assignment(course, name, work / "otter", otter)

        hung = []

        def otter_run(r: int) -> float:
            seconds, attempts = otter_each(students, name, zipped, work / "otter-results" / str(r), otter)
            hung.append(attempts)
            return seconds

        kinds = {  # run r -> wall seconds
            "dlgrade grade, one by one": lambda r: timed(dlgrade_each, students, name, seed, work / "json" / str(r)),
            "dlgrade --class --jobs 1": lambda r: timed(dlgrade_class, work / "class", name, seed, 1, work / "out1"),
            "dlgrade --class --jobs 2": lambda r: timed(dlgrade_class, work / "class", name, seed, 2, work / "out2"),
            "nbgrader autograde": lambda r: nbgrader_autograde(course),
        }
        if otter:
            kinds["otter run, one by one"] = otter_run
        walls = {kind: [] for kind in kinds}
        floors, by_class, started = [], [], time.perf_counter()
        for r in range(arguments.runs):
            order = list(kinds) + ["floor"]
            order = order[r % len(order):] + order[:r % len(order)]
            for kind in order:
                if kind == "floor":
                    floors.append(floor(students, name, seed))
                else:
                    walls[kind].append(kinds[kind](r))
            by_class += [class_scores(work / "out1", name), class_scores(work / "out2", name)]
            print(f"run {r + 1}/{arguments.runs}: " + ", ".join(f"{kind} {walls[kind][-1]:.1f} s" for kind in kinds), file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - started

        cases = dlgrade_cases(work / "json" / str(arguments.runs - 1), name)
        each = [dlgrade_cases(work / "json" / str(r), name) for r in range(arguments.runs)]
        lines = agreement(ids, cases, by_class, exported,
                          nbgrader_scores(course, name, ids),
                          otter_scores(work / "otter-results" / str(arguments.runs - 1)) if otter else None)
        stable = all(case_scores(run_cases) == case_scores(cases) for run_cases in each)

    command = shlex.join(["python", "benchmarks/peers.py", *sys.argv[1:]])
    n = arguments.students
    visible = sum(1 for tests in exported.values() for _, _, _, shown in tests if shown)
    print(f"peers benchmark: {name} ({len(SUITES[name].cases)} cases, {visible} visible), {n} students, {arguments.runs} runs of every tool, interleaved; seed {seed}")
    print(f"machine: {machine()}")
    print(f"command: {command}   (in {ROOT}, the runs took {elapsed:.0f} s)")
    print()
    medians = {kind: statistics.median(times) for kind, times in walls.items()}
    student_s, reference_s = statistics.median(s for s, _ in floors), statistics.median(r for _, r in floors)
    base = student_s + reference_s
    print(f"{'grading the class':28} {'median s':>9} {'min':>7} {'max':>7} {'ms/student':>11} {'x ' + BASELINE:>26} {'x floor':>8}")
    for kind in TOOLS:
        if kind not in walls:
            print(f"  {kind:26}  not run: {skipped}")
            continue
        times = walls[kind]
        print(f"  {kind:26} {medians[kind]:9.2f} {min(times):7.2f} {max(times):7.2f} {medians[kind] / n * 1e3:11.0f} "
              f"{medians[kind] / medians[BASELINE]:26.2f} {medians[kind] / base:8.1f}")
    print(f"  floor, inside the functions {base:9.3f} {'':15} {base / n * 1e3:11.1f}: student's {student_s * 1e3:.0f} ms + reference's {reference_s * 1e3:.0f} ms (medians)")
    print("  (x floor: the tool's wall time over the floor; --jobs 2 on 2 cores can go below what one core needs)")
    if sum(hung):
        print(f"  otter run hung {sum(hung)} times in all (its kernel died, it waited on); those attempts were "
              f"stopped after {OTTER_TIMEOUT} s, run again, and their time is not counted")
    print()
    print("agreement on each student's score (the last run; per-submission dlgrade results the same in every run: "
          f"{'yes' if stable else 'NO'})")
    for line in lines:
        print(f"  {line}")


if __name__ == "__main__":
    main()
