"""Assignment 5: inverted dropout.

Dropout zeroes each unit independently with probability p during training, so that no unit
can rely on any other; every mask is a different thinned network, and training trains all
of them at once, sharing weights. At test time the whole network runs, as an average of
that ensemble. Inverted dropout scales the kept units by 1 / (1 - p) during training, so
that every unit's expectation is unchanged,

    E[out] = (1 - p) * x / (1 - p) = x,

and the test-time forward pass is the identity: nothing to rescale, nothing to forget.
p is the probability of dropping a unit, PyTorch's convention (torch.nn.functional.dropout).

Tasks:
    5.1  dropout_forward            5.2  dropout_backward

Conventions: arrays are float64 and every returned array is float64; the random mask comes
from the generator passed in (numpy.random.Generator), never from np.random's global state,
so the same seed gives the same mask; x and dout are never modified. Use numpy and the
standard library only.
"""

import numpy as np


def dropout_forward(x, p, train, rng):
    """Forward pass of inverted dropout. Task 5.1.

    In training each entry of x is kept with probability 1 - p, independently of all the
    others (across the batch too), and the kept entries are scaled by 1 / (1 - p):

        mask = (rng.random(x.shape) >= p) / (1 - p)        out = x * mask

    At test time (train False) the output is x itself: no mask and no scaling.

    Args:
        x: inputs, any shape.
        p: the probability of zeroing a unit, 0 <= p < 1; p = 0 keeps everything.
        train: True in training, False at test time.
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        out: the shape of x.
        cache: what dropout_backward needs, for example the scaled mask (None at test
            time); only your own backward reads it.

    Raises:
        ValueError: if p is outside [0, 1), in training and at test time.
    """
    # Your code here
    raise NotImplementedError("dropout_forward: not implemented yet (task 5.1)")


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout. Task 5.2.

    The units dropped in the forward pass get no gradient, the kept ones the forward's
    scale, with the very same mask (never a new draw):

        dx = dout * mask        (dx = dout after a test-time forward)

    Args:
        dout: upstream gradient dL/dout, the shape of x.
        cache: the cache of dropout_forward.

    Returns:
        dx: the shape of x.

    Raises:
        Nothing: dout is assumed to have the shape of x.
    """
    # Your code here
    raise NotImplementedError("dropout_backward: not implemented yet (task 5.2)")
