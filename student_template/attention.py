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
    # Your code here
    raise NotImplementedError("softmax: not implemented yet (task 6.1)")


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
    # Your code here
    raise NotImplementedError("scaled_dot_product_attention: not implemented yet (task 6.2)")


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
    # Your code here
    raise NotImplementedError("attention_backward: not implemented yet (task 6.3)")


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
    # Your code here
    raise NotImplementedError("multi_head_attention_forward: not implemented yet (task 6.4)")


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
    # Your code here
    raise NotImplementedError("multi_head_attention_backward: not implemented yet (task 6.5)")
