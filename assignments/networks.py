"""Assignment 13: networks, composing the layers and training end to end on handwritten digits.

Every assignment so far built a part; this one puts them together and trains. A multilayer
perceptron is a stack of affine layers with ReLUs between them, its loss the softmax
cross-entropy of its scores plus an L2 penalty on its weights; minibatch SGD follows the
loss's gradient over shuffled batches, epoch after epoch, with a learning rate that may
decay. Two ideas of the ResNet era complete the toolbox: the residual block, whose identity
shortcut lets the gradient flow past the layers, and global average pooling, which turns
feature maps into one number per channel. Transfer learning is a frozen key in sgd_step.

Parameters are a dict {"W1": (D, H1), "b1": (H1,), ..., "WL": (H, C), "bL": (C,)}, the layers
numbered from 1. The data is the 8 x 8 handwritten digits (UCI optdigits as scikit-learn
ships it, see data/DIGITS.md): data/digits.npz holds X_train (1197, 8, 8), X_val (300, 8, 8)
and X_test (300, 8, 8) as uint8 pixels in 0..16, and the labels y_train, y_val, y_test in 0..9.
The notebook flattens the images to rows of 64 and divides by 16.

Tasks:
    13.1  init_mlp                      13.6   global_average_pool_forward
    13.2  mlp_forward                   13.7   global_average_pool_backward
    13.3  mlp_loss                      13.8   sgd_step
    13.4  residual_block_forward        13.9   accuracy
    13.5  residual_block_backward       13.10  train

Paste your affine_forward, affine_backward, relu_forward, relu_backward and
softmax_cross_entropy from backprop.py into the marked section below: the tasks use them
(they are not graded here). Conventions: arrays are float64 and every returned array is
float64; shapes are exact; the inputs are never modified (return new arrays and new dicts).
Use numpy and the standard library only.

LEADERBOARD (optional, for the course's Gradescope leaderboard): set it to a dict choosing a
configuration, e.g. {"hidden": [128], "lr": 0.1, "epochs": 20, "batch_size": 32, "reg": 1e-4,
"lr_decay": 0.95, "seed": 0} (reg, lr_decay and seed may be left out: 0, 1 and 0). The
grader reads it from your file's text (write it as a literal dict), runs
params = init_mlp([64, *hidden, 10], np.random.default_rng(seed)) and
train(params, X_train, y_train, X_val, y_val, lr, epochs, batch_size,
np.random.default_rng(seed + 1), reg=reg, lr_decay=lr_decay) with your functions on the digits,
and posts the validation accuracy of the parameters train returns. Limits: at most 3 hidden
layers of 1 to 256 units, 1 to 50 epochs, batch_size at least 8, lr > 0, reg >= 0,
0 < lr_decay <= 1, an int seed >= 0; 30 s for the run. Leave it None to stay off the board;
it is never graded.
"""

import numpy as np

LEADERBOARD = None


# ---- Paste your layers from backprop.py here (used by the tasks, not graded) -----------------

def affine_forward(x, w, b):
    """Forward pass of an affine layer, as in backprop.py: out = x @ w + b.

    Args:
        x: inputs, shape (N, D). w: weights, shape (D, M). b: biases, shape (M,).

    Returns:
        out: shape (N, M). cache: the tuple (x, w, b).
    """
    raise NotImplementedError("affine_forward: paste yours from backprop.py")


def affine_backward(dout, cache):
    """Backward pass of an affine layer, as in backprop.py.

    Args:
        dout: upstream gradient, shape (N, M). cache: the tuple (x, w, b) from affine_forward.

    Returns:
        dx: shape (N, D). dw: shape (D, M). db: shape (M,), dout summed over the batch.
    """
    raise NotImplementedError("affine_backward: paste yours from backprop.py")


def relu_forward(x):
    """Forward pass of the ReLU, as in backprop.py: out = max(x, 0).

    Returns:
        out: the shape of x. cache: the tuple (x,).
    """
    raise NotImplementedError("relu_forward: paste yours from backprop.py")


def relu_backward(dout, cache):
    """Backward pass of the ReLU, as in backprop.py: dout where x > 0, else 0 (0 at the kink).

    Returns:
        dx: the shape of x.
    """
    raise NotImplementedError("relu_backward: paste yours from backprop.py")


def softmax_cross_entropy(scores, y):
    """Mean softmax cross-entropy over the batch and its gradient, as in backprop.py (stable).

    Args:
        scores: logits, shape (N, C). y: integer labels in [0, C), shape (N,).

    Returns:
        loss: a Python float. dscores: dloss/dscores, shape (N, C).
    """
    raise NotImplementedError("softmax_cross_entropy: paste yours from backprop.py")


# ---- End of the pasted section -------------------------------------------------------------


def init_mlp(dims, rng, scheme="he"):
    """The parameters of a multilayer perceptron, randomly initialized. Task 13.1.

    Layer l (1 to L = len(dims) - 1) maps dims[l - 1] inputs to dims[l] outputs:

        W_l ~ Normal(0, gain / dims[l - 1]), shape (dims[l - 1], dims[l])     b_l = 0, shape (dims[l],)

    with gain 2 for "he" (the ReLU correction) and 1 for "xavier" (fan_in, as in lecture).

    Args:
        dims: [D, H1, ..., C], at least 2 positive ints: the input size, the hidden sizes, the
            number of classes.
        rng: a numpy.random.Generator; every weight is drawn from it.
        scheme: "he" or "xavier".

    Returns:
        params: a dict {"W1": ..., "b1": ..., ..., "WL": ..., "bL": ...} of float64 arrays.

    Raises:
        ValueError: for fewer than 2 dims, a dim that is not an int of at least 1, or a
            scheme other than "he" and "xavier".
    """
    # Your code here
    raise NotImplementedError("init_mlp: not implemented yet (task 13.1)")


def mlp_forward(params, X):
    """The scores of a multilayer perceptron. Task 13.2.

    Affine then ReLU for every layer but the last, affine alone for the last:

        h_0 = X,   h_l = relu(h_{l-1} @ W_l + b_l) for l < L,   scores = h_{L-1} @ W_L + b_L

    Args:
        params: {"W1": (D, H1), "b1": (H1,), ..., "WL": (H, C), "bL": (C,)}.
        X: inputs, shape (N, D).

    Returns:
        scores: shape (N, C).
        cache: what the backward pass needs (your choice), for mlp_loss.

    Raises:
        Nothing: params and X are assumed to fit together.
    """
    # Your code here
    raise NotImplementedError("mlp_forward: not implemented yet (task 13.2)")


def mlp_loss(params, X, y, reg=0.0):
    """The regularized loss of a multilayer perceptron and its gradients. Task 13.3.

        loss = softmax_cross_entropy(scores, y) + (reg / 2) * sum over l of sum(W_l ** 2)

    The cross-entropy is the mean over the batch; the L2 term is on the weights W only,
    never the biases, and its gradient is reg * W_l.

    Args:
        params: {"W1": ..., "b1": ..., ..., "WL": ..., "bL": ...} as init_mlp makes them.
        X: inputs, shape (N, D).
        y: integer labels in [0, C), shape (N,).
        reg: the L2 coefficient, a float >= 0.

    Returns:
        loss: a Python float.
        grads: a dict with the keys of params, each gradient of the shape of its parameter.

    Raises:
        Nothing: the inputs are assumed to fit together.
    """
    # Your code here
    raise NotImplementedError("mlp_loss: not implemented yet (task 13.3)")


def residual_block_forward(x, w1, b1, w2, b2):
    """Forward pass of a fully connected residual block (ResNet's basic block). Task 13.4.

        out = relu(x + relu(x @ w1 + b1) @ w2 + b2)

    The identity shortcut adds x to what the two layers compute, so the block starts out
    close to the identity and the gradient reaches x undiminished.

    Args:
        x: inputs, shape (N, D).
        w1: shape (D, H). b1: shape (H,). w2: shape (H, D). b2: shape (D,).

    Returns:
        out: shape (N, D).
        cache: what residual_block_backward needs (your choice).

    Raises:
        Nothing: the inputs are assumed to fit together.
    """
    # Your code here
    raise NotImplementedError("residual_block_forward: not implemented yet (task 13.4)")


def residual_block_backward(dout, cache):
    """Backward pass of the residual block. Task 13.5.

    The gradient reaching the sum x + ... goes both ways: through the two layers, and
    straight to x along the shortcut, where the two parts add up.

    Args:
        dout: upstream gradient dL/dout, shape (N, D).
        cache: from residual_block_forward.

    Returns:
        dx: shape (N, D). dw1: shape (D, H). db1: shape (H,). dw2: shape (H, D). db2: shape (D,).

    Raises:
        Nothing: dout is assumed to have the shape of out.
    """
    # Your code here
    raise NotImplementedError("residual_block_backward: not implemented yet (task 13.5)")


def global_average_pool_forward(x):
    """Global average pooling: one mean per channel, replacing a fully connected layer. Task 13.6.

        out[n, c] = mean over h, w of x[n, c, h, w]        (torch's F.adaptive_avg_pool2d(x, 1))

    Args:
        x: feature maps, shape (N, C, H, W).

    Returns:
        out: shape (N, C).
        cache: what global_average_pool_backward needs (your choice).

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("global_average_pool_forward: not implemented yet (task 13.6)")


def global_average_pool_backward(dout, cache):
    """Backward pass of global average pooling. Task 13.7.

    Every one of the H * W entries of a channel gets 1 / (H * W) of that channel's dout.

    Args:
        dout: upstream gradient, shape (N, C).
        cache: from global_average_pool_forward.

    Returns:
        dx: shape (N, C, H, W).

    Raises:
        Nothing: dout is assumed to have the shape of out.
    """
    # Your code here
    raise NotImplementedError("global_average_pool_backward: not implemented yet (task 13.7)")


def sgd_step(params, grads, lr, frozen=()):
    """One step of plain SGD on every parameter that is not frozen. Task 13.8.

        new_params[k] = params[k] - lr * grads[k]   for k not in frozen
        new_params[k] = params[k]                   for k in frozen (the same array)

    Frozen keys are how transfer learning keeps a feature extractor fixed while the layers
    after it learn.

    Args:
        params: a dict of arrays. grads: a dict with the same keys and shapes.
        lr: the learning rate, a float.
        frozen: keys of params not to update (a tuple, list or set).

    Returns:
        new_params: a new dict with the keys of params; params and grads are not modified.

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("sgd_step: not implemented yet (task 13.8)")


def accuracy(params, X, y):
    """The share of rows the network classifies right. Task 13.9.

    A row's prediction is the class of its highest score (the first such on ties, as
    np.argmax).

    Args:
        params: the network's parameters. X: inputs, shape (N, D), N >= 1. y: labels, shape (N,).

    Returns:
        A Python float in [0, 1].

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("accuracy: not implemented yet (task 13.9)")


def train(params, X, y, X_val, y_val, lr, epochs, batch_size, rng, reg=0.0, lr_decay=1.0, frozen=()):
    """Minibatch SGD on a multilayer perceptron. Task 13.10.

    Each epoch draws order = rng.permutation(N) (one call per epoch, from this rng) and takes
    the batches order[i:i + batch_size] for i = 0, batch_size, 2 * batch_size, ... in turn
    (the last may be smaller). For each batch b:

        loss, grads = mlp_loss(params, X[b], y[b], reg)
        params = sgd_step(params, grads, lr, frozen)

    After each epoch's updates, the accuracies on the whole training and validation sets are
    recorded, and then lr = lr * lr_decay (once per epoch, not per batch).

    Args:
        params: the starting parameters (init_mlp's dict). X: (N, D). y: (N,) labels.
        X_val: (M, D). y_val: (M,) labels.
        lr: the first epoch's learning rate. epochs: the number of passes over the data.
        batch_size: rows per batch, at least 1. rng: a numpy.random.Generator, for the order.
        reg: the L2 coefficient of mlp_loss. lr_decay: lr's factor after each epoch.
        frozen: keys of params that sgd_step must not update.

    Returns:
        params: the trained parameters (a new dict).
        history: {"loss": [a float per batch, in order], "train_acc": [accuracy(params, X, y)
            after each epoch], "val_acc": [accuracy(params, X_val, y_val) after each epoch]}.

    Raises:
        Nothing: the inputs are assumed to fit together.
    """
    # Your code here
    raise NotImplementedError("train: not implemented yet (task 13.10)")
