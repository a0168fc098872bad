# A demo student submission for assignment 1 (backprop.py), nested in a folder as
# uploads often are. Written the way a student might: loops here, einsum there, and four
# typical mistakes, each marked. `dlgrade grade examples/demo_submission` shows what
# each one costs and what the grader says about it.
import numpy as np


def affine_forward(x, w, b):
    out = np.einsum("nd,dm->nm", x, w) + b
    return out, {"x": x, "w": w}


def affine_backward(dout, cache):
    x, w = cache["x"], cache["w"]
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.mean(axis=0)  # mistake: the bias gradient is the sum over the batch
    return dx, dw, db


def relu_forward(x):
    return x * (x > 0), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x >= 0)  # mistake: the slope at the kink x == 0 is 0, not 1


def sigmoid(x):
    return 1 / (1 + np.exp(-x))  # mistake: exp(-x) overflows for x = -1000


def softmax(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_cross_entropy(scores, y):
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = 0.0
    for i in range(n):
        loss -= log_probs[i, y[i]]
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    return loss / n, dscores / n


def logistic_regression_loss(w, b, X, y):
    z = X @ w + b
    loss = np.mean(np.logaddexp(0, z) - y * z)
    p = sigmoid(z)
    n = len(y)
    return float(loss), X.T @ (p - y) / n, float(np.sum(p - y) / n)


def softmax_jacobian(s):
    p = softmax(s)
    k = len(p)
    J = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            J[i, j] = p[i] * ((i == j) - p[j])
    return J


def affine_jacobians(x, w):
    d, m = w.shape
    J_w = np.zeros((m, d * m))
    for i in range(m):
        for k in range(d):
            J_w[i, k * m + i] = x[k]
    return w.T, J_w


def chain_rule(J_L_f, J_f_W):
    return J_L_f @ J_f_W


def numerical_jacobian(f, x, h=1e-5):
    raise NotImplementedError("numerical_jacobian: not implemented yet (task 1.12)")  # mistake: not done yet
