"""How long the networks reference takes to train on the digits, and to grade the whole assignment.

Prints, as medians (with min and max) over ``--runs`` runs after one warm-up:

- the reference's training time on the digits with the outcome case's configuration
  (``OUTCOME_DIMS`` and ``OUTCOME_CONFIG`` of ``autograder/suites/networks.py``: init_mlp and
  train, in this process, with one BLAS thread as in the worker), next to the case's time
  budget, and the validation accuracy reached;
- the wall time of grading the reference submission for networks with
  :func:`autograder.grade.grade` (every visible and hidden case, the worker's start-up
  included), and the time inside the student's own calls.

Run from the repository root::

    python benchmarks/networks_training.py            # 5 runs, hidden inputs from seed 1
    python benchmarks/networks_training.py --runs 9 --seed 3
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

# one BLAS thread, as in the worker (autograder/spawn.py): two threads on small matrices
# spend more time waiting for each other than multiplying, and the worker's figure is the one the budget is for
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import numpy as np  # noqa: E402 - after the thread settings, which numpy reads on import

from autograder.grade import SOLUTIONS, grade, reference  # noqa: E402
from autograder.suites import networks as suite  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade_reference import machine  # noqa: E402 - the benchmarks' shared header


def training_seconds(solution, seed: int) -> tuple[float, float]:
    """(seconds, validation accuracy) of one reference training run with the outcome configuration."""
    data = suite.digits()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    params = solution.init_mlp(list(suite.OUTCOME_DIMS), rng)
    trained, history = solution.train(params, data["X_train"], data["y_train"], data["X_val"], data["y_val"], suite.OUTCOME_CONFIG["lr"],
                                      suite.OUTCOME_CONFIG["epochs"], suite.OUTCOME_CONFIG["batch_size"], rng,
                                      lr_decay=suite.OUTCOME_CONFIG["lr_decay"])
    return time.perf_counter() - start, history["val_acc"][-1]


def grading_seconds(folder: Path, seed: int) -> tuple[float, float]:
    """(wall seconds, seconds inside the submission's calls) of grading ``folder`` for networks."""
    result = grade(folder, ["networks"], seed=seed)
    assert result.score == result.max_score, "the reference must score full marks"
    return result.seconds, result.student_seconds


def spread(values) -> str:
    return f"{statistics.median(values):7.3f} s  (min {min(values):.3f}, max {max(values):.3f})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="the hidden inputs' seed")
    args = parser.parse_args(argv)
    print(f"$ python benchmarks/networks_training.py {shlex.join(argv or sys.argv[1:])}".rstrip())
    print(machine())
    solution = reference("networks")
    training_seconds(solution, 0)  # warm-up
    trained = [training_seconds(solution, run) for run in range(1, args.runs + 1)]
    print(f"reference training, {suite.OUTCOME_DIMS} with {suite.OUTCOME_CONFIG} on 1197 digits, {args.runs} runs:")
    print(f"  time          {spread([seconds for seconds, _ in trained])}   (the case's budget: {suite.TIME_BUDGET:g} s)")
    print(f"  val accuracy  median {statistics.median(a for _, a in trained):.3f} (min {min(a for _, a in trained):.3f}; threshold {suite.THRESHOLD})")
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder)
        (submission / "networks.py").write_bytes((SOLUTIONS / "networks.py").read_bytes())
        grading_seconds(submission, args.seed)  # warm-up
        runs = [grading_seconds(submission, args.seed) for _ in range(args.runs)]
    print(f"grading the reference for networks ({len(suite.SUITE.cases)} cases, {suite.SUITE.max_score:g} points), {args.runs} runs:")
    print(f"  wall time     {spread([wall for wall, _ in runs])}")
    print(f"  in its calls  {spread([inside for _, inside in runs])}")


if __name__ == "__main__":
    main()
