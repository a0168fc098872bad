"""Graded cases for optimizers.py (assignment 8): update rules, schedules, clipping, tuning.

Visible cases use fixed public inputs; hidden ones draw shapes, hyperparameters and values
from the secret seed. Every update rule is graded over runs of consecutive steps that thread
the returned config through, from config=None (the defaults) and from configs that set some
keys, with and without weight decay. Each run is three chains from the same start, of 1, 3
and n >= 10 steps, whose final weights are judged: wrong state handling shows as an error
that grows along the chains, and the chains share no arrays, so a rule that writes into w
loses only the case about its inputs. The gradients put each coordinate at its own scale,
log-spaced from 1e-7 to 10 (and w with them, so that weight decay keeps the scale): where
the gradients are as small as sqrt(eps), eps inside or outside the square root differ.
Schedules, clipping, newton_step and update_ratio are compared with the reference;
log_uniform is random and judged by properties whose bounds are derived from the number of
draws (see "Random search" below).
"""

from __future__ import annotations

import math

import numpy as np

from ..hints import Hint
from ..judge import Compare, Mismatch, Property, Raises, compare
from ..plan import Call, Plan
from ..suite import Case, Suite, fixed, generator, normal, per_output

RULES = ("sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")
DEFAULTS = {  # the documented defaults (torch.optim's; momentum 0.9 is ours)
    "sgd": {"lr": 1e-3},
    "sgd_momentum": {"lr": 1e-3, "momentum": 0.9},
    "nesterov_momentum": {"lr": 1e-3, "momentum": 0.9},
    "adagrad": {"lr": 1e-2, "eps": 1e-10},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
SET_KEYS = {  # the visible runs' hyperparameters, far from the defaults
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.02, "momentum": 0.6},
    "nesterov_momentum": {"lr": 0.02, "momentum": 0.75},
    "adagrad": {"lr": 0.3, "eps": 1e-7},
    "rmsprop": {"lr": 0.02, "alpha": 0.8},
    "adam": {"lr": 0.01, "beta1": 0.5, "beta2": 0.9},
}
LIMITS = {  # the fractions at their lower limit 0, allowed: a check of 0 < momentum wrongly refuses them
    "sgd_momentum": {"lr": 0.02, "momentum": 0.0},
    "nesterov_momentum": {"lr": 0.02, "momentum": 0.0},
    "rmsprop": {"lr": 0.02, "alpha": 0.0},
    "adam": {"lr": 0.01, "beta1": 0.0, "beta2": 0.0},
}
BAD_VALUES = {  # one forbidden value per key: negative, or a fraction at or beyond 1
    "lr": -1e-3, "eps": -1e-8, "weight_decay": -1e-4, "momentum": 1.0, "alpha": 1.0, "beta1": -0.1, "beta2": 1.0,
}
# Schedules, clipping, Newton's step and update_ratio have one right float64 answer up to
# rounding (np.linalg.solve or another order of the sums: about 1e-15 here)
EXACT = Compare(tol=1e-9)
# An input left as it was is bit for bit the same; the result must still be well formed
KEEPS = Compare(tol=0.0, form_only=("next_w", "clipped"))


# -- 8.1 to 8.6 update rules ---------------------------------------------------------------------

def coordinate_scales(rng, shape):
    """One scale per entry, log-spaced over [1e-7, 10] in a random order."""
    size = math.prod(shape)
    return rng.permutation(np.logspace(-7, 1, size)).reshape(shape)


def training_run(rng, shape, steps):
    """w0 and ``steps`` gradients: a steady drift plus noise, at the entries' own scales."""
    scales = coordinate_scales(rng, shape)
    drift = normal(rng, *shape)
    return scales * normal(rng, *shape), [scales * (drift + normal(rng, *shape)) for _ in range(steps)]


def random_keys(rng, rule):
    """A random, non-empty selection of the rule's hyperparameters, at random valid values."""
    draws = {
        "lr": 10 ** rng.uniform(-3, -1), "momentum": rng.uniform(0.3, 0.95), "alpha": rng.uniform(0.5, 0.99),
        "beta1": rng.uniform(0.5, 0.95), "beta2": rng.uniform(0.9, 0.999), "eps": 10 ** rng.uniform(-9, -6),
    }
    keys = list(DEFAULTS[rule])
    chosen = [key for key in keys if rng.random() < 0.5] or [keys[rng.integers(len(keys))]]
    return {key: float(draws[key]) for key in chosen}


def random_shape(rng):
    """1-D, 2-D or 3-D, with at least 8 entries."""
    ndim = int(rng.integers(1, 4))
    while True:
        shape = tuple(int(n) for n in rng.integers(1, 7, size=ndim)) if ndim > 1 else (int(rng.integers(8, 20)),)
        if math.prod(shape) >= 8:
            return shape


def run_plan(rule, config, shape, steps, weight_decay=None):
    """Chains of 1, 3 and ``steps(rng)`` calls of ``rule`` from one w0, each call taking the
    previous call's next_w and config; the first takes ``config(rng)`` (None: the defaults),
    with weight_decay drawn by ``weight_decay(rng)`` if given. Judged: each chain's last w."""
    def build(rng):
        n = steps(rng)
        first = config(rng)
        if weight_decay is not None:
            first = {**(first or {}), "weight_decay": weight_decay(rng)}
        w0, grads = training_run(rng, shape(rng), n)
        outputs, calls = {}, []
        for length in (1, 3, n):
            chain = []
            for dw in grads[:length]:
                chain.append(Call(rule, chain[-1].out[0] if chain else w0, dw, chain[-1].out[1] if chain else first))
            calls += chain
            outputs[f"w after {length} step{'s' if length > 1 else ''}"] = chain[-1].out[0]
        return Plan(calls, outputs)
    return build


def keeps_inputs(rule):
    """Two threaded steps from config=None, and a step with weight_decay: judged, the w and
    dw of each call after the whole plan (a later step must not write into an earlier dw)."""
    def build(rng):
        w0, grads = training_run(rng, (3, 4), 3)
        first = Call(rule, w0, grads[0])
        second = Call(rule, first.out[0], grads[1], first.out[1])
        decayed = Call(rule, w0, grads[2], {"weight_decay": 0.3})
        return Plan([first, second, decayed], {
            "the w passed to the first call": first.arg(0), "the dw passed to the first call": first.arg(1),
            "the dw passed to the second call": second.arg(1), "the w passed to a call with weight_decay": decayed.arg(0),
            "the dw passed to a call with weight_decay": decayed.arg(1), "next_w": second.out[0],
        })
    return build


def bad_key_plan(rule, key):
    def build(rng):
        call = Call(rule, normal(rng, 4), normal(rng, 4), {key: BAD_VALUES[key]})
        return Plan([call], {"next_w": call.out[0]})
    return build


# -- 8.7 Newton's method -------------------------------------------------------------------------

def quadratic(rng, d, saddle):
    """A = Q diag(lambda) Q.T with |lambda| in [0.5, 5] (negative ones for a saddle), b."""
    q, _ = np.linalg.qr(normal(rng, d, d))
    eigenvalues = rng.uniform(0.5, 5.0, size=d)
    if saddle:
        eigenvalues[rng.permutation(d)[: max(1, d // 2)]] *= -1
    return q @ np.diag(eigenvalues) @ q.T, normal(rng, d)


def newton_plan(dimension, saddle):
    """One step from a random w on f(w) = w @ A @ w / 2 - b @ w: grad = A @ w - b, H = A."""
    def build(rng):
        d = dimension(rng)
        A, b = quadratic(rng, d, saddle(rng))
        w = normal(rng, d, scale=3.0)
        call = Call("newton_step", w, A @ w - b, A)
        return Plan([call], {"next_w": call.out})
    return build


def singular_hessian(rng):
    """A Hessian with a zero row and column (a flat direction): solving meets an exact 0 pivot."""
    A, b = quadratic(rng, 4, saddle=False)
    flat = int(rng.integers(4))
    A[flat, :] = A[:, flat] = 0.0
    call = Call("newton_step", normal(rng, 4), normal(rng, 4), A)
    return Plan([call], {"next_w": call.out})


# -- 8.8 to 8.11 schedules -------------------------------------------------------------------

def schedule_plan(schedule, arguments, steps):
    """``schedule(lr0, t, *rest)`` at each t of ``steps(rng)``, with (lr0, *rest) = ``arguments(rng)``."""
    def build(rng):
        lr0, *rest = arguments(rng)
        calls = [Call(schedule, lr0, t, *rest) for t in steps(rng)]
        return Plan(calls, {f"lr at t = {call.args[1]}": call.out for call in calls})
    return build


def random_steps(rng):
    """0, then 11 distinct steps up to 60 in increasing order."""
    return [0, *sorted(int(t) for t in rng.choice(np.arange(1, 61), size=11, replace=False))]


def raises_plan(function, *args):
    def build(rng):
        call = Call(function, *args)
        return Plan([call], {"result": call.out})
    return build


# -- 8.12, 8.13 clipping ----------------------------------------------------------------------

def parameter_gradients(rng, shapes, scale):
    return [normal(rng, *shape, scale=scale) for shape in shapes]


def random_shapes(rng):
    """Two to four gradients of 1 to 3 dimensions."""
    return [tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4))) for _ in range(rng.integers(2, 5))]


FIXED_SHAPES = fixed((3, 4), (4,), (2, 2, 3))  # the visible cases' gradients


def clip_value_plan(shapes, clip_value):
    def build(rng):
        call = Call("clip_by_value", parameter_gradients(rng, shapes(rng), 2.0), clip_value(rng))
        return Plan([call], {"clipped": call.out})
    return build


def clip_norm_plan(shapes, scale, share):
    """Gradients of entries ~ N(0, scale^2) and max_norm = ``share`` times their total norm
    (below 1: clipped; above 1: left as they are)."""
    def build(rng):
        grads = parameter_gradients(rng, shapes(rng), scale)
        total = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
        call = Call("clip_by_norm", grads, share(rng) * total)
        return Plan([call], {"clipped": call.out[0], "total_norm": call.out[1]})
    return build


def keeps_grads(function, argument):
    def build(rng):
        call = Call(function, parameter_gradients(rng, FIXED_SHAPES(rng), 2.0), argument)
        clipped = call.out if function == "clip_by_value" else call.out[0]
        return Plan([call], {f"grads after {function}": call.arg(0), "clipped": clipped})
    return build


# -- 8.14 random search ---------------------------------------------------------------------
# A correct log_uniform has u = (log10 x - log10 low) / (log10 high - log10 low) uniform on
# [0, 1). Two checks on n draws, each failing a correct implementation with probability at
# most ALPHA:
# - the share of draws in each quarter of [log10 low, log10 high) (each decade on the
#   visible case) is within QUARTER_BOUND(n) of 1/4: by Hoeffding, P(|share - 1/4| >= c)
#   <= 2 exp(-2 n c^2), times 4 quarters, = ALPHA at c = sqrt(ln(8 / ALPHA) / (2 n));
# - the Kolmogorov-Smirnov distance of the u's to the uniform law is within KS_BOUND(n): by
#   the Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant), P(D_n > e) <= 2 exp(-2 n e^2),
#   = ALPHA at e = sqrt(ln(2 / ALPHA) / (2 n)).
# Two statistical cases with both checks: a correct implementation fails a grading with
# probability at most FALSE_FAILURE = 4 ALPHA = 4e-7. The range check allows only rounding.
# At n = 20000 the bounds are 0.0213 and 0.0205. Draws uniform in x instead of log x put under
# 0.1% of them in the lowest quarter over 4 decades (1.1% over the hidden cases' 1.5 decades
# at least), 0.23 below the bound: Hoeffding bounds their chance to pass by exp(-2 n 0.2^2) < 1e-600.

ALPHA = 1e-7
FALSE_FAILURE = 4 * ALPHA
DRAWS = 20_000


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


def log_uniform_plan(bounds):
    def build(rng):
        low, high = bounds(rng)
        call = Call("log_uniform", low, high, DRAWS, generator(rng.integers(2**32)))
        return Plan([call], {"samples": call.out})
    return build


def follows_log_uniform(outputs: dict, plan) -> list[str]:
    """Property test: DRAWS float64 samples, in range, log10 uniform."""
    low, high, size = plan.calls[0].args[:3]
    try:
        compare("samples", outputs.get("samples"), np.zeros(size), math.inf)  # the form only
    except Mismatch as mismatch:
        return [str(mismatch)]
    return log_uniform_problems(outputs["samples"], low, high)


def random_bounds(rng):
    """low in [1e-7, 1e-2], high 1.5 to 5 decades above."""
    low = 10 ** rng.uniform(-7, -2)
    return float(low), float(low * 10 ** rng.uniform(1.5, 5))


def rng_plan(rng):
    """log_uniform of size (3, 4) with a seed, the same seed again, and another seed."""
    seed = int(rng.integers(2**31))
    calls = [Call("log_uniform", 1e-4, 1.0, (3, 4), generator(s)) for s in (seed, seed, seed + 1)]
    return Plan(calls, {"samples": calls[0].out, "samples again": calls[1].out, "samples, other seed": calls[2].out})


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


# -- 8.15 update ratio ------------------------------------------------------------------------

def update_ratio_plan(shape, scale):
    def build(rng):
        dims = shape(rng)
        call = Call("update_ratio", normal(rng, *dims), normal(rng, *dims, scale=scale(rng)))
        return Plan([call], {"ratio": call.out})
    return build


# -- misconceptions: the update rules with one known mistake, run on the case's own plan ----------

NO_BIAS_CORRECTION = "no bias correction"
OLD_VELOCITY = "old velocity"
NO_WEIGHT_DECAY = "no weight decay"
EPS_INSIDE = "eps inside the square root"
RESTARTS = "state not stored"


def mistaken(rule, mistake):
    """``rule`` as a student who makes ``mistake`` (one of the names above) writes it."""
    def update(w, dw, config=None):
        c = {**DEFAULTS[rule], "weight_decay": 0.0, **(config or {})}
        state = {} if mistake == RESTARTS else dict(c)  # what this step reads of the last one's state
        g = dw if mistake == NO_WEIGHT_DECAY else dw + c["weight_decay"] * w

        def root(s):
            return np.sqrt(s + c["eps"]) if mistake == EPS_INSIDE else np.sqrt(s) + c["eps"]

        if rule == "sgd":
            step = g
        elif rule in ("sgd_momentum", "nesterov_momentum"):
            old = state.get("v", 0.0)
            c["v"] = c["momentum"] * old + g
            step = c["v"] if rule == "sgd_momentum" else g + c["momentum"] * (old if mistake == OLD_VELOCITY else c["v"])
        elif rule == "adagrad":
            c["s"] = state.get("s", 0.0) + g**2
            step = g / root(c["s"])
        elif rule == "rmsprop":
            c["s"] = c["alpha"] * state.get("s", 0.0) + (1 - c["alpha"]) * g**2
            step = g / root(c["s"])
        else:
            t = state.get("t", 0) + 1
            m = c["beta1"] * state.get("m", 0.0) + (1 - c["beta1"]) * g
            v = c["beta2"] * state.get("v", 0.0) + (1 - c["beta2"]) * g**2
            c.update(t=t, m=m, v=v)
            step = m / root(v) if mistake == NO_BIAS_CORRECTION else m / (1 - c["beta1"] ** t) / root(v / (1 - c["beta2"] ** t))
        return w - c["lr"] * step, c
    return update


def clip_each_separately(grads, max_norm):
    norms = [math.sqrt(float(np.sum(g**2))) for g in grads]
    return [g * min(1.0, max_norm / (norm + 1e-6)) for g, norm in zip(grads, norms)], math.sqrt(sum(n**2 for n in norms))


def step_decay_without_floor(lr0, t, step_size, gamma=0.1):
    return lr0 * gamma ** (t / step_size)


def rule_hint(name, text, mistake, rules):
    return {rule: Hint(name, text, replace={rule: mistaken(rule, mistake)}) for rule in rules}


BIAS_HINT = rule_hint(
    "adam without bias correction", "Your weights match Adam without bias correction: m and v start at 0, so in the "
    "first steps they are far too small; divide them by 1 - beta1**t and 1 - beta2**t, with t counted from 1.",
    NO_BIAS_CORRECTION, ["adam"])
OLD_VELOCITY_HINT = rule_hint(
    "nesterov with the old velocity", "Your weights match a Nesterov step along the velocity of the previous step; "
    "the look-ahead uses the new one: v = momentum * v + g first, then next_w = w - lr * (g + momentum * v).",
    OLD_VELOCITY, ["nesterov_momentum"])
WEIGHT_DECAY_HINT = rule_hint(
    "weight decay forgotten", "Your weights match the rule without weight decay: the L2 term is part of the "
    "gradient, g = dw + weight_decay * w, before anything else uses g.", NO_WEIGHT_DECAY, RULES)
EPS_HINT = rule_hint(
    "eps inside the square root", "Your weights match sqrt(s + eps) in the denominator; torch.optim (and the "
    "handout) add eps after the root, sqrt(s) + eps, which differs wherever the gradients are as small as sqrt(eps).",
    EPS_INSIDE, ["adagrad", "rmsprop", "adam"])
RESTART_HINT = rule_hint(
    "state not kept in config", "Your weights match a rule whose state starts afresh at every call: store the "
    "new state in the config you return (config['v'] = v), since that dict is all the next call receives.",
    RESTARTS, RULES[1:])
CLIP_SEPARATELY = Hint(
    "each gradient clipped by its own norm", "Your clipped gradients match clipping every array by its own norm; "
    "clip_by_norm scales all of them by one factor from their total norm, so the direction of the whole "
    "gradient is kept.", replace={"clip_by_norm": clip_each_separately})
NO_FLOOR = Hint(
    "step decay without the floor", "Your rates decay smoothly, as gamma ** (t / step_size); step decay holds the "
    "rate for step_size steps and then drops it: gamma ** (t // step_size).",
    replace={"step_decay": step_decay_without_floor})


def hints_for(rule):
    return tuple(table[rule] for table in (BIAS_HINT, OLD_VELOCITY_HINT, EPS_HINT, RESTART_HINT, WEIGHT_DECAY_HINT) if rule in table)


TEN = lambda rng: 10  # noqa: E731 - the visible runs' length
TEN_TO_14 = lambda rng: int(rng.integers(10, 15))  # noqa: E731 - the hidden runs' length


def rule_cases(rule):
    """The graded runs of one update rule, its inputs left alone, and its ValueErrors."""
    keys = ", ".join(SET_KEYS[rule])
    hints = hints_for(rule)
    return [
        Case(f"{rule}, 10 steps from config=None", 2, run_plan(rule, lambda rng: None, fixed(3, 5), TEN), about="the defaults, state threaded through config", hints=hints),
        Case(f"{rule}, 10 steps with {keys} and weight_decay set", 2, run_plan(rule, lambda rng: dict(SET_KEYS[rule]), fixed(4, 4), TEN, weight_decay=lambda rng: 0.2), hints=hints),
        Case(f"{rule}, 10 to 14 steps, random shape and hyperparameters", 1, run_plan(rule, lambda rng: random_keys(rng, rule), random_shape, TEN_TO_14), visibility="hidden", hints=hints),
        Case(f"{rule}, 10 to 14 steps, random hyperparameters with weight_decay", 1, run_plan(rule, lambda rng: random_keys(rng, rule), random_shape, TEN_TO_14, weight_decay=lambda rng: float(rng.uniform(0.05, 0.5))), visibility="hidden", hints=hints),
        *([Case(f"{rule}, 10 steps with {' and '.join(key for key in LIMITS[rule] if key != 'lr')} = 0 (the lower limit)", 1,
                run_plan(rule, lambda rng: dict(LIMITS[rule]), random_shape, TEN), visibility="hidden", hints=hints)] if rule in LIMITS else []),
        Case(f"{rule} leaves w and dw unchanged", 1, keeps_inputs(rule), KEEPS, about="next_w is a new array; no w -= ..."),
        *(Case(f"{rule} raises ValueError for {key} = {BAD_VALUES[key]:g}", 0.5, bad_key_plan(rule, key), Raises(ValueError, RULE_LIMITS[key]))
          for key in (*DEFAULTS[rule], "weight_decay")),
    ]


RULE_LIMITS = {key: f"{key} must be {'>= 0' if key in ('lr', 'eps', 'weight_decay') else 'in [0, 1)'}" for key in BAD_VALUES}


ELEVEN = lambda rng: range(11)  # noqa: E731 - t = 0 .. 10

SUITE = Suite("optimizers", (
    *(case for rule in RULES for case in rule_cases(rule)),
    Case("newton_step lands on the minimum of a quadratic", 2, newton_plan(lambda rng: 4, lambda rng: False), EXACT, about="next_w = w - H^-1 grad, in one step"),
    Case("newton_step reaches a saddle point", 2, newton_plan(lambda rng: 3, lambda rng: True), EXACT, about="Newton seeks zero gradient, not low loss"),
    Case("newton_step, random quadratics", 1, newton_plan(lambda rng: int(rng.integers(2, 9)), lambda rng: bool(rng.integers(2))), EXACT, visibility="hidden"),
    Case("newton_step raises LinAlgError for a singular Hessian", 1, singular_hessian, Raises(np.linalg.LinAlgError), about="solve, do not pseudo-invert"),
    Case("step_decay", 1, schedule_plan("step_decay", lambda rng: (0.5, 3, 0.5), ELEVEN), EXACT, about="lr0 * gamma ** (t // step_size)", hints=(NO_FLOOR,)),
    Case("step_decay with the default gamma", 1, schedule_plan("step_decay", lambda rng: (0.1, 4), lambda rng: range(0, 13, 2)), EXACT, hints=(NO_FLOOR,)),
    Case("step_decay with step_size = 1 (the lower limit)", 1, schedule_plan("step_decay", lambda rng: (float(rng.uniform(0.01, 1)), 1, float(rng.uniform(0.1, 0.9))), lambda rng: range(6)), EXACT, visibility="hidden", hints=(NO_FLOOR,)),
    Case("step_decay, random schedule", 1, schedule_plan("step_decay", lambda rng: (float(rng.uniform(0.01, 1)), int(rng.integers(2, 7)), float(rng.uniform(0.1, 0.9))), random_steps), EXACT, visibility="hidden", hints=(NO_FLOOR,)),
    Case("exponential_decay", 1, schedule_plan("exponential_decay", lambda rng: (0.1, 0.9), ELEVEN), EXACT),
    Case("exponential_decay, random schedule", 1, schedule_plan("exponential_decay", lambda rng: (float(rng.uniform(0.01, 1)), float(rng.uniform(0.8, 0.99))), random_steps), EXACT, visibility="hidden"),
    Case("inverse_time_decay", 1, schedule_plan("inverse_time_decay", lambda rng: (0.1, 0.5), ELEVEN), EXACT),
    Case("inverse_time_decay, random schedule", 1, schedule_plan("inverse_time_decay", lambda rng: (float(rng.uniform(0.01, 1)), float(rng.uniform(0.01, 2))), random_steps), EXACT, visibility="hidden"),
    Case("inverse_sqrt_decay", 1, schedule_plan("inverse_sqrt_decay", lambda rng: (0.1, 0.5), ELEVEN), EXACT),
    Case("inverse_sqrt_decay, random schedule", 1, schedule_plan("inverse_sqrt_decay", lambda rng: (float(rng.uniform(0.01, 1)), float(rng.uniform(0.01, 2))), random_steps), EXACT, visibility="hidden"),
    Case("step_decay raises ValueError for t = -1", 0.5, raises_plan("step_decay", 0.1, -1, 3), Raises(ValueError)),
    Case("step_decay raises ValueError for step_size = 0", 0.5, raises_plan("step_decay", 0.1, 5, 0), Raises(ValueError), about="not a ZeroDivisionError"),
    Case("exponential_decay raises ValueError for t = -1", 0.5, raises_plan("exponential_decay", 0.1, -1, 0.9), Raises(ValueError)),
    Case("inverse_time_decay raises ValueError for t = -1", 0.5, raises_plan("inverse_time_decay", 0.1, -1, 0.5), Raises(ValueError)),
    Case("inverse_sqrt_decay raises ValueError for t = -1", 0.5, raises_plan("inverse_sqrt_decay", 0.1, -1, 0.5), Raises(ValueError)),
    Case("clip_by_value", 1, clip_value_plan(FIXED_SHAPES, lambda rng: 1.0), EXACT),
    Case("clip_by_value, random gradients", 1, clip_value_plan(random_shapes, lambda rng: float(rng.uniform(0.2, 3))), EXACT, visibility="hidden"),
    Case("clip_by_value leaves grads unchanged", 1, keeps_grads("clip_by_value", 1.0), KEEPS),
    *per_output(clip_norm_plan(FIXED_SHAPES, 3.0, lambda rng: 0.4), "clip_by_norm", {"clipped": 2, "total_norm": 1}, hints=(CLIP_SEPARATELY,)),
    *per_output(clip_norm_plan(random_shapes, 3.0, lambda rng: float(rng.uniform(0.1, 0.9))), "clip_by_norm, random gradients", {"clipped": 1, "total_norm": 1}, visibility="hidden", hints=(CLIP_SEPARATELY,)),
    *per_output(clip_norm_plan(FIXED_SHAPES, 2.0, lambda rng: 1.5), "clip_by_norm below max_norm", {"clipped": 1}, about="a factor of 1: left as they are"),
    *per_output(clip_norm_plan(FIXED_SHAPES, 3e-5, lambda rng: 0.1), "clip_by_norm adds 1e-6 to the total norm", {"clipped": 1}, about="a total norm of 1e-4: max_norm / (total_norm + 1e-6)"),
    Case("clip_by_norm leaves grads unchanged", 1, keeps_grads("clip_by_norm", 1.0), KEEPS),
    Case("log_uniform, 20000 draws over 4 decades", 2, log_uniform_plan(lambda rng: (1e-5, 1e-1)), Property(follows_log_uniform), about="an equal share in each decade"),
    Case("log_uniform, random bounds", 1, log_uniform_plan(random_bounds), Property(follows_log_uniform), visibility="hidden"),
    Case("log_uniform draws from rng", 1, rng_plan, Property(uses_rng, side=True), about="same seed, same samples; size a tuple"),
    Case("log_uniform raises ValueError for low = 0", 0.5, raises_plan("log_uniform", 0.0, 1.0, 5, generator(0)), Raises(ValueError, "0 < low < high")),
    Case("log_uniform raises ValueError for low > high", 0.5, raises_plan("log_uniform", 1e-2, 1e-3, 5, generator(0)), Raises(ValueError, "0 < low < high")),
    Case("log_uniform raises ValueError for low = high", 0.5, raises_plan("log_uniform", 1e-2, 1e-2, 5, generator(0)), Raises(ValueError, "0 < low < high"), about="an empty range: the bound is strict"),
    Case("update_ratio", 1, update_ratio_plan(fixed(4, 5), lambda rng: 1e-3), EXACT, about="Frobenius norms"),
    Case("update_ratio of a 4-D weight", 1, update_ratio_plan(lambda rng: tuple(int(n) for n in rng.integers(2, 5, size=4)), lambda rng: float(10 ** rng.uniform(-4, -1))), EXACT, visibility="hidden"),
    Case("update_ratio raises ValueError when w is all zeros", 0.5, raises_plan("update_ratio", np.zeros((2, 3)), np.ones((2, 3))), Raises(ValueError)),
))
