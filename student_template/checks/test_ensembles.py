"""Public checks for ensembles.py: run `pytest checks/test_ensembles.py` (one task: add `-k majority_vote`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/ensembles.json. A bootstrap sample is random,
so bootstrap_indices is checked by properties: int64 indices in range(n), about 1 - 1/e of
them distinct (a bound with a false-failure probability of 1e-9), one seed one sample.
distillation_loss's gradient is also checked against central differences, and logits of
magnitude 1e3 must give no warning.
"""

import math

import numpy as np

import ensembles
from harness import (Examples, assert_close, assert_no_warnings, assert_property, assert_shape,
                     assert_statistic, assert_unchanged, check_gradient, normal, rng)

examples = Examples("ensembles")


# -- 12.1 bootstrap_indices ---------------------------------------------------------------------

def test_bootstrap_indices():
    """bootstrap_indices: n int64 draws from range(n), with replacement, from rng."""
    n = 10_000
    indices = ensembles.bootstrap_indices(n, rng(1))
    assert_shape("indices", indices, (n,))
    assert_property(indices.dtype == np.int64, f"indices has dtype {indices.dtype}, expected int64.")
    assert_property(indices.min() >= 0 and indices.max() < n, f"indices holds values outside range(n) = [0, {n}).")
    # McDiarmid: the number of distinct indices is within n * bound of its mean except with probability 1e-9
    bound = math.sqrt(math.log(2e9) / (2 * n))
    assert_statistic("the share of distinct indices (draw with replacement)", len(np.unique(indices)) / n,
                     1 - (1 - 1 / n) ** n, bound)
    again, other = ensembles.bootstrap_indices(n, rng(1)), ensembles.bootstrap_indices(n, rng(2))
    assert_property(np.array_equal(indices, again), "two generators with the same seed gave different indices: draw from rng, not np.random.")
    assert_property(not np.array_equal(indices, other), "generators with different seeds gave the same indices: draw from rng.")
    assert_close("bootstrap_indices(1, rng)", ensembles.bootstrap_indices(1, rng(3)), np.array([0]))


# -- 12.2 average_predictions, 12.3 majority_vote -----------------------------------------------

def probabilities(seed, m, n, c):
    z = np.exp(normal(rng(seed), m, n, c))
    return z / z.sum(axis=-1, keepdims=True)


@examples.register
def average_predictions(en):
    return {"the mean of 3 models' probabilities": en.average_predictions(probabilities(4, 3, 4, 5))}


def test_average_predictions():
    """average_predictions: the mean over the models, rows still summing to 1."""
    examples.check(average_predictions, ensembles)
    out = ensembles.average_predictions(probabilities(4, 3, 4, 5))
    assert_close("the row sums of the averaged probabilities", out.sum(axis=1), np.ones(4))


VOTES = np.array([[0, 3, 1, 2, 4],
                  [2, 3, 1, 2, 0],
                  [2, 1, 1, 0, 4],
                  [0, 1, 2, 0, 0]])  # columns 0, 1, 3 and 4 are two-way ties


@examples.register
def majority_vote(en):
    return {"votes of 4 models, with ties": en.majority_vote(VOTES, 5),
            "votes of 1 model": en.majority_vote(VOTES[:1], 5)}


def test_majority_vote():
    """majority_vote: the most frequent label per example, ties to the smallest, int64."""
    examples.check(majority_vote, ensembles)
    votes = ensembles.majority_vote(VOTES, 5)
    assert_property(votes.dtype == np.int64, f"votes has dtype {votes.dtype}, expected int64.")
    assert_close("the vote between labels 0 and 2 (two votes each)", votes[0], np.int64(0))


# -- 12.4 average_parameters, 12.5 ema_update -----------------------------------------------------

SHAPES = {"w1": (3, 4), "b1": (4,), "w2": (4, 2)}


def model(seed, order=("w1", "b1", "w2")):
    r = rng(seed)
    return {name: normal(r, *SHAPES[name]) for name in order}


def raises_value_error(function, *args) -> bool:
    """Whether function(*args) raises ValueError (any other exception propagates)."""
    try:
        function(*args)
    except ValueError:
        return True
    return False


@examples.register
def average_parameters(en):
    out = en.average_parameters([model(5), model(6, ("w2", "b1", "w1")), model(7, ("b1", "w1", "w2"))])
    return {f"average of {name} (keys in different orders)": out[name] for name in SHAPES}


def test_average_parameters():
    """average_parameters: the mean per name, keys matched by name; ValueError for bad input."""
    examples.check(average_parameters, ensembles)
    for params, why in (([], "an empty list"),
                        ([{"w": np.ones(2)}, {"w": np.ones(2), "b": np.ones(1)}], "dicts with different keys"),
                        ([{"w": np.ones(4)}, {"w": np.ones((1, 4))}], "shapes (4,) and (1, 4)")):
        assert_property(raises_value_error(ensembles.average_parameters, params),
                        f"average_parameters did not raise ValueError for {why}.")


@examples.register
def ema_update(en):
    new = en.ema_update(model(8), model(9, ("b1", "w2", "w1")), 0.9)
    return {f"ema_update(average, params, 0.9)[{name!r}]": new[name] for name in SHAPES}


def test_ema_update():
    """ema_update: decay * average + (1 - decay) * params, in a new dict; the inputs are unchanged."""
    examples.check(ema_update, ensembles)
    average, params = model(8), model(9)
    ensembles.ema_update(average, params, 0.9)
    for name in SHAPES:
        assert_unchanged(f"average[{name!r}]", model(8)[name], average[name])
        assert_unchanged(f"params[{name!r}]", model(9)[name], params[name])


# -- 12.6 adaboost_update ------------------------------------------------------------------------

Y_TRUE = np.array([1, -1, 1, 1, -1, -1, 1, 1])
Y_PRED = np.array([1, -1, -1, 1, 1, -1, 1, 1])  # two mistakes


@examples.register
def adaboost_update(en):
    weights = rng(10).uniform(0.5, 3.0, size=8)  # not summing to 1
    new, alpha = en.adaboost_update(weights, Y_TRUE, Y_PRED)
    perfect_new, perfect_alpha = en.adaboost_update(weights, Y_TRUE, Y_TRUE)
    return {"new_weights": new, "alpha": alpha, "new_weights of a perfect member": perfect_new, "alpha of a perfect member (err clipped)": perfect_alpha}


def test_adaboost_update():
    """adaboost_update: alpha from the weighted error; new weights summing to 1, half of it on the mistakes."""
    examples.check(adaboost_update, ensembles)
    new, _ = ensembles.adaboost_update(np.full(8, 1 / 8), Y_TRUE, Y_PRED)
    assert_close("the sum of new_weights", float(new.sum()), 1.0)
    assert_close("the share of new_weights on the member's mistakes", float(new[Y_TRUE != Y_PRED].sum()), 0.5)


# -- 12.7 distillation_loss ----------------------------------------------------------------------

def logits(seed, scale=2.0):
    r = rng(seed)
    return normal(r, 5, 4, scale=scale), normal(r, 5, 4, scale=scale), r.integers(0, 4, size=5)


LARGE = (np.array([[1000.0, -1000.0, 998.0], [-1000.0, -999.0, -1001.0]]),
         np.array([[-1000.0, 1000.0, 999.0], [1000.0, -998.0, 1000.0]]), np.array([2, 0]))


@examples.register
def distillation_loss(en):
    s, t, y = logits(11)
    outputs = {}
    for temperature, alpha in ((1.0, 0.5), (4.0, 0.9)):
        loss, dstudent = en.distillation_loss(s, t, y, temperature, alpha)
        outputs[f"loss at T = {temperature:g}, alpha = {alpha:g}"] = loss
        outputs[f"dstudent at T = {temperature:g}, alpha = {alpha:g}"] = dstudent
    loss, dstudent = en.distillation_loss(*LARGE, 2.0, 0.7)
    return outputs | {"loss for logits of 1000": loss, "dstudent for logits of 1000": dstudent}


def test_distillation_loss():
    """distillation_loss: T**2 KL(teacher || student) mixed with cross-entropy; its gradient; stable for logits of 1000."""
    examples.check(distillation_loss, ensembles)
    s, t, y = logits(12)
    _, dstudent = ensembles.distillation_loss(s, t, y, 3.0, 0.6)
    check_gradient("dstudent", dstudent, lambda x: ensembles.distillation_loss(x, t, y, 3.0, 0.6)[0], s)
    assert_no_warnings("distillation_loss with logits of 1000", ensembles.distillation_loss, *LARGE, 2.0, 0.7)
