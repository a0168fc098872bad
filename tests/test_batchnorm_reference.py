"""The batchnorm reference proven against independent oracles: PyTorch and central differences.

Outputs, running statistics and gradients are compared with torch.nn.BatchNorm1d and
BatchNorm2d (float64, autograd) at rtol 1e-10; gradients also with the numerical gradient
computed here at rtol 1e-6. The last tests check that the student stub has the reference's
API and docstrings.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, numerical_gradient, t

pytestmark = pytest.mark.batchnorm

ROOT = Path(__file__).parents[1]

# SPEC order; task 4.k is the k-th name
SPEC_FUNCTIONS = [
    "batchnorm_forward",
    "batchnorm_backward",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "batchnorm.py", "reference_batchnorm")
stub = load(ROOT / "assignments" / "batchnorm.py", "stub_batchnorm")


def torch_layer(spatial, features, gamma, beta, eps=1e-5, momentum=0.1):
    """A float64 torch.nn.BatchNorm1d/2d with the given affine parameters."""
    layer = (torch.nn.BatchNorm2d if spatial else torch.nn.BatchNorm1d)(features, eps=eps, momentum=momentum)
    layer = layer.double()
    with torch.no_grad():
        layer.weight.copy_(t(gamma))
        layer.bias.copy_(t(beta))
    return layer


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(4321)


def batches(rng, steps, shape, shift):
    """``steps`` batches of ``shape`` with per-feature means and scales far from 0 and 1."""
    features = shape[1]
    scale = rng.uniform(0.5, 3.0, size=features)
    mean = rng.normal(scale=shift, size=features)
    extra = (1,) * (len(shape) - 2)
    return [rng.normal(size=shape) * scale.reshape(-1, *extra) + mean.reshape(-1, *extra) for _ in range(steps)]


FORWARDS = {False: ref.batchnorm_forward, True: ref.spatial_batchnorm_forward}
BACKWARDS = {False: ref.batchnorm_backward, True: ref.spatial_batchnorm_backward}
SHAPES = [(False, (2, 3)), (False, (7, 4)), (False, (5, 1)), (True, (2, 3, 4, 5)), (True, (1, 2, 3, 1)), (True, (3, 4, 1, 1))]


# --- forward, running statistics and test mode ---------------------------------------------


@pytest.mark.parametrize("spatial, shape", SHAPES)
@pytest.mark.parametrize("eps, momentum", [(1e-5, 0.1), (1e-2, 0.3)])
def test_training_and_test_mode_match_torch(rng, spatial, shape, eps, momentum):
    """Train-mode outputs and running statistics after 6 steps, then eval-mode output, equal torch's."""
    features = shape[1]
    gamma, beta = rng.normal(size=features), rng.normal(size=features)
    layer = torch_layer(spatial, features, gamma, beta, eps, momentum)
    bn_param = {"mode": "train", "eps": eps, "momentum": momentum}
    for x in batches(rng, 6, shape, shift=4.0):
        out, _ = FORWARDS[spatial](x, gamma, beta, bn_param)
        assert out.shape == shape and out.dtype == np.float64
        np.testing.assert_allclose(out, layer(t(x)).detach().numpy(), **EXACT)
    np.testing.assert_allclose(bn_param["running_mean"], layer.running_mean.numpy(), **EXACT)
    np.testing.assert_allclose(bn_param["running_var"], layer.running_var.numpy(), **EXACT)
    assert np.abs(bn_param["running_mean"]).max() > 0.5  # far from the start at zeros

    layer.eval()
    bn_param["mode"] = "test"
    before = {key: np.copy(value) for key, value in bn_param.items()}
    (x,) = batches(rng, 1, shape, shift=1.0)
    out, _ = FORWARDS[spatial](x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, layer(t(x)).detach().numpy(), **EXACT)
    for key, value in before.items():
        np.testing.assert_array_equal(bn_param[key], value)


def test_running_statistics_are_created_with_defaults(rng):
    """Without running stats, eps or momentum in bn_param, one step gives torch's defaults' result."""
    x = rng.normal(loc=2.0, size=(6, 3))
    gamma, beta = np.ones(3), np.zeros(3)
    layer = torch_layer(False, 3, gamma, beta)  # eps 1e-5, momentum 0.1
    bn_param = {"mode": "train"}
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, layer(t(x)).detach().numpy(), **EXACT)
    assert set(bn_param) == {"mode", "running_mean", "running_var"}
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), **EXACT)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 + 0.1 * x.var(axis=0, ddof=1), **EXACT)


def test_test_mode_without_running_statistics_uses_zeros_and_ones(rng):
    """Test mode with no running stats normalizes by mean 0 and variance 1 and leaves bn_param as it is."""
    x, gamma, beta = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
    bn_param = {"mode": "test"}
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * x / np.sqrt(1 + 1e-5) + beta, **EXACT)
    assert bn_param == {"mode": "test"}


def test_momentum_weights_the_new_batch(rng):
    """momentum is the weight of the batch statistics: momentum 1 replaces the running mean."""
    x = rng.normal(size=(5, 2))
    bn_param = {"mode": "train", "momentum": 1.0, "running_mean": np.full(2, 7.0), "running_var": np.full(2, 7.0)}
    ref.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], x.mean(axis=0), **EXACT)
    np.testing.assert_allclose(bn_param["running_var"], x.var(axis=0, ddof=1), **EXACT)


def test_zero_variance_feature_matches_torch(rng):
    """A constant feature normalizes to 0 (eps keeps it finite) and its gradient is finite, as torch."""
    x = rng.normal(size=(4, 3))
    x[:, 1] = 1.25
    gamma, beta, dout = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(4, 3))
    out, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    tx = t(x, True)
    layer = torch_layer(False, 3, gamma, beta)
    tout = layer(tx)
    tout.backward(t(dout))
    np.testing.assert_array_equal(out[:, 1], beta[1])
    np.testing.assert_allclose(out, tout.detach().numpy(), **EXACT)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)
    np.testing.assert_allclose(dgamma, layer.weight.grad.numpy(), **EXACT)
    # without eps the constant column would be 0 / 0; with it dx = gamma (dout - mean dout) / sqrt(eps)
    np.testing.assert_allclose(dx[:, 1], gamma[1] * (dout[:, 1] - dout[:, 1].mean()) / np.sqrt(1e-5), **EXACT)


def test_inputs_are_not_modified(rng):
    """x, gamma, beta, dout and the running-statistics arrays given are left as they were."""
    x, gamma, beta, dout = rng.normal(size=(3, 2, 2, 2)), rng.normal(size=2), rng.normal(size=2), rng.normal(size=(3, 2, 2, 2))
    running = rng.normal(size=2)
    arrays = (x, gamma, beta, dout, running)
    copies = [a.copy() for a in arrays]
    bn_param = {"mode": "train", "running_mean": running, "running_var": running**2}
    _, cache = ref.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    ref.spatial_batchnorm_backward(dout, cache)
    for a, copy in zip(arrays, copies):
        np.testing.assert_array_equal(a, copy)


# --- backward ------------------------------------------------------------------------------


@pytest.mark.parametrize("spatial, shape", SHAPES)
def test_backward_matches_autograd(rng, spatial, shape):
    """dx, dgamma, dbeta equal torch autograd's through BatchNorm1d/2d in train mode."""
    features = shape[1]
    (x,) = batches(rng, 1, shape, shift=2.0)
    gamma, beta, dout = rng.normal(size=features), rng.normal(size=features), rng.normal(size=shape)
    layer = torch_layer(spatial, features, gamma, beta)
    tx = t(x, True)
    layer(tx).backward(t(dout))
    _, cache = FORWARDS[spatial](x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = BACKWARDS[spatial](dout, cache)
    assert (dx.shape, dgamma.shape, dbeta.shape) == (shape, (features,), (features,))
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)
    np.testing.assert_allclose(dgamma, layer.weight.grad.numpy(), **EXACT)
    np.testing.assert_allclose(dbeta, layer.bias.grad.numpy(), **EXACT)


@pytest.mark.parametrize("spatial, shape", [(False, (5, 3)), (True, (2, 3, 2, 3))])
def test_backward_matches_numerical_gradient(rng, spatial, shape):
    """dx, dgamma, dbeta agree with central differences of sum(out * dout)."""
    features = shape[1]
    x, gamma, beta, dout = rng.normal(size=shape), rng.normal(size=features), rng.normal(size=features), rng.normal(size=shape)
    _, cache = FORWARDS[spatial](x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = BACKWARDS[spatial](dout, cache)

    def loss():
        return np.sum(FORWARDS[spatial](x, gamma, beta, {"mode": "train"})[0] * dout)

    np.testing.assert_allclose(dx, numerical_gradient(loss, x), **NUMERIC)
    np.testing.assert_allclose(dgamma, numerical_gradient(loss, gamma), **NUMERIC)
    np.testing.assert_allclose(dbeta, numerical_gradient(loss, beta), **NUMERIC)


@settings(max_examples=40, deadline=None, database=None)
@given(
    n=st.integers(2, 9),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-3, 1e3),
)
def test_forward_and_backward_invariants(n, d, seed, scale):
    """out has per-feature mean beta; dx sums to 0 over the batch and is orthogonal to x_hat up to eps."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=scale, size=(n, d)) + rng.normal(scale=scale, size=d)
    gamma, beta, dout = rng.normal(size=d), rng.normal(size=d), rng.normal(size=(n, d))
    out, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, _ = ref.batchnorm_backward(dout, cache)
    var = x.var(axis=0)
    inv_std = 1 / np.sqrt(var + 1e-5)
    x_hat = (x - x.mean(axis=0)) * inv_std
    np.testing.assert_allclose(out, gamma * x_hat + beta, rtol=1e-9, atol=1e-9)
    # the gradient cannot move what normalization removes, the mean and the scale of x_hat,
    # except for eps's share of the variance: sum(dx * x_hat) = gamma inv_std dgamma eps / (var + eps)
    size = np.abs(gamma) * inv_std * np.abs(dout).sum(axis=0)  # the scale of dx's terms
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-9 * size.max())
    leak = gamma * inv_std * dgamma * 1e-5 / (var + 1e-5)
    np.testing.assert_allclose((dx * x_hat).sum(axis=0), leak, rtol=1e-6, atol=1e-9 * size.max())


# --- errors --------------------------------------------------------------------------------


def test_unknown_mode_raises():
    """A mode other than 'train' or 'test' raises ValueError naming it."""
    with pytest.raises(ValueError, match=r"must be 'train' or 'test', not 'eval'"):
        ref.batchnorm_forward(np.zeros((2, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


def test_training_on_one_sample_per_feature_raises():
    """Train mode with one sample per feature raises ValueError, as torch does."""
    with pytest.raises(ValueError, match=r"at least 2 samples per feature, got 1"):
        ref.batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match=r"at least 2 samples per feature, got 1"):
        ref.spatial_batchnorm_forward(np.zeros((1, 2, 1, 1)), np.ones(2), np.zeros(2), {"mode": "train"})
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel"):
        torch_layer(False, 3, np.ones(3), np.zeros(3))(t(np.zeros((1, 3))))


# --- the stub ------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=4)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=4, k=k)
