"""Assignment 1: backpropagation, gradients, Jacobians and the chain rule.

Deep-learning libraries differentiate for you; here you do it by hand, in numpy, to see
what they compute. A layer is a pair of functions:

    forward(inputs)     -> (out, cache)    cache keeps what the backward pass needs
    backward(dout, cache) -> gradients     dout = dL/dout, the upstream gradient

and a backward pass returns the gradients in the order of the forward's array arguments.
Losses return a Python float and the gradient of that float with respect to the scores.
The last four tasks write the same derivatives as Jacobian matrices, compose them with the
chain rule, and check them with central differences.

Tasks:
    1.1  affine_forward             1.7   softmax_cross_entropy
    1.2  affine_backward            1.8   logistic_regression_loss
    1.3  relu_forward               1.9   softmax_jacobian
    1.4  relu_backward              1.10  affine_jacobians
    1.5  sigmoid                    1.11  chain_rule
    1.6  softmax                    1.12  numerical_jacobian

Conventions: arrays are float64 and every returned array is float64; shapes are exact,
(D,) is not (1, D); the inputs are never modified. Numerics matter: logits of magnitude
1e3 must give finite results without overflow warnings, so never take exp of a large
positive number or log of a probability that can round to 0. Use numpy and the standard
library only.
"""

import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer. Task 1.1.

        out = x @ w + b

    Args:
        x: inputs, shape (N, D).
        w: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        out: shape (N, M).
        cache: the tuple (x, w, b), for affine_backward.

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    # Your code here
    raise NotImplementedError("affine_forward: not implemented yet (task 1.1)")


def affine_backward(dout, cache):
    """Backward pass of an affine layer. Task 1.2.

    With out = x @ w + b and dout = dL/dout:

        dx = dout @ w.T        dw = x.T @ dout        db = dout summed over the batch

    Args:
        dout: upstream gradient dL/dout, shape (N, M).
        cache: the tuple (x, w, b) from affine_forward.

    Returns:
        dx: shape (N, D).
        dw: shape (D, M).
        db: shape (M,).

    Raises:
        Nothing: dout is assumed to have the shape of affine_forward's out.
    """
    # Your code here
    raise NotImplementedError("affine_backward: not implemented yet (task 1.2)")


def relu_forward(x):
    """Forward pass of the rectified linear unit, elementwise. Task 1.3.

        out = max(x, 0)

    Args:
        x: inputs, any shape.

    Returns:
        out: the shape of x.
        cache: the tuple (x,), for relu_backward.

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("relu_forward: not implemented yet (task 1.3)")


def relu_backward(dout, cache):
    """Backward pass of the rectified linear unit. Task 1.4.

        dx = dout where x > 0, and 0 where x <= 0

    At the kink x == 0 the gradient is 0, as in PyTorch.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: the tuple (x,) from relu_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("relu_backward: not implemented yet (task 1.4)")


def sigmoid(x):
    """The logistic sigmoid, elementwise and numerically stable. Task 1.5.

        sigmoid(x) = 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x))

    Use the first form where x >= 0 and the second where x < 0, so that exp only ever
    sees -|x| <= 0: no overflow warning and no NaN, for |x| up to 1e3 and beyond.

    Args:
        x: inputs, any shape.

    Returns:
        The shape of x, values in [0, 1].

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("sigmoid: not implemented yet (task 1.5)")


def softmax(x):
    """Softmax over the last axis, numerically stable. Task 1.6.

        softmax(x)_k = exp(x_k - max_j x_j) / sum_i exp(x_i - max_j x_j)

    Subtracting the row maximum leaves the result unchanged and keeps exp from
    overflowing, so logits of magnitude 1e3 give no NaN.

    Args:
        x: logits, shape (..., K); each row along the last axis is normalized.

    Returns:
        Probabilities, the shape of x; each row sums to 1.

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("softmax: not implemented yet (task 1.6)")


def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient. Task 1.7.

        loss    = -(1/N) sum_i log softmax(scores_i)[y_i]
        dscores = (softmax(scores) - onehot(y)) / N

    Compute log softmax with the log-sum-exp trick,
    log softmax(s)_k = (s_k - max s) - log sum_j exp(s_j - max s),
    never as log of a softmax, which rounds to 0 for large logits (log 0 = -inf).

    Args:
        scores: logits, shape (N, C).
        y: integer class labels in [0, C), shape (N,).

    Returns:
        loss: a Python float.
        dscores: dloss/dscores, shape (N, C).

    Raises:
        Nothing: the labels are assumed to lie in [0, C).
    """
    # Your code here
    raise NotImplementedError("softmax_cross_entropy: not implemented yet (task 1.7)")


def logistic_regression_loss(w, b, X, y):
    """Binary cross-entropy of logistic regression, averaged, and its gradient. Task 1.8.

    With z = X @ w + b and p = sigmoid(z):

        loss = -(1/N) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)]
             =  (1/N) sum_i [log(1 + exp(z_i)) - y_i z_i]
        dw   = X.T @ (p - y) / N        db = sum_i (p_i - y_i) / N

    Use the second form of the loss, with log(1 + exp(z)) computed as np.logaddexp(0, z):
    for margins |z| of 1e3, p rounds to exactly 0 or 1 and the first form gives log 0.

    Args:
        w: weights, shape (D,).
        b: bias, a float.
        X: inputs, shape (N, D).
        y: labels in {0, 1}, shape (N,).

    Returns:
        loss: a Python float.
        dw: dloss/dw, shape (D,).
        db: dloss/db, a Python float.

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    # Your code here
    raise NotImplementedError("logistic_regression_loss: not implemented yet (task 1.8)")


def softmax_jacobian(s):
    """Jacobian of softmax at one logit vector. Task 1.9.

    With p = softmax(s):

        J[i, j] = dp_i / ds_j = p_i (delta_ij - p_j),   i.e.   J = diag(p) - p p^T

    Args:
        s: logits, shape (K,).

    Returns:
        J: shape (K, K), symmetric; every row and column sums to 0.

    Raises:
        ValueError: if s is not a vector.
    """
    # Your code here
    raise NotImplementedError("softmax_jacobian: not implemented yet (task 1.9)")


def affine_jacobians(x, w):
    """Jacobians of f = x @ w for one input, with respect to x and to w. Task 1.10.

    f has shape (M,). w is flattened in row-major (C) order, vec(w) = w.reshape(-1), so
    w[d, m'] is entry d*M + m' of vec(w):

        J_x[m, d]          = df_m / dx_d      = w[d, m]               (J_x = w.T)
        J_w[m, d*M + m']   = df_m / dw[d, m'] = x[d] if m == m' else 0

    Args:
        x: one input, shape (D,).
        w: weights, shape (D, M).

    Returns:
        J_x: shape (M, D).
        J_w: shape (M, D*M).

    Raises:
        ValueError: if x is not a vector (D,) or w is not a matrix (D, M).
    """
    # Your code here
    raise NotImplementedError("affine_jacobians: not implemented yet (task 1.10)")


def chain_rule(J_L_f, J_f_W):
    """Jacobian of a composition, by the chain rule. Task 1.11.

    For L(f(W)):

        dL/dW = dL/df @ df/dW,   i.e.   J_L_W = J_L_f @ J_f_W

    Args:
        J_L_f: Jacobian of L with respect to f, shape (P, M); P = 1 for a scalar L.
        J_f_W: Jacobian of f with respect to vec(W), shape (M, Q).

    Returns:
        J_L_W: shape (P, Q).

    Raises:
        ValueError: (numpy's) if the inner dimensions M differ.
    """
    # Your code here
    raise NotImplementedError("chain_rule: not implemented yet (task 1.11)")


def numerical_jacobian(f, x, h=1e-5):
    """Jacobian of f at x by central differences. Task 1.12.

        J[:, i] = (f(x + h e_i) - f(x - h e_i)) / (2h)

    e_i is the i-th unit vector of x's flat, row-major view, and f's output is flattened
    in row-major order; the error is O(h^2). f is evaluated on a float64 copy of x, so
    x itself is never modified (and an integer x is not rounded).

    Args:
        f: a function of an array of x's shape, returning a scalar or an array of any shape.
        x: the point, any shape.
        h: the step, a positive float.

    Returns:
        J: shape (f(x).size, x.size).

    Raises:
        ValueError: if h is not positive.
    """
    # Your code here
    raise NotImplementedError("numerical_jacobian: not implemented yet (task 1.12)")
