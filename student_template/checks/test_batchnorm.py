"""Public checks for batchnorm.py: run `pytest checks/test_batchnorm.py` (one task: add `-k batchnorm_backward`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/batchnorm.json. The running statistics are
read from the bn_param dict you were given, after the call: they must be updated there.
Backward passes are also checked against central differences.
"""

import numpy as np

import batchnorm
from harness import Examples, assert_close, assert_property, assert_shape, assert_unchanged, check_gradient, normal, rng

examples = Examples("batchnorm")


def train(x, gamma, beta, forward):
    """out of a train-mode forward with a fresh bn_param: a function of x for the gradient checks."""
    return forward(x, gamma, beta, {"mode": "train"})[0]


# -- 4.1 batchnorm_forward ---------------------------------------------------------------------

def rows_inputs():
    """A batch of 5 rows of 3 features with their own means and scales; one feature is constant."""
    r = rng(40)
    x = normal(r, 5, 3) * np.array([2.0, 0.5, 1.0]) + np.array([3.0, -1.0, 0.0])
    x[:, 2] = 1.5  # variance 0: only eps keeps 0 / 0 away
    return x, normal(r, 3), normal(r, 3), normal(r, 5, 3)


@examples.register
def batchnorm_forward(bn):
    x, gamma, beta, _ = rows_inputs()
    bn_param = {"mode": "train", "momentum": 0.2}
    out, _ = bn.batchnorm_forward(x, gamma, beta, bn_param)
    for step in range(1, 4):  # three more training steps on shifted batches
        bn.batchnorm_forward(x + step, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    test_out, _ = bn.batchnorm_forward(x[:2] - 1.0, gamma, beta, bn_param)
    return {"out in train mode": out, "bn_param['running_mean'] after 4 steps": bn_param["running_mean"],
            "bn_param['running_var'] after 4 steps": bn_param["running_var"], "out in test mode": test_out}


def test_batchnorm_forward():
    """batchnorm_forward: normalized features, running statistics updated in bn_param, test mode uses them."""
    examples.check(batchnorm_forward, batchnorm)
    x, gamma, beta, _ = rows_inputs()
    before = x.copy()
    bn_param = {"mode": "train"}
    out, _ = batchnorm.batchnorm_forward(x, gamma, beta, bn_param)
    assert_unchanged("x", before, x)
    assert_close("the mean of out over the batch (beta)", out.mean(axis=0), beta)
    assert_property("running_mean" in bn_param and "running_var" in bn_param,
                    "bn_param has no running_mean or running_var after a train-mode call: store them in the dict you were given.")
    assert_shape("bn_param['running_mean']", bn_param["running_mean"], (3,))
    # one step from zeros and ones with the default momentum 0.1 and the unbiased variance
    assert_close("bn_param['running_mean'] after one step", bn_param["running_mean"], 0.1 * x.mean(axis=0))
    assert_close("bn_param['running_var'] after one step", bn_param["running_var"], 0.9 + 0.1 * x.var(axis=0, ddof=1))
    test_param = {"mode": "test", "running_mean": np.full(3, 2.0), "running_var": np.full(3, 4.0)}
    out, _ = batchnorm.batchnorm_forward(x[:1], gamma, beta, test_param)
    assert_close("out in test mode for one sample", out, gamma * (x[:1] - 2.0) / np.sqrt(4.0 + 1e-5) + beta)
    assert_close("bn_param['running_mean'] after test mode (unchanged)", test_param["running_mean"], np.full(3, 2.0))


# -- 4.2 batchnorm_backward --------------------------------------------------------------------

@examples.register
def batchnorm_backward(bn):
    x, gamma, beta, dout = rows_inputs()
    _, cache = bn.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = bn.batchnorm_backward(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def test_batchnorm_backward():
    """batchnorm_backward: dx, dgamma, dbeta match the reference and central differences."""
    examples.check(batchnorm_backward, batchnorm)
    r = rng(41)
    x, gamma, beta, dout = normal(r, 4, 3), normal(r, 3), normal(r, 3), normal(r, 4, 3)
    _, cache = batchnorm.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm.batchnorm_backward(dout, cache)
    forward = batchnorm.batchnorm_forward
    check_gradient("dx", dx, lambda x: train(x, gamma, beta, forward), x, dout)
    check_gradient("dgamma", dgamma, lambda gamma: train(x, gamma, beta, forward), gamma, dout)
    check_gradient("dbeta", dbeta, lambda beta: train(x, gamma, beta, forward), beta, dout)


# -- 4.3, 4.4 spatial batch normalization ------------------------------------------------------

def image_inputs():
    """2 images of 3 channels, 2 x 4 pixels, each channel with its own mean and scale."""
    r = rng(42)
    x = normal(r, 2, 3, 2, 4) * np.array([1.0, 3.0, 0.5])[:, None, None] + np.array([-2.0, 0.0, 4.0])[:, None, None]
    return x, normal(r, 3), normal(r, 3), normal(r, 2, 3, 2, 4)


@examples.register
def spatial_batchnorm_forward(bn):
    x, gamma, beta, _ = image_inputs()
    bn_param = {"mode": "train", "momentum": 0.3}
    out, _ = bn.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    test_out, _ = bn.spatial_batchnorm_forward(x + 1.0, gamma, beta, bn_param)
    return {"out in train mode": out, "bn_param['running_mean']": bn_param["running_mean"],
            "bn_param['running_var']": bn_param["running_var"], "out in test mode": test_out}


def test_spatial_batchnorm_forward():
    """spatial_batchnorm_forward: one mean and variance per channel, over N, H and W."""
    examples.check(spatial_batchnorm_forward, batchnorm)
    x, gamma, beta, _ = image_inputs()
    bn_param = {"mode": "train"}
    out, _ = batchnorm.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    assert_shape("out", out, x.shape)
    assert_close("the mean of out per channel (beta)", out.mean(axis=(0, 2, 3)), beta)
    assert_shape("bn_param['running_mean'] (one per channel)", bn_param.get("running_mean"), (3,))


@examples.register
def spatial_batchnorm_backward(bn):
    x, gamma, beta, dout = image_inputs()
    _, cache = bn.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = bn.spatial_batchnorm_backward(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def test_spatial_batchnorm_backward():
    """spatial_batchnorm_backward: dx, dgamma, dbeta match the reference and central differences."""
    examples.check(spatial_batchnorm_backward, batchnorm)
    r = rng(43)
    x, gamma, beta, dout = normal(r, 2, 2, 3, 2), normal(r, 2), normal(r, 2), normal(r, 2, 2, 3, 2)
    _, cache = batchnorm.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm.spatial_batchnorm_backward(dout, cache)
    forward = batchnorm.spatial_batchnorm_forward
    check_gradient("dx", dx, lambda x: train(x, gamma, beta, forward), x, dout)
    check_gradient("dgamma", dgamma, lambda gamma: train(x, gamma, beta, forward), gamma, dout)
    check_gradient("dbeta", dbeta, lambda beta: train(x, gamma, beta, forward), beta, dout)
