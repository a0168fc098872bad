"""Public checks for initialization.py: run `pytest checks/test_initialization.py` (one task: add `-k he_normal`).

fan_in_fan_out and activation_stds are compared with the reference's outputs, stored in
checks/expected/initialization.json. The initializers return random arrays, so they are
checked the way the grader checks them, by the law of their entries: the shape and dtype,
a mean of 0 and a mean square (the variance about 0) equal to the intended variance within
6 standard errors, the shape of the law (a normal has 8.3% of its draws beyond sqrt(3)
standard deviations, a uniform on [-a, a] with a = sqrt(3 Var) none), and the generator:
the same seed must give the same array.
"""

import math

import numpy as np

import initialization
from harness import Examples, assert_property, assert_shape, assert_statistic, describe, fail, normal, rng

examples = Examples("initialization")

# weight shape -> (fan_in, fan_out), counted by hand: affine (D_in, D_out), conv (F, C, HH, WW)
FANS = {(64, 256): (64, 256), (320, 80): (320, 80), (64, 16, 5, 3): (16 * 5 * 3, 64 * 5 * 3)}
TAIL = math.erfc(math.sqrt(1.5))  # 0.0833: the share of a normal beyond sqrt(3) standard deviations


# -- 3.1 fans --------------------------------------------------------------------------------

@examples.register
def fan_in_fan_out(module):
    outputs = {}
    for shape in [(30, 7), (6, 3, 5, 4), (8, 2, 1, 1)]:
        fan_in, fan_out = module.fan_in_fan_out(shape)
        outputs[f"fan_in of {shape}"], outputs[f"fan_out of {shape}"] = fan_in, fan_out
    return outputs


def test_fan_in_fan_out():
    """fan_in_fan_out: (D_in, D_out) for affine weights, (C*HH*WW, F*HH*WW) for conv weights, as ints."""
    examples.check(fan_in_fan_out, initialization)
    fans = initialization.fan_in_fan_out((6, 3, 5, 4))
    assert_property(isinstance(fans, tuple) and len(fans) == 2, f"fan_in_fan_out returned {fans!r}, expected a tuple (fan_in, fan_out).")


# -- 3.2 to 3.4 initializers -------------------------------------------------------------------

def check_law(name, W, shape, variance, kind):
    """W is a float64 array of ``shape`` whose entries look like draws of the law (kind, variance)."""
    assert_shape(name, W, shape)
    assert_property(W.dtype == np.float64, f"{name} has dtype {W.dtype}, expected float64.")
    n = W.size
    spread = math.sqrt((2.0 if kind == "normal" else 0.8) / n)  # standard error of the mean square, relative
    assert_statistic(f"the mean of {name}**2 (its variance about 0)", np.mean(W**2), variance, 6 * spread * variance)
    assert_statistic(f"the mean of {name}", np.mean(W), 0.0, 6 * math.sqrt(variance / n))
    bound = math.sqrt(3 * variance)
    if kind == "normal":
        share = float(np.mean(np.abs(W) > bound))
        assert_property(share >= TAIL / 2, f"only {share:.2%} of {name}'s entries lie beyond sqrt(3 Var) = {bound:.4g}, where a normal puts {TAIL:.1%}: {name} does not look normal.")
    else:
        largest = float(np.max(np.abs(W)))
        assert_property(largest <= bound * (1 + 1e-9), f"the largest |{name}| is {largest:.4g}, outside [-a, a] with a = sqrt(3 Var) = {bound:.4g}: a uniform with that variance never goes there.")


def check_uses_rng(initializer, shape, **kwargs):
    """The same seed gives the same array, another seed another array."""
    name = initializer.__name__
    first = initializer(shape, rng(7), **kwargs)
    again = initializer(shape, rng(7), **kwargs)
    other = initializer(shape, rng(8), **kwargs)
    assert_property(np.array_equal(first, again), f"{name} returned different arrays for two generators with the same seed: draw every random number from rng, not from np.random.")
    assert_property(not np.array_equal(first, other), f"{name} returned the same array for generators with different seeds: draw the weights from rng.")


def xavier_variance(shape, mode):
    fan_in, fan_out = FANS[shape]
    return 1 / fan_in if mode == "fan_in" else 2 / (fan_in + fan_out)


def check_xavier(initializer, kind):
    for seed, (shape, mode) in enumerate([((64, 256), None), ((64, 16, 5, 3), "fan_in"), ((320, 80), "average")]):
        kwargs = {} if mode is None else {"mode": mode}
        W = initializer(shape, rng(seed), **kwargs)
        check_law(f"{initializer.__name__}({shape}, rng, mode={mode or 'fan_in (default)'})", W, shape, xavier_variance(shape, mode or "fan_in"), kind)
    check_uses_rng(initializer, (64, 256), mode="average")


def test_xavier_normal():
    """xavier_normal: zero-mean normal with Var 1/fan_in (default) or 2/(fan_in + fan_out) (mode average)."""
    check_xavier(initialization.xavier_normal, "normal")


def test_xavier_uniform():
    """xavier_uniform: uniform on [-a, a], a = sqrt(3 Var), with xavier_normal's variance."""
    check_xavier(initialization.xavier_uniform, "uniform")


def test_he_normal():
    """he_normal: zero-mean normal with Var 2/fan_in, for affine and conv weights."""
    for seed, shape in enumerate([(64, 256), (64, 16, 5, 3)]):
        W = initialization.he_normal(shape, rng(seed))
        check_law(f"he_normal({shape}, rng)", W, shape, 2 / FANS[shape][0], "normal")
    check_uses_rng(initialization.he_normal, (64, 16, 5, 3))


# -- 3.5 activation statistics -----------------------------------------------------------------

def stack(activation_scale):
    """x (16, 20) and 10 weights between widths 20, 30, 25, ..., scaled by activation_scale / sqrt(fan_in)."""
    r = rng(11)
    widths = [20, 30, 25, 40, 20, 35, 30, 25, 20, 30, 15]
    weights = [normal(r, d_in, d_out, scale=activation_scale / math.sqrt(d_in)) for d_in, d_out in zip(widths, widths[1:])]
    return normal(r, 16, widths[0]), weights


@examples.register
def activation_stds(module):
    outputs = {}
    for activation, scale in [("relu", 1.0), ("relu", math.sqrt(2)), ("tanh", 1.0), ("tanh", 2.0)]:
        stds = module.activation_stds(*stack(scale), activation)
        for layer, std in enumerate(stds, start=1):
            outputs[f"{activation}, weights {scale:.3g}/sqrt(fan_in): std after layer {layer}"] = std
    return outputs


def test_activation_stds():
    """activation_stds: a list of 10 floats, np.std of h = activation(h @ W) after each layer; ValueError otherwise."""
    stds = initialization.activation_stds(*stack(1.0), "relu")
    assert_property(isinstance(stds, list) and len(stds) == 10, f"activation_stds returned {describe(stds)}, expected a list of 10 floats (one per layer).")
    examples.check(activation_stds, initialization)
    try:  # not pytest.raises: these checks also run in a notebook, without pytest
        initialization.activation_stds(*stack(1.0), "sigmoid")
    except ValueError:
        return
    fail("activation_stds(x, weights, 'sigmoid') returned; it should raise ValueError for an activation other than 'relu' or 'tanh'.")
