"""Assignment 4: batch normalization.

Batch normalization standardizes every feature over the batch, then lets the network undo
it: with the batch mean mu and the biased batch variance var of each feature,

    x_hat = (x - mu) / sqrt(var + eps)        out = gamma * x_hat + beta

so gamma and beta (one per feature) can restore any scale and shift the next layer needs.
At test time there is no batch to average over: the layer uses running averages of the
statistics, updated during training, in place in the dict bn_param:

    running_mean = (1 - momentum) * running_mean + momentum * mu
    running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)

with the unbiased variance (m samples per feature) for running_var, exactly as
torch.nn.BatchNorm1d. Spatial batch normalization does the same for images, with one
mean, variance, gamma and beta per channel, as torch.nn.BatchNorm2d.

Tasks:
    4.1  batchnorm_forward            4.3  spatial_batchnorm_forward
    4.2  batchnorm_backward           4.4  spatial_batchnorm_backward

Conventions: arrays are float64 and every returned array is float64; shapes are exact,
(D,) is not (1, D); x, gamma, beta and dout are never modified, bn_param is (its running
statistics). Use numpy and the standard library only.
"""

import numpy as np

EPS = 1e-5  # bn_param's defaults, torch.nn.BatchNorm1d's
MOMENTUM = 0.1


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization, per feature over the batch. Task 4.1.

    In train mode, with mu and var the mean and the biased variance of each column of x:

        x_hat = (x - mu) / sqrt(var + eps)        out = gamma * x_hat + beta

    and the running statistics are updated in place in bn_param, with the unbiased
    variance var * N / (N - 1), as torch.nn.BatchNorm1d does:

        bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mu
        bn_param["running_var"]  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)

    In test mode the running statistics take the place of mu and var, and bn_param is
    left as it is.

    Args:
        x: inputs, shape (N, D).
        gamma: scale, shape (D,).
        beta: shift, shape (D,).
        bn_param: a dict with the keys
            "mode": "train" or "test" (required);
            "eps": added to the variance, default 1e-5;
            "momentum": weight of the new batch statistics, default 0.1;
            "running_mean", "running_var": shape (D,); when absent they start at zeros
            and ones.

    Returns:
        out: shape (N, D).
        cache: what batchnorm_backward needs, for example the tuple (x_hat, gamma,
            inv_std) with inv_std = 1 / sqrt(var + eps); only your own backward reads it.

    Raises:
        ValueError: if the mode is neither "train" nor "test", or if train mode gets a
            batch of N < 2 (the unbiased variance needs two samples, as in PyTorch).
    """
    # Your code here
    raise NotImplementedError("batchnorm_forward: not implemented yet (task 4.1)")


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization in train mode. Task 4.2.

    With out = gamma * x_hat + beta and x_hat = (x - mu) * inv_std, where mu and the
    variance depend on x too, the gradients simplify to (sums over the batch axis):

        dbeta  = sum dout                 dgamma = sum dout * x_hat
        dx     = gamma * inv_std / N * (N * dout - dbeta - x_hat * dgamma)

    Args:
        dout: upstream gradient dL/dout, shape (N, D).
        cache: the cache of batchnorm_forward in train mode.

    Returns:
        dx: shape (N, D).
        dgamma: shape (D,).
        dbeta: shape (D,).

    Raises:
        Nothing: dout is assumed to have the shape of batchnorm_forward's out.
    """
    # Your code here
    raise NotImplementedError("batchnorm_backward: not implemented yet (task 4.2)")


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization, per channel. Task 4.3.

    Every channel is normalized over the batch and all positions, N * H * W values, with
    one mean and variance per channel, as torch.nn.BatchNorm2d; otherwise exactly
    batchnorm_forward (modes, bn_param and its running statistics, of shape (C,)).
    Moving the channel axis last and reshaping x to (N * H * W, C) turns it into
    batchnorm_forward's input.

    Args:
        x: inputs, shape (N, C, H, W).
        gamma: scale, shape (C,).
        beta: shift, shape (C,).
        bn_param: as for batchnorm_forward.

    Returns:
        out: shape (N, C, H, W).
        cache: what spatial_batchnorm_backward needs.

    Raises:
        ValueError: as batchnorm_forward, with N * H * W samples per channel.
    """
    # Your code here
    raise NotImplementedError("spatial_batchnorm_forward: not implemented yet (task 4.3)")


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization in train mode. Task 4.4.

    Args:
        dout: upstream gradient dL/dout, shape (N, C, H, W).
        cache: the cache of spatial_batchnorm_forward in train mode.

    Returns:
        dx: shape (N, C, H, W).
        dgamma: shape (C,).
        dbeta: shape (C,).

    Raises:
        Nothing: dout is assumed to have the shape of spatial_batchnorm_forward's out.
    """
    # Your code here
    raise NotImplementedError("spatial_batchnorm_backward: not implemented yet (task 4.4)")
