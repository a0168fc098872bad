"""Public checks for optimizers.py: run `pytest checks/test_optimizers.py` (one task: add `-k adagrad`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/optimizers.json. The update rules run five
steps that pass the returned config on, from config=None and from a config with some keys
and weight decay set; the gradients have entries from 1e-7 to 10, so where eps goes shows.
Properties cover what needs no stored value: inputs left unchanged, the ValueErrors, Newton's
step landing on zero gradient, and log_uniform's spread over the decades.
"""

import math

import numpy as np
import pytest

import optimizers
from harness import Examples, assert_close, assert_property, assert_shape, assert_statistic, assert_unchanged, normal, rng

examples = Examples("optimizers")


# -- 8.1 to 8.6 update rules ---------------------------------------------------------------------

SET_KEYS = {
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.02, "momentum": 0.6},
    "nesterov_momentum": {"lr": 0.02, "momentum": 0.75},
    "adagrad": {"lr": 0.3, "eps": 1e-7},
    "rmsprop": {"lr": 0.02, "alpha": 0.8},
    "adam": {"lr": 0.01, "beta1": 0.5, "beta2": 0.9},
}
BAD_KEYS = {
    "sgd": {"lr": -0.1, "weight_decay": -1e-4},
    "sgd_momentum": {"lr": -0.1, "momentum": 1.0, "weight_decay": -1e-4},
    "nesterov_momentum": {"lr": -0.1, "momentum": -0.5, "weight_decay": -1e-4},
    "adagrad": {"lr": -0.1, "eps": -1e-10, "weight_decay": -1e-4},
    "rmsprop": {"lr": -0.1, "alpha": 1.0, "eps": -1e-8, "weight_decay": -1e-4},
    "adam": {"lr": -0.1, "beta1": 1.0, "beta2": -0.1, "eps": -1e-8, "weight_decay": -1e-4},
}
STEPS = 5


def training_run(seed):
    """w0 (3, 4) and STEPS gradients, each entry at its own scale between 1e-7 and 10."""
    r = rng(seed)
    scales = r.permutation(np.logspace(-7, 1, 12)).reshape(3, 4)
    drift = normal(r, 3, 4)
    return scales * normal(r, 3, 4), [scales * (drift + normal(r, 3, 4)) for _ in range(STEPS)]


def run(rule, config, seed=10):
    """w after STEPS calls of ``rule``, each taking the previous call's next_w and config."""
    w, grads = training_run(seed)
    for dw in grads:
        w, config = rule(w, dw, config)
    return w


def rule_example(name):
    def example(opt):
        rule = getattr(opt, name)
        keys = ", ".join(SET_KEYS[name])
        return {f"w after {STEPS} steps from config=None": run(rule, None),
                f"w after {STEPS} steps with {keys} and weight_decay = 0.2": run(rule, {**SET_KEYS[name], "weight_decay": 0.2})}
    example.__name__ = name
    return examples.register(example)


for _rule in SET_KEYS:
    rule_example(_rule)


def check_rule(name):
    """The examples, then: w and dw left unchanged, and a ValueError for each bad hyperparameter."""
    __tracebackhide__ = True
    examples.check(name, optimizers)
    rule = getattr(optimizers, name)
    w, grads = training_run(11)
    w_before, dw_before = w.copy(), grads[0].copy()
    next_w, _ = rule(w, grads[0], {"weight_decay": 0.3})
    assert_unchanged("w", w_before, w)
    assert_unchanged("dw", dw_before, grads[0])
    assert_shape("next_w", next_w, w.shape)
    for key, value in BAD_KEYS[name].items():
        with pytest.raises(ValueError):
            rule(w, grads[0], {key: value})


def test_sgd():
    """sgd: next_w = w - lr * (dw + weight_decay * w); inputs unchanged; ValueErrors."""
    check_rule("sgd")


def test_sgd_momentum():
    """sgd_momentum: the velocity kept in config from call to call; ValueError for momentum = 1."""
    check_rule("sgd_momentum")


def test_nesterov_momentum():
    """nesterov_momentum: the step along g + momentum * (the new velocity)."""
    check_rule("nesterov_momentum")


def test_adagrad():
    """adagrad: the sum of squared gradients in config; eps after the square root."""
    check_rule("adagrad")


def test_rmsprop():
    """rmsprop: a leaky average of squared gradients; eps after the square root."""
    check_rule("rmsprop")


def test_adam():
    """adam: m, v and t in config, bias-corrected with t counted from 1."""
    check_rule("adam")


# -- 8.7 Newton's method -------------------------------------------------------------------------

def quadratic(eigenvalues, seed):
    """A = Q diag(eigenvalues) Q.T and b: f(w) = w @ A @ w / 2 - b @ w, grad = A @ w - b."""
    r = rng(seed)
    q, _ = np.linalg.qr(normal(r, len(eigenvalues), len(eigenvalues)))
    return q @ np.diag(eigenvalues) @ q.T, normal(r, len(eigenvalues)), normal(r, len(eigenvalues), scale=3)


MINIMUM = [4.0, 1.0, 0.5]
SADDLE = [2.0, -1.0, 0.7, -3.0]


@examples.register
def newton_step(opt):
    outputs = {}
    for kind, eigenvalues in (("minimum", MINIMUM), ("saddle", SADDLE)):
        A, b, w = quadratic(eigenvalues, 20)
        outputs[f"next_w on a quadratic with a {kind}"] = opt.newton_step(w, A @ w - b, A)
    return outputs


def test_newton_step():
    """newton_step: one step zeroes the gradient of a quadratic, at a minimum or a saddle; LinAlgError if H is singular."""
    examples.check(newton_step, optimizers)
    for kind, eigenvalues in (("minimum", MINIMUM), ("saddle", SADDLE)):
        A, b, w = quadratic(eigenvalues, 21)
        next_w = optimizers.newton_step(w, A @ w - b, A)
        gradient = np.max(np.abs(A @ next_w - b))
        assert_property(gradient < 1e-9, f"after one Newton step on a quadratic with a {kind}, the gradient is {gradient:.3g}, expected 0.")
    A, _, _ = quadratic(MINIMUM, 22)
    A[1, :] = A[:, 1] = 0.0
    with pytest.raises(np.linalg.LinAlgError):
        optimizers.newton_step(np.ones(3), np.ones(3), A)


# -- 8.8 to 8.11 schedules -------------------------------------------------------------------

T = range(11)


@examples.register
def step_decay(opt):
    return {"step_decay(0.5, t, 3, 0.5) for t = 0..10": np.array([opt.step_decay(0.5, t, 3, 0.5) for t in T]),
            "step_decay(0.1, t, 4) for t = 0..10": np.array([opt.step_decay(0.1, t, 4) for t in T])}


@examples.register
def exponential_decay(opt):
    return {"exponential_decay(0.1, t, 0.9) for t = 0..10": np.array([opt.exponential_decay(0.1, t, 0.9) for t in T])}


@examples.register
def inverse_time_decay(opt):
    return {"inverse_time_decay(0.1, t, 0.5) for t = 0..10": np.array([opt.inverse_time_decay(0.1, t, 0.5) for t in T])}


@examples.register
def inverse_sqrt_decay(opt):
    return {"inverse_sqrt_decay(0.1, t, 0.5) for t = 0..10": np.array([opt.inverse_sqrt_decay(0.1, t, 0.5) for t in T])}


def check_schedule(name, *args):
    __tracebackhide__ = True
    examples.check(name, optimizers)
    lr = getattr(optimizers, name)(0.1, 3, *args)
    assert_property(isinstance(lr, (float, np.floating)), f"{name} returned {type(lr).__name__}, expected a float.")
    with pytest.raises(ValueError):
        getattr(optimizers, name)(0.1, -1, *args)


def test_step_decay():
    """step_decay: lr0 * gamma ** (t // step_size), constant between drops; ValueError for t < 0 or step_size < 1."""
    check_schedule("step_decay", 3, 0.5)
    with pytest.raises(ValueError):
        optimizers.step_decay(0.1, 2, 0)


def test_exponential_decay():
    """exponential_decay: lr0 * gamma ** t; ValueError for t < 0."""
    check_schedule("exponential_decay", 0.9)


def test_inverse_time_decay():
    """inverse_time_decay: lr0 / (1 + k t); ValueError for t < 0."""
    check_schedule("inverse_time_decay", 0.5)


def test_inverse_sqrt_decay():
    """inverse_sqrt_decay: lr0 / sqrt(1 + k t); ValueError for t < 0."""
    check_schedule("inverse_sqrt_decay", 0.5)


# -- 8.12, 8.13 clipping ----------------------------------------------------------------------

def gradients(seed, scale=2.0):
    r = rng(seed)
    return [normal(r, 3, 4, scale=scale), normal(r, 4, scale=scale), normal(r, 2, 2, 3, scale=scale)]


@examples.register
def clip_by_value(opt):
    clipped = opt.clip_by_value(gradients(30), 1.0)
    return {f"clip_by_value(grads, 1.0)[{i}]": g for i, g in enumerate(clipped)}


@examples.register
def clip_by_norm(opt):
    outputs = {}
    for label, scale, max_norm in (("clipped", 2.0, 3.0), ("below max_norm", 2.0, 100.0), ("at a total norm near 1e-4", 3e-5, 1e-5)):
        clipped, total_norm = opt.clip_by_norm(gradients(31, scale), max_norm)
        outputs.update({f"clip_by_norm, {label}: clipped[{i}]": g for i, g in enumerate(clipped)})
        outputs[f"clip_by_norm, {label}: total_norm"] = total_norm
    return outputs


def test_clip_by_value():
    """clip_by_value: every entry in [-clip_value, clip_value], in new arrays; grads unchanged."""
    examples.check(clip_by_value, optimizers)
    grads = gradients(32)
    before = [g.copy() for g in grads]
    optimizers.clip_by_value(grads, 0.5)
    for i, (g, copy) in enumerate(zip(grads, before)):
        assert_unchanged(f"grads[{i}]", copy, g)


def test_clip_by_norm():
    """clip_by_norm: one factor min(1, max_norm / (total_norm + 1e-6)) for all arrays; grads unchanged."""
    examples.check(clip_by_norm, optimizers)
    grads = gradients(33)
    before = [g.copy() for g in grads]
    clipped, _ = optimizers.clip_by_norm(grads, 1.0)
    for i, (g, copy) in enumerate(zip(grads, before)):
        assert_unchanged(f"grads[{i}]", copy, g)
    total = math.sqrt(sum(float(np.sum(c**2)) for c in clipped))
    assert_close("the total norm of the clipped gradients", total, 1.0 / (1 + 1e-6 / math.sqrt(sum(float(np.sum(g**2)) for g in grads))))


# -- 8.14, 8.15 random search and the update ratio -------------------------------------------

DRAWS = 20_000
# Hoeffding: P(|share - 1/4| >= c) <= 2 exp(-2 n c^2); over 4 decades, 1e-9 at c = 0.0239
SHARE_BOUND = math.sqrt(math.log(8 / 1e-9) / (2 * DRAWS))


def test_log_uniform():
    """log_uniform: samples in [low, high), a quarter in each of 4 decades, from rng only; ValueError unless 0 < low < high."""
    samples = optimizers.log_uniform(1e-5, 1e-1, DRAWS, rng(40))
    assert_shape("log_uniform(1e-5, 1e-1, 20000, rng)", samples, (DRAWS,))
    assert_property(samples.min() >= 1e-5 * (1 - 1e-12) and samples.max() <= 1e-1 * (1 + 1e-12),
                    f"your samples range over [{samples.min():.3g}, {samples.max():.3g}], expected [1e-05, 0.1).")
    for decade in range(-5, -1):
        share = np.mean((samples >= 10.0**decade) & (samples < 10.0 ** (decade + 1)))
        assert_statistic(f"the share of samples in [1e{decade}, 1e{decade + 1})", share, 0.25, SHARE_BOUND)
    again = optimizers.log_uniform(1e-4, 1.0, (3, 4), rng(41))
    assert_shape("log_uniform(1e-4, 1, (3, 4), rng)", again, (3, 4))
    assert_property(np.array_equal(again, optimizers.log_uniform(1e-4, 1.0, (3, 4), rng(41))),
                    "two generators with the same seed gave different samples: draw from rng, not np.random.")
    for low, high in ((0.0, 1.0), (1e-2, 1e-3)):
        with pytest.raises(ValueError):
            optimizers.log_uniform(low, high, 5, rng(42))


@examples.register
def update_ratio(opt):
    r = rng(50)
    return {"update_ratio of a (4, 5) weight": opt.update_ratio(normal(r, 4, 5), normal(r, 4, 5, scale=1e-3)),
            "update_ratio of a (2, 3, 2, 2) weight": opt.update_ratio(normal(r, 2, 3, 2, 2), normal(r, 2, 3, 2, 2, scale=0.1))}


def test_update_ratio():
    """update_ratio: ||update|| / ||w|| over all entries, a float; ValueError for all-zero w."""
    examples.check(update_ratio, optimizers)
    with pytest.raises(ValueError):
        optimizers.update_ratio(np.zeros((2, 3)), np.ones((2, 3)))
