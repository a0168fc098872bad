"""How long grading one submission takes, and where the time goes when it is not the student's.

Grades the reference submission (``solutions/``) and the stubs (``assignments/``) ``--runs``
times each with :func:`autograder.grade.grade` (after one warm-up run that is not counted)
and prints, as medians over the runs:

- the wall time of a full grading run (min and max too; also with class mode's cache of
  the visible cases, as for every submission of a class after the first), the time spent inside the
  student's own calls (``SubmissionResult.student_seconds``) and the grader's overhead,
  ``1 - student / wall``;
- a breakdown of one grading run done step by step with the engine's own parts: locating
  the files, the sandbox folder, worker start-up plus import (``Sandbox(...).load``), the
  plans and their one encoding, the reference runs (``autograder.plan.execute`` on the copy
  decoded from those bytes, as ``grade`` makes it), judging, the requests to the worker (one
  per assignment, ``Sandbox.run_batch``), closing the sandbox;
- what a bare ``python -I -S`` start-up and ``import numpy`` cost in a fresh process, to see
  how much of the worker's start-up they explain;
- with ``--against CHECKOUT``, ``grade()`` of the reference with this engine and with the one
  of another checkout (say main's), each in a warm process of its own, run by run in turn:
  the median wall times, their ratio, and per run the frames the grader sent and read, the
  markers among them, and its time encoding and decoding.

Run from the repository root, in well under a minute with the defaults::

    python benchmarks/grade_reference.py            # 15 runs, hidden inputs from seed 1
    python benchmarks/grade_reference.py --runs 40 --seed 7
    python benchmarks/grade_reference.py --assignment all --against /tmp/main-checkout
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import json
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
from autograder.sandbox import Limits, Sandbox
from autograder.spawn import worker_environment
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / "assignments"
# the worker's environment (autograder/spawn.py): one BLAS thread, nothing else inherited
WORKER_ENV = worker_environment(home=Path.cwd())
NUMPY_SITE = str(Path(np.__file__).resolve().parent.parent)
PHASES = ("locate", "folder", "load", "build", "encode", "copy", "reference", "round trip", "student", "judge", "close")
# grade() of the reference in a warm process of a checkout, once per line read; counts and
# times the grader's frames (wire.send / the reads: wire.Reader.next, or wire.receive before
# there was a reader; the markers a reader returns apart) and its encoding and decoding,
# whichever engine the checkout has
CHILD = r"""
import json, resource, sys, time
from autograder import wire
from autograder.grade import SOLUTIONS, grade
from autograder.sandbox import Limits

counts = {}

def counted(name, function):
    def wrapper(*args, **kwargs):
        start = time.thread_time()  # CPU time: the worker and other processes running meanwhile do not count
        result = function(*args, **kwargs)  # what raises (a timeout) is not counted: none does here
        key = "marker" if isinstance(result, tuple) else name  # a marker the reader returns
        seconds, calls = counts.get(key, (0.0, 0))
        counts[key] = (seconds + time.thread_time() - start, calls + 1)
        return result
    return wrapper

wire.encode, wire.decode, wire.send = counted("encode", wire.encode), counted("decode", wire.decode), counted("send", wire.send)
if hasattr(wire, "Reader"):
    wire.Reader.next = counted("read", wire.Reader.next)
else:
    wire.receive = counted("read", wire.receive)
names, seed = json.loads(sys.argv[1]), int(sys.argv[2])
def cpu():  # this process's CPU time and its reaped children's (the worker, killed at the end of grade())
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

for line in sys.stdin:
    counts.clear()
    start, used = time.perf_counter(), cpu()
    result = grade(SOLUTIONS, names, seed, Limits())
    wall, used = time.perf_counter() - start, cpu() - used
    print(json.dumps({"wall": wall, "cpu": used, "student": result.student_seconds, "score": result.score, "counts": counts}), flush=True)
"""


def timed(function, *args, **kwargs):
    """``(result, seconds)`` of one call, by ``time.perf_counter``."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def full_run(path: Path, names: list, seed: int, cache: dict | None = None) -> dict:
    """One :func:`grade` of ``path`` (with class mode's ``cache`` of visible cases, if given):
    its wall time, the student's share of it, the score."""
    result, wall = timed(grade, path, names, seed, Limits(), cache=cache)
    return {"wall": wall, "student": result.student_seconds, "score": result.score, "max_score": result.max_score}


@contextlib.contextmanager
def clock(phases: dict, key: str):
    """Add the seconds the ``with`` block takes to ``phases[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        phases[key] += time.perf_counter() - start


def step_by_step(path: Path, names: list, seed: int) -> dict:
    """One grading run of ``path`` taken apart: seconds per phase.

    Follows what ``grade`` does for each assignment (fresh plans encoded once, the reference
    run on a copy decoded from those bytes, the student's run of all the cases in one request
    to the worker, the judge), timing each part on its own rather than overlapped.
    """
    phases = dict.fromkeys(PHASES, 0.0)
    start = time.perf_counter()
    with opened(path) as folder:
        with clock(phases, "locate"):
            found = locate(folder, names)
        with clock(phases, "folder"):
            sandbox = Sandbox(found.files, Limits())
        for name in names:
            cases, solution = SUITES[name].cases, reference(name)
            with clock(phases, "load"):
                loaded = sandbox.load(name)
            if loaded.status != "ok":
                raise SystemExit(f"{path}: {name}.py did not import in the worker: {loaded.value or loaded.detail}")
            with clock(phases, "build"):
                plans = [case.build(case.rng(seed)) for case in cases]
            with clock(phases, "encode"):
                encoded = [wire.encode(plan) for plan in plans]
            expected = []
            for case, payload in zip(cases, encoded):
                if case.judge.needs_reference:
                    with clock(phases, "copy"):
                        copy = wire.decode(payload)
                    with clock(phases, "reference"):
                        expected.append(execute(copy, solution, probes)[0])
                else:
                    expected.append(None)
            with clock(phases, "round trip"):
                outcomes = list(sandbox.run_batch(name, plans, [case.timeout or Limits().call_seconds for case in cases], encoded=encoded))
            for case, plan, outcome, want in zip(cases, plans, outcomes, expected):
                if outcome.status == "ok":
                    answer = outcome.value
                    phases["student"] += answer["seconds"]
                    with clock(phases, "judge"):
                        case.judge.check(answer["outputs"], want, answer["warnings"], plan)
        with clock(phases, "close"):
            sandbox.close()
    phases["wall"] = time.perf_counter() - start
    return {"phases": phases}


def against(checkouts: dict, names: list, seed: int, runs: int) -> dict:
    """``grade()`` of the reference in a warm process per checkout (label -> folder), one run
    of each in turn after a warm-up run: label -> the runs' rows (see ``CHILD``)."""
    children = {label: subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(names), str(seed)], cwd=folder,
                                        env={**os.environ, "PYTHONPATH": str(folder)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for label, folder in checkouts.items()}
    rows = {label: [] for label in checkouts}
    try:
        for run in range(runs + 1):
            for label, child in children.items():
                child.stdin.write("go\n")
                child.stdin.flush()
                row = json.loads(child.stdout.readline())
                if run:
                    rows[label].append(row)
    finally:
        for child in children.values():
            child.stdin.close()
            child.wait()
    return rows


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
    parser.add_argument("--assignment", default="backprop", choices=["all", *sorted(SUITES)], help="one assignment, or all of them (default backprop)")
    parser.add_argument("--against", type=Path, help="another checkout whose engine is timed too, interleaved with this one's")
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    names = sorted(SUITES) if options.assignment == "all" else [options.assignment]
    name, seed, runs = options.assignment, options.seed, options.runs

    # warm-up: the reference module is imported and cached, numpy's code paths are hot; the
    # class cache holds the visible cases, as after a class's first submission
    kept = {}
    full_run(SOLUTIONS, names, seed, kept)
    full_run(STUBS, names, seed)
    step_by_step(SOLUTIONS, names, seed)

    # the kinds are interleaved run by run, so a slow spell on the machine hits them all alike
    graded, cached, stubbed, phased, bare, with_numpy = [], [], [], [], [], []
    total = time.perf_counter()
    for _ in range(runs):
        graded.append(full_run(SOLUTIONS, names, seed))
        cached.append(full_run(SOLUTIONS, names, seed, kept))
        stubbed.append(full_run(STUBS, names, seed))
        phased.append(step_by_step(SOLUTIONS, names, seed))
        bare.append(fresh_python("pass"))
        with_numpy.append(fresh_python("import numpy"))
    total = time.perf_counter() - total
    compared = against({"this": ROOT, "against": options.against.resolve()}, names, seed, runs) if options.against else None

    cases = sum(len(SUITES[each].cases) for each in names)
    command = shlex.join(["python", os.path.relpath(sys.argv[0], ROOT) if argv is None else "benchmarks/grade_reference.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"dlgrade grading benchmark: {name}, {cases} cases, {runs} runs of each kind (+1 warm-up), hidden seed {seed}")
    print(f"machine: {machine()}")
    print(f"command: {command}   (in {ROOT}, measured runs took {total:.1f} s)")
    print()

    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    print(f"{'full grading run, grade()':44} {'median':>8} {'min':>8} {'max':>8}  ms")
    for label, rows in (("reference  solutions/", graded), ("  visible cases cached (class)", cached), ("stubs      assignments/", stubbed)):
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
        ("encode the plans once (wire.encode)", phases["encode"]),
        ("decode the reference's copies (wire.decode)", phases["copy"]),
        ("reference runs (plan.execute)", phases["reference"]),
        ("judging (judge.check)", phases["judge"]),
        (f"requests to the worker ({len(names)} x Sandbox.run_batch)", phases["round trip"]),
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
    print(f"  per case, the requests: {phases['round trip'] / cases * 1e3:.2f} ms")
    print("  * measured in a separate subprocess.run (includes its exit); the worker pays both inside Sandbox.load")
    if compared:
        print()
        print(f"grade() of the reference, interleaved, warm processes ({runs} runs each)")
        print(f"  {'':8} {'checkout':52} {'wall ms':>8} {'min':>8} {'CPU ms':>8}   frames sent / read (markers)   encode+decode CPU ms")
        for label, folder in (("this", ROOT), ("against", options.against.resolve())):
            rows = compared[label]
            walls = [row["wall"] for row in rows]
            count = lambda key, i: statistics.median(row["counts"].get(key, (0.0, 0))[i] for row in rows)
            coding = statistics.median(sum(row["counts"].get(key, (0.0, 0))[0] for key in ("encode", "decode")) for row in rows)
            cpu = statistics.median(row["cpu"] for row in rows)
            print(f"  {label:8} {str(folder):52} {ms(statistics.median(walls))} {ms(min(walls))} {ms(cpu)}   {count('send', 1):5.0f} / {count('read', 1):5.0f}"
                  f" ({count('marker', 1):5.0f})        {ms(coding)}")
        for key in ("wall", "cpu"):
            ratio = statistics.median(row[key] for row in compared["against"]) / statistics.median(row[key] for row in compared["this"])
            print(f"  against / this, median {key}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
