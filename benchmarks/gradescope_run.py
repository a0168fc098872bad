"""How long Gradescope's run_autograder takes on the reference submission, and how much of it is
process start-up.

Builds autograder.zip (every assignment, the project's gradescope.toml), lays it out in a
temporary root with :func:`autograder.gradescope.install` (Gradescope's layout, an offline
stand-in for setup.sh), submits the references (``solutions/``) and runs
``bash run_autograder`` ``--runs`` times after one warm-up run. It prints the median, min and
max wall time, and the start-up it contains, timed apart in fresh processes (medians):

- the grader's start-up: bash, the venv's Python, and importing the engine (numpy included),
  as run_autograder starts them;
- the worker's start-up: ``python -I -S`` importing numpy, as the sandbox starts it, once per
  group of assignments with the same limits (one with the default settings).

Run from the repository root (as root, the worker drops to ``nobody``, as it would on
Gradescope without setup.sh's user)::

    python benchmarks/gradescope_run.py            # 7 runs
    python benchmarks/gradescope_run.py --runs 15 -a backprop
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder import gradescope
from autograder.spawn import worker_environment
from autograder.suites import SUITES

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str], **options) -> float:
    """Seconds one run of ``command`` takes, from start to exit."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def median_of(runs: int, command: list[str], **options) -> tuple[float, float, float]:
    """(median, min, max) seconds of ``runs`` runs, after one warm-up run."""
    wall(command, **options)
    times = [wall(command, **options) for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--assignment", "-a", action="append", help="grade only this assignment (repeatable; default: all)")
    arguments = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="dlgrade-benchmark-"))
    os.chmod(folder, 0o755)  # the worker's user must reach the venv inside, as on Gradescope
    try:
        settings = gradescope.build(folder / "autograder.zip", assignments=arguments.assignment)
        root = folder / "autograder"
        gradescope.install(folder / "autograder.zip", root)
        for name in settings.assignments:
            shutil.copyfile(ROOT / "solutions" / f"{name}.py", root / "submission" / f"{name}.py")
        env = {**os.environ, "DLGRADE_AUTOGRADER_ROOT": str(root)}
        python = str(root / "venv" / "bin" / "python")
        total = median_of(arguments.runs, ["bash", str(root / "run_autograder")], env=env, cwd=root)
        results = json.loads((root / "results" / "results.json").read_text())
        full = sum(SUITES[name].max_score for name in settings.assignments)
        if results["score"] != full:  # timing a failure would say nothing
            sys.exit(f"run_autograder scored {results['score']:g} / {full:g} on the references: {results['output']}")
        grader = median_of(arguments.runs, ["bash", "-c", f"cd {shlex.quote(str(root / 'source'))} && {shlex.quote(python)} -E -c "
                                           "'import autograder.gradescope, autograder.grade, autograder.suites'"])
        worker = median_of(arguments.runs, [python, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(Path(np.__file__).parent.parent)!r}); import numpy"],
                           env=worker_environment(home=folder))
        groups = len({tuple(sorted(settings.limits[name].items())) for name in settings.assignments})
        cases = sum(len(SUITES[name].cases) for name in settings.assignments)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    start_up = grader[0] + groups * worker[0]
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, numpy {np.__version__}, {'root' if os.geteuid() == 0 else 'not root'}")
    print("# python benchmarks/gradescope_run.py " + shlex.join(argv if argv is not None else sys.argv[1:]))
    print(f"run_autograder on the references ({', '.join(settings.assignments)}: {cases} cases), {arguments.runs} runs:")
    print(f"  wall time           median {total[0]:.3f} s   (min {total[1]:.3f}, max {total[2]:.3f})")
    print(f"  grader start-up     median {grader[0]:.3f} s   (bash, the venv's Python, importing the engine and numpy)")
    print(f"  worker start-up     median {worker[0]:.3f} s   x {groups} worker(s)   (python -I -S, importing numpy)")
    print(f"  process start-up    {start_up:.3f} s = {start_up / total[0]:.0%} of the wall time")


if __name__ == "__main__":
    main(sys.argv[1:])
