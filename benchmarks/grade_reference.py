"""How long grading one submission takes, and where the time goes when it is not the student's.

Grades the reference submission (``solutions/``) and the stubs (``assignments/``) ``--runs``
times each with :func:`autograder.grade.grade` (after one warm-up run that is not counted)
and prints, as medians over the runs:

- the wall time of a full grading run (min and max too), the time spent inside the
  student's own calls (``SubmissionResult.student_seconds``) and the grader's overhead,
  ``1 - student / wall``;
- a breakdown of one grading run done step by step with the engine's own parts: locating
  the files, the sandbox folder, worker start-up plus import (``Sandbox(...).load``), the
  plans, the reference runs (``autograder.plan.execute`` on the reference module, with the
  wire copy ``grade`` makes), judging, the round trips to the worker, closing the sandbox;
- what a bare ``python -I -S`` start-up and ``import numpy`` cost in a fresh process, to see
  how much of the worker's start-up they explain.

Run from the repository root, in well under a minute with the defaults::

    python benchmarks/grade_reference.py            # 15 runs, hidden inputs from seed 1
    python benchmarks/grade_reference.py --runs 40 --seed 7
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from machine import machine

from autograder import probes, wire
from autograder.grade import SOLUTIONS, grade, reference
from autograder.locate import locate, opened
from autograder.plan import execute
from autograder.sandbox import Limits, Sandbox, worker_environment
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / "assignments"
# the worker's environment (autograder/sandbox.py): one BLAS thread, nothing else inherited
WORKER_ENV = worker_environment(home=Path.cwd())
NUMPY_SITE = str(Path(np.__file__).resolve().parent.parent)
PHASES = ("locate", "folder", "load", "build", "copy", "reference", "round trip", "student", "judge", "close")


def timed(function, *args, **kwargs):
    """``(result, seconds)`` of one call, by ``time.perf_counter``."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def full_run(path: Path, assignment: str, seed: int) -> dict:
    """One :func:`grade` of ``path``: its wall time, the student's share of it, the score."""
    result, wall = timed(grade, path, [assignment], seed, Limits())
    return {"wall": wall, "student": result.student_seconds, "score": result.score, "max_score": result.max_score}


@contextlib.contextmanager
def clock(phases: dict, key: str):
    """Add the seconds the ``with`` block takes to ``phases[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        phases[key] += time.perf_counter() - start


def step_by_step(path: Path, assignment: str, seed: int) -> dict:
    """One grading run of ``path`` taken apart: seconds per phase, and per-case round trips.

    Follows what ``grade`` does for each case (fresh plan, the reference run on a wire copy
    of it, the student's run in the worker, the judge), timing each part on its own.
    """
    suite = SUITES[assignment]
    phases = dict.fromkeys(PHASES, 0.0)
    trips, start = [], time.perf_counter()
    with opened(path) as folder:
        with clock(phases, "locate"):
            found = locate(folder, [assignment])
        with clock(phases, "folder"):
            sandbox = Sandbox(found.files, Limits())
        with clock(phases, "load"):
            loaded = sandbox.load(assignment)
        if loaded.status != "ok":
            raise SystemExit(f"{path}: {assignment}.py did not import in the worker: {loaded.value or loaded.detail}")
        for case in suite.cases:
            with clock(phases, "build"):
                plan = case.build(case.rng(seed))
            expected = None
            if case.judge.needs_reference:
                with clock(phases, "copy"):
                    copy = wire.copied(plan)
                with clock(phases, "reference"):
                    expected, _ = execute(copy, reference(assignment), probes)
            before = phases["round trip"]
            with clock(phases, "round trip"):
                outcome = sandbox.run(assignment, plan, case.timeout)
            trips.append(phases["round trip"] - before)
            if outcome.status == "ok":
                answer = outcome.value
                phases["student"] += answer["seconds"]
                with clock(phases, "judge"):
                    case.judge.check(answer["outputs"], expected, answer["warnings"], plan)
        with clock(phases, "close"):
            sandbox.close()
    phases["wall"] = time.perf_counter() - start
    return {"phases": phases, "trips": trips}


def fresh_python(code: str) -> float:
    """Seconds for a new ``python -I -S -c CODE`` (as the worker starts, numpy on its path),
    in the worker's environment, start to exit."""
    path = f"import sys; sys.path.insert(0, {NUMPY_SITE!r}); "
    _, seconds = timed(subprocess.run, [sys.executable, "-I", "-S", "-c", path + code], env=WORKER_ENV, check=True)
    return seconds


def ms(seconds: float) -> str:
    """Seconds as milliseconds, right-aligned for the table."""
    return f"{seconds * 1e3:8.1f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each kind (default 15)")
    parser.add_argument("--seed", type=int, default=1, help="secret seed for the hidden inputs (default 1)")
    parser.add_argument("--assignment", default="backprop", choices=sorted(SUITES))
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    name, seed, runs = options.assignment, options.seed, options.runs

    # warm-up: the reference module is imported and cached, numpy's code paths are hot
    full_run(SOLUTIONS, name, seed)
    full_run(STUBS, name, seed)
    step_by_step(SOLUTIONS, name, seed)

    # the kinds are interleaved run by run, so a slow spell on the machine hits them all alike
    graded, stubbed, phased, bare, with_numpy = [], [], [], [], []
    total = time.perf_counter()
    for _ in range(runs):
        graded.append(full_run(SOLUTIONS, name, seed))
        stubbed.append(full_run(STUBS, name, seed))
        phased.append(step_by_step(SOLUTIONS, name, seed))
        bare.append(fresh_python("pass"))
        with_numpy.append(fresh_python("import numpy"))
    total = time.perf_counter() - total

    cases = len(SUITES[name].cases)
    command = shlex.join(["python", os.path.relpath(sys.argv[0], ROOT) if argv is None else "benchmarks/grade_reference.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"dlgrade grading benchmark: {name}, {cases} cases, {runs} runs of each kind (+1 warm-up), hidden seed {seed}")
    print(f"machine: {machine()}")
    print(f"command: {command}   (in {ROOT}, measured runs took {total:.1f} s)")
    print()

    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    print(f"{'full grading run, grade()':44} {'median':>8} {'min':>8} {'max':>8}  ms")
    for label, rows in (("reference  solutions/", graded), ("stubs      assignments/", stubbed)):
        walls = [row["wall"] for row in rows]
        score = f"{rows[0]['score']:g}/{rows[0]['max_score']:g}"
        print(f"  {label:30} {score:>11} {ms(statistics.median(walls))} {ms(min(walls))} {ms(max(walls))}")
    wall, student = median(graded, "wall"), median(graded, "student")
    print(f"  student's own calls (reference, student_seconds)  {ms(student)}   = {student / wall:6.1%} of wall")
    print(f"  grader overhead, 1 - student/wall (per run, median)       {statistics.median(1 - row['student'] / row['wall'] for row in graded):6.1%}")
    print()

    phases = {key: statistics.median(run["phases"][key] for run in phased) for key in phased[0]["phases"]}
    startup, numpy_import = statistics.median(bare), statistics.median(w - b for w, b in zip(with_numpy, bare))
    rows = [
        ("locate the files (opened + locate)", phases["locate"]),
        ("sandbox folder (mkdtemp, copy 5 files)", phases["folder"]),
        ("worker start-up + import (Sandbox.load)", phases["load"]),
        ("  bare `python -I -S` start-up, fresh process *", startup),
        ("  `import numpy` on top of it, fresh process *", numpy_import),
        (f"build {cases} plans (case.build)", phases["build"]),
        ("wire copy of the plans for the reference", phases["copy"]),
        ("reference runs (plan.execute)", phases["reference"]),
        ("judging (judge.check)", phases["judge"]),
        (f"round trips to the worker ({cases} x Sandbox.run)", phases["round trip"]),
        ("  of which inside the student's calls", phases["student"]),
        ("  of which transport and worker bookkeeping", phases["round trip"] - phases["student"]),
        ("close (kill worker, remove folder)", phases["close"]),
    ]
    counted = sum(value for label, value in rows if not label.startswith("  "))
    print(f"{'where a grading run goes, step by step':52} {'median ms':>9} {'% of it':>8}")
    for label, value in rows:
        print(f"  {label:50} {ms(value)} {value / phases['wall']:8.1%}")
    print(f"  {'sum of the phases':50} {ms(counted)} {counted / phases['wall']:8.1%}")
    print(f"  {'rest (the loop and the clocks themselves)':50} {ms(phases['wall'] - counted)} {1 - counted / phases['wall']:8.1%}")
    print(f"  {'step-by-step run, wall':50} {ms(phases['wall'])} {1:8.1%}")
    trips = [trip for run in phased for trip in run["trips"]]
    print(f"  per-case round trip: median {statistics.median(trips) * 1e3:.2f} ms, min {min(trips) * 1e3:.2f}, max {max(trips) * 1e3:.2f} ({len(trips)} trips)")
    print("  * measured in a separate subprocess.run (includes its exit); the worker pays both inside Sandbox.load")


if __name__ == "__main__":
    main()
