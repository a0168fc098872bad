"""Fixed functions that plans name, because functions and generators cannot cross the wire.

``numerical_jacobian(f, x)`` needs an ``f``: the plan names one of these smooth test
functions (``Func``, its parameters bound) and the reference and the student receive the
same function. An initializer needs an ``rng``: the plan names :func:`generator`
(``Made``) and each side builds the same generator from the same seed.
Copied into the worker's sandbox: numpy only.
"""

import numpy as np


def tanh_affine(x, a, b):
    """f(x) = tanh(a @ x.ravel() + b): a vector-valued map, shape (M,)."""
    return np.tanh(a @ np.ravel(x) + b)


def exp_affine(x, a):
    """f(x) = exp(a @ x.ravel()): curvature as large as the slope, so an O(h) forward
    difference is off by about h * |a| / 2 while central differences stay near roundoff."""
    return np.exp(a @ np.ravel(x))


def log_sum_exp(x):
    """f(x) = log(sum(exp(x))): a scalar-valued map of an array of any shape."""
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def sin_product(x, c):
    """f(x) = sin(x) * (x @ c) for a 2-D x of shape (R, K) and c (K, K): a matrix-valued map."""
    return np.sin(x) * (x @ c)


def generator(seed):
    """A fresh ``numpy.random.Generator`` seeded with ``seed`` (an int or a list of ints)."""
    return np.random.default_rng(seed)


def quadratic_pair_loss(center_vec, outside_idx, outside_vectors, weights):
    """A known loss with the signature of word2vec's ``naive_softmax_loss_and_gradient``.

    With scores s = outside_vectors @ center_vec: loss = sum_w weights[w] * s_w**2 / 2 - s_o,
    returned with its gradients (center_vec (d,), outside_vectors (V, d)). Passed to the
    student's ``skipgram`` so that it is graded the same whether or not their own losses are
    right; deliberately not a word2vec loss, so it gives none away.
    """
    scores = outside_vectors @ center_vec
    dscores = weights * scores
    dscores[outside_idx] -= 1.0
    loss = 0.5 * np.sum(weights * scores**2) - scores[outside_idx]
    return float(loss), outside_vectors.T @ dscores, np.outer(dscores, center_vec)


def network_scores(X, weights, biases):
    """Scores (N, C) of a ReLU network on images X (N, H, W), each flattened row by row: affine
    layers ``h @ weights[l] + biases[l]``, with ReLU after every one but the last.

    The model visualization.py's functions are given: plain weights cross the wire, and the
    student's code gets this function with them bound, never a reference.
    """
    h = np.reshape(X, (len(X), -1))
    for layer, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W + b
        if layer < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h


def network_input_gradient(X, dscores, weights, biases):
    """The gradient (N, H, W) of sum(dscores * network_scores(X, weights, biases)) with respect to X.

    ReLU's slope at exactly 0 is taken as 0, as autograd takes it.
    """
    h, outputs = np.reshape(X, (len(X), -1)), []
    for W, b in zip(weights[:-1], biases[:-1]):
        h = np.maximum(h @ W + b, 0.0)
        outputs.append(h)
    dh = dscores @ weights[-1].T
    for W, out in zip(reversed(weights[:-1]), reversed(outputs)):
        dh = (dh * (out > 0)) @ W.T
    return dh.reshape(np.shape(X))
