"""Assignment 6: scaled dot-product attention, forward and backward, with masks and heads.

Attention lets every query look at every key and take a weighted average of the values:

    scores  = q @ k^T / sqrt(d)          how well each query matches each key
    weights = softmax(scores)            over the keys: each query's weights sum to 1
    out     = weights @ v                the weighted average of the values

Dividing by sqrt(d) keeps the scores of unit-variance vectors at unit variance, whatever
the dimension d, so the softmax does not saturate. A boolean mask says which keys each
query may attend to (True = allowed, as torch.nn.functional.scaled_dot_product_attention):
a masked key gets weight exactly 0 and the others are renormalized among themselves.
Multi-head attention projects x to queries, keys and values, splits the embedding into
heads that attend independently, and projects their concatenation back.

Tasks:
    6.1  softmax                         6.4  multi_head_attention_forward
    6.2  scaled_dot_product_attention    6.5  multi_head_attention_backward
    6.3  attention_backward

Conventions: arrays are float64 and every returned array is float64; shapes are exact;
the inputs are never modified. Leading dimensions "..." are batch dimensions (none, one
or more) and are the same for q, k and v. A backward pass returns the gradients in the
order of the forward's array arguments. Numerics matter: scores of magnitude 1e3 must
give finite results without overflow warnings, and a query with no allowed key must give
zeros, not NaN. Use numpy and the standard library only.
"""

import numpy as np


def softmax(x, axis=-1):
    """Softmax along one axis, numerically stable. Task 6.1.

        softmax(x)_k = exp(x_k - max_j x_j) / sum_i exp(x_i - max_j x_j)

    Subtracting the maximum along the axis leaves the result unchanged and keeps exp
    from overflowing, so logits of magnitude 1e3 give no NaN. Entries of -inf (masked
    logits) get probability 0, as long as their slice has a finite maximum.

    Args:
        x: logits, any shape.
        axis: the axis along which the probabilities sum to 1 (default: the last).

    Returns:
        Probabilities, the shape of x; every slice along axis sums to 1.

    Raises:
        Nothing.
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    """Scaled dot-product attention, forward pass. Task 6.2.

        scores  = q @ k^T / sqrt(d)                      shape (..., Tq, Tk)
        weights = softmax(scores) over the keys (the last axis)
        out     = weights @ v                            shape (..., Tq, dv)

    With a mask, a key where mask is False gets weight exactly 0 and each query's
    weights are renormalized over its allowed keys (set its score to -inf before the
    softmax, not its weight to 0 after it). A query row with no allowed key at all
    gets all-zero weights, so its output is zero (PyTorch gives NaN there).

    Args:
        q: queries, shape (..., Tq, d).
        k: keys, shape (..., Tk, d).
        v: values, shape (..., Tk, dv).
        mask: None, or a boolean array broadcastable to (..., Tq, Tk) (for example
            (Tq, Tk), the same for every batch entry); True where attention is allowed.

    Returns:
        out: shape (..., Tq, dv).
        cache: what attention_backward needs, e.g. the tuple (q, k, v, weights).

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        weights = softmax(scores)
    else:
        allowed = np.broadcast_to(mask, scores.shape)
        any_allowed = allowed.any(axis=-1, keepdims=True)
        # -inf gets weight exp(-inf) = 0; a row with no allowed key keeps its finite scores
        # (all -inf would give -inf - (-inf) = NaN) and is zeroed after the softmax
        weights = softmax(np.where(allowed | ~any_allowed, scores, -np.inf)) * any_allowed
    return weights @ v, (q, k, v, weights)


def attention_backward(dout, cache):
    """Scaled dot-product attention, backward pass. Task 6.3.

    With P the weights, S the scores and dout = dL/dout:

        dv = P^T @ dout                        dP = dout @ v^T
        dS = P * (dP - sum_k P * dP)           (softmax's backward, row by row)
        dq = dS @ k / sqrt(d)                  dk = dS^T @ q / sqrt(d)

    ^T swaps the last two axes only. Masked keys have P = 0 and so get no gradient
    through the scores; a query with no allowed key gets dq = 0.

    Args:
        dout: upstream gradient dL/dout, shape (..., Tq, dv).
        cache: from scaled_dot_product_attention.

    Returns:
        dq: shape (..., Tq, d).
        dk: shape (..., Tk, d).
        dv: shape (..., Tk, dv).

    Raises:
        Nothing: dout is assumed to have the shape of the forward's out.
    """
    q, k, v, weights = cache
    dout = np.asarray(dout, dtype=np.float64)
    scale = np.sqrt(q.shape[-1])
    dv = np.swapaxes(weights, -1, -2) @ dout
    dweights = dout @ np.swapaxes(v, -1, -2)
    dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))
    dq = dscores @ k / scale
    dk = np.swapaxes(dscores, -1, -2) @ q / scale
    return dq, dk, dv


def _split_heads(x, num_heads):
    """(N, T, E) -> (N, num_heads, T, E // num_heads): head h takes columns h*Dh to (h+1)*Dh."""
    n, t, e = x.shape
    # reshape keeps each position's features together; the transpose then moves the
    # head axis in front of time (reshaping straight to (N, H, T, Dh) would mix positions)
    return x.reshape(n, t, num_heads, e // num_heads).transpose(0, 2, 1, 3)


def _merge_heads(x):
    """(N, H, T, Dh) -> (N, T, H * Dh): the inverse of _split_heads, heads concatenated."""
    n, h, t, dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, t, h * dh)


def multi_head_attention_forward(x, w_q, w_k, w_v, w_o, num_heads, mask=None):
    """Multi-head self-attention, forward pass, without biases. Task 6.4.

        Q = x @ w_q      K = x @ w_k      V = x @ w_v                 each (N, T, E)
        split each into num_heads heads of Dh = E // num_heads columns: (N, H, T, Dh)
        head_h = scaled_dot_product_attention(Q_h, K_h, V_h, mask)   scaled by sqrt(Dh)
        out = concat(head_1, ..., head_H) @ w_o                       (N, T, E)

    Head h uses columns h*Dh to (h+1)*Dh of Q, K and V, and its output fills the same
    columns of the concatenation, as torch.nn.MultiheadAttention does. Weights act on
    the right (x @ w): torch's in_proj_weight rows [0:E], [E:2E], [2E:3E] are w_q.T,
    w_k.T and w_v.T, and its out_proj.weight is w_o.T.

    Args:
        x: inputs, shape (N, T, E).
        w_q, w_k, w_v, w_o: weights, each shape (E, E).
        num_heads: the number of heads H, a positive int dividing E.
        mask: None, or a boolean array broadcastable to (N, H, T, T), True where
            attention is allowed (a (T, T) mask applies to every sequence and head).
            This is scaled_dot_product_attention's convention: the opposite of
            torch.nn.MultiheadAttention's attn_mask, where True means "masked".

    Returns:
        out: shape (N, T, E).
        cache: what multi_head_attention_backward needs.

    Raises:
        ValueError: if num_heads does not divide E.
    """
    x, w_q, w_k, w_v, w_o = (np.asarray(a, dtype=np.float64) for a in (x, w_q, w_k, w_v, w_o))
    e = x.shape[-1]
    if num_heads < 1 or e % num_heads:
        raise ValueError(f"num_heads is {num_heads}, expected a positive divisor of the embedding size E = {e}")
    heads, attention_cache = scaled_dot_product_attention(
        _split_heads(x @ w_q, num_heads), _split_heads(x @ w_k, num_heads), _split_heads(x @ w_v, num_heads), mask
    )
    concat = _merge_heads(heads)
    return concat @ w_o, (x, w_q, w_k, w_v, w_o, num_heads, attention_cache, concat)


def multi_head_attention_backward(dout, cache):
    """Multi-head self-attention, backward pass. Task 6.5.

    Backpropagate through the output projection, then the heads (attention_backward on
    the split gradients), then the three input projections; x feeds all three, so its
    gradient is the sum of three terms:

        dw_o = sum over (n, t) of concat^T dout       dconcat = dout @ w_o^T
        dQ, dK, dV = the heads' dq, dk, dv, merged back to (N, T, E)
        dw_q = sum over (n, t) of x^T dQ    (and likewise dw_k, dw_v)
        dx = dQ @ w_q^T + dK @ w_k^T + dV @ w_v^T

    Args:
        dout: upstream gradient dL/dout, shape (N, T, E).
        cache: from multi_head_attention_forward.

    Returns:
        dx: shape (N, T, E).
        dw_q, dw_k, dw_v, dw_o: each shape (E, E).

    Raises:
        Nothing: dout is assumed to have the shape of the forward's out.
    """
    x, w_q, w_k, w_v, w_o, num_heads, attention_cache, concat = cache
    dout = np.asarray(dout, dtype=np.float64)
    e = x.shape[-1]
    dw_o = concat.reshape(-1, e).T @ dout.reshape(-1, e)
    dheads = _split_heads(dout @ w_o.T, num_heads)
    dQ, dK, dV = (_merge_heads(d) for d in attention_backward(dheads, attention_cache))
    flat_x = x.reshape(-1, e)
    dw_q, dw_k, dw_v = (flat_x.T @ d.reshape(-1, e) for d in (dQ, dK, dV))
    dx = dQ @ w_q.T + dK @ w_k.T + dV @ w_v.T
    return dx, dw_q, dw_k, dw_v, dw_o
