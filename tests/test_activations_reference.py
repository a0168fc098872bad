"""The activations reference proven against independent oracles: PyTorch and central differences.

Forward passes are compared with torch (float64) at rtol 1e-12, backward passes with torch
autograd, including the slope autograd takes at exactly x == 0 (the negative side's), and
with central differences away from the kinks and ties at rtol 1e-6. Maxout is checked
against torch.max(dim=0) over the stacked pieces, whose gradient goes to the first maximal
piece on ties (torch.amax would split it). The last tests check that the student stub has
the reference's API and docstrings.
"""

import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, t

pytestmark = pytest.mark.activations

ROOT = Path(__file__).parents[1]

# SPEC order; task 9.k is the k-th name
SPEC_FUNCTIONS = [
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "relu_forward",
    "relu_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "elu_forward",
    "elu_backward",
    "maxout_forward",
    "maxout_backward",
]

EXACT = dict(rtol=1e-12, atol=1e-15)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-9)  # analytic vs central differences


ref = load(ROOT / "solutions" / "activations.py", "reference_activations")
stub = load(ROOT / "assignments" / "activations.py", "stub_activations")


def numerical_gradient(f, x, dout, h=1e-6):
    """Central differences of sum(f(x) * dout) with respect to x (x is restored afterwards)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.sum(f() * dout)
        x[i] = old - h
        minus = np.sum(f() * dout)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


@pytest.fixture
def no_overflow():
    """Overflow, division by zero, invalid operations and any warning become errors.

    Underflow is allowed: sigmoid(-1000) = 5e-435 can only underflow to 0 in float64.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


def with_kinks(rng, *shape, scale=2.0):
    """Normal values with exact zeros at known places (every third entry)."""
    x = scale * rng.normal(size=shape)
    x.flat[::3] = 0.0
    return x


EXTREMES = np.array([-1000.0, -745.5, -709.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 709.0, 745.5, 1000.0])

# name -> (forward kwargs for ours, the torch function of a tensor): every elementwise activation
ELEMENTWISE = {
    "sigmoid": ({}, torch.sigmoid),
    "tanh": ({}, torch.tanh),
    "relu": ({}, torch.relu),
    "leaky_relu": ({}, F.leaky_relu),
    "leaky_relu slope 0.2": ({"negative_slope": 0.2}, lambda v: F.leaky_relu(v, 0.2)),
    "leaky_relu slope 1.5": ({"negative_slope": 1.5}, lambda v: F.leaky_relu(v, 1.5)),
    "elu": ({}, F.elu),
    "elu alpha 0.5": ({"alpha": 0.5}, lambda v: F.elu(v, alpha=0.5)),
    "elu alpha 2.5": ({"alpha": 2.5}, lambda v: F.elu(v, alpha=2.5)),
}


def ours(name):
    """(forward, backward, kwargs) of the reference for an ELEMENTWISE entry."""
    kwargs, _ = ELEMENTWISE[name]
    base = name.split()[0]
    return getattr(ref, f"{base}_forward"), getattr(ref, f"{base}_backward"), kwargs


def autograd(torch_fn, x, dout):
    """torch's output and autograd's dx for sum(torch_fn(x) * dout)."""
    tx = t(x, True)
    out = torch_fn(tx)
    out.backward(t(dout))
    return out.detach().numpy(), tx.grad.numpy()


# --- elementwise activations --------------------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(5, 6), (7,), (2, 3, 4)])
def test_elementwise_matches_torch_and_autograd_with_exact_zeros(rng, name, shape):
    """Forward equals torch and backward equals autograd, float64, on inputs with exact zeros."""
    forward, backward, kwargs = ours(name)
    x, dout = with_kinks(rng, *shape), rng.normal(size=shape)
    expected_out, expected_dx = autograd(ELEMENTWISE[name][1], x, dout)
    out, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    assert out.shape == dx.shape == shape and out.dtype == dx.dtype == np.float64
    np.testing.assert_allclose(out, expected_out, **EXACT)
    np.testing.assert_allclose(dx, expected_dx, **EXACT)


# the slope autograd gives at exactly 0: the negative side's, measured rather than assumed
SLOPE_AT_ZERO = {
    "sigmoid": 0.25, "tanh": 1.0, "relu": 0.0, "leaky_relu": 0.01, "leaky_relu slope 0.2": 0.2,
    "leaky_relu slope 1.5": 1.5, "elu": 1.0, "elu alpha 0.5": 0.5, "elu alpha 2.5": 2.5,
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_slope_at_exactly_zero_is_autograds(name):
    """At x == 0 the backward gives autograd's slope, which is the negative side's (alpha for ELU)."""
    forward, backward, kwargs = ours(name)
    x, dout = np.zeros(3), np.array([1.0, -2.0, 0.5])
    _, expected = autograd(ELEMENTWISE[name][1], x, dout)
    np.testing.assert_array_equal(expected, SLOPE_AT_ZERO[name] * dout)
    np.testing.assert_allclose(backward(dout, forward(x, **kwargs)[1]), expected, **EXACT)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_central_differences_away_from_kinks(rng, name):
    """Backward agrees with central differences where every |x| >= 0.1 (no kink within h)."""
    forward, backward, kwargs = ours(name)
    x = rng.normal(size=(4, 5))
    x = np.where(np.abs(x) < 0.1, 0.1 + x, x)
    dout = rng.normal(size=x.shape)
    dx = backward(dout, forward(x, **kwargs)[1])
    np.testing.assert_allclose(dx, numerical_gradient(lambda: forward(x, **kwargs)[0], x, dout), **NUMERIC)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_extremes_match_torch_without_overflow(name, no_overflow):
    """|x| up to 1000: finite forward and backward equal to torch's, without any numpy warning."""
    forward, backward, kwargs = ours(name)
    dout = np.linspace(-2.0, 2.0, EXTREMES.size)
    expected_out, expected_dx = autograd(ELEMENTWISE[name][1], EXTREMES, dout)
    out, cache = forward(EXTREMES, **kwargs)
    dx = backward(dout, cache)
    assert np.isfinite(out).all() and np.isfinite(dx).all()
    np.testing.assert_allclose(out, expected_out, **EXACT)
    np.testing.assert_allclose(dx, expected_dx, **EXACT)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-800.0, 800.0, allow_nan=False) | st.just(0.0), min_size=1, max_size=12),
    parameter=st.floats(0.0, 3.0),
)
def test_kinked_activations_match_autograd_for_any_input(values, parameter):
    """For any finite inputs (zeros included) and any slope or alpha in [0, 3], leaky ReLU and ELU equal torch's."""
    x = np.array(values)
    dout = np.cos(np.arange(x.size)) + 2.0
    cases = [
        (ref.leaky_relu_forward, ref.leaky_relu_backward, {"negative_slope": parameter}, lambda v: F.leaky_relu(v, parameter)),
        (ref.elu_forward, ref.elu_backward, {"alpha": parameter}, lambda v: F.elu(v, alpha=parameter)),
    ]
    for forward, backward, kwargs, torch_fn in cases:
        expected_out, expected_dx = autograd(torch_fn, x, dout)
        out, cache = forward(x, **kwargs)
        np.testing.assert_allclose(out, expected_out, **EXACT)
        np.testing.assert_allclose(backward(dout, cache), expected_dx, **EXACT)


def test_sigmoid_and_tanh_keep_their_ranges_and_symmetries(rng):
    """sigmoid(-x) = 1 - sigmoid(x), tanh(x) = 2 sigmoid(2x) - 1, and both stay in their ranges at 1000."""
    x = np.concatenate([rng.normal(size=20, scale=5.0), EXTREMES])
    s = ref.sigmoid_forward(x)[0]
    np.testing.assert_allclose(ref.sigmoid_forward(-x)[0], 1.0 - s, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ref.tanh_forward(x)[0], 2.0 * ref.sigmoid_forward(2 * x)[0] - 1.0, rtol=1e-12, atol=1e-15)
    assert ((0.0 <= s) & (s <= 1.0)).all()


def test_backward_passes_leave_their_inputs_unmodified(rng):
    """No forward or backward pass writes into x or dout."""
    for name in ELEMENTWISE:
        forward, backward, kwargs = ours(name)
        x, dout = with_kinks(rng, 3, 4), rng.normal(size=(3, 4))
        x_before, dout_before = x.copy(), dout.copy()
        backward(dout, forward(x, **kwargs)[1])
        np.testing.assert_array_equal(x, x_before, err_msg=name)
        np.testing.assert_array_equal(dout, dout_before, err_msg=name)


# --- maxout -------------------------------------------------------------------------------


def torch_maxout(x, w, b, dout):
    """torch.max(dim=0) over the K stacked pieces x @ w[k] + b[k]: its out and autograd's dx, dw, db."""
    tx, tw, tb = t(x, True), t(w, True), t(b, True)
    pieces = torch.stack([tx @ tw[k] + tb[k] for k in range(w.shape[0])])
    out, _ = torch.max(pieces, dim=0)
    out.backward(t(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def integer_maxout_inputs(rng, n, d, m, k):
    """Small integers, so that pieces tie often and exactly (the sums are exact in float64)."""
    draw = lambda *shape: rng.integers(-2, 3, size=shape).astype(np.float64)  # noqa: E731
    return draw(n, d), draw(k, d, m), draw(k, m)


MAXOUT_SHAPES = [(4, 5, 3, 3), (1, 2, 6, 4), (6, 3, 2, 5)]  # (N, D, M, K)


@pytest.mark.parametrize("n, d, m, k", MAXOUT_SHAPES)
def test_maxout_matches_torch_max_and_autograd(rng, n, d, m, k):
    """maxout_forward equals torch.max(dim=0) of the stacked pieces, its backward autograd's dx, dw, db."""
    x, w, b, dout = rng.normal(size=(n, d)), rng.normal(size=(k, d, m)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    expected = torch_maxout(x, w, b, dout)
    out, cache = ref.maxout_forward(x, w, b)
    grads = ref.maxout_backward(dout, cache)
    assert [a.shape for a in (out, *grads)] == [(n, m), (n, d), (k, d, m), (k, m)]
    for got, want in zip((out, *grads), expected):
        np.testing.assert_allclose(got, want, **EXACT)


@pytest.mark.parametrize("n, d, m, k", MAXOUT_SHAPES)
def test_maxout_ties_send_the_gradient_to_the_first_maximal_piece(rng, n, d, m, k):
    """With integer inputs pieces tie; the gradient goes to the first maximal one, as torch.max(dim=0), not split as torch.amax."""
    x, w, b = integer_maxout_inputs(rng, n, d, m, k)
    b[:, 0] = 0.0
    x[0] = 0.0  # row 0, column 0: every piece equals 0, a K-way tie
    dout = rng.normal(size=(n, m))
    expected = torch_maxout(x, w, b, dout)
    out, cache = ref.maxout_forward(x, w, b)
    grads = ref.maxout_backward(dout, cache)
    for got, want in zip((out, *grads), expected):
        np.testing.assert_allclose(got, want, **EXACT)
    # torch.amax splits the K-way tie evenly: a different db, which the reference must not give
    tb = t(b, True)
    torch.amax(torch.stack([t(x) @ t(w[j]) + tb[j] for j in range(k)]), dim=0).backward(t(dout))
    assert not np.allclose(tb.grad.numpy()[:, 0], grads[2][:, 0])


def test_maxout_matches_central_differences_away_from_ties(rng):
    """maxout's dx, dw, db agree with central differences where no two pieces are within 1e-3."""
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 2))
    pieces = np.sort(np.einsum("nd,kdm->knm", x, w) + b[:, None, :], axis=0)
    assert np.min(pieces[-1] - pieces[-2]) > 1e-3
    dout = rng.normal(size=(3, 2))
    dx, dw, db = ref.maxout_backward(dout, ref.maxout_forward(x, w, b)[1])

    def out():
        return ref.maxout_forward(x, w, b)[0]

    np.testing.assert_allclose(dx, numerical_gradient(out, x, dout), **NUMERIC)
    np.testing.assert_allclose(dw, numerical_gradient(out, w, dout), **NUMERIC)
    np.testing.assert_allclose(db, numerical_gradient(out, b, dout), **NUMERIC)


@settings(max_examples=40, deadline=None)
@given(sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 5)), seed=st.integers(0, 2**32 - 1))
def test_maxout_matches_autograd_for_any_small_integer_inputs(sizes, seed):
    """Any shapes with K up to 5 and small integer inputs (many ties): out, dx, dw, db equal torch.max(dim=0)'s."""
    n, d, m, k = sizes
    rng = np.random.default_rng(seed)
    x, w, b = integer_maxout_inputs(rng, n, d, m, k)
    dout = rng.normal(size=(n, m))
    out, cache = ref.maxout_forward(x, w, b)
    for got, want in zip((out, *ref.maxout_backward(dout, cache)), torch_maxout(x, w, b, dout)):
        np.testing.assert_allclose(got, want, **EXACT)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings, defaults as torch's."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=9)
    assert inspect.signature(ref.leaky_relu_forward).parameters["negative_slope"].default == 0.01
    assert inspect.signature(ref.elu_forward).parameters["alpha"].default == 1.0


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=9, k=k)
