"""Small ensembles to run with YOUR ensembles.py and backprop.py, for the assignment's notebook.

Nothing to implement here: this module makes a two-class data set (two interleaved moons),
trains tiny multi-layer perceptrons built from backprop.py's layers (affine, ReLU,
softmax cross-entropy) with minibatch SGD, fits decision stumps for AdaBoost, and trains a
student network on a teacher's logits. Every function that needs one of your assignments
takes the module as an argument, so the experiments run on whatever you wrote:

    import backprop, ensembles, ensembles_experiments as ex
    X, y = ex.make_moons(200, 0.25, np.random.default_rng(0))
    members = ex.bagging(backprop, ensembles, X, y, np.random.default_rng(1), members=5)
    probs = np.stack([ex.predict_proba(backprop, params, X) for params in members])

A network's parameters are a dict {"w1": (2, H), "b1": (H,), "w2": (H, 2), "b2": (2,)}.
Uses numpy and the standard library only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


# -- data -----------------------------------------------------------------------------------------

def make_moons(n, noise, rng):
    """Two interleaved half circles, n points in all, with Gaussian noise of std ``noise``.

    Class 0 is the upper arc (centre (0, 0), radius 1), class 1 the lower arc shifted to
    centre (1, 0.5): neither class is linearly separable from the other.

    Returns:
        X: float64 (n, 2).
        y: int64 labels in {0, 1}, shape (n,), the classes alternating.
    """
    y = np.arange(n, dtype=np.int64) % 2
    angle = rng.uniform(0, np.pi, size=n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    X = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    return X, y


def accuracy(labels, y):
    """The share of predicted ``labels`` equal to ``y``, a float."""
    return float(np.mean(np.asarray(labels) == y))


# -- tiny MLPs from backprop.py's layers ------------------------------------------------------------

def init_mlp(rng, hidden=32, inputs=2, classes=2):
    """He-initialized weights and zero biases of a network inputs -> hidden (ReLU) -> classes."""
    return {"w1": rng.standard_normal((inputs, hidden)) * np.sqrt(2 / inputs), "b1": np.zeros(hidden),
            "w2": rng.standard_normal((hidden, classes)) * np.sqrt(2 / hidden), "b2": np.zeros(classes)}


def mlp_forward(backprop, params, X):
    """The network's scores (N, classes) and the layers' caches, with your backprop.py."""
    hidden, affine1 = backprop.affine_forward(X, params["w1"], params["b1"])
    active, relu = backprop.relu_forward(hidden)
    scores, affine2 = backprop.affine_forward(active, params["w2"], params["b2"])
    return scores, (affine1, relu, affine2)


def mlp_backward(backprop, dscores, caches):
    """The gradients of the loss with respect to each parameter, from dloss/dscores."""
    affine1, relu, affine2 = caches
    dactive, dw2, db2 = backprop.affine_backward(dscores, affine2)
    _, dw1, db1 = backprop.affine_backward(backprop.relu_backward(dactive, relu), affine1)
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}


def predict_proba(backprop, params, X):
    """Class probabilities (N, classes): the softmax of the network's scores."""
    return backprop.softmax(mlp_forward(backprop, params, X)[0])


class Run(NamedTuple):
    """What one training run leaves: the last parameters, their running average (None
    without ``average_with``), the loss of every step."""

    params: dict
    average: dict | None
    losses: list


def train_mlp(backprop, X, y, rng, loss=None, hidden=32, steps=1500, lr=0.2, batch_size=32, average_with=None):
    """Minibatch SGD on a fresh network (initialized from ``rng``, batches drawn from it too).

    Args:
        backprop: your backprop module (layers and, by default, softmax_cross_entropy).
        X, y: training inputs (N, 2) and labels (N,).
        loss: ``loss(scores, batch) -> (value, dscores)`` for the examples ``batch`` (indices
            into X); default the softmax cross-entropy with y.
        average_with: ``average_with(average, params) -> new average``, called after every
            step from the first parameters on, e.g. an exponential moving average.

    Returns:
        a :class:`Run`.
    """
    if loss is None:
        def loss(scores, batch):
            return backprop.softmax_cross_entropy(scores, y[batch])
    params = init_mlp(rng, hidden)
    average = None if average_with is None else dict(params)
    losses = []
    for _ in range(steps):
        batch = rng.integers(0, len(X), size=batch_size)
        scores, caches = mlp_forward(backprop, params, X[batch])
        value, dscores = loss(scores, batch)
        grads = mlp_backward(backprop, dscores, caches)
        params = {name: params[name] - lr * grads[name] for name in params}
        if average_with is not None:
            average = average_with(average, params)
        losses.append(value)
    return Run(params, average, losses)


def bagging(backprop, ensembles, X, y, rng, members=5, **options):
    """Train ``members`` networks, each on its own bootstrap sample from your
    ensembles.bootstrap_indices; ``options`` go to :func:`train_mlp`. Returns their parameters."""
    trained = []
    for _ in range(members):
        sample = ensembles.bootstrap_indices(len(X), rng)
        trained.append(train_mlp(backprop, X[sample], y[sample], rng, **options).params)
    return trained


def distill(backprop, ensembles, X, y, teacher_logits, rng, temperature=3.0, alpha=0.7, **options):
    """Train a network on your ensembles.distillation_loss against ``teacher_logits`` (N, classes)
    and the labels y; ``options`` go to :func:`train_mlp`. Returns its :class:`Run`."""
    def loss(scores, batch):
        return ensembles.distillation_loss(scores, teacher_logits[batch], y[batch], temperature, alpha)
    return train_mlp(backprop, X, y, rng, loss=loss, **options)


# -- AdaBoost on decision stumps ------------------------------------------------------------------

class Stump(NamedTuple):
    """Predicts ``sign`` where X[:, feature] > threshold and -sign elsewhere."""

    feature: int
    threshold: float
    sign: int


def stump_predict(stump, X):
    """The stump's predictions in {-1, +1}, int64 (N,)."""
    return np.where(X[:, stump.feature] > stump.threshold, stump.sign, -stump.sign).astype(np.int64)


def fit_stump(X, y_pm, weights):
    """The stump with the smallest weighted error on labels ``y_pm`` in {-1, +1}.

    Thresholds are the midpoints between consecutive sorted values of each feature; for
    each, both signs are tried.
    """
    best, best_error = None, np.inf
    for feature in range(X.shape[1]):
        values = np.unique(X[:, feature])
        thresholds = (values[:-1] + values[1:]) / 2
        above = X[:, feature][None, :] > thresholds[:, None]  # (thresholds, N)
        # weighted error of sign +1 at each threshold; sign -1 errs exactly where +1 is right
        error_plus = np.sum(weights * (np.where(above, 1, -1) != y_pm), axis=1) / np.sum(weights)
        for sign, errors in ((1, error_plus), (-1, 1 - error_plus)):
            k = int(np.argmin(errors))
            if errors[k] < best_error:
                best, best_error = Stump(feature, float(thresholds[k]), sign), errors[k]
    return best


def adaboost(ensembles, X, y_pm, rounds):
    """``rounds`` stumps, each fitted to the weights of your ensembles.adaboost_update.

    Returns:
        members: a list of (stump, alpha).
    """
    weights = np.full(len(X), 1 / len(X))
    members = []
    for _ in range(rounds):
        stump = fit_stump(X, y_pm, weights)
        weights, alpha = ensembles.adaboost_update(weights, y_pm, stump_predict(stump, X))
        members.append((stump, alpha))
    return members


def boosted_predict(members, X):
    """The boosted vote sign(sum_m alpha_m h_m(X)) in {-1, +1} (ties to +1)."""
    votes = sum(alpha * stump_predict(stump, X) for stump, alpha in members)
    return np.where(votes >= 0, 1, -1)


# -- plots ------------------------------------------------------------------------------------------

def grid(X, steps=150, margin=0.5):
    """Points covering the data (for decision-boundary plots): (xx, yy, points (steps^2, 2))."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps))
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], axis=1)
