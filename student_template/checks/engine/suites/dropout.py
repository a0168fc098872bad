"""The judging code of the visible cases of autograder/suites/dropout.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import math


import numpy as np


from ..hints import Hint


from ..judge import Compare, Mismatch, Property, Raises, compare, relative_error


FALSE_FAILURE = 1e-7  # per statistical check; at most 10 of them run in one grading


def share_tolerance(n: int) -> float:
    """The t with 2 exp(-2 n t^2) = FALSE_FAILURE: the share of zeros among n independent
    draws is within t of p except with probability at most FALSE_FAILURE (Hoeffding)."""
    return math.sqrt(math.log(2 / FALSE_FAILURE) / (2 * n))


def form(outputs: dict, name: str, like: np.ndarray) -> list[str]:
    """Problems with the form of ``outputs[name]`` (type, shape, dtype, finite) against ``like``."""
    try:
        compare(name, outputs.get(name), like, math.inf)
    except Mismatch as mismatch:
        return [str(mismatch)]
    return []


def inputs(plan):
    """(x, p) of the plan's first call."""
    x, p = plan.calls[0].args[:2]
    return x, p


def both_kinds(name: str, out: np.ndarray, p: float, dropped: bool = True) -> list[str]:
    """A problem unless ``out`` has kept (nonzero) units and, if ``dropped``, dropped (zero) ones:
    a property of the kept units, or of where they are, says nothing about a mask with none."""
    kept = int(np.count_nonzero(out))
    if kept == 0:
        return [f"With p = {p:.3g}, {name} has no kept unit among {out.size}: every unit is zeroed, so nothing "
                "is scaled or masked to check; keep a unit where rng.random(x.shape) >= p."]
    if dropped and kept == out.size:
        return [f"With p = {p:.3g}, {name} has no dropped unit among {out.size}: zero a unit where "
                "rng.random(x.shape) < p."]
    return []


def dropped_share(outputs, plan) -> float:
    return float(np.mean(outputs["out"] == 0))


def share_near_p(outputs, plan) -> list[str]:
    x, p = inputs(plan)
    problems = form(outputs, "out", x)
    if problems:
        return problems
    share, t = dropped_share(outputs, plan), share_tolerance(x.size)
    if abs(share - p) >= t:  # false failure <= FALSE_FAILURE (Hoeffding, n = x.size)
        return [f"With p = {p:.3g}, out has {share:.2%} of its {x.size} units zeroed; expected {p:.2%} "
                f"(within {t:.2%}): p is the probability of dropping a unit."]
    return []


def kept_ratios(outputs, plan) -> np.ndarray:
    x, _ = inputs(plan)
    kept = outputs["out"] != 0
    return outputs["out"][kept] / x[kept]


def scaled_by_inverse_keep(outputs, plan) -> list[str]:
    """Deterministic: every nonzero entry is x / (1 - p), to rounding."""
    x, p = inputs(plan)
    problems = form(outputs, "out", x) or both_kinds("out", outputs["out"], p, dropped=False)
    if problems:
        return problems
    out, scale = outputs["out"], 1 / (1 - p)
    kept = out != 0
    error = relative_error(out[kept], x[kept] * scale)
    if error.size and error.max() > 1e-12:
        ratio = np.median(kept_ratios(outputs, plan))
        return [f"With p = {p:.3g}, the kept units of out are x times {ratio:.6g} (median); expected x times "
                f"1/(1 - p) = {scale:.6g}, so that the expectation of every unit stays x."]
    return []


def same_mask_as_forward(outputs, plan) -> list[str]:
    """Deterministic: dx = dout * out / x, the student's own forward mask and scale."""
    x, p = inputs(plan)
    dout = plan.calls[1].args[0]
    problems = (form(outputs, "out", x) + form(outputs, "dx", dout)) or both_kinds("out", outputs["out"], p)
    if problems:
        return problems
    out, dx = outputs["out"], outputs["dx"]
    if not np.array_equal(dx == 0, out == 0):
        moved = int(np.sum((dx == 0) != (out == 0)))
        return [f"dx is zero at {int(np.sum(dx == 0))} units and out at {int(np.sum(out == 0))}; they differ at {moved}: "
                "the backward pass must use the forward's mask (keep it in the cache), never draw a new one."]
    error = relative_error(dx, dout * out / x)
    if error.max() > 1e-12:
        return ["dx is zero where out is, but the kept units of dx are not dout times the forward's scale "
                "(out / x): the gradient of x * mask is dout * mask, scale included."]
    return []


def reproducible(outputs, plan) -> list[str]:
    x, p = inputs(plan)
    problems = [problem for name in ("out", "same seed", "another seed") for problem in form(outputs, name, x)]
    problems = problems or both_kinds("out", outputs["out"], p)
    if problems:
        return problems
    if not np.array_equal(outputs["out"] == 0, outputs["same seed"] == 0):
        return ["Two generators with the same seed gave different masks: draw the mask from rng "
                "(rng.random(x.shape)), not from np.random's global state."]
    # a correct mask repeats under another seed with probability (p^2 + (1-p)^2)^1200 <= 0.905^1200 < 1e-50
    if np.array_equal(outputs["out"] == 0, outputs["another seed"] == 0):
        return ["Generators with different seeds gave the same mask: draw the mask from the rng argument."]
    return []


ROWS = (40, 250)


def rows_differ(outputs, plan) -> list[str]:
    x, p = inputs(plan)
    problems = form(outputs, "out", x)
    if problems:
        return problems
    # two rows of 250 independent units share a mask with probability (p^2 + (1-p)^2)^250 <= 0.905^250
    # < 1e-10 (p in [0.05, 0.95]); over the 780 pairs of 40 rows below 1e-7
    masks = {row.tobytes() for row in outputs["out"] == 0}
    if len(masks) < ROWS[0]:
        return [f"Identical rows of x got {len(masks)} different masks among {ROWS[0]} rows: draw one mask entry "
                "per unit, rng.random(x.shape), so that every example of the batch is dropped independently."]
    return []


def keep_taken_for_drop(outputs, plan) -> bool:
    """The share of zeros is near 1 - p instead (both bounds at least 2t apart, so exclusive)."""
    x, p = inputs(plan)
    t = share_tolerance(x.size)
    return abs(1 - 2 * p) >= 2 * t and abs(dropped_share(outputs, plan) - (1 - p)) < t


def all_kept_scaled_by(scale):
    """A test: every kept unit is x times ``scale(p)``, a scale other than 1/(1 - p)."""
    def test(outputs, plan) -> bool:
        _, p = inputs(plan)
        ratios = kept_ratios(outputs, plan)
        wrong = scale(p)
        return ratios.size > 0 and abs(wrong * (1 - p) - 1) > 1e-9 and bool(np.all(relative_error(ratios, wrong) < 1e-12))
    return test


def new_mask(outputs, plan) -> bool:
    """dx is a masked dout, zero at about the same share as out, but at other places."""
    out, dx = outputs["out"], outputs["dx"]
    return not np.array_equal(dx == 0, out == 0) and abs(np.mean(dx == 0) - np.mean(out == 0)) < 0.25


SCALED_BY_INVERSE_P = Hint(
    "scaled by 1/p", "Your kept units are x / p; a unit survives with probability 1 - p, so dividing by 1 - p "
    "keeps its expectation x.", test=all_kept_scaled_by(lambda p: 1 / p))


NOT_SCALED = Hint(
    "not scaled in training", "Your kept units are x itself: that is the original, non-inverted dropout, which "
    "rescales at test time instead. Inverted dropout divides by 1 - p in training, so the test-time pass is the "
    "identity.", test=all_kept_scaled_by(lambda p: 1.0))
