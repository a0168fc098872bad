"""Public checks for attention.py: run `pytest checks/test_attention.py` (one task: add `-k attention_backward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/attention.json. Backward passes are also
checked against central differences; masks, a query with no allowed key and scores of
magnitude 1e3 are checked for what they must give (zeros, no NaN, no warning).
"""

import numpy as np
import pytest

import attention
from harness import (Examples, assert_close, assert_no_warnings, assert_property, assert_shape,
                     assert_unchanged, check_gradient, normal, rng)

examples = Examples("attention")


# -- 6.1 softmax -----------------------------------------------------------------------------

LARGE = np.array([[-1000.0, -998.0, -1001.0], [1000.0, 999.0, 1000.5]])  # exp(1000) overflows float64


@examples.register
def softmax(at):
    x = normal(rng(1), 4, 3, scale=2)
    return {"softmax(x)": at.softmax(x), "softmax(x, axis=0)": at.softmax(x, axis=0),
            "softmax(x) for logits of 1000": at.softmax(LARGE)}


def test_softmax():
    """softmax: sums to 1 along the given axis (default the last); stable for logits of 1000."""
    examples.check(softmax, attention)
    x = normal(rng(1), 4, 3, scale=2)
    assert_close("the column sums of softmax(x, axis=0)", attention.softmax(x, axis=0).sum(axis=0), np.ones(3))
    out = assert_no_warnings("softmax(x) with logits of 1000", attention.softmax, LARGE)
    assert_close("the row sums of softmax(x) for logits of 1000", out.sum(axis=-1), np.ones(2))


# -- 6.2, 6.3 scaled dot-product attention ---------------------------------------------------

def attention_inputs(seed=2):
    """A batch of 2: 3 queries, 5 keys, d = 4, dv = 6 (all different, so a transpose shows)."""
    r = rng(seed)
    return normal(r, 2, 3, 4), normal(r, 2, 5, 4), normal(r, 2, 5, 6), normal(r, 2, 3, 6)


def mask_without_keys():
    """A (3, 5) mask, the same for both batch entries; query 1 may attend to no key at all."""
    return np.array([[True, False, True, True, False], [False] * 5, [False, False, True, False, True]])


def large_scores():
    """Scores q @ k^T / sqrt(d) of about +-1000 that differ by a few units."""
    q, k, v, dout = attention_inputs(3)
    q[..., 0] = np.array([[1000.0, -1000.0, 1000.0]]) * 2.0  # sqrt(d) = 2
    k[..., 0] = 1.0 + 0.002 * normal(rng(4), 2, 5)
    return q, k, v, dout


@examples.register
def scaled_dot_product_attention(at):
    q, k, v, _ = attention_inputs()
    causal = np.tril(np.ones((3, 5), dtype=bool))
    return {"out": at.scaled_dot_product_attention(q, k, v)[0],
            "out with a causal (3, 5) mask": at.scaled_dot_product_attention(q, k, v, causal)[0],
            "out with query 1 fully masked": at.scaled_dot_product_attention(q, k, v, mask_without_keys())[0],
            "out for scores of 1000": at.scaled_dot_product_attention(*large_scores()[:3])[0],
            "out without a batch dimension": at.scaled_dot_product_attention(q[0], k[0], v[0])[0]}


def test_scaled_dot_product_attention():
    """scaled_dot_product_attention: softmax(q k^T / sqrt(d)) v, masked keys get weight 0, no NaN."""
    examples.check(scaled_dot_product_attention, attention)
    q, k, v, _ = attention_inputs()
    mask = mask_without_keys()
    out, _ = assert_no_warnings("scaled_dot_product_attention with a fully masked query", attention.scaled_dot_product_attention, q, k, v, mask)
    assert_shape("out", out, (2, 3, 6))
    assert_close("out for the query with no allowed key", out[:, 1], np.zeros((2, 6)))
    changed = v.copy()
    changed[:, 1] += 100.0  # key 1 is masked for queries 0 and 2
    moved, _ = attention.scaled_dot_product_attention(q, k, changed, mask)
    assert_close("out for queries 0 and 2 after changing a value they may not attend to", moved[:, [0, 2]], out[:, [0, 2]])
    assert_no_warnings("scaled_dot_product_attention for scores of 1000", attention.scaled_dot_product_attention, *large_scores()[:3])


def attention_gradients(at, mask=None, inputs=attention_inputs):
    q, k, v, dout = inputs()
    _, cache = at.scaled_dot_product_attention(q, k, v, mask)
    return at.attention_backward(dout, cache)


@examples.register
def attention_backward(at):
    dq, dk, dv = attention_gradients(at)
    masked = attention_gradients(at, mask_without_keys())
    large = attention_gradients(at, inputs=large_scores)
    return {"dq": dq, "dk": dk, "dv": dv,
            "dq with query 1 fully masked": masked[0], "dk with query 1 fully masked": masked[1],
            "dv with query 1 fully masked": masked[2],
            "dq for scores of 1000": large[0], "dk for scores of 1000": large[1], "dv for scores of 1000": large[2]}


def test_attention_backward():
    """attention_backward: dq, dk, dv match the reference and central differences, with a mask too."""
    examples.check(attention_backward, attention)
    q, k, v, dout = attention_inputs()
    for mask in (None, mask_without_keys()):
        dq, dk, dv = attention_gradients(attention, mask)
        check_gradient("dq", dq, lambda q: attention.scaled_dot_product_attention(q, k, v, mask)[0], q, dout)
        check_gradient("dk", dk, lambda k: attention.scaled_dot_product_attention(q, k, v, mask)[0], k, dout)
        check_gradient("dv", dv, lambda v: attention.scaled_dot_product_attention(q, k, v, mask)[0], v, dout)
    dq, _, _ = attention_gradients(attention, mask_without_keys())
    assert_close("dq for the query with no allowed key", dq[:, 1], np.zeros((2, 4)))
    before = dout.copy()
    attention.attention_backward(dout, attention.scaled_dot_product_attention(q, k, v)[1])
    assert_unchanged("dout", before, dout)


# -- 6.4, 6.5 multi-head attention -----------------------------------------------------------

def heads_inputs():
    """2 sequences of 4 positions, E = 6 split into 2 heads of 3 columns; a causal (4, 4) mask."""
    r = rng(5)
    weights = [normal(r, 6, 6, scale=0.4) for _ in range(4)]
    return normal(r, 2, 4, 6), weights, np.tril(np.ones((4, 4), dtype=bool)), normal(r, 2, 4, 6)


@examples.register
def multi_head_attention_forward(at):
    x, weights, causal, _ = heads_inputs()
    return {"out": at.multi_head_attention_forward(x, *weights, 2)[0],
            "out with a causal mask": at.multi_head_attention_forward(x, *weights, 2, causal)[0],
            "out with 3 heads": at.multi_head_attention_forward(x, *weights, 3)[0]}


def test_multi_head_attention_forward():
    """multi_head_attention_forward: heads of E // H columns; ValueError if H does not divide E."""
    examples.check(multi_head_attention_forward, attention)
    x, weights, _, _ = heads_inputs()
    with pytest.raises(ValueError):
        attention.multi_head_attention_forward(x, *weights, 4)
    one_head, _ = attention.multi_head_attention_forward(x, *weights, 1)
    w_q, w_k, w_v, w_o = weights
    heads, _ = attention.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v)
    assert_close("out with one head (expected: attention of the projections, projected by w_o)", one_head, heads @ w_o)


@examples.register
def multi_head_attention_backward(at):
    x, weights, causal, dout = heads_inputs()
    _, cache = at.multi_head_attention_forward(x, *weights, 2, causal)
    names = ("dx", "dw_q", "dw_k", "dw_v", "dw_o")
    return dict(zip(names, at.multi_head_attention_backward(dout, cache)))


def test_multi_head_attention_backward():
    """multi_head_attention_backward: dx and the four weight gradients match central differences."""
    examples.check(multi_head_attention_backward, attention)
    x, weights, causal, dout = heads_inputs()
    _, cache = attention.multi_head_attention_forward(x, *weights, 2, causal)
    grads = attention.multi_head_attention_backward(dout, cache)
    assert_property(len(grads) == 5, f"multi_head_attention_backward returned {len(grads)} items, expected 5: (dx, dw_q, dw_k, dw_v, dw_o).")
    check_gradient("dx", grads[0], lambda x: attention.multi_head_attention_forward(x, *weights, 2, causal)[0], x, dout)
    for i, name in enumerate(("dw_q", "dw_k", "dw_v", "dw_o")):
        def f(w, i=i):
            return attention.multi_head_attention_forward(x, *weights[:i], w, *weights[i + 1:], 2, causal)[0]
        check_gradient(name, grads[i + 1], f, weights[i], dout)
