"""What confining the worker costs: its start-up with and without confinement, and the layers alone.

Starts a worker (:class:`autograder.sandbox.Sandbox`) and imports a small student module in it,
``--runs`` times with confinement (``Limits(confinement="best")``: capabilities, Landlock,
seccomp, as every grading path does) and as many times without (``"none"``), interleaved so that
the machine's load falls on both alike, and prints the medians and their ratio. Then it times
:func:`autograder.confine.confine` alone, in fresh ``python -I -S`` processes that have imported
numpy as the worker does, and prints its median (and the layers it applied).

    python benchmarks/confinement_cost.py            # 20 runs of each
    python benchmarks/confinement_cost.py --runs 40
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder import confine
from autograder.sandbox import Limits, Sandbox
from autograder.spawn import worker_environment

STUDENT = "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n"

ALONE = """
import json, os, sys, time
sys.path[:0] = [{engine!r}, {site!r}]
import numpy
import confine
start = time.perf_counter()
layers = confine.confine({engine!r}, {work!r})
print(json.dumps([time.perf_counter() - start, layers]))
"""


def start_once(student: Path, confinement: str) -> float:
    """Seconds from creating a sandbox to the answer of its first import."""
    start = time.perf_counter()
    with Sandbox({"relu": student}, Limits(confinement=confinement)) as sandbox:
        outcome = sandbox.load("relu")
        seconds = time.perf_counter() - start
    assert outcome.status == "ok", outcome
    return seconds


def confine_once(folder: Path) -> tuple[float, dict]:
    """Seconds spent in confine.confine() in a fresh worker-like process, and its layers."""
    site = str(Path(np.__file__).resolve().parent.parent)
    code = ALONE.format(engine=str(Path(confine.__file__).parent), site=site, work=str(folder))
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=True,
                          cwd=folder, env=worker_environment(folder))
    seconds, layers = json.loads(done.stdout)
    return seconds, layers


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=20)
    runs = options.parse_args().runs
    print(f"# {platform.node()}: {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}; python benchmarks/confinement_cost.py --runs {runs}")
    with tempfile.TemporaryDirectory() as folder:
        student = Path(folder) / "relu.py"
        student.write_text(STUDENT)
        start_once(student, "best")  # warm the file cache
        times = {"best": [], "none": []}
        for _ in range(runs):
            for confinement in times:
                times[confinement].append(start_once(student, confinement))
        alone = [confine_once(Path(folder)) for _ in range(runs)]
    confined, bare = statistics.median(times["best"]), statistics.median(times["none"])
    print(f"worker start-up + first import, median of {runs}:")
    print(f"  confined    {confined * 1e3:7.1f} ms   (min {min(times['best']) * 1e3:.1f}, max {max(times['best']) * 1e3:.1f})")
    print(f"  unconfined  {bare * 1e3:7.1f} ms   (min {min(times['none']) * 1e3:.1f}, max {max(times['none']) * 1e3:.1f})")
    print(f"  ratio       {confined / bare:7.3f}")
    seconds = [entry[0] for entry in alone]
    print(f"confine.confine() alone, median of {runs}: {statistics.median(seconds) * 1e3:.2f} ms "
          f"(min {min(seconds) * 1e3:.2f}, max {max(seconds) * 1e3:.2f}); layers: {', '.join(alone[0][1].values())}")


if __name__ == "__main__":
    main()
