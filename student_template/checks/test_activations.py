"""Public checks for activations.py: run `pytest checks/test_activations.py` (one task: add `-k elu_backward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/activations.json. Backward passes are also
checked against central differences away from the kinks, and at exactly x == 0, where the
slope is the negative side's (as PyTorch's autograd); sigmoid and ELU against inputs of
magnitude 1e3 (no overflow warning); maxout against pieces that tie.
"""

import numpy as np

import activations
from harness import (Examples, assert_close, assert_no_warnings, assert_shape, assert_unchanged,
                     check_gradient, normal, rng, with_zeros)

examples = Examples("activations")

LARGE = np.array([[-1000.0, -745.5, -30.0, 0.0, 30.0, 745.5, 1000.0]])  # exp(1000) overflows float64


def kinked_inputs(seed):
    """A 4 x 5 input with exact zeros (the kinks), and an upstream gradient."""
    r = rng(seed)
    return with_zeros(r, normal(r, 4, 5, scale=2)), normal(r, 4, 5)


def smooth_inputs(seed):
    """A 3 x 4 input with every |x| >= 0.1: no kink within a central difference's step."""
    r = rng(seed)
    x = normal(r, 3, 4, scale=2)
    return np.where(np.abs(x) < 0.1, np.sign(x) * 0.1 + x, x), normal(r, 3, 4)


def backward_of(name, x, dout, **params):
    """dx of ``name`` at x, through the module's own forward and backward."""
    _, cache = getattr(activations, f"{name}_forward")(x, **params)
    return getattr(activations, f"{name}_backward")(dout, cache)


def check_backward(name, slope_at_zero=None, **params):
    """dx against central differences away from the kinks; at x == 0, dout times the negative side's slope;
    dout and x left unchanged."""
    x, dout = smooth_inputs(20)
    dx = backward_of(name, x, dout, **params)
    check_gradient("dx", dx, lambda x: getattr(activations, f"{name}_forward")(x, **params)[0], x, dout)
    if slope_at_zero is not None:
        x, dout = np.zeros(3), np.array([1.0, -2.0, 0.5])
        assert_close(f"{name}_backward's dx at x == 0 (the negative side's slope, {slope_at_zero:g})",
                     backward_of(name, x, dout, **params), slope_at_zero * dout)
    x, dout = kinked_inputs(21)
    before_x, before_dout = x.copy(), dout.copy()
    backward_of(name, x, dout, **params)
    assert_unchanged("x", before_x, x)
    assert_unchanged("dout", before_dout, dout)


# -- 9.1, 9.2 sigmoid ------------------------------------------------------------------------

@examples.register
def sigmoid_forward(ac):
    x, _ = kinked_inputs(1)
    return {"out": ac.sigmoid_forward(x)[0], "out for |x| up to 1000": ac.sigmoid_forward(LARGE)[0]}


@examples.register
def sigmoid_backward(ac):
    x, dout = kinked_inputs(1)
    large = ac.sigmoid_backward(np.ones_like(LARGE), ac.sigmoid_forward(LARGE)[1])
    return {"dx": ac.sigmoid_backward(dout, ac.sigmoid_forward(x)[1]), "dx for |x| up to 1000": large}


def test_sigmoid_forward():
    """sigmoid_forward: 1 / (1 + exp(-x)); finite and without warnings for |x| = 1000."""
    examples.check(sigmoid_forward, activations)
    out, _ = assert_no_warnings("sigmoid_forward(x) with |x| = 1000", activations.sigmoid_forward, LARGE)
    assert_shape("sigmoid_forward(x)", out, LARGE.shape)


def test_sigmoid_backward():
    """sigmoid_backward: dout * s * (1 - s) with s the forward's output."""
    examples.check(sigmoid_backward, activations)
    check_backward("sigmoid")
    assert_no_warnings("sigmoid_backward for |x| = 1000", backward_of, "sigmoid", LARGE, np.ones_like(LARGE))


# -- 9.3, 9.4 tanh ---------------------------------------------------------------------------

@examples.register
def tanh_forward(ac):
    x, _ = kinked_inputs(2)
    return {"out": ac.tanh_forward(x)[0], "out for |x| up to 1000": ac.tanh_forward(LARGE)[0]}


@examples.register
def tanh_backward(ac):
    x, dout = kinked_inputs(2)
    return {"dx": ac.tanh_backward(dout, ac.tanh_forward(x)[1])}


def test_tanh_forward():
    """tanh_forward: tanh(x), finite for |x| = 1000."""
    examples.check(tanh_forward, activations)


def test_tanh_backward():
    """tanh_backward: dout * (1 - out**2) with out the forward's output."""
    examples.check(tanh_backward, activations)
    check_backward("tanh")


# -- 9.5, 9.6 ReLU ---------------------------------------------------------------------------

@examples.register
def relu_forward(ac):
    return {"out": ac.relu_forward(kinked_inputs(3)[0])[0]}


@examples.register
def relu_backward(ac):
    x, dout = kinked_inputs(3)
    return {"dx": ac.relu_backward(dout, ac.relu_forward(x)[1])}


def test_relu_forward():
    """relu_forward: max(x, 0)."""
    examples.check(relu_forward, activations)


def test_relu_backward():
    """relu_backward: dout where x > 0, 0 where x <= 0 (also at x == 0)."""
    examples.check(relu_backward, activations)
    check_backward("relu", slope_at_zero=0.0)


# -- 9.7, 9.8 leaky ReLU ---------------------------------------------------------------------

@examples.register
def leaky_relu_forward(ac):
    x, _ = kinked_inputs(4)
    return {"out": ac.leaky_relu_forward(x)[0], "out with negative_slope=0.2": ac.leaky_relu_forward(x, negative_slope=0.2)[0]}


@examples.register
def leaky_relu_backward(ac):
    x, dout = kinked_inputs(4)
    return {"dx": ac.leaky_relu_backward(dout, ac.leaky_relu_forward(x)[1]),
            "dx with negative_slope=0.2": ac.leaky_relu_backward(dout, ac.leaky_relu_forward(x, negative_slope=0.2)[1])}


def test_leaky_relu_forward():
    """leaky_relu_forward: x where x > 0, negative_slope * x elsewhere (default 0.01)."""
    examples.check(leaky_relu_forward, activations)


def test_leaky_relu_backward():
    """leaky_relu_backward: slope 1 where x > 0, negative_slope where x <= 0 (also at x == 0), the forward's slope."""
    examples.check(leaky_relu_backward, activations)
    check_backward("leaky_relu", slope_at_zero=0.01)
    check_backward("leaky_relu", slope_at_zero=0.3, negative_slope=0.3)


# -- 9.9, 9.10 ELU ---------------------------------------------------------------------------

@examples.register
def elu_forward(ac):
    x, _ = kinked_inputs(5)
    return {"out": ac.elu_forward(x)[0], "out with alpha=0.5": ac.elu_forward(x, alpha=0.5)[0],
            "out for |x| up to 1000": ac.elu_forward(LARGE)[0]}


@examples.register
def elu_backward(ac):
    x, dout = kinked_inputs(5)
    return {"dx": ac.elu_backward(dout, ac.elu_forward(x)[1]),
            "dx with alpha=0.5": ac.elu_backward(dout, ac.elu_forward(x, alpha=0.5)[1]),
            "dx for |x| up to 1000": ac.elu_backward(np.ones_like(LARGE), ac.elu_forward(LARGE)[1])}


def test_elu_forward():
    """elu_forward: x where x > 0, alpha * (exp(x) - 1) elsewhere; no overflow warning for x = 1000."""
    examples.check(elu_forward, activations)
    assert_no_warnings("elu_forward(x) with |x| = 1000", activations.elu_forward, LARGE)


def test_elu_backward():
    """elu_backward: slope 1 where x > 0, alpha * exp(x) where x <= 0 (alpha at x == 0)."""
    examples.check(elu_backward, activations)
    check_backward("elu", slope_at_zero=1.0)
    check_backward("elu", slope_at_zero=2.5, alpha=2.5)
    assert_no_warnings("elu_backward for |x| = 1000", backward_of, "elu", LARGE, np.ones_like(LARGE))


# -- 9.11, 9.12 maxout -----------------------------------------------------------------------

def maxout_inputs():
    """N = 4 inputs of size D = 5 into M = 2 units of K = 3 pieces, and dout."""
    r = rng(6)
    return normal(r, 4, 5), normal(r, 3, 5, 2), normal(r, 3, 2), normal(r, 4, 2)


def tied_inputs():
    """Small integers, so that pieces tie (exactly: integer sums are exact)."""
    r = rng(7)
    return tuple(r.integers(-2, 3, size=shape).astype(float) for shape in ((4, 3), (4, 3, 2), (4, 2))) + (normal(r, 4, 2),)


@examples.register
def maxout_forward(ac):
    x, w, b, _ = maxout_inputs()
    return {"out": ac.maxout_forward(x, w, b)[0], "out with tied pieces": ac.maxout_forward(*tied_inputs()[:3])[0]}


@examples.register
def maxout_backward(ac):
    x, w, b, dout = maxout_inputs()
    dx, dw, db = ac.maxout_backward(dout, ac.maxout_forward(x, w, b)[1])
    tx, tw, tb, tdout = tied_inputs()
    tied = ac.maxout_backward(tdout, ac.maxout_forward(tx, tw, tb)[1])
    return {"dx": dx, "dw": dw, "db": db, "dx with tied pieces": tied[0], "dw with tied pieces": tied[1], "db with tied pieces": tied[2]}


def test_maxout_forward():
    """maxout_forward: the largest of the K pieces x @ w[k] + b[k], shape (N, M)."""
    examples.check(maxout_forward, activations)


def test_maxout_backward():
    """maxout_backward: the gradient flows through the maximal piece only, the first one on ties."""
    examples.check(maxout_backward, activations)
    x, w, b, dout = maxout_inputs()
    dx, dw, db = activations.maxout_backward(dout, activations.maxout_forward(x, w, b)[1])
    check_gradient("dx", dx, lambda x: activations.maxout_forward(x, w, b)[0], x, dout)
    check_gradient("dw", dw, lambda w: activations.maxout_forward(x, w, b)[0], w, dout)
    check_gradient("db", db, lambda b: activations.maxout_forward(x, w, b)[0], b, dout)
    # x = 0 and b = 0: all three pieces are 0 everywhere, a three-way tie won by piece 0
    dout = np.array([[1.0, -2.0]])
    _, w, _, _ = maxout_inputs()
    dx, _, db = activations.maxout_backward(dout, activations.maxout_forward(np.zeros((1, 5)), w, np.zeros((3, 2)))[1])
    assert_close("db when all pieces tie (all of dout to piece 0)", db, np.array([[1.0, -2.0], [0.0, 0.0], [0.0, 0.0]]))
    assert_close("dx when all pieces tie (through piece 0 only)", dx, dout @ w[0].T)
