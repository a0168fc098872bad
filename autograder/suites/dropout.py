"""Graded cases for dropout.py (assignment 5): inverted dropout.

A mask is random, so training-mode outputs are judged by properties, never against the
reference's own draw: the share of zeros is near p, kept units are scaled by exactly
1/(1 - p), the backward pass zeroes and scales exactly where the forward did, one seed gives
one mask, and rows of a batch get masks of their own. Deterministic behaviour (test time,
p = 0, the errors) is compared exactly. Inputs never contain a zero, so a zero in out is a
dropped unit, and p is never 0.5 in the rate and scale cases, where p and 1 - p coincide.

Every statistical bound below is Hoeffding's, P(|share - p| >= t) <= 2 exp(-2 n t^2), with
t chosen so that a correct submission fails it with probability at most 1e-7; with fewer
than ten such checks in the suite, a correct submission loses points with probability below
1e-6 per grading. The wrong submissions the bounds must catch are at least 0.2 away.

No property holds vacuously (:func:`both_kinds`): the scale check needs kept units, the mask
and seed checks kept and dropped ones. A correct mask of n units at p in
[0.05, 0.95] has none of one kind with probability at most 2 * 0.95^n, below 1e-8 for the
n >= 360 those cases draw (more at p = 0.2, 0.3 and 0.75), which adds less than 1e-7.
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import Hint
from ..judge import Compare, Mismatch, Property, Raises, compare, relative_error
from ..plan import Call, Plan
from ..suite import Case, Suite, away_from_zero, fixed, generator, normal

FALSE_FAILURE = 1e-7  # per statistical check; at most 10 of them run in one grading


def share_tolerance(n: int) -> float:
    """The t with 2 exp(-2 n t^2) = FALSE_FAILURE: the share of zeros among n independent
    draws is within t of p except with probability at most FALSE_FAILURE (Hoeffding)."""
    return math.sqrt(math.log(2 / FALSE_FAILURE) / (2 * n))


def away_from_half(rng):
    """p in [0.05, 0.4] or [0.6, 0.95]: at least 0.2 from 1 - p, so a swapped keep and drop
    probability shows (p = 0.5 hides it)."""
    p = rng.uniform(0.05, 0.4)
    return float(p if rng.random() < 0.5 else 1 - p)


def form(outputs: dict, name: str, like: np.ndarray) -> list[str]:
    """Problems with the form of ``outputs[name]`` (type, shape, dtype, finite) against ``like``."""
    try:
        compare(name, outputs.get(name), like, math.inf)
    except Mismatch as mismatch:
        return [str(mismatch)]
    return []


def forward_plan(shape, p, train=True):
    """One forward; ``shape`` and ``p`` are functions of the case's rng."""
    def build(rng):
        call = Call("dropout_forward", away_from_zero(rng, *shape(rng)), p(rng), train, generator(rng.integers(2**31)))
        return Plan([call], {"out": call.out[0]})
    return build


def keeps_x(rng):
    call = Call("dropout_forward", away_from_zero(rng, 6, 7), 0.3, True, generator(rng.integers(2**31)))
    return Plan([call], {"x after dropout_forward": call.arg(0), "out": call.out[0]})


def inputs(plan):
    """(x, p) of the plan's first call."""
    x, p = plan.calls[0].args[:2]
    return x, p


# -- the share of zeros ------------------------------------------------------------------------
# One row (N = 1) of 24,000 units: the share is over independent draws whatever the mask's
# shape; independence across rows is its own case. t = 0.0187 at n = 24,000.

SHARE_SIZE = 24_000


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


# -- the scale of the kept units ---------------------------------------------------------------

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


# -- the backward pass uses the forward's mask -------------------------------------------------

def backward_plan(shape, p):
    def build(rng):
        dims = shape(rng)
        forward = Call("dropout_forward", away_from_zero(rng, *dims), p(rng), True, generator(rng.integers(2**31)))
        backward = Call("dropout_backward", normal(rng, *dims), forward.out[1])
        return Plan([forward, backward], {"out": forward.out[0], "dx": backward.out})
    return build


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


# -- one seed, one mask; rows of their own -----------------------------------------------------

def reproducible_plan(rng):
    x, p, seed = away_from_zero(rng, 30, 40), away_from_half(rng), int(rng.integers(2**31))
    calls = [Call("dropout_forward", x, p, True, generator(s)) for s in (seed, seed, seed + 1)]
    return Plan(calls, {"out": calls[0].out[0], "same seed": calls[1].out[0], "another seed": calls[2].out[0]})


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


def rows_plan(rng):
    """40 identical rows: independent masks make them differ."""
    x = np.tile(away_from_zero(rng, 1, ROWS[1]), (ROWS[0], 1))
    call = Call("dropout_forward", x, away_from_half(rng), True, generator(rng.integers(2**31)))
    return Plan([call], {"out": call.out[0]})


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


# -- misconceptions ---------------------------------------------------------------------------
# Each test recognises one mistake from the outputs, and only where it differs from the truth.

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


SWAPPED = Hint(
    "keep probability taken for drop probability", "Your out zeroes a share near 1 - p of the units: p is the "
    "probability of dropping a unit (PyTorch's convention), so keep a unit where rng.random(x.shape) >= p.",
    test=keep_taken_for_drop)
SCALED_BY_INVERSE_P = Hint(
    "scaled by 1/p", "Your kept units are x / p; a unit survives with probability 1 - p, so dividing by 1 - p "
    "keeps its expectation x.", test=all_kept_scaled_by(lambda p: 1 / p))
NOT_SCALED = Hint(
    "not scaled in training", "Your kept units are x itself: that is the original, non-inverted dropout, which "
    "rescales at test time instead. Inverted dropout divides by 1 - p in training, so the test-time pass is the "
    "identity.", test=all_kept_scaled_by(lambda p: 1.0))
NEW_MASK = Hint(
    "a new mask in the backward pass", "Your dx is zero at other units than out: the gradient flows only through "
    "the units the forward pass kept, so keep its mask in the cache and reuse it.", test=new_mask)
SCALED_AT_TEST_TIME = Hint(
    "scaled at test time", "Your test-time out is x * (1 - p): with inverted dropout the training pass already "
    "divides by 1 - p, so at test time the layer returns x unchanged.",
    wrong=lambda e, plan: {"out": inputs(plan)[0] * (1 - inputs(plan)[1])})

P = lambda p: (lambda rng: p)  # noqa: E731 - a p that does not depend on the draw
EXACT = Compare(tol=0.0)
# x left as it was is bit for bit the same; out (random) must still be well formed
KEEPS = Compare(tol=0.0, form_only=("out",))
SCALE = (SCALED_BY_INVERSE_P, NOT_SCALED)

SUITE = Suite("dropout", (
    Case("dropout_forward drops a share p of the units, p = 0.2", 2, forward_plan(fixed(1, SHARE_SIZE), P(0.2)), Property(share_near_p), about="share of zeros within 1.9% of p", hints=(SWAPPED,)),
    Case("dropout_forward drops a share p of the units, p = 0.75", 1, forward_plan(fixed(1, SHARE_SIZE), P(0.75)), Property(share_near_p), hints=(SWAPPED,)),
    Case("dropout_forward drops a share p of the units, random p", 1, forward_plan(fixed(1, 6, 40, 100), away_from_half), Property(share_near_p), visibility="hidden", hints=(SWAPPED,)),
    Case("dropout_forward scales kept units by 1/(1 - p), p = 0.2", 2, forward_plan(fixed(20, 50), P(0.2)), Property(scaled_by_inverse_keep), hints=SCALE),
    Case("dropout_forward scales kept units by 1/(1 - p), p = 0.75", 1, forward_plan(fixed(20, 50), P(0.75)), Property(scaled_by_inverse_keep), hints=SCALE),
    Case("dropout_forward scales kept units by 1/(1 - p), random p", 1, forward_plan(fixed(3, 4, 5, 6), away_from_half), Property(scaled_by_inverse_keep), visibility="hidden", hints=SCALE),
    Case("dropout_forward at test time returns x unchanged", 2, forward_plan(fixed(6, 5), P(0.3), train=False), EXACT, about="no mask, no scaling", hints=(SCALED_AT_TEST_TIME,)),
    Case("dropout_forward at test time, random p", 1, forward_plan(fixed(4, 3, 2), away_from_half, train=False), EXACT, visibility="hidden", hints=(SCALED_AT_TEST_TIME,)),
    Case("dropout_forward with p = 0 is the identity", 1, forward_plan(fixed(7, 9), P(0.0)), EXACT),
    Case("dropout_forward: the same seed gives the same mask", 1, reproducible_plan, Property(reproducible, side=True)),
    Case("dropout_forward: rows of a batch get their own masks", 1, rows_plan, Property(rows_differ)),
    Case("dropout_forward leaves x unchanged", 1, keeps_x, KEEPS, about="no x *= mask in place"),
    Case("dropout_forward raises ValueError for p = 1", 1, forward_plan(fixed(3, 4), P(1.0)), Raises(ValueError)),
    Case("dropout_forward raises ValueError for p < 0", 1, forward_plan(fixed(3, 4), P(-0.1)), Raises(ValueError)),
    Case("dropout_backward uses the forward's mask", 2, backward_plan(fixed(8, 30), P(0.3)), Property(same_mask_as_forward), hints=(NEW_MASK,)),
    Case("dropout_backward uses the forward's mask, random p", 1, backward_plan(fixed(2, 3, 60), away_from_half), Property(same_mask_as_forward), visibility="hidden", hints=(NEW_MASK,)),
))
