"""How long the grader takes to start, each command in a fresh process, this checkout against another.

Three commands, timed from start to exit (wall, medians over ``--runs``):

- ``import``: ``python -c "import autograder.cli"``;
- ``--version``: ``dlgrade --version``;
- ``grade``: ``dlgrade grade solutions/<a>.py -a <a> --seed 1`` (the reference, which must score
  full marks), to a pipe, as scripts and Gradescope's ``run_autograder`` run it;
- ``lazy`` (this checkout only): the same with the worker started the plain way, at its first
  request (a fresh ``python`` of its own, no zygote launched before the grader's imports, no
  ``Sandbox.start``): the difference to ``grade`` is what starting the worker early saves.

``dlgrade`` is run as its console script runs it (``from autograder.cli import run``), with
the tree's ``autograder/`` and ``solutions/`` copied to a temporary folder first on
``PYTHONPATH``, in two states of bytecode:

- ``cold``: none on disk and none written (``PYTHONDONTWRITEBYTECODE=1``): every start compiles
  what it imports, as in an environment that forbids bytecode or a Gradescope container
  whose image was built without compiling the source;
- ``warm``: compiled beforehand (``compileall``), as after ``pip install``, a first run in a
  writable checkout, or setup.sh's ``compileall`` in the Gradescope image.

With ``--base DIR`` (another checkout: ``git worktree add --detach /tmp/base main``, or
``git archive main | tar -x -C /tmp/base``) the same runs are made for it, interleaved with
this checkout's in shuffled order round by round, so a slow spell on a shared machine hits
both alike, and the table gives base / this. Then the ``grade`` command's imports, from
``python -X importtime`` (median self time over 3 runs per state), the 10 costliest for this
checkout. The checkouts themselves are not written to. About a minute with the defaults::

    python benchmarks/startup.py                          # this checkout, 9 rounds
    python benchmarks/startup.py --base /tmp/base --runs 15
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from grade_reference import machine, ms

ROOT = Path(__file__).resolve().parent.parent
STATES = ("cold", "warm")
COMMANDS = ("import", "--version", "grade", "lazy")
GRADING = ("grade", "lazy")
# what the dlgrade console script runs (in a checkout from before run(), what it ran then)
MAIN = ("import sys\ntry:\n    from autograder.cli import run\nexcept ImportError:\n"
        "    from autograder.cli import main\n    def run(): sys.exit(main())\nrun()\n")
# grade with a worker spawned at its first request, as before the zygote and Sandbox.start: what starting it early saves
LAZY = ("import autograder.sandbox, autograder.spawn, autograder.zygote as z; autograder.sandbox.Sandbox.start = lambda self: None; "
        "z.Zygote.launch = lambda self: None; z.Zygote.start = lambda self, *a: autograder.spawn.SPAWN.start(*a)\n" + MAIN)


def tree_copy(tree: Path, folder: Path, state: str) -> Path:
    """``tree``'s autograder/ and solutions/ in ``folder`` without bytecode, compiled when ``state`` is warm."""
    for name in ("autograder", "solutions"):
        shutil.copytree(tree / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    if state == "warm":
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)
    return folder


def environment(copy: Path, state: str) -> dict:
    """This environment with ``copy`` first on the path, bytecode written only when warm, no fixed seed."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "DLGRADE_SEED", "PYTHONPATH")}
    env["PYTHONPATH"] = str(copy)
    if state == "cold":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def command_line(command: str, copy: Path, assignment: str, importtime: bool = False) -> list[str]:
    """The process for ``command`` on ``copy``."""
    python = [sys.executable, *(["-X", "importtime"] if importtime else [])]
    if command == "import":
        return [*python, "-c", "import autograder.cli"]
    if command == "--version":
        return [*python, "-c", MAIN, "--version"]
    return [*python, "-c", LAZY if command == "lazy" else MAIN, "grade", str(copy / "solutions" / f"{assignment}.py"), "-a", assignment, "--seed", "1"]


def run(command: list[str], env: dict, cwd: Path, grades: bool) -> tuple[float, subprocess.CompletedProcess]:
    """``(wall seconds, finished)``; ``RuntimeError`` unless the command succeeded (and, if it ``grades``, gave full marks)."""
    start = time.perf_counter()
    finished = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    total = re.search(r"Total: ([\d.]+) / ([\d.]+)", finished.stdout)
    if finished.returncode != 0 or (grades and not (total and total[1] == total[2])):
        raise RuntimeError(f"{shlex.join(command)} failed (status {finished.returncode}):\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}")
    return seconds, finished


def self_times(stderr: str) -> dict[str, float]:
    """Seconds of each module's own import (``-X importtime``'s self column, in microseconds)."""
    times = {}
    for line in stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            times[parts[2].strip()] = int(parts[0]) / 1e6
    return times


def main(argv_=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="rounds; each runs every command once per tree and state (default 9)")
    parser.add_argument("--base", type=Path, help="another checkout to compare with (main, say)")
    parser.add_argument("--assignment", default="backprop", help="the assignment `grade` grades (default backprop)")
    options = parser.parse_args(argv_)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    trees = {"this": ROOT, **({"base": options.base.resolve()} if options.base else {})}
    for label, tree in trees.items():
        if not (tree / "autograder" / "cli.py").is_file() or not (tree / "solutions" / f"{options.assignment}.py").is_file():
            parser.error(f"{tree} has no autograder/cli.py or solutions/{options.assignment}.py")

    with tempfile.TemporaryDirectory(prefix="dlgrade-startup-") as scratch:
        scratch = Path(scratch)
        copies = {(label, state): tree_copy(tree, scratch / f"{label}-{state}", state) for label, tree in trees.items() for state in STATES}
        kinds = [(label, state, command) for label, state in copies for command in COMMANDS if label == "this" or command != "lazy"]
        for label, state, command in kinds:  # warm-up, not counted: the OS's file cache, numpy's shared libraries
            run(command_line(command, copies[label, state], options.assignment), environment(copies[label, state], state), scratch, command in GRADING)
        walls, order = defaultdict(list), random.Random(0)
        started = time.perf_counter()
        for _ in range(options.runs):
            for label, state, command in order.sample(kinds, len(kinds)):
                copy = copies[label, state]
                walls[label, state, command].append(run(command_line(command, copy, options.assignment), environment(copy, state), scratch, command in GRADING)[0])
        took = time.perf_counter() - started
        imports = {}
        for state in STATES:
            copy = copies["this", state]
            runs = [self_times(run(command_line("grade", copy, options.assignment, importtime=True), environment(copy, state), scratch, True)[1].stderr) for _ in range(3)]
            imports[state] = {name: statistics.median(times.get(name, 0.0) for times in runs) for name in runs[0]}

    command = shlex.join(["python", "benchmarks/startup.py", *(sys.argv[1:] if argv_ is None else argv_)])
    print(f"dlgrade start-up benchmark: {options.runs} rounds (+1 warm-up), medians of wall time, each command in a fresh process")
    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"command: {command}   (in {ROOT}; this = {ROOT}" + (f", base = {trees['base']}" if options.base else "") + f"; measured rounds took {took:.1f} s)")
    print(f"the environment's PYTHONDONTWRITEBYTECODE: {os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')!r}")
    print()
    labels = {"import": "import autograder.cli", "--version": "dlgrade --version", "grade": f"grade {options.assignment}",
              "lazy": "  worker on first use"}
    print(f"{'command':26} {'bytecode':8} " + " ".join(f"{label:>8}" for label in trees) + ("   base/this" if options.base else "") + "   ms")
    for command in COMMANDS:
        for state in STATES:
            medians = {label: statistics.median(walls[label, state, command]) for label in trees if (label, state, command) in walls}
            ratio = f"   {medians['base'] / medians['this']:8.2f}x" if "base" in medians else ""
            cells = " ".join(ms(medians[label]) if label in medians else f"{'-':>8}" for label in trees)
            print(f"  {labels[command]:24} {state:8} {cells}{ratio}")
    for state in STATES:  # paired round by round: a slow spell hits both runs of a round
        saved = statistics.median(lazy - eager for lazy, eager in zip(walls["this", state, "lazy"], walls["this", state, "grade"]))
        print(f"  starting the worker early saves, {state} (median of the rounds' differences): {saved * 1e3:.1f} ms")
    print()
    print(f"the 10 costliest imports of `dlgrade grade ... -a {options.assignment}` (this checkout; self time, median of 3 runs, ms)")
    ranked = sorted(imports["cold"], key=lambda name: -imports["cold"][name])[:10]
    print(f"  {'module':40} {'cold':>8} {'warm':>8}")
    for name in ranked:
        print(f"  {name:40} {ms(imports['cold'][name])} {ms(imports['warm'].get(name, 0.0))}")
    for state in STATES:
        print(f"  {'all imports, ' + state:40} {ms(sum(imports[state].values()))}")


if __name__ == "__main__":
    main()
