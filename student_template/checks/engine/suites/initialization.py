"""The judging code of the visible cases of autograder/suites/initialization.py, copied by `dlgrade release`:
only the statements that this code needs, never the cases or their inputs."""

from __future__ import annotations


import functools


import math


from dataclasses import dataclass


import numpy as np


from ..hints import Hint


from ..judge import Mismatch, Property, Raises, compare


ALPHA = 1e-8  # the largest chance that one statistical check fails a correct implementation


RANGE_SLACK = 1e-9  # relative: a bound sqrt(3 Var) computed another way may differ in its last bits


TAIL = math.erfc(math.sqrt(1.5))  # P(|Z| > sqrt(3)) = 0.0833 for a standard normal Z


KIND = {"xavier_normal": "normal", "xavier_uniform": "uniform", "he_normal": "normal"}


def _solve(tail, target: float, lo: float, hi: float) -> float:
    """The t in [lo, hi] where the monotone ``tail(t)`` crosses ``target``, rounded to the side
    where ``tail(t) <= target`` (so a bound derived from it is never optimistic)."""
    safe, unsafe = (hi, lo) if tail(hi) <= target else (lo, hi)
    for _ in range(200):
        middle = (safe + unsafe) / 2
        if tail(middle) <= target:
            safe = middle
        else:
            unsafe = middle
    return safe


@functools.lru_cache(maxsize=None)
def mean_square_band(kind: str, n: int, alpha: float = ALPHA) -> tuple[float, float]:
    """(low, high): a correct sample's mean square m lies in Var * [1 - low, 1 + high] but
    with probability at most ``alpha``.

    normal: n m / Var is chi-square with n degrees of freedom; Chernoff's bounds
    P(>= n(1 + t)) <= exp(-n/2 (t - ln(1 + t))) and P(<= n(1 - t)) <= exp(-n/2 (-t - ln(1 - t)))
    are set to alpha / 2 each. uniform: each x^2 lies in [0, a^2] = [0, 3 Var]; Hoeffding gives
    P(|m - Var| >= t Var) <= 2 exp(-2 n t^2 / 9), set to alpha.
    """
    if kind == "normal":
        high = _solve(lambda t: math.exp(-n / 2 * (t - math.log1p(t))), alpha / 2, 0.0, 10.0)
        low = _solve(lambda t: math.exp(-n / 2 * (-t - math.log1p(-t))), alpha / 2, 0.0, 1.0 - 1e-12)
        return low, high
    half_width = 3 * math.sqrt(math.log(2 / alpha) / (2 * n))
    return half_width, half_width


@functools.lru_cache(maxsize=None)
def mean_limit(kind: str, n: int, alpha: float = ALPHA) -> float:
    """L: a correct sample's mean exceeds L * sqrt(Var) in size with probability at most ``alpha``.

    normal: the mean is exactly N(0, Var / n), P(|mean| > z sqrt(Var / n)) = erfc(z / sqrt 2).
    uniform: each x lies in [-a, a], a = sqrt(3 Var); Hoeffding P(|mean| >= t) <= 2 exp(-n t^2 / (2 a^2)).
    """
    if kind == "normal":
        return _solve(lambda z: math.erfc(z / math.sqrt(2)), alpha, 0.0, 40.0) / math.sqrt(n)
    return math.sqrt(3) * math.sqrt(2 * math.log(2 / alpha) / n)


def _kl(q: float, p: float) -> float:
    """Kullback-Leibler divergence between Bernoulli(q) and Bernoulli(p)."""
    return (q * math.log(q / p) if q > 0 else 0.0) + (1 - q) * math.log((1 - q) / (1 - p))


@functools.lru_cache(maxsize=None)
def tail_share_floor(n: int, alpha: float = ALPHA) -> float:
    """q: the share of a correct normal sample beyond sqrt(3) standard deviations (the count
    is Binomial(n, 0.0833)) is below q with probability at most ``alpha``, by Chernoff's bound
    P(share <= q) <= exp(-n KL(q || 0.0833))."""
    return _solve(lambda q: math.exp(-n * _kl(q, TAIL)), alpha, TAIL, 0.0)


@dataclass(frozen=True)
class Law:
    """The law an initializer's entries should follow: ``kind`` "normal" or "uniform", zero
    mean, ``variance``; ``formula`` says where the variance comes from, for messages."""

    kind: str
    variance: float
    formula: str = ""

    @property
    def bound(self) -> float:
        """sqrt(3 Var): the uniform's half-width a, and 1.73 standard deviations of the normal."""
        return math.sqrt(3 * self.variance)


def problems(W: np.ndarray, law: Law, alpha: float = ALPHA) -> list[str]:
    """What in the sample W does not fit ``law``: the mean square, the mean, then the shape of
    the law (the tail share of a normal, the range of a uniform). Empty when it fits."""
    x = np.ravel(W)
    n = x.size
    found = []
    mean_square = float(np.mean(x * x))
    # at n = 10^4: Var -8.5%/+9.0% (normal, exact tails 3.2e-10 and 3.1e-10), +-9.3% (uniform)
    low, high = mean_square_band(law.kind, n, alpha)
    if not law.variance * (1 - low) <= mean_square <= law.variance * (1 + high):
        found.append(
            f"The mean of W**2 (the variance about 0) is {mean_square:.4g}, {mean_square / law.variance:.3g} times "
            f"the expected Var(W) = {law.formula} = {law.variance:.4g} (for {n} draws it must lie within "
            f"-{low:.1%}/+{high:.1%} of it)."
        )
    # at n = 10^4: +-0.057 standard deviations (normal, 5.73 standard errors), +-0.107 (uniform)
    mean, limit = float(np.mean(x)), mean_limit(law.kind, n, alpha) * math.sqrt(law.variance)
    if abs(mean) > limit:
        found.append(f"The mean of W is {mean:.3g}, expected 0 (for {n} draws within +-{limit:.2g}).")
    if law.kind == "normal":
        # at n = 10^4: at least 6.70% of 8.33% (exact binomial tail 7.1e-10)
        share, least = float(np.mean(np.abs(x) > law.bound)), tail_share_floor(n, alpha)
        if share < least:
            found.append(
                f"Only {share:.2%} of W's entries lie beyond sqrt(3 Var(W)) = {law.bound:.4g}, where a normal "
                f"distribution puts {TAIL:.1%} of its draws (at least {least:.1%} of {n} here): W does not look normal."
            )
    else:
        # a correct draw never lies outside; n >= 10^4 normal draws all inside: (1 - 0.0833)^n < 1e-377
        outside = int(np.sum(np.abs(x) > law.bound * (1 + RANGE_SLACK)))
        if outside:
            found.append(
                f"{outside} of W's {n} entries lie outside [-a, a] with a = sqrt(3 Var(W)) = {law.bound:.4g} "
                f"(the largest |W| is {float(np.max(np.abs(x))):.4g}): a uniform distribution with that variance has none there."
            )
    return found


def fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of an affine (D_in, D_out) or conv (F, C, HH, WW) weight shape."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    num_filters, channels, height, width = shape
    return channels * height * width, num_filters * height * width


def drawn(plan):
    """(function, fan_in, fan_out, mode) of the initializer call a plan starts with."""
    call = plan.calls[0]
    return (call.function, *fans(call.args[0]), call.kwargs.get("mode", "fan_in"))


def variance(function: str, fan_in: int, fan_out: int, mode: str) -> tuple[float, str]:
    """Var(W) of ``function`` and its formula with the numbers filled in."""
    if function == "he_normal":
        return 2 / fan_in, f"2/fan_in = 2/{fan_in}"
    if mode == "fan_in":
        return 1 / fan_in, f"1/fan_in = 1/{fan_in}"
    return 2 / (fan_in + fan_out), f"2/(fan_in + fan_out) = 2/({fan_in} + {fan_out})"


def right_law(plan) -> Law:
    """The law the plan's initializer call must follow."""
    function, fan_in, fan_out, mode = drawn(plan)
    return Law(KIND[function], *variance(function, fan_in, fan_out, mode))


def follows_law(outputs: dict, plan) -> list[str]:
    """Property test: W is a float64 array of the requested shape whose entries fit the law."""
    W = outputs.get("W")
    try:
        compare("W", W, np.zeros(tuple(plan.calls[0].args[0])), math.inf)  # the form only
    except Mismatch as mismatch:
        return [str(mismatch)]
    return problems(W, right_law(plan))[:1]


def uses_rng(outputs: dict, plan) -> list[str]:
    """Property test: the same seed gives the same array, another seed another array."""
    function = plan.calls[0].function
    try:
        for name in ("W", "W again", "W, other seed"):
            compare(name, outputs.get(name), np.zeros(tuple(plan.calls[0].args[0])), math.inf)
    except Mismatch as mismatch:
        return [str(mismatch)]
    if not np.array_equal(outputs["W"], outputs["W again"]):
        return [f"{function} returned different arrays for two generators with the same seed: draw every random number from rng (rng.normal, rng.uniform), not from np.random, so that a seeded run can be repeated."]
    # two seeds giving equal streams of 7680 draws: no such pair is known for numpy's PCG64
    if np.array_equal(outputs["W"], outputs["W, other seed"]):
        return [f"{function} returned the same array for generators with different seeds: draw the weights from rng, and do not seed anything yourself."]
    return []


def looks_like(wrong, others=()):
    """A hint test: W fits the law ``wrong(plan)`` and neither the right law nor any of the
    ``others`` (the case's other wrong laws): where two mistakes give the same law, no hint."""
    def test(outputs: dict, plan) -> bool:
        W = outputs.get("W")
        if not isinstance(W, np.ndarray) or W.dtype != np.float64 or W.shape != tuple(plan.calls[0].args[0]):
            return False
        return not problems(W, wrong(plan)) and all(problems(W, law(plan)) for law in (right_law, *others))
    return test


def _swapped_fans(plan) -> Law:
    function, fan_in, fan_out, mode = drawn(plan)
    return Law(KIND[function], variance(function, fan_out, fan_in, mode)[0])


def _other_mode(plan) -> Law:
    function, fan_in, fan_out, mode = drawn(plan)
    return Law(KIND[function], variance(function, fan_in, fan_out, "average" if mode == "fan_in" else "fan_in")[0])


def _rescaled(change, kind=None):
    """The law with variance ``change(Var)`` (and ``kind`` instead of the right one, if given)."""
    def law(plan) -> Law:
        right = right_law(plan)
        return Law(kind or right.kind, change(right.variance))
    return law


WRONG_LAWS = {
    "fans swapped": (_swapped_fans, "Your weights' variance matches the formula with fan_in and fan_out swapped: each output sums fan_in products, so Var(W) scales with 1/fan_in; weights are (D_in, D_out) here (torch's Linear stores (out, in)), and a conv weight (F, C, HH, WW) has fan_in = C*HH*WW."),
    "modes confused": (_other_mode, "Your weights' variance is the one of the other mode: \"fan_in\" means Var(W) = 1/fan_in, \"average\" means 2/(fan_in + fan_out), Glorot's compromise between the forward and the backward pass."),
    "ReLU factor 2 forgotten": (_rescaled(lambda var: var / 2), "Your weights' variance is 1/fan_in, half of He's 2/fan_in: ReLU zeroes half of its inputs and so halves E[h^2] at each layer; the factor 2 makes up for it."),
    "variance passed as the standard deviation": (_rescaled(lambda var: var**2), "Your weights' variance is Var(W) squared: the scale of rng.normal is the standard deviation, so pass sqrt(Var(W))."),
    "standard deviation used as the variance": (_rescaled(math.sqrt), "Your weights' variance is sqrt(Var(W)), the intended standard deviation: the square root was taken twice."),
    "uniform bound sqrt(Var)": (_rescaled(lambda var: var / 3), "Your uniform weights have a third of the variance: a uniform on [-a, a] has variance a^2/3, so a = sqrt(3 Var(W)), not sqrt(Var(W))."),
    "normal instead of uniform": (_rescaled(lambda var: var, "normal"), "Your weights have the right variance but look normal, not uniform: some lie beyond a = sqrt(3 Var(W)); draw them with rng.uniform(-a, a)."),
    "uniform instead of normal": (_rescaled(lambda var: var, "uniform"), "Your weights have the right variance but look uniform, not normal: none lies beyond sqrt(3 Var(W)), where a normal puts 8% of its draws; draw them with rng.normal."),
}


def hints(*names: str) -> tuple:
    """The :class:`Hint` of each named wrong law, each offered only when the others do not fit."""
    def hint(name):
        others = [WRONG_LAWS[other][0] for other in names if other != name]
        return Hint(name, WRONG_LAWS[name][1], test=looks_like(WRONG_LAWS[name][0], others))
    return tuple(hint(name) for name in names)


SCALE = ("fans swapped", "variance passed as the standard deviation", "standard deviation used as the variance")


HINTS = {
    "xavier_normal": hints(*SCALE, "modes confused", "uniform instead of normal"),
    "xavier_uniform": hints(*SCALE, "modes confused", "uniform bound sqrt(Var)", "normal instead of uniform"),
    "he_normal": hints(*SCALE, "ReLU factor 2 forgotten", "uniform instead of normal"),
}
