"""Public checks for dropout.py: run `pytest checks/test_dropout.py` (one task: add `-k dropout_backward`).

A dropout mask is random, and correct implementations draw it differently, so training-mode
outputs are checked by properties: about a share p of zeros, kept units scaled by exactly
1/(1 - p), one seed giving one mask, rows of a batch dropped independently. Each bound on a
share is Hoeffding's at a false-failure probability of 1e-9. Test-time outputs and p = 0 are
deterministic and compared with the reference's, stored in checks/expected/dropout.json.
"""

import math

import numpy as np
import pytest

import dropout
from harness import Examples, assert_close, assert_property, assert_shape, assert_statistic, assert_unchanged, rng

examples = Examples("dropout")


def no_zeros(generator, *shape):
    """Magnitudes in [0.5, 2] with random signs: a zero in out is a dropped unit."""
    return generator.uniform(0.5, 2.0, size=shape) * generator.choice([-1.0, 1.0], size=shape)


def share_bound(n):
    """Hoeffding: the share of zeros among n units is within this of p except with probability 1e-9."""
    return math.sqrt(math.log(2e9) / (2 * n))


@examples.register
def dropout_forward(do):
    x = no_zeros(rng(50), 4, 5)
    return {"out at test time (train=False)": do.dropout_forward(x, 0.4, False, rng(0))[0],
            "out with p = 0": do.dropout_forward(x, 0.0, True, rng(0))[0]}


def test_dropout_forward():
    """dropout_forward: a share p dropped, kept units scaled by 1/(1 - p), reproducible, independent rows."""
    examples.check(dropout_forward, dropout)
    x = no_zeros(rng(51), 200, 100)
    before = x.copy()
    for p in (0.2, 0.75):
        out, _ = dropout.dropout_forward(x, p, True, rng(52))
        assert_shape("out", out, x.shape)
        kept = out != 0
        assert_statistic(f"the share of zeros in out for p = {p}", 1 - kept.mean(), p, share_bound(x.size))
        assert_close(f"the kept units of out for p = {p} (x / (1 - p))", out[kept], x[kept] / (1 - p))
    assert_unchanged("x", before, x)
    first, second = (dropout.dropout_forward(x, 0.3, True, rng(53))[0] for _ in range(2))
    assert_property(np.array_equal(first, second),
                    "two generators with the same seed gave different outputs: draw the mask from rng, not np.random.")
    rows = dropout.dropout_forward(np.ones((10, 50)), 0.5, True, rng(54))[0] == 0
    # two rows of 50 units get one mask with probability 0.5^50 < 1e-15
    assert_property(len({row.tobytes() for row in rows}) == 10,
                    "identical rows of x got identical masks: draw one mask entry per unit, rng.random(x.shape).")
    for p in (1.0, -0.1):
        with pytest.raises(ValueError):
            dropout.dropout_forward(x, p, True, rng(55))


@examples.register
def dropout_backward(do):
    x, dout = no_zeros(rng(56), 3, 4), no_zeros(rng(57), 3, 4)
    _, cache = do.dropout_forward(x, 0.5, False, rng(0))
    return {"dx after a test-time forward": do.dropout_backward(dout, cache)}


def test_dropout_backward():
    """dropout_backward: the forward's own mask and scale, dx = dout * out / x."""
    examples.check(dropout_backward, dropout)
    r = rng(58)
    x, dout = no_zeros(r, 20, 30), r.normal(size=(20, 30))
    out, cache = dropout.dropout_forward(x, 0.3, True, rng(59))
    dx = dropout.dropout_backward(dout, cache)
    assert_shape("dx", dx, x.shape)
    assert_property(np.array_equal(dx == 0, out == 0),
                    "dx is zero at other units than out: reuse the forward's mask from the cache, never draw a new one.")
    assert_close("dx (dout times the forward's mask and scale)", dx, dout * out / x)
