"""The initialization suite's statistical bounds hold: the figures its code states are recomputed here.

For every statistical case, at its sample size (visible inputs and hidden ones for several
seeds): each check's exact false-failure probability (chi-square tails with torch's regularized
incomplete gamma, the normal tail, the exact binomial tail) is at most the ALPHA it is allotted;
the Hoeffding bounds used for uniform draws are checked by simulating the reference at a looser
level; the stated per-grading figure is ALPHA times the number of checks; and every wrong law
a hint names passes a case where it differs from the right law with probability below 1e-100.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from autograder.judge import Property
from autograder.suites import initialization as suite
from autograder.suites.initialization import (
    ALPHA, FALSE_FAILURE, HINTS, KIND, SUITE, TAIL, WRONG_LAWS, Law, follows_law, mean_limit,
    mean_square_band, problems, right_law, tail_share_floor,
)

pytestmark = pytest.mark.initialization

SEEDS = (1, 2, 3, 4, 5, 6)
STATISTICAL = [case for case in SUITE.cases if isinstance(case.judge, Property) and case.judge.test is follows_law]


def plans():
    """(case name, plan) of every statistical case: the visible plan once, hidden ones per seed."""
    found = []
    for case in STATISTICAL:
        for seed in SEEDS if case.visibility == "hidden" else SEEDS[:1]:
            found.append((case.name, case.build(case.rng(seed))))
    return found


PLANS = plans()


def draws(plan) -> int:
    return math.prod(plan.calls[0].args[0])


def chi2_below(k: int, x: float) -> float:
    """P(chi-square with k degrees of freedom <= x), exactly (torch's regularized gamma)."""
    return torch.special.gammainc(torch.tensor(k / 2, dtype=torch.float64), torch.tensor(x / 2, dtype=torch.float64)).item()


def chi2_above(k: int, x: float) -> float:
    return torch.special.gammaincc(torch.tensor(k / 2, dtype=torch.float64), torch.tensor(x / 2, dtype=torch.float64)).item()


def binomial_below(n: int, p: float, k: int) -> float:
    """P(Binomial(n, p) < k), summed exactly in log space."""
    logs = [math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * math.log(p) + (n - j) * math.log1p(-p) for j in range(k)]
    top = max(logs, default=-math.inf)
    return 0.0 if top == -math.inf else math.exp(top) * sum(math.exp(v - top) for v in logs)


def normal_above(z: float) -> float:
    """P(Z > z) for a standard normal Z (torch's ndtr)."""
    return torch.special.ndtr(torch.tensor(-z, dtype=torch.float64)).item()


# -- the stated figures --------------------------------------------------------------------------

def test_graded_sizes_are_at_least_ten_thousand_draws_with_distant_fans():
    """Every statistical case draws >= 10^4 entries, and its fans differ by a factor >= 3."""
    assert len(PLANS) > len(STATISTICAL)
    for name, plan in PLANS:
        fan_in, fan_out = suite.fans(plan.calls[0].args[0])
        assert draws(plan) >= suite.MIN_DRAWS, name
        assert max(fan_in, fan_out) >= 3 * min(fan_in, fan_out), name


def test_stated_false_failure_per_grading():
    """FALSE_FAILURE = ALPHA * (3 checks per normal case + 2 per uniform case) <= 1e-6, as stated."""
    kinds = [KIND[case.build(case.rng(1)).calls[0].function] for case in STATISTICAL]
    assert (kinds.count("normal"), kinds.count("uniform")) == (10, 6)
    total = ALPHA * (3 * kinds.count("normal") + 2 * kinds.count("uniform"))
    assert math.isclose(total, FALSE_FAILURE, rel_tol=1e-12)
    assert total <= 1e-6


NORMAL_PLANS = [(name, plan) for name, plan in PLANS if right_law(plan).kind == "normal"]


@pytest.mark.parametrize("name, plan", NORMAL_PLANS, ids=[f"{name}-{i}" for i, (name, _) in enumerate(NORMAL_PLANS)])
def test_exact_false_failure_of_each_normal_check_is_within_alpha(name, plan):
    """Normal cases: the chi-square band's two exact tails are <= ALPHA/2 each, the mean's exact
    two-sided tail and the tail share's exact binomial tail are <= ALPHA. (Uniform cases use
    Hoeffding's inequality: see the simulation and the CLT comparison below.)"""
    n = draws(plan)
    low, high = mean_square_band("normal", n)
    assert chi2_below(n, n * (1 - low)) <= ALPHA / 2
    assert chi2_above(n, n * (1 + high)) <= ALPHA / 2
    assert chi2_above(n, n * (1 + high)) >= ALPHA / 2 * 1e-3  # Chernoff is a bound, not a wild one
    # the limit is solved to erfc(z / sqrt 2) = ALPHA; torch's ndtr and math.erfc differ by ~1e-8 relative there
    assert 2 * normal_above(mean_limit("normal", n) * math.sqrt(n)) <= ALPHA * (1 + 1e-6)
    assert binomial_below(n, TAIL, math.ceil(tail_share_floor(n) * n)) <= ALPHA


def test_tail_share_of_a_normal():
    """TAIL, the share of a normal beyond sqrt(3) standard deviations, is 2 P(Z > sqrt 3) = 0.0833."""
    assert math.isclose(TAIL, 2 * normal_above(math.sqrt(3)), rel_tol=1e-12)
    assert round(TAIL, 4) == 0.0833


@pytest.mark.parametrize("n", [10_000, 40_000, 98_304])
def test_hoeffding_bounds_are_wider_than_the_exact_clt_thresholds(n):
    """Uniform cases: the Hoeffding half-widths exceed the CLT's two-sided ALPHA thresholds, built
    from the exact variances Var(x) = a^2/3 = Var and Var(x^2) = 4/5 Var^2 (a sanity check)."""
    z = mean_limit("normal", 1)  # the normal two-sided ALPHA quantile
    low, high = mean_square_band("uniform", n)
    assert low == high >= z * math.sqrt(0.8 / n)
    assert mean_limit("uniform", n) >= z / math.sqrt(n)


# -- simulation at a looser level ------------------------------------------------------------------

CHECKS = {"mean square": "The mean of W**2", "mean": "The mean of W is", "tail share": "Only ", "range": " lie outside "}
LOOSE, RUNS = 0.01, 2000


def failures(draw, law: Law, alpha: float) -> dict:
    """How many of RUNS samples fail each check at level alpha."""
    counts = dict.fromkeys(CHECKS, 0)
    for seed in range(RUNS):
        for message in problems(draw(np.random.default_rng(seed)), law, alpha):
            (check,) = [check for check, text in CHECKS.items() if text in message]
            counts[check] += 1
    return counts


def binomial_quantile(n: int, p: float, level: float) -> int:
    """The least k with P(Binomial(n, p) > k) <= level."""
    k = 0
    while 1 - binomial_below(n, p, k + 1) > level:
        k += 1
    return k


@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_reference_fails_each_check_at_most_at_the_stated_rate_in_simulation(kind):
    """2000 reference draws of 10^4 entries, checked at ALPHA = 0.01: each check fails no more often
    than a rate of 0.01 allows (its count stays below the binomial quantile at 1e-6)."""
    variance = 1 / 100
    law = Law(kind, variance, "1/100")
    draw = (lambda rng: rng.normal(0, 0.1, size=(100, 100))) if kind == "normal" else (lambda rng: rng.uniform(-law.bound, law.bound, size=(100, 100)))
    counts = failures(draw, law, LOOSE)
    ceiling = binomial_quantile(RUNS, LOOSE, 1e-6)
    assert all(count <= ceiling for count in counts.values()), counts
    assert counts["range"] == 0


def test_simulated_checks_have_power_at_the_loose_level():
    """The same simulation with the variance 15% off fails the mean-square check nearly every time."""
    law = Law("normal", 1 / 100, "1/100")
    counts = failures(lambda rng: rng.normal(0, 0.1 * math.sqrt(1.15), size=(100, 100)), law, LOOSE)
    assert counts["mean square"] >= 0.99 * RUNS


# -- wrong laws fail every time --------------------------------------------------------------------

def pass_bound(wrong: Law, right: Law, n: int) -> float:
    """An upper bound on the chance that n draws of ``wrong`` pass every check of ``right``."""
    r = wrong.variance / right.variance
    low, high = mean_square_band(right.kind, n)
    if right.kind == "normal" and wrong.kind == "normal":  # exact: n m / (r Var) is chi-square(n)
        return chi2_above(n, n * (1 - low) / r) - chi2_above(n, n * (1 + high) / r)
    if right.kind == "normal":  # a uniform has no draws beyond sqrt(3 Var) unless its variance is larger
        if r <= 1:
            return 0.0
        return math.exp(-2 * n * ((r - 1 - high) / (3 * r)) ** 2)  # Hoeffding, x^2 in [0, 3 r Var]
    limit = right.bound * (1 + suite.RANGE_SLACK)
    if wrong.kind == "normal":  # every one of n normal draws inside [-a, a]
        return (1 - math.erfc(limit / math.sqrt(2 * wrong.variance))) ** n
    if r > 1:  # every uniform draw inside the narrower [-a, a]
        return (limit / wrong.bound) ** n
    return math.exp(-2 * n * ((1 - low - r) / (3 * r)) ** 2)  # Hoeffding on the mean square


def differs(wrong: Law, right: Law) -> bool:
    return wrong.kind != right.kind or not math.isclose(wrong.variance, right.variance, rel_tol=1e-12)


def test_every_wrong_law_fails_every_time():
    """At every graded size, every declared wrong law that differs from the right one passes
    with probability below 1e-100 (and each is tried somewhere)."""
    tried = set()
    for name, plan in PLANS:
        right, n = right_law(plan), draws(plan)
        for hint in HINTS[plan.calls[0].function]:
            wrong = WRONG_LAWS[hint.name][0](plan)
            if differs(wrong, right):
                tried.add(hint.name)
                assert pass_bound(wrong, right, n) < 1e-100, (name, hint.name)
    assert tried == set(WRONG_LAWS)


def test_mode_confusion_coincides_nowhere_but_fans_swapped_does_in_mode_average():
    """fan_in and fan_out swapped gives Glorot's average unchanged (no hint possible there);
    the other mode always differs."""
    for _, plan in PLANS:
        right = right_law(plan)
        mode = plan.calls[0].kwargs.get("mode", "fan_in")
        if plan.calls[0].function != "he_normal":
            assert differs(WRONG_LAWS["modes confused"][0](plan), right)
            assert differs(WRONG_LAWS["fans swapped"][0](plan), right) == (mode == "fan_in")


def test_figures_stated_in_the_suite_at_ten_thousand_draws():
    """The thresholds and exact tails quoted in the comments of problems() at n = 10^4 are right."""
    n = 10_000
    low, high = mean_square_band("normal", n)
    assert (round(low, 3), round(high, 3)) == (0.085, 0.090)
    assert (round(chi2_below(n, n * (1 - low)), 11), round(chi2_above(n, n * (1 + high)), 11)) == (3.2e-10, 3.1e-10)
    assert round(mean_square_band("uniform", n)[0], 3) == 0.093
    assert (round(mean_limit("normal", n), 3), round(mean_limit("uniform", n), 3)) == (0.057, 0.107)
    assert round(mean_limit("normal", 1), 2) == 5.73
    assert round(tail_share_floor(n), 4) == 0.0670
    assert round(binomial_below(n, TAIL, math.ceil(tail_share_floor(n) * n)), 11) == 7.1e-10
    assert n * math.log10(1 - TAIL) < -377
