"""What misconception hints cost: grading with and without them, in one run.

Grades a correct submission (``solutions/``) and a wrong one (``examples/demo_submission``,
which makes two mistakes that hints recognise) ``--runs`` times each, once with the suites
as they are and once with every case's hints removed, alternating so that machine noise
falls on both alike, and prints the median wall times and the ratio. Hints are tried only
on the failing path, so the correct submission's ratio should be about 1.

    python benchmarks/hints_cost.py [--runs 15] [--assignment backprop]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from autograder.grade import grade
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent


def without_hints(suites: dict) -> dict:
    """The same suites with no hints on any case."""
    return {name: dataclasses.replace(suite, cases=tuple(dataclasses.replace(case, hints=()) for case in suite.cases))
            for name, suite in suites.items()}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=15)
    options.add_argument("--assignment", default="backprop")
    arguments = options.parse_args()
    plain = without_hints(SUITES)
    print(f"{arguments.runs} runs each, assignment {arguments.assignment}, medians of wall time per grading run")
    print(f"{'submission':<14} {'with hints':>11} {'without':>9} {'ratio':>6} {'hints shown':>12}")
    for label, path in (("correct", ROOT / "solutions"), ("wrong (demo)", ROOT / "examples" / "demo_submission")):
        times = {"with": [], "without": []}
        shown = 0
        for _ in range(arguments.runs + 1):  # the first round warms caches and is not counted
            for key, suites in (("with", SUITES), ("without", plain)):
                start = time.perf_counter()
                result = grade(path, [arguments.assignment], seed=1, suites=suites)
                times[key].append(time.perf_counter() - start)
                if key == "with":
                    shown = sum(bool(case.hint) for case in result.cases)
        with_hints, plain_time = (statistics.median(times[key][1:]) for key in ("with", "without"))
        print(f"{label:<14} {with_hints * 1000:>9.0f}ms {plain_time * 1000:>7.0f}ms {with_hints / plain_time:>6.3f} {shown:>12}")


if __name__ == "__main__":
    main()
