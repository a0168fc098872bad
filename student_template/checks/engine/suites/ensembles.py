"""The judging code of the visible cases of autograder/suites/ensembles.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import math


import numpy as np


from ..judge import Compare, Property, Raises, describe


FALSE_FAILURE = 1e-7  # per statistical check; three of them run in one grading


def form(outputs: dict, name: str, n: int) -> list[str]:
    """Problems with the form of ``outputs[name]`` as n indices: type, shape (n,), an integer dtype.

    Not judge.compare: for integer arrays it compares values too, and a sample has no
    expected values.
    """
    indices = outputs.get(name)
    if not isinstance(indices, np.ndarray):
        return [f"{name} is {describe(indices)}, expected a numpy array of shape ({n},)."]
    if indices.shape != (n,):
        return [f"{name} has shape {indices.shape}, expected ({n},)."]
    if indices.dtype.kind not in "iu":
        return [f"{name} has dtype {indices.dtype}, expected int64: indices are integers."]
    return []


def sample_size(plan) -> int:
    """n of the plan's first call."""
    return plan.calls[0].args[0]


def int64_in_range(outputs, plan) -> list[str]:
    """Deterministic: shape (n,), dtype int64 exactly, every entry in [0, n)."""
    problems = []
    for name, call in zip(("indices", "indices for n = 1"), plan.calls):
        n = call.args[0]
        problems += form(outputs, name, n)
        if problems:
            return problems
        indices = outputs[name]
        if indices.dtype != np.int64:
            return [f"{name} has dtype {indices.dtype}, expected int64 (rng.integers(..., dtype=np.int64), or .astype(np.int64))."]
        problems += outside(name, indices, n)
    return problems


def outside(name: str, indices: np.ndarray, n: int) -> list[str]:
    """A problem if an index lies outside range(n)."""
    if indices.min() < 0 or indices.max() >= n:
        return [f"{name} for n = {n} holds {indices.min() if indices.min() < 0 else indices.max()}, outside range(n) = [0, {n})."]
    return []


def distinct_tolerance(n: int) -> float:
    """The a with 2 exp(-2 a^2 / n) = FALSE_FAILURE: the number of distinct indices among n
    draws is within a of its mean except with that probability (McDiarmid: changing one draw
    changes the count by at most 1)."""
    return math.sqrt(n * math.log(2 / FALSE_FAILURE) / 2)


def expected_distinct(n: int) -> float:
    """E[number of distinct indices] = n (1 - (1 - 1/n)^n), about n (1 - 1/e)."""
    return n * -math.expm1(n * math.log1p(-1 / n)) if n > 1 else 1.0


def distinct_count(outputs) -> int:
    """The number of different indices in the sample."""
    return len(np.unique(outputs["indices"]))


def distinct_share(outputs, plan) -> list[str]:
    n = sample_size(plan)
    problems = form(outputs, "indices", n) or outside("indices", outputs["indices"], n)  # n distinct values of another range are no sample
    if problems:
        return problems
    count, mean, a = distinct_count(outputs), expected_distinct(n), distinct_tolerance(n)
    if abs(count - mean) >= a:  # false failure <= FALSE_FAILURE (McDiarmid, n draws)
        return [f"indices holds {count} distinct values among n = {n} ({count / n:.1%}); a bootstrap sample holds "
                f"about {mean / n:.1%} (1 - 1/e), within {a / n:.1%}: draw n times with replacement."]
    return []


BUCKETS = 10


def bucket_tolerance(n: int) -> float:
    """The t with BUCKETS * 2 exp(-2 n t^2) = FALSE_FAILURE: every bucket's share of the n
    draws is within t of its share of range(n), except with that probability (Hoeffding per
    bucket, a union bound over the buckets)."""
    return math.sqrt(math.log(2 * BUCKETS / FALSE_FAILURE) / (2 * n))


def uniform(outputs, plan) -> list[str]:
    """The draws fall into tenths of range(n) in proportion to their sizes."""
    n = sample_size(plan)
    problems = form(outputs, "indices", n) or outside("indices", outputs["indices"], n)
    if problems:
        return problems
    buckets = np.arange(n) * BUCKETS // n
    expected = np.bincount(buckets, minlength=BUCKETS) / n
    shares = np.bincount(outputs["indices"] * BUCKETS // n, minlength=BUCKETS) / n
    worst = int(np.argmax(np.abs(shares - expected)))
    t = bucket_tolerance(n)
    if abs(shares[worst] - expected[worst]) >= t:  # false failure <= FALSE_FAILURE (Hoeffding, union bound)
        low, high = worst * n // BUCKETS, (worst + 1) * n // BUCKETS
        return [f"{shares[worst]:.1%} of the indices fall in [{low}, {high}), expected {expected[worst]:.1%} (within {t:.1%}): "
                "every index of range(n) must be equally likely."]
    return []


def reproducible(outputs, plan) -> list[str]:
    problems = [problem for name in ("indices", "same seed", "another seed") for problem in form(outputs, name, 500)]
    if problems:
        return problems
    if not np.array_equal(outputs["indices"], outputs["same seed"]):
        return ["Two generators with the same seed gave different indices: draw them from rng "
                "(rng.integers), not from np.random's global state."]
    # a correct sampler repeats its 500 draws under another seed with probability 500^-500
    if np.array_equal(outputs["indices"], outputs["another seed"]):
        return ["Generators with different seeds gave the same indices: draw them from the rng argument."]
    return []


def without_replacement(outputs, plan) -> bool:
    """Every index distinct: a permutation. A correct sample of n >= 20,000 is one with
    probability n! / n^n < e^-n, so this names a mistake and nothing else."""
    return distinct_count(outputs) == sample_size(plan) > 1
