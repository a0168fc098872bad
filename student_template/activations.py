"""Assignment 9: activation functions, forward and backward: sigmoid, tanh, ReLU, leaky ReLU, ELU, maxout.

Without a nonlinearity between them, a stack of affine layers is one affine layer. The
activation function is that nonlinearity, and its derivative is what the backward pass
multiplies the upstream gradient by, layer after layer. Sigmoid and tanh saturate: for large
|x| their slope is almost 0 and the gradient vanishes. ReLU does not saturate for x > 0 but
is flat for x < 0, where a unit can die. Leaky ReLU and ELU keep a slope for x < 0; maxout
takes the largest of K affine pieces and so learns its own piecewise-linear activation.

Every function is a layer, as in PyTorch's modules:

    name_forward(x, ...)  -> (out, cache)    cache keeps what the backward pass needs
    name_backward(dout, cache) -> dx          dout = dL/dout, of the shape of out

At a kink (x == 0) the backward pass uses the slope of the negative side, as PyTorch's
autograd does: 0 for ReLU, negative_slope for leaky ReLU, alpha for ELU. Maxout's gradient
flows through its maximal piece only; where pieces tie, through the first of them (the one
np.argmax returns).

Tasks:
    9.1  sigmoid_forward        9.5  relu_forward           9.9   elu_forward
    9.2  sigmoid_backward       9.6  relu_backward          9.10  elu_backward
    9.3  tanh_forward           9.7  leaky_relu_forward     9.11  maxout_forward
    9.4  tanh_backward          9.8  leaky_relu_backward    9.12  maxout_backward

Conventions: arrays are float64 and every returned array is float64; shapes are exact; the
inputs are never modified. Numerics matter: sigmoid and ELU get inputs of magnitude 1e3 and
must give finite results without overflow warnings, so never take exp of a large positive
number. Use numpy and the standard library only.
"""

import numpy as np


def sigmoid_forward(x):
    """Forward pass of the logistic sigmoid, elementwise and numerically stable. Task 9.1.

        out = 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x))

    Use the first form where x >= 0 and the second where x < 0, so that exp only ever
    sees -|x| <= 0: no overflow warning and no NaN, for |x| up to 1e3 and beyond.

    Args:
        x: inputs, any shape.

    Returns:
        out: the shape of x, values in [0, 1].
        cache: what sigmoid_backward needs (your choice).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("sigmoid_forward: not implemented yet (task 9.1)")


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid. Task 9.2.

        dx = dout * out * (1 - out),   out = sigmoid(x)

    The derivative is written with the forward's output, not its input: keep out in the cache.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: from sigmoid_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("sigmoid_backward: not implemented yet (task 9.2)")


def tanh_forward(x):
    """Forward pass of the hyperbolic tangent, elementwise. Task 9.3.

        out = tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)) = 2 * sigmoid(2x) - 1

    Args:
        x: inputs, any shape (magnitudes up to 1e3: no NaN).

    Returns:
        out: the shape of x, values in [-1, 1].
        cache: what tanh_backward needs (your choice).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("tanh_forward: not implemented yet (task 9.3)")


def tanh_backward(dout, cache):
    """Backward pass of tanh. Task 9.4.

        dx = dout * (1 - out**2),   out = tanh(x)

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: from tanh_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("tanh_backward: not implemented yet (task 9.4)")


def relu_forward(x):
    """Forward pass of the rectified linear unit, elementwise. Task 9.5.

        out = max(x, 0)

    Args:
        x: inputs, any shape.

    Returns:
        out: the shape of x.
        cache: what relu_backward needs (your choice).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("relu_forward: not implemented yet (task 9.5)")


def relu_backward(dout, cache):
    """Backward pass of the rectified linear unit. Task 9.6.

        dx = dout where x > 0, and 0 where x <= 0

    At the kink x == 0 the slope is that of the negative side, 0, as in PyTorch.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: from relu_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("relu_backward: not implemented yet (task 9.6)")


def leaky_relu_forward(x, negative_slope=0.01):
    """Forward pass of the leaky ReLU, elementwise. Task 9.7.

        out = x where x > 0, and negative_slope * x where x <= 0

    As torch.nn.functional.leaky_relu(x, negative_slope).

    Args:
        x: inputs, any shape.
        negative_slope: the slope for x <= 0, a float (default 0.01).

    Returns:
        out: the shape of x.
        cache: what leaky_relu_backward needs (your choice; the slope too).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("leaky_relu_forward: not implemented yet (task 9.7)")


def leaky_relu_backward(dout, cache):
    """Backward pass of the leaky ReLU. Task 9.8.

        dx = dout where x > 0, and negative_slope * dout where x <= 0

    At the kink x == 0 the slope is that of the negative side, negative_slope, as in
    PyTorch; the slope is the one the forward pass was given.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: from leaky_relu_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("leaky_relu_backward: not implemented yet (task 9.8)")


def elu_forward(x, alpha=1.0):
    """Forward pass of the exponential linear unit, elementwise and numerically stable. Task 9.9.

        out = x where x > 0, and alpha * (exp(x) - 1) where x <= 0

    As torch.nn.functional.elu(x, alpha). Only the negative side takes exp: exp of a large
    positive x overflows (a warning, even where the result is then discarded).

    Args:
        x: inputs, any shape (magnitudes up to 1e3: no overflow warning).
        alpha: the scale of the negative side (out -> -alpha as x -> -inf), a float (default 1.0).

    Returns:
        out: the shape of x.
        cache: what elu_backward needs (your choice; alpha too).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("elu_forward: not implemented yet (task 9.9)")


def elu_backward(dout, cache):
    """Backward pass of the ELU. Task 9.10.

        dx = dout where x > 0, and dout * alpha * exp(x) = dout * (out + alpha) where x <= 0

    At the kink x == 0 the slope is that of the negative side, alpha, as in PyTorch.

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: from elu_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("elu_backward: not implemented yet (task 9.10)")


def maxout_forward(x, w, b):
    """Forward pass of a maxout layer of K affine pieces. Task 9.11.

        out[n, m] = max over k of (x @ w[k] + b[k])[n, m]

    Args:
        x: inputs, shape (N, D).
        w: the pieces' weights, shape (K, D, M).
        b: the pieces' biases, shape (K, M).

    Returns:
        out: shape (N, M).
        cache: what maxout_backward needs (your choice).

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    # Your code here
    raise NotImplementedError("maxout_forward: not implemented yet (task 9.11)")


def maxout_backward(dout, cache):
    """Backward pass of a maxout layer. Task 9.12.

    The gradient of out[n, m] flows only into the piece k that was maximal there (the
    first one where pieces tie, as np.argmax and torch.max(dim=0) choose):

        dpieces[k, n, m] = dout[n, m] if k is that piece, else 0
        dx = sum_k dpieces[k] @ w[k].T      dw[k] = x.T @ dpieces[k]      db[k] = dpieces[k] summed over n

    Args:
        dout: upstream gradient dL/dout, shape (N, M).
        cache: from maxout_forward.

    Returns:
        dx: shape (N, D).
        dw: shape (K, D, M).
        db: shape (K, M).

    Raises:
        Nothing: dout is assumed to have the shape of maxout_forward's out.
    """
    # Your code here
    raise NotImplementedError("maxout_backward: not implemented yet (task 9.12)")
