"""Public checks for backprop.py: run `pytest checks/test_backprop.py` (one task: add `-k affine_backward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/backprop.json. Backward passes are also
checked against central differences, and the numerics against logits of magnitude 1e3.
"""

import numpy as np
import pytest

import backprop
from harness import (Examples, assert_close, assert_no_warnings, assert_property, assert_shape,
                     assert_unchanged, check_gradient, normal, rng, with_zeros)

examples = Examples("backprop")


# -- 1.1, 1.2 affine layer -----------------------------------------------------------------

def affine_inputs():
    """A batch of 3 inputs of size 4 into 5 units: N, D, M all different, so a transpose shows."""
    r = rng(1)
    return normal(r, 3, 4), normal(r, 4, 5), normal(r, 5), normal(r, 3, 5)


@examples.register
def affine_forward(bp):
    x, w, b, _ = affine_inputs()
    out, _ = bp.affine_forward(x, w, b)
    return {"out": out}


@examples.register
def affine_backward(bp):
    x, w, b, dout = affine_inputs()
    _, cache = bp.affine_forward(x, w, b)
    dx, dw, db = bp.affine_backward(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}


def test_affine_forward():
    """affine_forward: out = x @ w + b on a 3 x 4 batch into 5 units."""
    examples.check(affine_forward, backprop)


def test_affine_backward():
    """affine_backward: dx, dw, db match the reference and central differences."""
    examples.check(affine_backward, backprop)
    x, w, b, dout = affine_inputs()
    _, cache = backprop.affine_forward(x, w, b)
    dx, dw, db = backprop.affine_backward(dout, cache)
    check_gradient("dx", dx, lambda x: backprop.affine_forward(x, w, b)[0], x, dout)
    check_gradient("dw", dw, lambda w: backprop.affine_forward(x, w, b)[0], w, dout)
    check_gradient("db", db, lambda b: backprop.affine_forward(x, w, b)[0], b, dout)


# -- 1.3, 1.4 ReLU -----------------------------------------------------------------------------

def relu_inputs():
    """A 4 x 3 input with exact zeros, where ReLU's gradient is 0 (its kink)."""
    r = rng(2)
    return with_zeros(r, normal(r, 4, 3)), normal(r, 4, 3)


@examples.register
def relu_forward(bp):
    x, _ = relu_inputs()
    return {"out": bp.relu_forward(x)[0]}


@examples.register
def relu_backward(bp):
    x, dout = relu_inputs()
    _, cache = bp.relu_forward(x)
    return {"dx": bp.relu_backward(dout, cache)}


def test_relu_forward():
    """relu_forward: max(x, 0), elementwise."""
    examples.check(relu_forward, backprop)


def test_relu_backward():
    """relu_backward: dout where x > 0, 0 where x <= 0 (also at x == 0); dout is not modified."""
    examples.check(relu_backward, backprop)
    x, dout = relu_inputs()
    _, cache = backprop.relu_forward(x)
    before = dout.copy()
    backprop.relu_backward(dout, cache)
    assert_unchanged("dout", before, dout)


# -- 1.5, 1.6 sigmoid and softmax ------------------------------------------------------------

LARGE = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])  # exp(1000) overflows float64


@examples.register
def sigmoid(bp):
    x = normal(rng(3), 2, 5, scale=3)
    return {"sigmoid(x)": bp.sigmoid(x), "sigmoid(x) for |x| up to 1000": bp.sigmoid(LARGE)}


@examples.register
def softmax(bp):
    r = rng(3)
    x = normal(r, 2, 5, scale=3)
    return {"softmax(x)": bp.softmax(x), "softmax(x) of shape (2, 3, 4)": bp.softmax(normal(r, 2, 3, 4)),
            "softmax(x) for logits up to 1000": bp.softmax(LARGE)}


def test_sigmoid():
    """sigmoid: matches the reference, and stays finite without warnings for |x| = 1000."""
    examples.check(sigmoid, backprop)
    out = assert_no_warnings("sigmoid(x) with |x| = 1000", backprop.sigmoid, LARGE)
    assert_shape("sigmoid(x)", out, LARGE.shape)


def test_softmax():
    """softmax: rows over the last axis sum to 1; stable for logits of 1000."""
    examples.check(softmax, backprop)
    out = assert_no_warnings("softmax(x) with logits of 1000", backprop.softmax, LARGE)
    assert_close("the row sums of softmax(x)", out.sum(axis=-1), np.ones(1))


# -- 1.7, 1.8 losses ---------------------------------------------------------------------------

def cross_entropy_inputs():
    r = rng(4)
    return normal(r, 4, 3, scale=2), np.array([0, 2, 1, 2])


@examples.register
def softmax_cross_entropy(bp):
    scores, y = cross_entropy_inputs()
    loss, dscores = bp.softmax_cross_entropy(scores, y)
    large_loss, large_dscores = bp.softmax_cross_entropy(1000 * scores, y)
    return {"loss": loss, "dscores": dscores, "loss for logits x 1000": large_loss, "dscores for logits x 1000": large_dscores}


def test_softmax_cross_entropy():
    """softmax_cross_entropy: loss (a float, mean over the batch) and dscores; stable for large logits."""
    examples.check(softmax_cross_entropy, backprop)
    scores, y = cross_entropy_inputs()
    loss, dscores = assert_no_warnings("softmax_cross_entropy with logits of 1000", backprop.softmax_cross_entropy, 1000 * scores, y)
    assert_property(isinstance(loss, float), f"loss is a {type(loss).__name__}, expected a Python float: use float(...).")
    check_gradient("dscores", backprop.softmax_cross_entropy(scores, y)[1],
                   lambda s: backprop.softmax_cross_entropy(s, y)[0], scores)


def logistic_inputs():
    r = rng(5)
    return normal(r, 3), 0.5, normal(r, 6, 3), np.array([0, 1, 1, 0, 1, 0])


@examples.register
def logistic_regression_loss(bp):
    w, b, X, y = logistic_inputs()
    loss, dw, db = bp.logistic_regression_loss(w, b, X, y)
    large = bp.logistic_regression_loss(1000 * w, b, X, y)
    return {"loss": loss, "dw": dw, "db": db, "loss for margins x 1000": large[0], "dw for margins x 1000": large[1]}


def test_logistic_regression_loss():
    """logistic_regression_loss: loss, dw, db match; gradients match central differences; stable margins."""
    examples.check(logistic_regression_loss, backprop)
    w, b, X, y = logistic_inputs()
    _, dw, db = backprop.logistic_regression_loss(w, b, X, y)
    check_gradient("dw", dw, lambda w: backprop.logistic_regression_loss(w, b, X, y)[0], w)
    check_gradient("db", db, lambda b: backprop.logistic_regression_loss(w, float(b), X, y)[0], np.array(b))
    assert_no_warnings("logistic_regression_loss with margins of 1000", backprop.logistic_regression_loss, 1000 * w, b, X, y)


# -- 1.9 to 1.12 Jacobians -------------------------------------------------------------------

@examples.register
def softmax_jacobian(bp):
    return {"J": bp.softmax_jacobian(normal(rng(6), 4))}


@examples.register
def affine_jacobians(bp):
    r = rng(6)
    J_x, J_w = bp.affine_jacobians(normal(r, 3), normal(r, 3, 2))
    return {"J_x": J_x, "J_w": J_w}


@examples.register
def chain_rule(bp):
    r = rng(6)
    return {"J_L_W": bp.chain_rule(normal(r, 1, 5), normal(r, 5, 6)), "J_L_W for a vector L": bp.chain_rule(normal(r, 3, 5), normal(r, 5, 6))}


def test_softmax_jacobian():
    """softmax_jacobian: diag(p) - p p^T, matching central differences of softmax; a matrix is refused."""
    examples.check(softmax_jacobian, backprop)
    s = normal(rng(7), 5)
    J = backprop.softmax_jacobian(s)
    assert_shape("softmax_jacobian(s)", J, (5, 5))
    for i in range(5):  # row i is the gradient of p_i
        check_gradient(f"row {i} of softmax_jacobian(s)", J[i], lambda s: backprop.softmax(s)[i], s)
    with pytest.raises(ValueError):
        backprop.softmax_jacobian(np.zeros((2, 3)))


def test_affine_jacobians():
    """affine_jacobians: J_x (M, D) and J_w (M, D*M) for f = x @ w, w flattened row by row."""
    examples.check(affine_jacobians, backprop)
    r = rng(8)
    x, w = normal(r, 3), normal(r, 3, 2)
    J_x, J_w = backprop.affine_jacobians(x, w)
    for m in range(2):  # row m is the gradient of f_m
        check_gradient(f"row {m} of J_x", J_x[m], lambda x: (x @ w)[m], x)
        check_gradient(f"row {m} of J_w", J_w[m], lambda v: (x @ v.reshape(3, 2))[m], w.reshape(-1))
    with pytest.raises(ValueError):
        backprop.affine_jacobians(x[None, :], w)


def test_chain_rule():
    """chain_rule: J_L_W = J_L_f @ J_f_W, shape (P, Q)."""
    examples.check(chain_rule, backprop)
    with pytest.raises(ValueError):
        backprop.chain_rule(np.zeros((1, 4)), np.zeros((5, 6)))


@examples.register
def numerical_jacobian(bp):
    r = rng(9)
    a, x = normal(r, 2, 6), normal(r, 2, 3)
    return {"J": bp.numerical_jacobian(lambda x: np.tanh(a @ x.ravel()), x),
            "J of a scalar f": bp.numerical_jacobian(lambda x: float(np.sum(x ** 3)), x)}


def test_numerical_jacobian():
    """numerical_jacobian: central differences, shape (f(x).size, x.size); x left unchanged; h > 0."""
    examples.check(numerical_jacobian, backprop)
    x = normal(rng(10), 2, 3)
    before = x.copy()
    J = backprop.numerical_jacobian(np.sin, x)
    assert_unchanged("x", before, x)
    assert_close("numerical_jacobian(np.sin, x)", J, np.diag(np.cos(x).ravel()), tol=1e-8)
    with pytest.raises(ValueError):
        backprop.numerical_jacobian(np.sin, x, h=0.0)

