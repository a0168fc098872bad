"""The attention reference proven against independent oracles: PyTorch and central differences.

Forward passes are compared with torch.nn.functional.scaled_dot_product_attention and
torch.nn.MultiheadAttention (float64, biases off, weights mapped to our x @ w layout) at
rtol 1e-10; backward passes with torch autograd at the same tolerance and with numerical
gradients computed here at rtol 1e-6. The last tests check that the student stub has the
reference's API and docstrings.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, numerical_gradient, t

pytestmark = pytest.mark.attention

ROOT = Path(__file__).parents[1]

# SPEC order; task 6.k is the k-th name
SPEC_FUNCTIONS = [
    "softmax",
    "scaled_dot_product_attention",
    "attention_backward",
    "multi_head_attention_forward",
    "multi_head_attention_backward",
]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "attention.py", "reference_attention")
stub = load(ROOT / "assignments" / "attention.py", "stub_attention")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


@pytest.fixture
def no_overflow():
    """Overflow, division by zero, invalid operations and any warning become errors.

    Underflow is allowed: exp(-2000) can only underflow to 0 in float64.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


def qkv(rng, batch, tq, tk, d, dv, scale=1.0):
    """Queries (*batch, tq, d), keys (*batch, tk, d), values (*batch, tk, dv)."""
    return (
        rng.normal(scale=scale, size=(*batch, tq, d)),
        rng.normal(scale=scale, size=(*batch, tk, d)),
        rng.normal(size=(*batch, tk, dv)),
    )


def random_mask(rng, shape, keep=0.6):
    """A boolean mask of shape (..., Tq, Tk) with at least one allowed key per query."""
    mask = rng.random(shape) < keep
    rows = np.ndindex(shape[:-1])
    for row in rows:
        mask[row + (rng.integers(shape[-1]),)] = True
    return mask


def torch_attention(q, k, v, mask=None):
    """torch's scaled dot-product attention on leaf tensors, and the leaves."""
    tq, tk, tv = t(q, True), t(k, True), t(v, True)
    out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=None if mask is None else torch.tensor(mask))
    return out, (tq, tk, tv)


# --- softmax ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), -2), ((7,), 0)])
def test_softmax_matches_torch_along_any_axis(rng, shape, axis):
    """softmax(x, axis) equals torch.softmax(x, dim=axis), and sums to 1 along that axis."""
    x = rng.normal(scale=3.0, size=shape)
    p = ref.softmax(x, axis=axis)
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=axis).numpy(), **EXACT)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-12)


def test_softmax_default_axis_is_the_last(rng):
    """softmax(x) normalizes over the last axis."""
    x = rng.normal(size=(3, 4, 5))
    np.testing.assert_array_equal(ref.softmax(x), ref.softmax(x, axis=-1))


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_large_logits_match_torch_without_overflow(rng, axis, no_overflow):
    """softmax of logits around +-1e3 is finite and equals torch, along either axis."""
    x = rng.normal(scale=300.0, size=(5, 6)) + rng.choice([-1000.0, 1000.0], size=(5, 6))
    p = ref.softmax(x, axis=axis)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=axis).numpy(), **EXACT)


def test_softmax_gives_masked_logits_zero_probability(no_overflow):
    """Entries of -inf get probability 0, without a warning, when the row has a finite maximum."""
    x = np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, 0.0]])
    p = ref.softmax(x)
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=-1).numpy(), **EXACT)
    assert p[0, 1] == 0.0 and p[1, 2] == 1.0


# --- scaled dot-product attention: forward ------------------------------------------------

SHAPES = {
    "no batch dimension": ((), 3, 5, 4, 6),
    "one batch dimension": ((2,), 3, 5, 4, 6),
    "two batch dimensions": ((2, 3), 4, 2, 5, 3),
    "Tq = Tk, dv = d": ((3,), 4, 4, 4, 4),
    "one query, one key": ((2,), 1, 1, 3, 2),
}


@pytest.mark.parametrize("name", SHAPES)
def test_attention_forward_matches_torch(rng, name):
    """out equals F.scaled_dot_product_attention for batch dimensions, Tq != Tk and dv != d."""
    batch, tq, tk, d, dv = SHAPES[name]
    q, k, v = qkv(rng, batch, tq, tk, d, dv)
    out, cache = ref.scaled_dot_product_attention(q, k, v)
    expected, _ = torch_attention(q, k, v)
    assert out.shape == (*batch, tq, dv) and out.dtype == np.float64
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)
    assert isinstance(cache, tuple)


@pytest.mark.parametrize("mask_shape", [(4, 6), (2, 1, 4, 6), (2, 3, 4, 6), (1, 6)])
def test_attention_forward_with_broadcast_mask_matches_torch(rng, mask_shape):
    """A boolean mask broadcast from (Tq, Tk), per batch entry or per key gives torch's output."""
    q, k, v = qkv(rng, (2, 3), 4, 6, 5, 3)
    mask = random_mask(rng, mask_shape)
    out, _ = ref.scaled_dot_product_attention(q, k, v, mask)
    expected, _ = torch_attention(q, k, v, mask)
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)


def test_attention_mask_gives_masked_keys_zero_weight(rng):
    """Changing a masked key's value does not change the output: its weight is exactly 0."""
    q, k, v = qkv(rng, (2,), 3, 5, 4, 2)
    mask = random_mask(rng, (3, 5))
    mask[:, 2] = False
    out, _ = ref.scaled_dot_product_attention(q, k, v, mask)
    v[:, 2] += 100.0
    k[:, 2] -= 100.0
    np.testing.assert_array_equal(ref.scaled_dot_product_attention(q, k, v, mask)[0], out)


def fully_masked(rng):
    """Inputs with a (Tq, Tk) mask whose query row 1 allows no key."""
    q, k, v = qkv(rng, (2,), 3, 5, 4, 6)
    mask = random_mask(rng, (3, 5))
    mask[1] = False
    return q, k, v, mask


def test_fully_masked_query_gets_zero_output_and_others_match_torch(rng, no_overflow):
    """A query with no allowed key outputs exactly 0, without a warning; the other rows equal torch's."""
    q, k, v, mask = fully_masked(rng)
    out, _ = ref.scaled_dot_product_attention(q, k, v, mask)
    assert np.all(out[:, 1] == 0.0)
    expected, _ = torch_attention(q, k, v, mask)
    rows = [0, 2]  # torch gives NaN for the fully masked row in some versions: compare elsewhere
    np.testing.assert_allclose(out[:, rows], expected.detach().numpy()[:, rows], **EXACT)


def large_logits(rng, batch, tq, tk, d, dv):
    """Inputs whose scores q @ k^T / sqrt(d) are about +-1000 with differences of a few units.

    exp of the scores overflows (or underflows to 0 / 0) without the max shift, while the
    weights stay spread over several keys, so the values still depend on every score.
    """
    q, k, v = qkv(rng, batch, tq, tk, d, dv)
    q[..., 0] = rng.choice([-1000.0, 1000.0], size=(*batch, tq)) * np.sqrt(d)
    k[..., 0] = 1.0 + rng.normal(scale=2e-3, size=(*batch, tk))
    return q, k, v


def test_attention_large_logits_match_torch_without_overflow(rng, no_overflow):
    """Scores of magnitude 1e3 give torch's finite output, without an overflow."""
    q, k, v = large_logits(rng, (2,), 4, 5, 3, 2)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(3)
    assert np.abs(scores).min() > 900
    out, _ = ref.scaled_dot_product_attention(q, k, v)
    expected, _ = torch_attention(q, k, v)
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)
    weights = ref.softmax(scores)
    assert np.all(weights.max(axis=-1) < 0.999)  # not saturated: every score still matters


# --- scaled dot-product attention: backward -----------------------------------------------


def attention_gradients(q, k, v, dout, mask=None):
    """Our (dq, dk, dv) and torch autograd's, for the loss sum(out * dout)."""
    _, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    ours = ref.attention_backward(dout, cache)
    out, leaves = torch_attention(q, k, v, mask)
    out.backward(t(dout))
    return ours, tuple(leaf.grad.numpy() for leaf in leaves)


@pytest.mark.parametrize("name", SHAPES)
def test_attention_backward_matches_autograd(rng, name):
    """dq, dk, dv equal torch autograd's, for batch dimensions, Tq != Tk and dv != d."""
    batch, tq, tk, d, dv = SHAPES[name]
    q, k, v = qkv(rng, batch, tq, tk, d, dv)
    dout = rng.normal(size=(*batch, tq, dv))
    ours, torch_grads = attention_gradients(q, k, v, dout)
    for mine, theirs, shape in zip(ours, torch_grads, (q.shape, k.shape, v.shape)):
        assert mine.shape == shape and mine.dtype == np.float64
        np.testing.assert_allclose(mine, theirs, **EXACT)


def test_attention_backward_with_mask_matches_autograd(rng):
    """With a (Tq, Tk) mask broadcast over two batch dimensions, gradients equal autograd's."""
    q, k, v = qkv(rng, (2, 2), 4, 5, 3, 2)
    mask = random_mask(rng, (4, 5))
    dout = rng.normal(size=(2, 2, 4, 2))
    for mine, theirs in zip(*attention_gradients(q, k, v, dout, mask)):
        np.testing.assert_allclose(mine, theirs, **EXACT)


def test_fully_masked_query_gets_zero_gradient(rng, no_overflow):
    """A query with no allowed key gets dq = 0 and sends nothing to dk and dv; the rest equals autograd."""
    q, k, v, mask = fully_masked(rng)
    dout = rng.normal(size=(2, 3, 6))
    _, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    dq, dk, dv = ref.attention_backward(dout, cache)
    assert np.all(dq[:, 1] == 0.0)
    assert all(np.all(np.isfinite(g)) for g in (dq, dk, dv))
    # torch on the allowed rows only: the fully masked one must contribute nothing
    keep = np.ones(3, dtype=bool)
    keep[1] = False
    _, torch_grads = attention_gradients(q[:, keep], k, v, dout[:, keep], mask[keep])
    np.testing.assert_allclose(dq[:, keep], torch_grads[0], **EXACT)
    np.testing.assert_allclose(dk, torch_grads[1], **EXACT)
    np.testing.assert_allclose(dv, torch_grads[2], **EXACT)


def test_attention_backward_large_logits_matches_autograd(rng, no_overflow):
    """Scores of magnitude 1e3 give autograd's finite gradients, without an overflow."""
    q, k, v = large_logits(rng, (2,), 4, 5, 3, 2)
    dout = rng.normal(size=(2, 4, 2))
    for mine, theirs in zip(*attention_gradients(q, k, v, dout)):
        assert np.all(np.isfinite(mine))
        np.testing.assert_allclose(mine, theirs, **EXACT)


def test_attention_backward_matches_numerical_gradient(rng):
    """dq, dk, dv agree with central differences of sum(out * dout), with a mask."""
    q, k, v = qkv(rng, (2,), 3, 4, 2, 3)
    mask = random_mask(rng, (3, 4))
    dout = rng.normal(size=(2, 3, 3))
    _, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    grads = ref.attention_backward(dout, cache)

    def loss():
        return np.sum(ref.scaled_dot_product_attention(q, k, v, mask)[0] * dout)

    for grad, x in zip(grads, (q, k, v)):
        np.testing.assert_allclose(grad, numerical_gradient(loss, x), **NUMERIC)


@settings(max_examples=25, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    sizes=st.tuples(*[st.integers(1, 5)] * 4),
    masked=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_attention_matches_torch_on_random_shapes(batch, sizes, masked, seed):
    """For any small shapes, with or without a mask, out and gradients equal torch's."""
    rng = np.random.default_rng(seed)
    tq, tk, d, dv = sizes
    q, k, v = qkv(rng, tuple(batch), tq, tk, d, dv, scale=2.0)
    mask = random_mask(rng, (tq, tk)) if masked else None
    dout = rng.normal(size=(*batch, tq, dv))
    out, _ = ref.scaled_dot_product_attention(q, k, v, mask)
    expected, _ = torch_attention(q, k, v, mask)
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)
    for mine, theirs in zip(*attention_gradients(q, k, v, dout, mask)):
        np.testing.assert_allclose(mine, theirs, **EXACT)


def test_attention_leaves_its_inputs_unchanged(rng):
    """Neither the forward nor the backward pass writes into q, k, v, mask or dout."""
    q, k, v, mask = fully_masked(rng)
    dout = rng.normal(size=(2, 3, 6))
    before = [a.copy() for a in (q, k, v, mask, dout)]
    _, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    ref.attention_backward(dout, cache)
    for after, copy in zip((q, k, v, mask, dout), before):
        np.testing.assert_array_equal(after, copy)


# --- multi-head attention -----------------------------------------------------------------


def torch_mha(rng, e, num_heads):
    """A float64 torch.nn.MultiheadAttention without biases, and its weights in our layout.

    Our projections act on the right (x @ w), torch's on the left (W x): the rows of
    in_proj_weight are [w_q.T; w_k.T; w_v.T] and out_proj.weight is w_o.T.
    """
    torch.manual_seed(int(rng.integers(2**31)))
    module = torch.nn.MultiheadAttention(e, num_heads, bias=False, batch_first=True).double()
    w_in = module.in_proj_weight.detach().numpy()
    weights = (w_in[:e].T, w_in[e : 2 * e].T, w_in[2 * e :].T, module.out_proj.weight.detach().numpy().T)
    return module, tuple(np.array(w) for w in weights)


def torch_mha_forward(module, x, mask):
    """torch's multi-head self-attention of x; our mask (True = allowed) as torch's masks."""
    tx = t(x, True)
    kwargs = {}
    if mask is not None and mask.ndim == 2:
        kwargs["attn_mask"] = torch.tensor(~mask)  # torch's attn_mask: True = not allowed
    elif mask is not None:
        kwargs["key_padding_mask"] = torch.tensor(~mask[:, 0, 0, :])  # our (N, 1, 1, T)
    out, _ = module(tx, tx, tx, need_weights=False, **kwargs)
    return out, tx


N, T, E = 3, 5, 12


def mha_masks(rng):
    """No mask, a causal (T, T) mask, and a key padding mask (N, 1, 1, T)."""
    padding = np.ones((N, 1, 1, T), dtype=bool)
    padding[0, ..., 3:] = False
    padding[2, ..., 1:] = False
    return {"no mask": None, "causal": np.tril(np.ones((T, T), dtype=bool)), "padding": padding}


@pytest.mark.parametrize("mask_name", ["no mask", "causal", "padding"])
@pytest.mark.parametrize("num_heads", [1, 2, 3, 4])
def test_multi_head_forward_and_backward_match_torch(rng, num_heads, mask_name):
    """out equals nn.MultiheadAttention's and dx, dw_q, dw_k, dw_v, dw_o equal autograd's."""
    module, weights = torch_mha(rng, E, num_heads)
    x = rng.normal(size=(N, T, E))
    mask = mha_masks(rng)[mask_name]
    dout = rng.normal(size=(N, T, E))
    out, cache = ref.multi_head_attention_forward(x, *weights, num_heads, mask)
    expected, tx = torch_mha_forward(module, x, mask)
    assert out.shape == (N, T, E) and out.dtype == np.float64
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)

    expected.backward(t(dout))
    dx, dw_q, dw_k, dw_v, dw_o = ref.multi_head_attention_backward(dout, cache)
    w_in_grad = module.in_proj_weight.grad.numpy()
    np.testing.assert_allclose(dx, tx.grad.numpy(), **EXACT)
    np.testing.assert_allclose(dw_q, w_in_grad[:E].T, **EXACT)
    np.testing.assert_allclose(dw_k, w_in_grad[E : 2 * E].T, **EXACT)
    np.testing.assert_allclose(dw_v, w_in_grad[2 * E :].T, **EXACT)
    np.testing.assert_allclose(dw_o, module.out_proj.weight.grad.numpy().T, **EXACT)


@pytest.mark.parametrize("mask_name", ["no mask", "padding"])
def test_multi_head_scores_of_magnitude_1000_match_torch_without_overflow(rng, mask_name, no_overflow):
    """The suite's stability case: w_q = w_k = I and a constant first column per head make every
    score 1000 plus a few units; out still equals nn.MultiheadAttention's, with no overflow."""
    num_heads = 3
    dh = E // num_heads
    module, (_, _, w_v, w_o) = torch_mha(rng, E, num_heads)
    with torch.no_grad():
        module.in_proj_weight[: 2 * E] = torch.eye(E, dtype=torch.float64).repeat(2, 1)
    x = rng.normal(size=(N, T, E))
    x[..., ::dh] = np.sqrt(1000 * np.sqrt(dh))
    mask = mha_masks(rng)[mask_name]
    out, _ = ref.multi_head_attention_forward(x, np.eye(E), np.eye(E), w_v, w_o, num_heads, mask)
    expected, _ = torch_mha_forward(module, x, mask)
    np.testing.assert_allclose(out, expected.detach().numpy(), **EXACT)


def test_multi_head_backward_matches_numerical_gradient(rng):
    """dx and the four weight gradients agree with central differences, with a causal mask."""
    n, t_, e, heads = 2, 3, 4, 2
    x = rng.normal(size=(n, t_, e))
    weights = [rng.normal(scale=0.5, size=(e, e)) for _ in range(4)]
    mask = np.tril(np.ones((t_, t_), dtype=bool))
    dout = rng.normal(size=(n, t_, e))
    _, cache = ref.multi_head_attention_forward(x, *weights, heads, mask)
    grads = ref.multi_head_attention_backward(dout, cache)

    def loss():
        return np.sum(ref.multi_head_attention_forward(x, *weights, heads, mask)[0] * dout)

    for grad, param in zip(grads, [x, *weights]):
        np.testing.assert_allclose(grad, numerical_gradient(loss, param), **NUMERIC)


def test_multi_head_with_one_head_is_projected_attention(rng):
    """With one head, the output is scaled_dot_product_attention of the projections, projected by w_o."""
    x = rng.normal(size=(2, 4, 6))
    w_q, w_k, w_v, w_o = (rng.normal(size=(6, 6)) for _ in range(4))
    out, _ = ref.multi_head_attention_forward(x, w_q, w_k, w_v, w_o, 1)
    heads, _ = ref.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v)
    np.testing.assert_allclose(out, heads @ w_o, **EXACT)


@pytest.mark.parametrize("num_heads", [5, 0, -2])
def test_multi_head_rejects_heads_that_do_not_divide_E(rng, num_heads):
    """num_heads that is not a positive divisor of E raises ValueError naming both."""
    x = rng.normal(size=(1, 2, 6))
    w = np.eye(6)
    with pytest.raises(ValueError, match=rf"num_heads is {num_heads}, expected a positive divisor of the embedding size E = 6"):
        ref.multi_head_attention_forward(x, w, w, w, w, num_heads)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=6)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=6, k=k)
