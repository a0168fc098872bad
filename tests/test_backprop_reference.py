"""The backprop reference proven against independent oracles: PyTorch and central differences.

Analytic results are compared with torch (float64) at rtol 1e-10; gradients with the
numerical gradient computed here (not by the reference's numerical_jacobian) at rtol 1e-6.
The last tests check that the student stub has the reference's API and docstrings.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from oracles import assert_stub_mirrors, assert_stub_raises, load, numerical_gradient, t

pytestmark = pytest.mark.backprop

ROOT = Path(__file__).parents[1]

# SPEC order; task 1.k is the k-th name
SPEC_FUNCTIONS = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "logistic_regression_loss",
    "softmax_jacobian",
    "affine_jacobians",
    "chain_rule",
    "numerical_jacobian",
]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "backprop.py", "reference_backprop")
stub = load(ROOT / "assignments" / "backprop.py", "stub_backprop")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(1234)


@pytest.fixture
def no_overflow():
    """Overflow, division by zero, invalid operations and any warning become errors.

    Underflow is allowed: sigmoid(-1000) = 5e-435 can only underflow to 0 in float64.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


AFFINE_SHAPES = [(4, 3, 5), (1, 3, 5), (2, 7, 1), (6, 1, 2)]


# --- affine -------------------------------------------------------------------------------


@pytest.mark.parametrize("n, d, m", AFFINE_SHAPES)
def test_affine_forward_matches_torch(rng, n, d, m):
    """affine_forward equals x @ w + b computed by torch, cache holds the inputs."""
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
    out, cache = ref.affine_forward(x, w, b)
    assert out.shape == (n, m) and out.dtype == np.float64
    np.testing.assert_allclose(out, (t(x) @ t(w) + t(b)).numpy(), **EXACT)
    assert isinstance(cache, tuple) and all(isinstance(a, np.ndarray) for a in cache)


@pytest.mark.parametrize("n, d, m", AFFINE_SHAPES)
def test_affine_backward_matches_autograd(rng, n, d, m):
    """affine_backward returns torch autograd's dx, dw, db."""
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    tx, tw, tb = t(x, True), t(w, True), t(b, True)
    (tx @ tw + tb).backward(t(dout))
    _, cache = ref.affine_forward(x, w, b)
    dx, dw, db = ref.affine_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == ((n, d), (d, m), (m,))
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)
    np.testing.assert_allclose(dw, tw.grad.numpy(), **EXACT)
    np.testing.assert_allclose(db, tb.grad.numpy(), **EXACT)


def test_affine_backward_matches_numerical_gradient(rng):
    """affine_backward agrees with central differences of sum(out * dout)."""
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    dout = rng.normal(size=(3, 2))
    dx, dw, db = ref.affine_backward(dout, ref.affine_forward(x, w, b)[1])

    def loss():
        return np.sum(ref.affine_forward(x, w, b)[0] * dout)

    np.testing.assert_allclose(dx, numerical_gradient(loss, x), **NUMERIC)
    np.testing.assert_allclose(dw, numerical_gradient(loss, w), **NUMERIC)
    np.testing.assert_allclose(db, numerical_gradient(loss, b), **NUMERIC)


# --- relu ---------------------------------------------------------------------------------


def relu_input(rng):
    """Normal values with exact zeros at known places."""
    x = rng.normal(size=(5, 6))
    x[::2, ::3] = 0.0
    return x


def test_relu_forward_matches_torch_with_exact_zeros(rng):
    """relu_forward equals torch.relu, including at exact zeros."""
    x = relu_input(rng)
    out, cache = ref.relu_forward(x)
    np.testing.assert_array_equal(out, torch.relu(t(x)).numpy())
    assert isinstance(cache, tuple) and out.dtype == np.float64


def test_relu_backward_matches_autograd_with_exact_zeros(rng):
    """relu_backward equals autograd, whose gradient at x == 0 is 0."""
    x = relu_input(rng)
    dout = rng.normal(size=x.shape)
    tx = t(x, True)
    torch.relu(tx).backward(t(dout))
    dx = ref.relu_backward(dout, ref.relu_forward(x)[1])
    np.testing.assert_array_equal(dx, tx.grad.numpy())
    assert np.all(dx[x == 0] == 0)


# --- sigmoid and softmax ------------------------------------------------------------------


def test_sigmoid_matches_torch_on_normal_values(rng):
    """sigmoid equals torch.sigmoid on moderate inputs of any shape."""
    x = rng.normal(scale=5.0, size=(3, 4, 2))
    np.testing.assert_allclose(ref.sigmoid(x), torch.sigmoid(t(x)).numpy(), **EXACT)


def test_sigmoid_extremes_match_torch_without_overflow(no_overflow):
    """sigmoid at +-1000, +-700 and 0 equals torch.sigmoid with no overflow or NaN."""
    x = np.array([-1000.0, -700.0, -1.0, 0.0, 1.0, 700.0, 1000.0])
    s = ref.sigmoid(x)
    assert np.all(np.isfinite(s)) and s[3] == 0.5
    np.testing.assert_allclose(s, torch.sigmoid(t(x)).numpy(), **EXACT)


@pytest.mark.parametrize("shape", [(4, 5), (7,), (2, 3, 4)])
def test_softmax_matches_torch(rng, shape):
    """softmax equals torch.softmax over the last axis."""
    x = rng.normal(scale=3.0, size=shape)
    np.testing.assert_allclose(ref.softmax(x), torch.softmax(t(x), dim=-1).numpy(), **EXACT)


def test_softmax_large_logits_match_torch_without_nan(rng, no_overflow):
    """softmax of logits of magnitude 1e3 is finite, sums to 1 and equals torch."""
    x = rng.normal(scale=1e3, size=(6, 5))
    x[0] = [1000.0, -1000.0, 999.0, 0.0, 1000.0]
    p = ref.softmax(x)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=-1).numpy(), **EXACT)


# --- losses -------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_softmax_cross_entropy_matches_torch(rng, scale, no_overflow):
    """softmax_cross_entropy equals F.cross_entropy and its autograd gradient."""
    scores = rng.normal(scale=scale, size=(6, 4))
    y = rng.integers(0, 4, size=6)
    loss, dscores = ref.softmax_cross_entropy(scores, y)
    ts = t(scores, True)
    tloss = F.cross_entropy(ts, torch.tensor(y))
    tloss.backward()
    assert type(loss) is float and np.isfinite(loss)
    assert dscores.shape == scores.shape and np.all(np.isfinite(dscores))
    np.testing.assert_allclose(loss, tloss.item(), **EXACT)
    np.testing.assert_allclose(dscores, ts.grad.numpy(), **EXACT)


def test_softmax_cross_entropy_matches_numerical_gradient(rng):
    """dscores agrees with central differences of the loss."""
    scores = rng.normal(size=(5, 3))
    y = np.array([0, 2, 1, 2, 0])
    _, dscores = ref.softmax_cross_entropy(scores, y)
    numeric = numerical_gradient(lambda: ref.softmax_cross_entropy(scores, y)[0], scores)
    np.testing.assert_allclose(dscores, numeric, **NUMERIC)


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_logistic_regression_loss_matches_torch(rng, scale, no_overflow):
    """logistic_regression_loss equals F.binary_cross_entropy_with_logits and autograd."""
    X = rng.normal(size=(8, 3))
    w = rng.normal(size=3) * scale  # margins |X @ w| of about `scale`
    b = 0.5
    y = rng.integers(0, 2, size=8).astype(np.float64)
    loss, dw, db = ref.logistic_regression_loss(w, b, X, y)
    tw, tb = t(w, True), t(b, True)
    tloss = F.binary_cross_entropy_with_logits(t(X) @ tw + tb, t(y))
    tloss.backward()
    assert type(loss) is float and type(db) is float and dw.shape == (3,)
    assert np.isfinite(loss) and np.all(np.isfinite(dw)) and np.isfinite(db)
    if scale > 1:
        assert np.abs(X @ w).max() > 500
    np.testing.assert_allclose(loss, tloss.item(), **EXACT)
    np.testing.assert_allclose(dw, tw.grad.numpy(), **EXACT)
    np.testing.assert_allclose(db, tb.grad.item(), **EXACT)


def test_logistic_regression_loss_matches_numerical_gradient(rng):
    """dw and db agree with central differences of the loss."""
    X, w, y = rng.normal(size=(7, 4)), rng.normal(size=4), rng.integers(0, 2, size=7)
    b = np.array([-0.3])  # an array so numerical_gradient can move it in place
    _, dw, db = ref.logistic_regression_loss(w, b[0], X, y)

    def loss():
        return ref.logistic_regression_loss(w, b[0], X, y)[0]

    np.testing.assert_allclose(dw, numerical_gradient(loss, w), **NUMERIC)
    np.testing.assert_allclose(db, numerical_gradient(loss, b)[0], **NUMERIC)


# --- Jacobians and the chain rule ---------------------------------------------------------


def jacobian(f, x):
    """torch's Jacobian of f at the numpy array x, as a numpy array."""
    return torch.autograd.functional.jacobian(f, t(x)).numpy()


def test_softmax_jacobian_matches_torch(rng):
    """softmax_jacobian equals torch's Jacobian of softmax, also for large logits."""
    for s in (rng.normal(size=5), rng.normal(scale=1e3, size=4), np.zeros(3)):
        J = ref.softmax_jacobian(s)
        np.testing.assert_allclose(J, jacobian(lambda v: torch.softmax(v, 0), s), **EXACT)


def test_softmax_jacobian_rejects_a_matrix():
    """softmax_jacobian raises ValueError for a batch of logits."""
    with pytest.raises(ValueError, match=r"expected a vector"):
        ref.softmax_jacobian(np.zeros((2, 3)))


@pytest.mark.parametrize("d, m", [(3, 4), (1, 2), (4, 1)])
def test_affine_jacobians_match_torch(rng, d, m):
    """J_x and J_w equal torch's Jacobians of x @ w, J_w with vec(w) row-major."""
    x, w = rng.normal(size=d), rng.normal(size=(d, m))
    J_x, J_w = ref.affine_jacobians(x, w)
    assert J_x.shape == (m, d) and J_w.shape == (m, d * m)
    np.testing.assert_allclose(J_x, jacobian(lambda v: v @ t(w), x), **EXACT)
    torch_J_w = jacobian(lambda v: t(x) @ v, w).reshape(m, d * m)
    np.testing.assert_allclose(J_w, torch_J_w, **EXACT)


def test_affine_jacobians_reject_mismatched_shapes():
    """affine_jacobians raises ValueError when x is not (D,) for w (D, M)."""
    with pytest.raises(ValueError, match=r"expected \(D,\) and \(D, M\)"):
        ref.affine_jacobians(np.zeros((1, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"expected \(D,\) and \(D, M\)"):
        ref.affine_jacobians(np.zeros(2), np.zeros((3, 2)))


def test_chain_rule_matches_jacobian_of_composition(rng):
    """softmax_jacobian(x @ w) chained with J_w equals torch's Jacobian of softmax(x @ w)."""
    d, m = 3, 4
    x, w = rng.normal(size=d), rng.normal(size=(d, m))
    _, J_w = ref.affine_jacobians(x, w)
    J = ref.chain_rule(ref.softmax_jacobian(x @ w), J_w)
    expected = jacobian(lambda v: torch.softmax(t(x) @ v, 0), w).reshape(m, d * m)
    assert J.shape == (m, d * m)
    np.testing.assert_allclose(J, expected, **EXACT)


def test_chain_rule_gives_the_gradient_of_a_scalar_loss(rng):
    """A (1, M) J_L_f chained with J_w gives torch's gradient of a scalar loss."""
    d, m = 4, 3
    x, w, c = rng.normal(size=d), rng.normal(size=(d, m)), rng.normal(size=m)
    _, J_w = ref.affine_jacobians(x, w)
    J = ref.chain_rule(c[None, :], J_w)  # L = c . f, so dL/df = c
    expected = jacobian(lambda v: t(c) @ (t(x) @ v), w).reshape(1, d * m)
    np.testing.assert_allclose(J, expected, **EXACT)


A = np.random.default_rng(0).normal(size=(3, 4))
B = np.random.default_rng(1).normal(size=(3, 2))
SMOOTH = {
    "tanh of an affine map": (
        lambda v: np.tanh(v @ A + 0.1),
        lambda v: torch.tanh(v @ t(A) + 0.1),
        np.array([0.3, -1.2, 0.7]),
    ),
    "scalar-valued": (
        lambda v: np.sum(np.sin(v) ** 2) + v[0] * v[-1],
        lambda v: torch.sum(torch.sin(v) ** 2) + v[0] * v[-1],
        np.array([0.5, -0.4, 1.1, 2.0]),
    ),
    "2-D input": (
        lambda v: np.tanh(v @ B),
        lambda v: torch.tanh(v @ t(B)),
        np.array([[0.2, -0.5, 1.0], [1.5, 0.1, -0.7]]),
    ),
}


@pytest.mark.parametrize("name", SMOOTH)
def test_numerical_jacobian_matches_torch(name):
    """numerical_jacobian equals torch's Jacobian, flattened to (f(x).size, x.size)."""
    f, torch_f, x = SMOOTH[name]
    x_before = x.copy()
    J = ref.numerical_jacobian(f, x)
    expected = jacobian(torch_f, x)
    expected = expected.reshape(np.size(f(x)), x.size)
    assert J.shape == expected.shape
    np.testing.assert_allclose(J, expected, **NUMERIC)
    np.testing.assert_array_equal(x, x_before)


def test_numerical_jacobian_leaves_x_unmodified_and_handles_views():
    """x is not modified, an integer x is not rounded, and f returning x itself works."""
    x = np.array([1, 2, 3])
    J = ref.numerical_jacobian(lambda v: v**2, x)
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_allclose(J, np.diag([2.0, 4.0, 6.0]), **NUMERIC)
    np.testing.assert_allclose(ref.numerical_jacobian(lambda v: v, x), np.eye(3), **NUMERIC)


def test_numerical_jacobian_rejects_a_non_positive_step():
    """numerical_jacobian raises ValueError for h <= 0."""
    with pytest.raises(ValueError, match=r"expected a positive step"):
        ref.numerical_jacobian(np.sin, np.zeros(2), h=0.0)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=1)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=1, k=k)
