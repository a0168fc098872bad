"""The optimizers reference proven against independent oracles: torch.optim, its schedulers and clipping.

Every update rule is run step for step beside its torch.optim counterpart in float64, for
60 steps of gradients whose scales span eight orders of magnitude (so eps and its place
matter), with and without weight decay, from the defaults and from set hyperparameters;
the defaults themselves are read from torch. Schedules follow StepLR and ExponentialLR,
clipping follows clip_grad_value_ and clip_grad_norm_ (its total norm and its 1e-6),
Newton's step is checked against np.linalg.solve on quadratics. The last tests check that
the student stub has the reference's API and docstrings.
"""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load

pytestmark = pytest.mark.optimizers

ROOT = Path(__file__).parents[1]

SPEC_FUNCTIONS = [  # SPEC order; task 8.k is the k-th name
    "sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "newton_step",
    "step_decay", "exponential_decay", "inverse_time_decay", "inverse_sqrt_decay",
    "clip_by_value", "clip_by_norm", "log_uniform", "update_ratio",
]
STEPS = 60
EXACT = dict(rtol=1e-11, atol=1e-13)  # the same float64 arithmetic in another order


ref = load(ROOT / "solutions" / "optimizers.py", "reference_optimizers")
stub = load(ROOT / "assignments" / "optimizers.py", "stub_optimizers")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


def gradients(rng, shape, steps=STEPS):
    """``steps`` gradients: a steady drift plus noise, each coordinate at its own scale in
    [1e-7, 10] (where eps inside or outside the square root differ), some signs flipping."""
    scales = 10.0 ** rng.uniform(-7, 1, size=shape)
    drift = rng.standard_normal(shape)
    return [scales * (drift + rng.standard_normal(shape)) for _ in range(steps)]


def torch_sgd(config, nesterov):
    """torch.optim.SGD's arguments for our momentum rules (our default momentum is 0.9)."""
    return {"lr": config.get("lr", 1e-3), "momentum": config.get("momentum", 0.9),
            "weight_decay": config.get("weight_decay", 0.0), "nesterov": nesterov}


# name -> (torch optimizer, its keyword arguments for our config)
RULES = {
    "sgd": (torch.optim.SGD, lambda c: {"lr": c.get("lr", 1e-3), "weight_decay": c.get("weight_decay", 0.0)}),
    "sgd_momentum": (torch.optim.SGD, lambda c: torch_sgd(c, nesterov=False)),
    "nesterov_momentum": (torch.optim.SGD, lambda c: torch_sgd(c, nesterov=True)),
    "adagrad": (torch.optim.Adagrad, lambda c: {"lr": c.get("lr", 1e-2), "eps": c.get("eps", 1e-10),
                                                "weight_decay": c.get("weight_decay", 0.0)}),
    "rmsprop": (torch.optim.RMSprop, lambda c: {"lr": c.get("lr", 1e-2), "alpha": c.get("alpha", 0.99),
                                                "eps": c.get("eps", 1e-8), "weight_decay": c.get("weight_decay", 0.0)}),
    "adam": (torch.optim.Adam, lambda c: {"lr": c.get("lr", 1e-3), "betas": (c.get("beta1", 0.9), c.get("beta2", 0.999)),
                                          "eps": c.get("eps", 1e-8), "weight_decay": c.get("weight_decay", 0.0)}),
}
SET_KEYS = {  # hyperparameters far from the defaults, so a key read wrongly shows
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.02, "momentum": 0.6},
    "nesterov_momentum": {"lr": 0.02, "momentum": 0.75},
    "adagrad": {"lr": 0.3, "eps": 1e-6},
    "rmsprop": {"lr": 0.02, "alpha": 0.7, "eps": 1e-5},
    "adam": {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6},
}


def run_both(name, config, w0, grads):
    """Our rule and torch's optimizer side by side over ``grads``: the two lists of weights."""
    optimizer, arguments = RULES[name]
    param = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = optimizer([param], **arguments(config or {}))
    ours, theirs, w = [], [], w0
    for dw in grads:
        w, config = getattr(ref, name)(w, dw, config)
        param.grad = torch.tensor(dw, dtype=torch.float64)
        opt.step()
        ours.append(w)
        theirs.append(param.detach().numpy().copy())
    return ours, theirs


@pytest.mark.parametrize("name", RULES)
@pytest.mark.parametrize("setting", ["defaults", "set keys", "weight decay", "set keys and weight decay"])
def test_rule_matches_torch_step_for_step(rng, name, setting):
    """Every update rule follows its torch.optim counterpart for 60 steps, threading config."""
    config = {"defaults": None, "set keys": SET_KEYS[name], "weight decay": {"weight_decay": 0.1},
              "set keys and weight decay": {**SET_KEYS[name], "weight_decay": 0.03}}[setting]
    w0 = rng.standard_normal((4, 5))
    ours, theirs = run_both(name, config, w0, gradients(rng, (4, 5)))
    for step, (mine, torchs) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(mine, torchs, **EXACT, err_msg=f"{name}, step {step}")
    assert np.max(np.abs(ours[-1] - w0)) > 1e-3  # the weights did move


@pytest.mark.parametrize("name, config", [("sgd_momentum", {"lr": 0.02, "momentum": 0.0}), ("rmsprop", {"lr": 0.02, "alpha": 0.0}),
                                          ("adam", {"lr": 0.01, "beta1": 0.0, "beta2": 0.0})])
def test_rule_at_the_lower_limits_matches_torch(rng, name, config):
    """The fractions at 0 (the suite's limit cases) still follow torch.optim step for step."""
    w0 = rng.standard_normal((4, 5))
    ours, theirs = run_both(name, config, w0, gradients(rng, (4, 5)))
    for step, (mine, torchs) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(mine, torchs, **EXACT, err_msg=f"{name}, step {step}")


def test_nesterov_with_momentum_0_is_sgd(rng):
    """torch refuses nesterov=True at momentum 0; there v = g, and the steps are torch's plain SGD's."""
    w0, grads = rng.standard_normal((4, 5)), gradients(rng, (4, 5))
    param = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.02)
    w, config = w0, {"lr": 0.02, "momentum": 0.0}
    for step, dw in enumerate(grads, start=1):
        w, config = ref.nesterov_momentum(w, dw, config)
        param.grad = torch.tensor(dw, dtype=torch.float64)
        opt.step()
        np.testing.assert_allclose(w, param.detach().numpy(), **EXACT, err_msg=f"step {step}")


@pytest.mark.parametrize("name", RULES)
def test_defaults_are_torch_defaults(name):
    """Each rule's documented defaults are torch.optim's (SGD's momentum 0.9 aside: torch has none)."""
    optimizer, arguments = RULES[name]
    torch_defaults = optimizer([torch.zeros(1, requires_grad=True)]).defaults
    for key, value in arguments({}).items():
        if key not in ("momentum", "nesterov"):
            assert torch_defaults[key] == value, key
    # the variants our formulas are: no dampening, no initial accumulator or lr decay, not centered, no AMSGrad
    plain = {"dampening": 0, "initial_accumulator_value": 0, "lr_decay": 0, "centered": False, "amsgrad": False, "maximize": False}
    assert all(torch_defaults[key] == value for key, value in plain.items() if key in torch_defaults)


@pytest.mark.parametrize("name", RULES)
def test_rule_leaves_w_dw_and_config_unchanged(rng, name):
    """w, dw and the config passed in are not modified; the result is a new array."""
    w, dw = rng.standard_normal(6), rng.standard_normal(6)
    config = {"weight_decay": 0.5}
    _, config = getattr(ref, name)(w, dw, config)
    before = {key: np.copy(value) for key, value in config.items()}
    w_copy, dw_copy = w.copy(), dw.copy()
    next_w, _ = getattr(ref, name)(w, dw, config)
    np.testing.assert_array_equal(w, w_copy)
    np.testing.assert_array_equal(dw, dw_copy)
    assert not np.shares_memory(next_w, w)
    for key, value in before.items():
        np.testing.assert_array_equal(config[key], value)


@pytest.mark.parametrize("name", RULES)
def test_rule_works_on_any_shape(rng, name):
    """Scalars-in-arrays, vectors and 3-D weights keep their shape and float64 dtype."""
    for shape in [(1,), (7,), (2, 3, 4)]:
        w, config = rng.standard_normal(shape), None
        for _ in range(3):
            w, config = getattr(ref, name)(w, rng.standard_normal(shape), config)
        assert w.shape == shape and w.dtype == np.float64


BAD_KEYS = [
    (name, key, value)
    for name, keys in {
        "sgd": ["lr", "weight_decay"],
        "sgd_momentum": ["lr", "momentum", "weight_decay"],
        "nesterov_momentum": ["lr", "momentum", "weight_decay"],
        "adagrad": ["lr", "eps", "weight_decay"],
        "rmsprop": ["lr", "alpha", "eps", "weight_decay"],
        "adam": ["lr", "beta1", "beta2", "eps", "weight_decay"],
    }.items()
    for key in keys
    for value in ([-1e-3] if key in ("lr", "eps", "weight_decay") else [-0.1, 1.0, 1.5])
]


@pytest.mark.parametrize("name, key, value", BAD_KEYS)
def test_rule_rejects_bad_hyperparameters(name, key, value):
    """ValueError for a negative lr, eps or weight_decay, and momentum, alpha, betas outside [0, 1)."""
    with pytest.raises(ValueError, match=rf"^{key} must be"):
        getattr(ref, name)(np.ones(3), np.ones(3), {key: value})


@pytest.mark.parametrize("name", RULES)
def test_rule_accepts_boundary_values(name):
    """lr, eps, weight_decay = 0 and momentum, alpha, betas = 0 are allowed."""
    zeros = {key: 0.0 for key in ("lr", "eps", "weight_decay", "momentum", "alpha", "beta1", "beta2")}
    next_w, _ = getattr(ref, name)(np.ones(3), np.full(3, 2.0), zeros)
    assert next_w.shape == (3,) and np.all(np.isfinite(next_w))


# --- Newton's method -----------------------------------------------------------------------

def quadratic(rng, d, eigenvalues):
    """A = Q diag(eigenvalues) Q.T, b: f(w) = w @ A @ w / 2 - b @ w."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return q @ np.diag(eigenvalues) @ q.T, rng.standard_normal(d)


@pytest.mark.parametrize("d", [1, 2, 5, 8])
@pytest.mark.parametrize("kind", ["minimum", "saddle"])
def test_newton_step_lands_on_the_stationary_point(rng, d, kind):
    """One step from anywhere reaches A^-1 b (np.linalg.solve), a minimum or a saddle point."""
    magnitudes = rng.uniform(0.1, 10.0, size=d)
    signs = np.ones(d) if kind == "minimum" else np.where(np.arange(d) % 2, -1.0, 1.0)
    A, b = quadratic(rng, d, magnitudes * signs)
    w = rng.standard_normal(d) * 5
    next_w = ref.newton_step(w, A @ w - b, A)
    np.testing.assert_allclose(next_w, np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(A @ next_w - b, 0.0, atol=1e-10)


def test_newton_step_matches_torch_hessian_on_a_quadratic(rng):
    """With grad and Hessian from torch autograd, one step zeroes the gradient."""
    A, b = quadratic(rng, 4, [3.0, 1.0, -0.5, 2.0])
    At, bt = torch.tensor(A), torch.tensor(b)

    def loss(w):
        return w @ At @ w / 2 - bt @ w

    w = torch.tensor(rng.standard_normal(4), requires_grad=True)
    grad = torch.autograd.grad(loss(w), w)[0].numpy()
    hessian = torch.autograd.functional.hessian(loss, w.detach()).numpy()
    next_w = ref.newton_step(w.detach().numpy(), grad, hessian)
    np.testing.assert_allclose(torch.autograd.functional.jacobian(loss, torch.tensor(next_w)).numpy(), 0.0, atol=1e-10)


def test_newton_step_raises_for_a_singular_hessian(rng):
    """A Hessian with a zero row and column (a flat direction) raises LinAlgError."""
    A, _ = quadratic(rng, 4, [1.0, 2.0, 3.0, 4.0])
    A[2, :] = A[:, 2] = 0.0
    with pytest.raises(np.linalg.LinAlgError):
        ref.newton_step(np.ones(4), np.ones(4), A)


# --- schedules -------------------------------------------------------------------------------

def torch_rates(scheduler, lr0, steps, **kwargs):
    """The learning rates a torch scheduler sets at t = 0 .. steps - 1."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
    schedule = scheduler(opt, **kwargs)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    return rates


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.8)])
def test_step_decay_matches_step_lr(step_size, gamma):
    """step_decay(lr0, t, step_size, gamma) is StepLR's rate at t, for 40 steps."""
    expected = torch_rates(torch.optim.lr_scheduler.StepLR, 0.3, 40, step_size=step_size, gamma=gamma)
    ours = [ref.step_decay(0.3, t, step_size, gamma) for t in range(40)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert all(type(lr) is float for lr in ours)


def test_step_decay_default_gamma_is_step_lr_default():
    """The default gamma is StepLR's, 0.1."""
    expected = torch_rates(torch.optim.lr_scheduler.StepLR, 1.0, 12, step_size=4)
    np.testing.assert_allclose([ref.step_decay(1.0, t, 4) for t in range(12)], expected, rtol=1e-12)


@pytest.mark.parametrize("gamma", [0.5, 0.97, 1.0])
def test_exponential_decay_matches_exponential_lr(gamma):
    """exponential_decay(lr0, t, gamma) is ExponentialLR's rate at t, for 60 steps."""
    expected = torch_rates(torch.optim.lr_scheduler.ExponentialLR, 0.1, 60, gamma=gamma)
    np.testing.assert_allclose([ref.exponential_decay(0.1, t, gamma) for t in range(60)], expected, rtol=1e-12)


def test_inverse_decays_follow_their_formulas():
    """lr0 / (1 + k t) and lr0 / sqrt(1 + k t), and both start at lr0."""
    for t in range(20):
        assert ref.inverse_time_decay(0.2, t, 0.5) == pytest.approx(0.2 / (1 + 0.5 * t), rel=1e-15)
        assert ref.inverse_sqrt_decay(0.2, t, 0.5) == pytest.approx(0.2 / math.sqrt(1 + 0.5 * t), rel=1e-15)
    assert ref.inverse_time_decay(0.2, 0, 3.0) == ref.inverse_sqrt_decay(0.2, 0, 3.0) == 0.2


@pytest.mark.parametrize("schedule, args", [
    ("step_decay", (0.1, -1, 3)), ("exponential_decay", (0.1, -1, 0.9)),
    ("inverse_time_decay", (0.1, -2, 0.5)), ("inverse_sqrt_decay", (0.1, -1, 0.5)),
])
def test_schedules_reject_negative_t(schedule, args):
    """ValueError for t < 0."""
    with pytest.raises(ValueError, match="t must be >= 0"):
        getattr(ref, schedule)(*args)


@pytest.mark.parametrize("step_size", [0, -2])
def test_step_decay_rejects_step_size_below_one(step_size):
    """ValueError for step_size < 1."""
    with pytest.raises(ValueError, match="step_size must be >= 1"):
        ref.step_decay(0.1, 3, step_size)


# --- clipping --------------------------------------------------------------------------------

def torch_grads(grads):
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for param, g in zip(params, grads):
        param.grad = torch.tensor(g)
    return params


def parameter_gradients(rng, scale):
    return [scale * rng.standard_normal(shape) for shape in [(3, 4), (4,), (2, 2, 3)]]


@pytest.mark.parametrize("clip_value", [0.1, 0.7, 5.0])
def test_clip_by_value_matches_torch_and_leaves_grads(rng, clip_value):
    """clip_by_value equals clip_grad_value_, in new arrays; grads are left as they were."""
    grads = parameter_gradients(rng, 1.0)
    copies = [g.copy() for g in grads]
    params = torch_grads(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    clipped = ref.clip_by_value(grads, clip_value)
    for ours, param, g, copy in zip(clipped, params, grads, copies):
        np.testing.assert_array_equal(ours, param.grad.numpy())
        np.testing.assert_array_equal(g, copy)
        assert not np.shares_memory(ours, g)


@pytest.mark.parametrize("scale, max_norm", [(1.0, 1.0), (3.0, 50.0), (1e-4, 1e-5), (1e-7, 1e-3)])
def test_clip_by_norm_matches_torch_total_norm_and_its_eps(rng, scale, max_norm):
    """clip_by_norm equals clip_grad_norm_, scaled or not, the 1e-6 included; grads left as they were."""
    grads = parameter_gradients(rng, scale)
    copies = [g.copy() for g in grads]
    params = torch_grads(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped, total_norm = ref.clip_by_norm(grads, max_norm)
    assert type(total_norm) is float
    assert total_norm == pytest.approx(total.item(), rel=1e-13)
    for ours, param, g, copy in zip(clipped, params, grads, copies):
        np.testing.assert_allclose(ours, param.grad.numpy(), rtol=1e-13, atol=0)
        np.testing.assert_array_equal(g, copy)


def test_clip_by_norm_eps_is_visible_at_small_norms(rng):
    """At a total norm of 1e-4 the 1e-6 changes the scale by about 1%, as torch's does."""
    grads = parameter_gradients(rng, 1e-5)
    clipped, total_norm = ref.clip_by_norm(grads, 1e-5)
    without_eps = 1e-5 / total_norm
    assert clipped[0][0, 0] / grads[0][0, 0] == pytest.approx(1e-5 / (total_norm + 1e-6), rel=1e-13)
    assert abs(clipped[0][0, 0] / grads[0][0, 0] / without_eps - 1) > 1e-3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(1e-3, 1e3))
def test_clip_by_norm_keeps_direction_and_bounds_the_norm(seed, max_norm):
    """The clipped gradients are a multiple in (0, 1] of grads, with total norm at most max_norm."""
    grads = parameter_gradients(np.random.default_rng(seed), 10.0)
    clipped, total_norm = ref.clip_by_norm(grads, max_norm)
    ratios = np.concatenate([(c / g).ravel() for c, g in zip(clipped, grads)])
    assert np.ptp(ratios) <= 1e-12 and 0 < ratios[0] <= 1
    assert math.sqrt(sum(np.sum(c**2) for c in clipped)) <= max_norm * (1 + 1e-12) or ratios[0] == 1.0


# --- random search and the update ratio ---------------------------------------------------

def test_log_uniform_is_uniform_in_log_space():
    """200000 draws on [1e-6, 1e-1): in range, and the KS distance of the log10 is within the
    DKW bound: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) = 1e-9 at eps = 0.01017."""
    n = 200_000
    samples = ref.log_uniform(1e-6, 1e-1, n, np.random.default_rng(5))
    assert samples.shape == (n,) and samples.dtype == np.float64
    assert samples.min() >= 1e-6 * (1 - 1e-12) and samples.max() <= 1e-1 * (1 + 1e-12)
    u = np.sort((np.log10(samples) + 6) / 5)
    distance = max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))
    assert distance <= math.sqrt(math.log(2 / 1e-9) / (2 * n))


def test_log_uniform_uses_only_rng():
    """The same seed gives the same samples, another seed other samples; size may be a tuple."""
    first = ref.log_uniform(1e-4, 1.0, (3, 4), np.random.default_rng(9))
    np.testing.assert_array_equal(first, ref.log_uniform(1e-4, 1.0, (3, 4), np.random.default_rng(9)))
    assert first.shape == (3, 4)
    assert not np.array_equal(first, ref.log_uniform(1e-4, 1.0, (3, 4), np.random.default_rng(10)))


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1e-3, 1.0), (1.0, 1.0), (1e-2, 1e-3)])
def test_log_uniform_rejects_bad_bounds(low, high):
    """ValueError unless 0 < low < high."""
    with pytest.raises(ValueError, match="0 < low < high"):
        ref.log_uniform(low, high, 5, np.random.default_rng(0))


def test_update_ratio_matches_torch_norms(rng):
    """||update|| / ||w|| with Frobenius norms, for a matrix and a 4-D weight."""
    for shape in [(5, 3), (2, 3, 2, 2)]:
        w, update = rng.standard_normal(shape), 1e-3 * rng.standard_normal(shape)
        expected = (torch.linalg.vector_norm(torch.tensor(update)) / torch.linalg.vector_norm(torch.tensor(w))).item()
        ratio = ref.update_ratio(w, update)
        assert type(ratio) is float and ratio == pytest.approx(expected, rel=1e-13)


def test_update_ratio_rejects_zero_weights():
    """ValueError when w is all zeros."""
    with pytest.raises(ValueError, match="all zeros"):
        ref.update_ratio(np.zeros((2, 3)), np.ones((2, 3)))


# --- the stub ----------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=8)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=8, k=k)
