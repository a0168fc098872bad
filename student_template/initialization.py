"""Assignment 3: weight initialization, Xavier and He.

A deep network trains only if its activations neither vanish nor explode from layer to
layer. For a layer a = h @ W with independent zero-mean inputs and weights,

    Var(a_j) = fan_in * Var(W) * E[h_i^2]

so the weights' variance must scale like 1/fan_in: Xavier (Glorot) initialization for
tanh-like activations, and He initialization, Var(W) = 2/fan_in, for ReLU, which zeroes
half of its inputs and so halves E[h^2]. Here you count the fans of a weight, draw
weights with the right variance, and measure the activations of a deep stack.

Tasks:
    3.1  fan_in_fan_out        3.4  he_normal
    3.2  xavier_normal         3.5  activation_stds
    3.3  xavier_uniform

Conventions: affine weights have shape (D_in, D_out), as in affine_forward (x @ w);
conv weights have shape (F, C, HH, WW). Every returned array is float64. Draw every
random number from the generator `rng` you are given (rng.normal, rng.uniform), never
from np.random: the same seed must give the same weights. Use numpy and the standard
library only.
"""

import numpy as np


def fan_in_fan_out(shape):
    """The fans of a weight of the given shape. Task 3.1.

    fan_in is the number of inputs that each output sums over, fan_out the number of
    outputs that each input feeds:

        affine weight (D_in, D_out):      fan_in = D_in,          fan_out = D_out
        conv weight (F, C, HH, WW):       fan_in = C * HH * WW,   fan_out = F * HH * WW

    Args:
        shape: a tuple of ints, (D_in, D_out) or (F, C, HH, WW).

    Returns:
        (fan_in, fan_out): a tuple of two ints.

    Raises:
        ValueError: for a shape with neither 2 nor 4 dimensions.
    """
    # Your code here
    raise NotImplementedError("fan_in_fan_out: not implemented yet (task 3.1)")


def xavier_normal(shape, rng, mode="fan_in"):
    """Xavier (Glorot) initialization from a zero-mean normal distribution. Task 3.2.

        Var(W) = 1 / fan_in                  mode "fan_in" (the lecture's)
        Var(W) = 2 / (fan_in + fan_out)      mode "average" (Glorot's, torch.nn.init.xavier_normal_)

    The standard deviation is the square root of the variance.

    Args:
        shape: the weight's shape, (D_in, D_out) or (F, C, HH, WW).
        rng: a numpy.random.Generator; every draw comes from it.
        mode: "fan_in" or "average".

    Returns:
        An array of the given shape, float64.

    Raises:
        ValueError: for another mode, or a shape fan_in_fan_out rejects.
    """
    # Your code here
    raise NotImplementedError("xavier_normal: not implemented yet (task 3.2)")


def xavier_uniform(shape, rng, mode="fan_in"):
    """Xavier (Glorot) initialization from a zero-mean uniform distribution. Task 3.3.

    The variance is xavier_normal's (1 / fan_in, or 2 / (fan_in + fan_out) in mode
    "average"). A uniform distribution on [-a, a] has variance a^2 / 3, so

        W ~ Uniform(-a, a)   with   a = sqrt(3 * Var(W))

    Args:
        shape: the weight's shape, (D_in, D_out) or (F, C, HH, WW).
        rng: a numpy.random.Generator; every draw comes from it.
        mode: "fan_in" or "average".

    Returns:
        An array of the given shape, float64, every entry in [-a, a].

    Raises:
        ValueError: for another mode, or a shape fan_in_fan_out rejects.
    """
    # Your code here
    raise NotImplementedError("xavier_uniform: not implemented yet (task 3.3)")


def he_normal(shape, rng):
    """He (Kaiming) initialization for ReLU layers, from a zero-mean normal. Task 3.4.

        Var(W) = 2 / fan_in

    The factor 2 makes up for ReLU zeroing half of the pre-activations, as
    torch.nn.init.kaiming_normal_ (mode "fan_in", nonlinearity "relu") does.

    Args:
        shape: the weight's shape, (D_in, D_out) or (F, C, HH, WW).
        rng: a numpy.random.Generator; every draw comes from it.

    Returns:
        An array of the given shape, float64.

    Raises:
        ValueError: for a shape fan_in_fan_out rejects.
    """
    # Your code here
    raise NotImplementedError("he_normal: not implemented yet (task 3.4)")


def activation_stds(x, weights, activation):
    """Standard deviations of the activations through a deep stack of layers. Task 3.5.

    Starting from h = x, each weight W in turn gives the next layer (no biases):

        h = activation(h @ W)

    and after each layer the standard deviation over all entries of h is recorded
    (np.std, ddof=0). Used to watch activations vanish or explode with depth.

    Args:
        x: inputs, shape (N, D_0).
        weights: a list of L arrays, the l-th of shape (D_{l-1}, D_l).
        activation: "relu" (max(a, 0)) or "tanh".

    Returns:
        A list of L Python floats, one per layer, in order.

    Raises:
        ValueError: for an activation other than "relu" or "tanh".
    """
    # Your code here
    raise NotImplementedError("activation_stds: not implemented yet (task 3.5)")
