"""Public checks for networks.py: run `pytest checks/test_networks.py` (one task: add `-k mlp_loss`).

Each example below draws fixed inputs and calls your functions; its outputs are compared with
the reference's, stored in checks/expected/networks.json. Gradients are also checked against
central differences. init_mlp is random, so its weights are checked by their variance; train is
checked exactly from given parameters and a seeded generator, and by outcome: with your own
init_mlp and train on the digits (data/digits.npz), at least 85% validation accuracy.
"""

import math
from pathlib import Path

import numpy as np
import pytest

import networks
from harness import Examples, assert_close, assert_property, assert_shape, assert_statistic, assert_unchanged, check_gradient, normal, rng, with_zeros

examples = Examples("networks")
DIGITS = Path(__file__).resolve().parent.parent / "data" / "digits.npz"


def network(seed, dims):
    """Parameters for dims, He-scaled weights and biases with some exact zeros."""
    r = rng(seed)
    params = {}
    for layer, (a, b) in enumerate(zip(dims, dims[1:]), start=1):
        params[f"W{layer}"] = normal(r, a, b, scale=math.sqrt(2 / a))
        params[f"b{layer}"] = with_zeros(r, normal(r, b, scale=0.5))
    return params


def named(prefix, params):
    """A dict of arrays as outputs named '<prefix> W1', '<prefix> b1', ..."""
    return {f"{prefix} {key}": value for key, value in params.items()}


def test_init_mlp():
    """init_mlp: keys and shapes, zero biases, Var(W) = 2/fan_in (He) or 1/fan_in (Xavier), drawn from rng, ValueErrors."""
    for scheme, gain in (("he", 2.0), ("xavier", 1.0)):
        params = networks.init_mlp([200, 100, 10], rng(60), scheme)
        assert_property(sorted(params) == ["W1", "W2", "b1", "b2"], f"init_mlp([200, 100, 10]) returned the keys {sorted(params)}, expected W1, b1, W2, b2.")
        for layer, (a, b) in enumerate(((200, 100), (100, 10)), start=1):
            assert_shape(f"W{layer}", params[f"W{layer}"], (a, b))
            assert_close(f"b{layer}", params[f"b{layer}"], np.zeros(b))
        # 2e4 draws: the mean of W**2 has a standard error of sqrt(2 / 2e4) = 1% of Var; 6% is 6 of them (p ~ 2e-9)
        assert_statistic(f"the variance of W1 ({scheme})", float(np.mean(params["W1"] ** 2)), gain / 200, 0.06 * gain / 200)
    again = networks.init_mlp([200, 100, 10], rng(60), "xavier")
    assert_property(np.array_equal(params["W1"], again["W1"]), "two generators with the same seed gave different weights: draw them from rng, not np.random.")
    assert_shape("W1 of init_mlp([1, 1])", networks.init_mlp([1, 1], rng(0))["W1"], (1, 1))
    for dims, scheme in (([5], "he"), ([4, 0, 3], "he"), ([4, 3], "glorot")):
        with pytest.raises(ValueError):
            networks.init_mlp(dims, rng(0), scheme)


@examples.register
def mlp_forward(net):
    X = normal(rng(61), 4, 5)
    X[0] = 0.0  # the first layer's output is b1 there: ReLUs at their kink
    return {"scores of a 2-layer network": net.mlp_forward(network(62, [5, 7, 3]), X)[0],
            "scores of a 1-layer network": net.mlp_forward(network(63, [5, 3]), X)[0]}


def test_mlp_forward():
    """mlp_forward: affine and ReLU for every layer but the last."""
    examples.check(mlp_forward, networks)


@examples.register
def mlp_loss(net):
    params, X, y = network(64, [4, 5, 3]), normal(rng(65), 6, 4), rng(66).integers(3, size=6)
    loss, grads = net.mlp_loss(params, X, y, 0.1)
    return {"loss with reg = 0.1": loss, **named("gradient", grads),
            "loss for scores near 1e3": net.mlp_loss(params, 400 * X, y)[0]}


def test_mlp_loss():
    """mlp_loss: mean cross-entropy + (reg / 2) sum W^2 (not b), gradients matching central differences."""
    examples.check(mlp_loss, networks)
    params, X, y = network(67, [3, 4, 2]), normal(rng(68), 5, 3), rng(69).integers(2, size=5)
    before = {key: value.copy() for key, value in params.items()}
    _, grads = networks.mlp_loss(params, X, y, 0.3)
    for key in params:
        def loss_at(value, key=key):
            return np.array(networks.mlp_loss({**params, key: value}, X, y, 0.3)[0])
        check_gradient(f"d{key}", grads[key], loss_at, params[key].copy())
        assert_unchanged(key, before[key], params[key])


@examples.register
def residual_block_forward(net):
    r = rng(70)
    x = with_zeros(r, normal(r, 4, 5))
    return {"out": net.residual_block_forward(x, normal(r, 5, 3), normal(r, 3), normal(r, 3, 5), normal(r, 5))[0]}


def test_residual_block_forward():
    """residual_block_forward: relu(x + relu(x @ w1 + b1) @ w2 + b2)."""
    examples.check(residual_block_forward, networks)


def test_residual_block_backward():
    """residual_block_backward: every gradient matches central differences; dx includes the shortcut."""
    r = rng(71)
    x, w1, b1, w2, b2, dout = normal(r, 3, 4), normal(r, 4, 2), normal(r, 2), normal(r, 2, 4), normal(r, 4), normal(r, 3, 4)
    _, cache = networks.residual_block_forward(x, w1, b1, w2, b2)
    grads = networks.residual_block_backward(dout, cache)
    arguments = [x, w1, b1, w2, b2]
    for position, name in enumerate(("dx", "dw1", "db1", "dw2", "db2")):
        def out_at(value, position=position):
            args = list(arguments)
            args[position] = value
            return networks.residual_block_forward(*args)[0]
        check_gradient(name, grads[position], out_at, arguments[position].copy(), dout)


@examples.register
def global_average_pool_forward(net):
    return {"out for (2, 3, 4, 5) maps": net.global_average_pool_forward(normal(rng(72), 2, 3, 4, 5))[0]}


def test_global_average_pool_forward():
    """global_average_pool_forward: the mean over H and W."""
    examples.check(global_average_pool_forward, networks)


def test_global_average_pool_backward():
    """global_average_pool_backward: 1 / (H * W) of dout at every position, as central differences say."""
    x, dout = normal(rng(73), 2, 3, 4, 5), normal(rng(74), 2, 3)
    _, cache = networks.global_average_pool_forward(x)
    dx = networks.global_average_pool_backward(dout, cache)
    assert_shape("dx", dx, x.shape)
    check_gradient("dx", dx, lambda value: networks.global_average_pool_forward(value)[0], x.copy(), dout)


@examples.register
def sgd_step(net):
    params = network(75, [4, 5, 3])
    grads = {key: normal(rng(76), *value.shape) for key, value in params.items()}
    return named("after a step with W1, b1 frozen:", net.sgd_step(params, grads, 0.1, frozen=("W1", "b1")))


def test_sgd_step():
    """sgd_step: p - lr * dp for unfrozen keys, frozen ones kept, inputs unchanged."""
    examples.check(sgd_step, networks)
    params = network(77, [3, 2])
    grads = {key: np.ones_like(value) for key, value in params.items()}
    before = params["W1"].copy()
    new = networks.sgd_step(params, grads, 0.5)
    assert_close("W1 after one step", new["W1"], before - 0.5)
    assert_unchanged("params['W1']", before, params["W1"])


@examples.register
def accuracy(net):
    r = rng(78)
    params = {"W1": r.integers(-1, 2, size=(3, 4)).astype(float), "b1": np.zeros(4)}
    X = r.integers(0, 3, size=(20, 3)).astype(float)
    return {"accuracy with tied integer scores": net.accuracy(params, X, r.integers(4, size=20))}


def test_accuracy():
    """accuracy: the share of rows whose first highest score is the label."""
    examples.check(accuracy, networks)
    params = {"W1": np.eye(2), "b1": np.zeros(2)}
    assert_close("accuracy of scores [1, 1] labelled 0", networks.accuracy(params, np.ones((1, 2)), np.array([0])), 1.0)


@examples.register
def train(net):
    r = rng(79)
    y = r.integers(3, size=23)
    X = normal(r, 3, 3, scale=1.5)[y] + normal(r, 23, 3)
    params, history = net.train(network(80, [3, 5, 3]), X, y, X[:8], y[:8], 0.3, 3, 4, rng(81), reg=0.05, lr_decay=0.5)
    return {**named("after 3 epochs:", params), "the loss of each batch": np.array(history["loss"]),
            "train_acc per epoch": np.array(history["train_acc"]), "val_acc per epoch": np.array(history["val_acc"])}


def test_train():
    """train: batches of a fresh rng.permutation each epoch (the last smaller), lr decayed per epoch; 85% on the digits."""
    examples.check(train, networks, tol=1e-7)
    with np.load(DIGITS) as data:
        X, y = data["X_train"].reshape(-1, 64) / 16, data["y_train"]
        X_val, y_val = data["X_val"].reshape(-1, 64) / 16, data["y_val"]
    params = networks.init_mlp([64, 64, 10], rng(82))
    trained, history = networks.train(params, X, y, X_val, y_val, 0.1, 15, 32, rng(83), lr_decay=0.95)
    assert_property(len(history["loss"]) == 15 * 38, f"history['loss'] has {len(history['loss'])} entries, expected one per batch: 15 epochs of 38 batches.")
    share = networks.accuracy(trained, X_val, y_val)
    assert_property(share >= 0.85, f"after 15 epochs your network classifies {share:.1%} of the validation digits right; a working training loop reaches 85% (the reference about 95%).")
