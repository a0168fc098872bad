"""The judging code of the visible cases of autograder/suites/optimizers.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import math


import numpy as np


from ..judge import Compare, Mismatch, Property, Raises, compare


ALPHA = 1e-7


def quarter_bound(n: int) -> float:
    return math.sqrt(math.log(8 / ALPHA) / (2 * n))


def ks_bound(n: int) -> float:
    return math.sqrt(math.log(2 / ALPHA) / (2 * n))


def log_uniform_problems(samples: np.ndarray, low: float, high: float) -> list[str]:
    """What is wrong with ``samples`` as n draws of log_uniform(low, high): range, quarters, KS."""
    n = samples.size
    if samples.min() < low * (1 - 1e-12) or samples.max() > high * (1 + 1e-12):
        return [f"Your samples range over [{samples.min():.3g}, {samples.max():.3g}], outside [{low:.3g}, {high:.3g}): draw the exponent, 10 ** uniform(log10 low, log10 high)."]
    u = np.sort((np.log10(samples) - math.log10(low)) / (math.log10(high) - math.log10(low)))
    shares = np.histogram(u, bins=4, range=(0.0, 1.0))[0] / n
    worst = int(np.argmax(np.abs(shares - 0.25)))
    if abs(shares[worst] - 0.25) > quarter_bound(n):
        edges = 10 ** np.linspace(math.log10(low), math.log10(high), 5)
        return [f"{shares[worst]:.1%} of your {n} samples lie in [{edges[worst]:.3g}, {edges[worst + 1]:.3g}), expected 25% +- {quarter_bound(n):.1%}: each equal stretch of log10(x) must get an equal share."]
    distance = max(float(np.max(np.arange(1, n + 1) / n - u)), float(np.max(u - np.arange(n) / n)))
    if distance > ks_bound(n):
        return [f"The distribution of log10 of your samples is {distance:.3f} away from uniform (Kolmogorov-Smirnov distance; a correct sampler stays within {ks_bound(n):.3f})."]
    return []


def follows_log_uniform(outputs: dict, plan) -> list[str]:
    """Property test: DRAWS float64 samples, in range, log10 uniform."""
    low, high, size = plan.calls[0].args[:3]
    try:
        compare("samples", outputs.get("samples"), np.zeros(size), math.inf)  # the form only
    except Mismatch as mismatch:
        return [str(mismatch)]
    return log_uniform_problems(outputs["samples"], low, high)


def uses_rng(outputs: dict, plan) -> list[str]:
    """Property test: the same seed gives the same samples, another seed other samples."""
    try:
        for name in ("samples", "samples again", "samples, other seed"):
            compare(name, outputs.get(name), np.zeros((3, 4)), math.inf)
    except Mismatch as mismatch:
        return [str(mismatch)]
    if not np.array_equal(outputs["samples"], outputs["samples again"]):
        return ["log_uniform returned different samples for two generators with the same seed: draw from rng (rng.uniform), not from np.random, so that a search can be repeated."]
    # 12 equal draws from PCG64 streams of two different seeds: no such pair is known
    if np.array_equal(outputs["samples"], outputs["samples, other seed"]):
        return ["log_uniform returned the same samples for generators with different seeds: draw from rng, and do not seed anything yourself."]
    return []
