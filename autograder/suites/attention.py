"""Graded cases for attention.py (assignment 6): scaled dot-product attention and its heads.

Visible cases use fixed public inputs; hidden ones draw shapes and values from the secret
seed. Each gradient of a backward pass is its own case. The inputs are chosen to catch
what square, unbatched, unmasked examples let through: Tq != Tk and dv != d (a transposed
product has the wrong shape), d >= 2 (so sqrt(d) != d != 1), one and two leading batch
dimensions, masks broadcast from (Tq, Tk), a query row with no allowed key (zero output
and gradient, no NaN), scores of magnitude 1e3 (an unshifted exp overflows), and at least
two heads and two positions (so heads split in the wrong order mix positions).
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Raises
from ..plan import Call, Plan
from ..suite import STABLE, Case, Suite, distinct, draw, fixed, large_logit_rows, normal, per_output


def swap(a):
    """a with its last two axes swapped: the batched transpose."""
    return np.swapaxes(a, -1, -2)


# -- shapes: (batch, Tq, Tk, d, dv) for attention, (N, T, H, Dh) for multi-head -----------

def two_batch_dims(rng):
    """Two batch dimensions, Tq != Tk, d != dv, d >= 2."""
    tq, tk = distinct(rng, 2, 6)
    d, dv = distinct(rng, 2, 6)
    return tuple(int(b) for b in rng.integers(1, 4, size=2)), tq, tk, d, dv


def unbatched(rng):
    """No batch dimension at all: q is (Tq, d)."""
    return ((), *two_batch_dims(rng)[1:])


def random_heads(rng):
    """N, T >= 2 positions, H >= 2 heads of Dh >= 2 columns (T != Dh)."""
    t, dh = distinct(rng, 2, 5)
    return draw(rng, 1, 3), t, draw(rng, 2, 4), dh


# -- inputs ---------------------------------------------------------------------------------

def attention_inputs(rng, batch, tq, tk, d, dv):
    """Standard normal q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv): scores of unit variance."""
    return normal(rng, *batch, tq, d), normal(rng, *batch, tk, d), normal(rng, *batch, tk, dv)


def large_scores(rng, batch, tq, tk, d, dv):
    """Scores q @ k^T / sqrt(d) of +-1000 plus a few units: exp without the max shift gives
    inf / inf or 0 / 0, while the weights stay spread, so every score still matters.

    k[..., 0] varies a little around 1: were it constant, dq[..., 0] = sum_j dS_ij would be
    exactly 0 analytically and only rounding noise would be compared there.
    """
    q, k, v = attention_inputs(rng, batch, tq, tk, d, dv)
    q[..., 0] = rng.choice([-1000.0, 1000.0], size=(*batch, tq)) * np.sqrt(d)
    k[..., 0] = 1.0 + normal(rng, *batch, tk, scale=2e-3)
    return q, k, v


def random_mask(rng, tq, tk):
    """A (Tq, Tk) mask, about 60% allowed, at least one allowed key per query."""
    mask = rng.random((tq, tk)) < 0.6
    mask[np.arange(tq), rng.integers(tk, size=tq)] = True
    return mask


def causal(rng, tq, tk):
    """Query i may attend to keys 0..i (Tq == Tk)."""
    return np.tril(np.ones((tq, tk), dtype=bool))


def one_row_masked(rng, tq, tk):
    """A random mask whose query row ``rng.integers(tq)`` allows no key."""
    mask = random_mask(rng, tq, tk)
    mask[rng.integers(tq)] = False
    return mask


def padding(rng, n, t):
    """A key padding mask (N, 1, 1, T): sequence i has its first lengths[i] >= 1 positions."""
    lengths = rng.integers(1, t + 1, size=n)
    lengths[0] = t - 1  # at least one sequence is really padded
    return (np.arange(t) < lengths[:, None])[:, None, None, :]


# -- plans ----------------------------------------------------------------------------------

def softmax_plan(draw, axis=None):
    """softmax(x) or softmax(x, axis); ``axis`` may be a function of the draw's generator."""
    def build(rng):
        x = draw(rng)
        kwargs = {} if axis is None else {"axis": axis(rng) if callable(axis) else axis}
        call = Call("softmax", x, **kwargs)
        return Plan([call], {"softmax": call.out})
    return build


def forward_call(rng, shape, mask, draw):
    batch, tq, tk, d, dv = shape(rng)
    args = draw(rng, batch, tq, tk, d, dv)
    if mask is not None:
        args = (*args, mask(rng, tq, tk))
    return Call("scaled_dot_product_attention", *args), (*batch, tq, dv)


def attention_forward_plan(shape, mask=None, draw=attention_inputs):
    """The forward's out; ``mask(rng, Tq, Tk)`` makes the mask, passed only when given."""
    def build(rng):
        call, _ = forward_call(rng, shape, mask, draw)
        return Plan([call], {"out": call.out[0]})
    return build


def attention_backward_plan(shape, mask=None, draw=attention_inputs):
    """dq, dk, dv from the student's own forward's cache."""
    def build(rng):
        forward, out_shape = forward_call(rng, shape, mask, draw)
        backward = Call("attention_backward", normal(rng, *out_shape), forward.out[1])
        return Plan([forward, backward], {"dq": backward.out[0], "dk": backward.out[1], "dv": backward.out[2]})
    return build


def heads_forward_call(rng, shape, mask):
    n, t, h, dh = shape(rng)
    e = h * dh
    weights = [normal(rng, e, e, scale=e**-0.5) for _ in range(4)]  # projections keep unit scale
    args = (normal(rng, n, t, e), *weights, h)
    if mask is not None:
        args = (*args, mask(rng, n, t))
    return Call("multi_head_attention_forward", *args), (n, t, e)


def large_heads_plan(rng):
    """Scores of 1000 plus a few units in every head: w_q = w_k = I, and the first column of each
    head is the constant c = sqrt(1000 sqrt(Dh)) at every position, the others normal, so that
    q_i . k_j / sqrt(Dh) = 1000 + u_i . u_j / sqrt(Dh). exp without the max shift overflows,
    and the weights stay spread, so a wrong scale still shows."""
    n, t, h, dh = random_heads(rng)
    e = h * dh
    x = normal(rng, n, t, e)
    x[..., ::dh] = np.sqrt(1000 * np.sqrt(dh))
    call = Call("multi_head_attention_forward", x, np.eye(e), np.eye(e), normal(rng, e, e, scale=e**-0.5), normal(rng, e, e, scale=e**-0.5), h)
    return Plan([call], {"out": call.out[0]})


def heads_forward_plan(shape, mask=None):
    def build(rng):
        call, _ = heads_forward_call(rng, shape, mask)
        return Plan([call], {"out": call.out[0]})
    return build


def heads_backward_plan(shape, mask=None):
    def build(rng):
        forward, out_shape = heads_forward_call(rng, shape, mask)
        backward = Call("multi_head_attention_backward", normal(rng, *out_shape), forward.out[1])
        names = ("dx", "dw_q", "dw_k", "dw_v", "dw_o")
        return Plan([forward, backward], {name: backward.out[i] for i, name in enumerate(names)})
    return build


def heads_not_dividing(rng):
    """E = 6 with 4 heads: the contract asks for a ValueError."""
    w = normal(rng, 6, 6)
    call = Call("multi_head_attention_forward", normal(rng, 2, 3, 6), w, w, w, w, 4)
    return Plan([call], {"out": call.out})


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py). The
# variants are whole implementations with one mistake each, swapped for the reference's.

def softmax_last_axis(x, axis=-1):
    """softmax that ignores its axis argument."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def split_heads(x, h):
    n, t, e = x.shape
    return x.reshape(n, t, h, e // h).transpose(0, 2, 1, 3)


def merge_heads(x):
    n, h, t, dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, t, h * dh)


def split_interleaved(x, h):
    """(N, T, E) reshaped straight to (N, H, T, Dh): rows of different positions mixed."""
    n, t, e = x.shape
    return x.reshape(n, h, t, e // h)


def merge_interleaved(x):
    n, h, t, dh = x.shape
    return x.reshape(n, t, h * dh)


def mistaken(scale=np.sqrt, axis=-1, mask_after_softmax=False, scale_in_backward=True, dv_transposed=True,
             split=split_heads, merge=merge_heads) -> dict:
    """The four attention functions with the given mistakes (the defaults are right), for ``replace=``.

    ``scale(d)`` divides the scores; ``axis`` is the softmax's; ``mask_after_softmax`` zeroes
    masked weights without renormalizing; ``scale_in_backward=False`` drops 1/scale from dq
    and dk; ``dv_transposed=False`` takes dv = weights @ dout; ``split``/``merge`` make heads.
    """
    def attention(q, k, v, mask=None):
        scores = q @ swap(k) / scale(q.shape[-1])
        if mask is None:
            weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
        elif mask_after_softmax:
            weights = np.exp(scores - scores.max(axis=axis, keepdims=True)) * mask
        else:
            allowed = np.broadcast_to(mask, scores.shape)
            masked = np.where(allowed, scores, -np.inf)
            top = masked.max(axis=axis, keepdims=True)
            weights = np.exp(masked - np.where(np.isfinite(top), top, 0.0))
        if mask_after_softmax:  # the sum over every key, masked or not
            total = np.exp(scores - scores.max(axis=axis, keepdims=True)).sum(axis=axis, keepdims=True)
        else:
            total = weights.sum(axis=axis, keepdims=True)
        weights = weights / np.where(total > 0, total, 1.0)
        return weights @ v, (q, k, v, weights)

    def attention_backward(dout, cache):
        q, k, v, weights = cache
        dv = (swap(weights) if dv_transposed else weights) @ dout
        dweights = dout @ swap(v)
        dscores = weights * (dweights - np.sum(weights * dweights, axis=axis, keepdims=True))
        s = scale(q.shape[-1]) if scale_in_backward else 1.0
        return dscores @ k / s, swap(dscores) @ q / s, dv

    def heads_forward(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
        heads, cache = attention(*(split(x @ w, num_heads) for w in (w_q, w_k, w_v)), mask)
        concat = merge(heads)
        return concat @ w_o, (x, w_q, w_k, w_v, w_o, num_heads, cache, concat)

    def heads_backward(dout, cache):
        x, w_q, w_k, w_v, w_o, num_heads, attention_cache, concat = cache
        e = x.shape[-1]
        grads = [merge(g) for g in attention_backward(split(dout @ w_o.T, num_heads), attention_cache)]
        dx = sum(g @ w.T for g, w in zip(grads, (w_q, w_k, w_v)))
        dws = [x.reshape(-1, e).T @ g.reshape(-1, e) for g in grads]
        return (dx, *dws, concat.reshape(-1, e).T @ dout.reshape(-1, e))

    return {
        "scaled_dot_product_attention": attention,
        "attention_backward": attention_backward,
        "multi_head_attention_forward": heads_forward,
        "multi_head_attention_backward": heads_backward,
    }


def sqrt_d_missing(e, plan):
    """dq and dk times sqrt(d): the backward without the forward's 1/sqrt(d)."""
    root = np.sqrt(plan.calls[0].args[0].shape[-1])
    return {name: e[name] * root for name in ("dq", "dk") if name in e}


SOFTMAX_AXIS = Hint(
    "softmax ignores axis", "Your softmax normalizes over the last axis whatever axis is given; the probabilities "
    "must sum to 1 along axis (use axis= and keepdims=True in max and sum).", replace={"softmax": softmax_last_axis})
SCALED_BY_D = Hint(
    "scores divided by d", "Your result matches scores q @ k^T / d; the scale is 1/sqrt(d), which keeps the scores "
    "of unit-variance vectors at unit variance.", replace=mistaken(scale=float))
NOT_SCALED = Hint(
    "scores not scaled", "Your result matches scores q @ k^T without the 1/sqrt(d): their variance grows with d "
    "and the softmax saturates, which is why attention is scaled.", replace=mistaken(scale=lambda d: 1.0))
SOFTMAX_OVER_QUERIES = Hint(
    "softmax over the queries", "Your weights are normalized over the queries (axis -2); each query's weights over "
    "the keys (the last axis) must sum to 1.", replace=mistaken(axis=-2))
MASK_AFTER_SOFTMAX = Hint(
    "mask applied after the softmax", "Your weights look masked after the softmax (masked weights set to 0, the rest "
    "not renormalized); set the masked scores to -inf before the softmax so each row still sums to 1.",
    replace=mistaken(mask_after_softmax=True))
BACKWARD_UNSCALED = Hint(
    "1/sqrt(d) missing in the backward", "Your dq and dk are sqrt(d) times too large: the scores are "
    "q @ k^T / sqrt(d), so the 1/sqrt(d) carries into both of their gradients.", wrong=sqrt_d_missing)
HEADS_BACKWARD_UNSCALED = Hint(
    BACKWARD_UNSCALED.name, BACKWARD_UNSCALED.text, replace=mistaken(scale_in_backward=False))
DV_NOT_TRANSPOSED = Hint(
    "dv without the transpose", "Your dv equals weights @ dout; with out = weights @ v, dv = weights^T @ dout "
    "(swap the last two axes of weights).", replace=mistaken(dv_transposed=False))
HEADS_INTERLEAVED = Hint(
    "heads split without the transpose", "Your result matches heads made by reshaping (N, T, E) straight to "
    "(N, H, T, Dh), which mixes positions; reshape to (N, T, H, Dh) and then swap the T and H axes.",
    replace=mistaken(split=split_interleaved, merge=merge_interleaved))

# With a mask, where a wrong-axis softmax puts -inf, and what it makes of a query without
# keys, varies from student to student: that hint is offered on unmasked cases only.
ATTENTION = (SCALED_BY_D, NOT_SCALED, SOFTMAX_OVER_QUERIES)
MASKED = (SCALED_BY_D, NOT_SCALED, MASK_AFTER_SOFTMAX)
BACKWARD = (BACKWARD_UNSCALED, DV_NOT_TRANSPOSED)
HEADS = (HEADS_INTERLEAVED, *ATTENTION)
HEADS_MASKED = (HEADS_INTERLEAVED, *MASKED)
HEADS_BACKWARD = (HEADS_BACKWARD_UNSCALED, DV_NOT_TRANSPOSED)

ATTENTION_SHAPE = fixed((2,), 3, 5, 4, 6)
SQUARE_SHAPE = fixed((2,), 5, 5, 3, 2)
GRADIENTS = {"dq": 1, "dk": 1, "dv": 1}
HEAD_GRADIENTS = {"dx": 2, "dw_q": 1, "dw_k": 1, "dw_v": 1, "dw_o": 1}

SUITE = Suite("attention", (
    Case("softmax over the last axis", 1, softmax_plan(lambda rng: normal(rng, 4, 5, scale=2.0)), about="the default axis=-1"),
    Case("softmax, axis=0", 1, softmax_plan(lambda rng: normal(rng, 4, 5, scale=2.0), axis=0), hints=(SOFTMAX_AXIS,)),
    Case("softmax, a middle axis of a 3-D array", 1, softmax_plan(lambda rng: normal(rng, 2, 3, 4, scale=2.0), axis=lambda rng: int(rng.choice([1, -2]))), visibility="hidden", hints=(SOFTMAX_AXIS,)),
    Case("softmax, logits of magnitude 1000", 2, softmax_plan(large_logit_rows), STABLE),
    Case("scaled_dot_product_attention", 2, attention_forward_plan(ATTENTION_SHAPE), about="Tq != Tk, dv != d, one batch dimension", hints=ATTENTION),
    Case("scaled_dot_product_attention, two batch dimensions", 2, attention_forward_plan(two_batch_dims), visibility="hidden", hints=ATTENTION),
    Case("scaled_dot_product_attention, no batch dimension", 1, attention_forward_plan(unbatched), visibility="hidden", hints=ATTENTION),
    Case("scaled_dot_product_attention, causal mask", 2, attention_forward_plan(SQUARE_SHAPE, causal), hints=MASKED),
    Case("scaled_dot_product_attention, mask broadcast from (Tq, Tk)", 2, attention_forward_plan(two_batch_dims, random_mask), visibility="hidden", hints=MASKED),
    Case("scaled_dot_product_attention, a query with no allowed key", 2, attention_forward_plan(ATTENTION_SHAPE, one_row_masked), STABLE, about="zero output, no NaN, no warning", hints=MASKED),
    Case("scaled_dot_product_attention, scores of magnitude 1000", 2, attention_forward_plan(ATTENTION_SHAPE, draw=large_scores), STABLE, hints=ATTENTION),
    *per_output(attention_backward_plan(ATTENTION_SHAPE), "attention_backward", GRADIENTS, hints=(*BACKWARD, *ATTENTION)),
    *per_output(attention_backward_plan(two_batch_dims), "attention_backward, two batch dimensions", GRADIENTS, visibility="hidden", hints=(*BACKWARD, *ATTENTION)),
    *per_output(attention_backward_plan(SQUARE_SHAPE, causal), "attention_backward, causal mask", GRADIENTS, hints=(*BACKWARD, *MASKED)),
    *per_output(attention_backward_plan(two_batch_dims, random_mask), "attention_backward, mask broadcast from (Tq, Tk)", GRADIENTS, visibility="hidden", hints=(*BACKWARD, *MASKED)),
    *per_output(attention_backward_plan(ATTENTION_SHAPE, one_row_masked), "attention_backward, a query with no allowed key", GRADIENTS, judge=STABLE, hints=(*BACKWARD, *MASKED)),
    Case("attention_backward, scores of magnitude 1000", 2, attention_backward_plan(ATTENTION_SHAPE, draw=large_scores), STABLE, hints=(*BACKWARD, *ATTENTION)),
    Case("multi_head_attention_forward", 2, heads_forward_plan(fixed(2, 5, 2, 4)), about="2 heads of 4 columns", hints=HEADS),
    Case("multi_head_attention_forward, causal mask", 2, heads_forward_plan(fixed(2, 5, 4, 2), lambda rng, n, t: causal(rng, t, t)), hints=HEADS_MASKED),
    Case("multi_head_attention_forward, random shapes and padding mask", 2, heads_forward_plan(random_heads, padding), visibility="hidden", hints=HEADS_MASKED),
    Case("multi_head_attention_forward, scores of magnitude 1000", 1, large_heads_plan, STABLE, visibility="hidden", hints=HEADS),
    Case("multi_head_attention_forward, num_heads not dividing E", 1, heads_not_dividing, Raises(ValueError, "the heads split E evenly")),
    *per_output(heads_backward_plan(fixed(2, 5, 2, 4)), "multi_head_attention_backward", HEAD_GRADIENTS, hints=(*HEADS_BACKWARD, *HEADS)),
    *per_output(heads_backward_plan(fixed(2, 5, 4, 2), lambda rng, n, t: causal(rng, t, t)), "multi_head_attention_backward, causal mask", HEAD_GRADIENTS, hints=(*HEADS_BACKWARD, *HEADS_MASKED)),
    *per_output(heads_backward_plan(random_heads, padding), "multi_head_attention_backward, random shapes and padding mask", HEAD_GRADIENTS, visibility="hidden", hints=(*HEADS_BACKWARD, *HEADS_MASKED)),
))
