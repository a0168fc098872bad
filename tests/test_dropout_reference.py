"""The dropout reference proven against the semantics of torch.nn.functional.dropout.

A random mask cannot be compared entry by entry with torch's (different generators), so the
reference and torch are held to the same properties: the share of zeros is near p (a bound
with a false-failure probability below 1e-9, stated at each test), kept units are scaled by
exactly 1/(1 - p), evaluation is the identity, and the gradient is the mask times the scale,
as torch's autograd computes it through the same mask. The last tests check the stub's API.
"""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, t

pytestmark = pytest.mark.dropout

ROOT = Path(__file__).parents[1]
SPEC_FUNCTIONS = ["dropout_forward", "dropout_backward"]


ref = load(ROOT / "solutions" / "dropout.py", "reference_dropout")
stub = load(ROOT / "assignments" / "dropout.py", "stub_dropout")

SIZE = 40_000
# Hoeffding: P(|zeros/n - p| >= t) <= 2 exp(-2 n t^2) = 1e-9 for this t
SHARE_TOLERANCE = math.sqrt(math.log(2e9) / (2 * SIZE))  # 0.0164


def no_zeros(rng, *shape):
    """Inputs of magnitude in [0.5, 2] with random signs: a zero in out means a dropped unit."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.8, 0.95])
def test_share_of_zeros_and_scale_match_torch(rng, p):
    """Both drop about p of the units and scale the rest by exactly 1/(1 - p)."""
    x = no_zeros(rng, 200, SIZE // 200)
    torch.manual_seed(7)
    outputs = {"reference": ref.dropout_forward(x, p, True, rng)[0], "torch": F.dropout(t(x), p, training=True).numpy()}
    for name, out in outputs.items():
        dropped = out == 0
        assert abs(dropped.mean() - p) < SHARE_TOLERANCE, name
        np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - p), rtol=1e-15, err_msg=name)


def test_kept_values_equal_torchs_bit_for_bit(rng):
    """Where both keep a unit, the reference's value is torch's exactly."""
    x = no_zeros(rng, 50, 40)
    for p in (0.2, 0.3, 0.7):
        ours = ref.dropout_forward(x, p, True, rng)[0]
        theirs = F.dropout(t(x), p, training=True).numpy()
        both = (ours != 0) & (theirs != 0)
        assert both.any()
        np.testing.assert_array_equal(ours[both], theirs[both])


@pytest.mark.parametrize("p", [0.0, 0.4, 0.9])
def test_evaluation_returns_x_itself(rng, p):
    """train=False returns x itself, like F.dropout(training=False), and draws nothing."""
    x = no_zeros(rng, 3, 4)
    state = rng.bit_generator.state
    out, _ = ref.dropout_forward(x, p, False, rng)
    assert out is x
    np.testing.assert_array_equal(F.dropout(t(x), p, training=False).numpy(), x)
    assert rng.bit_generator.state == state


def test_p_zero_is_the_identity_in_training(rng):
    """p = 0 keeps every unit, unscaled, as torch does."""
    x = no_zeros(rng, 6, 7)
    np.testing.assert_array_equal(ref.dropout_forward(x, 0.0, True, rng)[0], x)
    np.testing.assert_array_equal(F.dropout(t(x), 0.0, training=True).numpy(), x)


@pytest.mark.parametrize("p", [0.3, 0.6])
def test_backward_matches_autograd_through_the_same_mask(rng, p):
    """dx equals torch autograd's gradient of x * mask, and torch's own dropout has dx = dout * out / x."""
    x, dout = no_zeros(rng, 8, 9), rng.normal(size=(8, 9))
    out, mask = ref.dropout_forward(x, p, True, rng)
    tx = t(x, True)
    (tx * t(mask)).backward(t(dout))
    np.testing.assert_array_equal(ref.dropout_backward(dout, mask), tx.grad.numpy())

    tx = t(x, True)
    tout = F.dropout(tx, p, training=True)
    tout.backward(t(dout))
    np.testing.assert_allclose(tx.grad.numpy(), dout * tout.detach().numpy() / x, rtol=1e-15)
    np.testing.assert_allclose(ref.dropout_backward(dout, mask), dout * out / x, rtol=1e-15)


def test_backward_after_evaluation_is_the_identity(rng):
    """After a test-time forward the gradient passes through unchanged."""
    dout = rng.normal(size=(2, 3))
    _, cache = ref.dropout_forward(no_zeros(rng, 2, 3), 0.5, False, rng)
    np.testing.assert_array_equal(ref.dropout_backward(dout, cache), dout)


def test_the_same_seed_gives_the_same_mask_and_another_seed_another(rng):
    """Two generators seeded alike give the same output; another seed gives another."""
    x = no_zeros(rng, 20, 30)
    first, second, other = (ref.dropout_forward(x, 0.4, True, np.random.default_rng(seed))[0] for seed in (5, 5, 6))
    np.testing.assert_array_equal(first, second)
    assert (first != other).any()  # equal with probability (0.4^2 + 0.6^2)^600 < 1e-170


def test_masks_are_independent_across_the_batch(rng):
    """Identical rows get different masks; the share dropped in each row is near p."""
    x = np.tile(no_zeros(rng, 1, 500), (40, 1))
    out, _ = ref.dropout_forward(x, 0.3, True, rng)
    dropped = out == 0
    # two rows' masks agree with probability (0.3^2 + 0.7^2)^500 < 1e-118 per pair
    assert len({row.tobytes() for row in dropped}) == 40
    # Hoeffding per row: P(|share - 0.3| >= 0.15) <= 2 exp(-2 * 500 * 0.15^2) = 3.4e-10, times 40 rows
    assert np.all(np.abs(dropped.mean(axis=1) - 0.3) < 0.15)


def test_expectation_is_unchanged(rng):
    """Averaged over many masks, out approaches x: the point of the 1/(1 - p) scale."""
    x = no_zeros(rng, 4)
    p, draws = 0.6, 20_000
    mean = np.mean([ref.dropout_forward(x, p, True, rng)[0] for _ in range(draws)], axis=0)
    # Hoeffding, each draw in a range of |x| / (1 - p) <= 5: P(|mean - x| >= a) <= 2 exp(-2 draws a^2 / 25)
    # = 1e-9 per entry for this a (0.116)
    a = 5 * math.sqrt(math.log(2e9) / (2 * draws))
    np.testing.assert_allclose(mean, x, atol=a)


@settings(max_examples=50, deadline=None, database=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple),
    p=st.floats(0.0, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_entry_is_zero_or_scaled(shape, p, seed):
    """For any shape and p, each entry of out is 0 or x/(1 - p), and dx is dout times out / x."""
    rng = np.random.default_rng(seed)
    x, dout = no_zeros(rng, *shape), rng.normal(size=shape)
    out, cache = ref.dropout_forward(x, p, True, rng)
    assert out.shape == x.shape and out.dtype == np.float64
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)
    np.testing.assert_allclose(ref.dropout_backward(dout, cache), np.where(kept, dout / (1 - p), 0.0), rtol=1e-15)


def test_inputs_are_not_modified(rng):
    """x and dout are left as they were."""
    x, dout = no_zeros(rng, 5, 6), rng.normal(size=(5, 6))
    copies = x.copy(), dout.copy()
    _, cache = ref.dropout_forward(x, 0.5, True, rng)
    ref.dropout_backward(dout, cache)
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(dout, copies[1])


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
@pytest.mark.parametrize("train", [True, False])
def test_p_outside_zero_one_raises(rng, p, train):
    """p outside [0, 1) raises ValueError naming p, in training and at test time."""
    with pytest.raises(ValueError, match=rf"p must be in \[0, 1\), got {p}"):
        ref.dropout_forward(np.ones(3), p, train, rng)


# --- the stub ------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=5)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=5, k=k)
