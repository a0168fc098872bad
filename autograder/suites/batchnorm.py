"""Graded cases for batchnorm.py (assignment 4): batch normalization and its spatial form.

Visible cases use fixed public inputs; hidden ones draw shapes and values from the secret
seed. The in-place update of the running statistics is graded on its own, by reading
bn_param after the call (a forward that returns the right out but leaves bn_param alone
loses those cases only), and each gradient of a backward pass is its own case. The inputs
catch what tame data lets through: every batch has a feature of variance about 1e-6,
below eps = 1e-5, so eps inside or outside the square root makes a visible difference;
one case has a constant feature (variance 0: without eps, 0 / 0); batches start at N = 2
and N != D, so a sum over the wrong axis has the wrong shape; momentum is never 0.5, so
momentum applied backwards shows; test mode runs on running statistics far from their
start at zeros and ones, and on a single sample, where batch statistics are meaningless.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Compare, Raises
from ..plan import Call, Plan
from ..suite import Case, Suite, away_from_zero, distinct, draw, fixed, normal, per_output

TINY = 1e-3  # the scale of one feature per batch: variance about 1e-6, well below eps = 1e-5
# gamma is drawn away_from_zero: a gamma close to 0 would hide x_hat.


def feature_scales(rng, d):
    """Per-feature standard deviations in [0.3, 3], one of them TINY."""
    scales = np.exp(rng.uniform(np.log(0.3), np.log(3.0), size=d))
    scales[rng.integers(d)] = TINY
    return scales


def rows(rng, n, d, constant=False):
    """x (N, D): features with their own means and scales, one of variance ~1e-6; with
    ``constant``, another feature holds one value (a multiple of 1/4, so its batch mean is
    exact and its variance exactly 0)."""
    x = normal(rng, n, d) * feature_scales(rng, d) + rng.uniform(-3.0, 3.0, size=d)
    if constant:
        x[:, rng.integers(d)] = np.round(rng.uniform(-3.0, 3.0) * 4) / 4
    return x


def images(rng, n, c, h, w):
    """x (N, C, H, W): channels with their own means and scales, one of variance ~1e-6."""
    scales = feature_scales(rng, c)[:, None, None]
    return normal(rng, n, c, h, w) * scales + rng.uniform(-3.0, 3.0, size=(c, 1, 1))


def trained_statistics(rng, d):
    """Running statistics as after many training steps: means and variances far from 0 and
    1, one variance of 1e-6 so that eps matters in test mode too."""
    running_var = rng.uniform(0.2, 5.0, size=d)
    running_var[rng.integers(d)] = TINY**2
    return {"running_mean": rng.uniform(-4.0, 4.0, size=d), "running_var": running_var}


def rows_with_constant(rng, n, d):
    return rows(rng, n, d, constant=True)


def given_statistics(rng, d):
    """Running statistics that are not the defaults, so that reading them matters."""
    return {"running_mean": rng.uniform(-2.0, 2.0, size=d), "running_var": rng.uniform(0.5, 3.0, size=d)}


def random_rows(rng):
    """N in [2, 9], D in [3, 7], N != D."""
    d = draw(rng, 3, 7)
    return int(rng.choice([n for n in range(2, 10) if n != d])), d


def random_images(rng):
    """N in [1, 3], C in [2, 4], H != W in [2, 5]: at least 2 positions, so per-(C, H, W)
    statistics differ from per-channel ones."""
    h, w = distinct(rng, 2, 5)
    return draw(rng, 1, 3), draw(rng, 2, 4), h, w


# -- 4.1 batchnorm_forward -------------------------------------------------------------------

def train_plan(forward, draw, shape, **options):
    """One train-mode forward on ``draw(rng, *shape(rng))``; ``options`` go into bn_param."""
    def build(rng):
        dims = shape(rng)
        call = Call(forward, draw(rng, *dims), away_from_zero(rng, dims[1]), normal(rng, dims[1]), {"mode": "train", **options})
        return Plan([call], {"out": call.out[0]})
    return build


def update_plan(forward, draw, shape, steps, start=None, **options):
    """``steps`` train-mode forwards sharing one bn_param (the student's own, as it is after
    each call); judged: bn_param after the last call. ``options`` go into bn_param, and the
    running statistics ``start(rng, D)`` if given (else the student creates them)."""
    def build(rng):
        dims = shape(rng)
        gamma, beta = away_from_zero(rng, dims[1]), normal(rng, dims[1])
        bn_param = {"mode": "train", **options, **(start(rng, dims[1]) if start else {})}
        calls = []
        for _ in range(steps):
            calls.append(Call(forward, draw(rng, *dims), gamma, beta, calls[-1].arg(3) if calls else bn_param))
        return Plan(calls, {"bn_param": calls[-1].arg(3)})
    return build


def test_mode_plan(forward, draw, shape):
    """One test-mode forward with running statistics as after training; judged: out, and
    bn_param after the call (test mode leaves it as it is)."""
    def build(rng):
        dims = shape(rng)
        bn_param = {"mode": "test", **trained_statistics(rng, dims[1])}
        call = Call(forward, draw(rng, *dims), away_from_zero(rng, dims[1]), normal(rng, dims[1]), bn_param)
        return Plan([call], {"out": call.out[0], "bn_param": call.arg(3)})
    return build


def keeps_x(rng):
    call = Call("batchnorm_forward", rows(rng, 5, 3), away_from_zero(rng, 3), normal(rng, 3), {"mode": "train"})
    return Plan([call], {"x after batchnorm_forward": call.arg(0), "out": call.out[0]})


def unknown_mode(rng):
    call = Call("batchnorm_forward", rows(rng, 4, 3), away_from_zero(rng, 3), normal(rng, 3), {"mode": "eval"})
    return Plan([call], {"out": call.out[0]})


# -- 4.2 batchnorm_backward, 4.3-4.4 spatial -------------------------------------------------

def backward_plan(forward, backward, draw, shape):
    """A train-mode forward, then the backward on the student's own cache."""
    def build(rng):
        dims = shape(rng)
        first = Call(forward, draw(rng, *dims), away_from_zero(rng, dims[1]), normal(rng, dims[1]), {"mode": "train"})
        second = Call(backward, normal(rng, *dims), first.out[1])
        return Plan([first, second], {"dx": second.out[0], "dgamma": second.out[1], "dbeta": second.out[2]})
    return build


# -- misconceptions: the wrong variants, computed from the plan's own inputs ------------------

def as_rows(x):
    """x (N, D) as it is, x (N, C, H, W) as (N * H * W, C): the samples of each feature."""
    return x if x.ndim == 2 else x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def replayed(plan, ddof=1, backwards=False):
    """bn_param's running statistics after the plan's train-mode calls, replayed with the
    variance's ``ddof`` (0: biased) and, if ``backwards``, momentum weighting the old value."""
    bn_param = plan.calls[0].args[3]
    momentum, d = bn_param.get("momentum", 0.1), plan.calls[0].args[1].size
    new, old = (1 - momentum, momentum) if backwards else (momentum, 1 - momentum)
    mean, var = bn_param.get("running_mean", np.zeros(d)), bn_param.get("running_var", np.ones(d))
    for call in plan.calls:
        samples = as_rows(call.args[0])
        mean, var = old * mean + new * samples.mean(axis=0), old * var + new * samples.var(axis=0, ddof=ddof)
    return {"bn_param": {"running_mean": mean, "running_var": var}}


def normalized(plan, statistics="batch", eps_outside=False, axes=None):
    """The first call's out, normalized with the batch's or the running ``statistics``, eps
    inside or outside the square root, or with the statistics over ``axes`` of x."""
    x, gamma, beta, bn_param = plan.calls[0].args[:4]
    eps = bn_param.get("eps", 1e-5)
    if axes is not None:  # statistics per position of a spatial x, gamma and beta per channel
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        per_channel = (slice(None), None, None)
        return {"out": gamma[per_channel] * (x - mean) / np.sqrt(var + eps) + beta[per_channel]}
    samples = as_rows(x)
    if statistics == "batch":
        mean, var = samples.mean(axis=0), samples.var(axis=0)
    else:
        mean, var = bn_param["running_mean"], bn_param["running_var"]
    scale = 1 / (np.sqrt(var) + eps) if eps_outside else 1 / np.sqrt(var + eps)
    out = gamma * (samples - mean) * scale + beta
    return {"out": out if x.ndim == 2 else out.reshape(x.shape[0], *x.shape[2:], -1).transpose(0, 3, 1, 2)}


def averaged(expected, plan):
    """dgamma and dbeta divided by the number of samples per feature."""
    dout = plan.calls[1].args[0]
    return {name: expected[name] / (dout.size // dout.shape[1]) for name in ("dgamma", "dbeta") if name in expected}


BIASED_RUNNING_VAR = Hint(
    "running variance biased", "Your running_var uses the biased batch variance (divided by N); the running "
    "statistics estimate the population's, so they take the unbiased one, var * N / (N - 1), as PyTorch does.",
    wrong=lambda e, plan: replayed(plan, ddof=0))
MOMENTUM_BACKWARDS = Hint(
    "momentum backwards", "Your running statistics weight the old value by momentum and the batch by 1 - momentum; "
    "momentum is the weight of the new batch: running = (1 - momentum) * running + momentum * batch.",
    wrong=lambda e, plan: replayed(plan, backwards=True))
NOT_IN_PLACE = Hint(
    "running statistics not stored in bn_param", "bn_param still holds the running statistics it came with: "
    "store the updated ones in the dict you were given (bn_param['running_mean'] = ...), the only state that "
    "outlives the call, not in a copy.",
    wrong=lambda e, plan: {"bn_param": {key: value for key, value in plan.calls[0].args[3].items() if key.startswith("running")}})
TEST_WITH_BATCH_STATISTICS = Hint(
    "test mode with batch statistics", "Your test-mode output is normalized with the batch's own mean and "
    "variance; at test time the layer uses the running statistics, so that one example's output does not "
    "depend on the others in its batch.", wrong=lambda e, plan: normalized(plan, "batch"))
EPS_OUTSIDE_SQRT = Hint(
    "eps outside the square root", "Your out divides by sqrt(var) + eps; eps belongs under the square root, "
    "sqrt(var + eps), which matters wherever the variance is as small as eps.",
    wrong=lambda e, plan: normalized(plan, "batch" if plan.calls[0].args[3]["mode"] == "train" else "running", eps_outside=True))
SUMS_AVERAGED = Hint(
    "dgamma and dbeta averaged", "Your gradient is the mean over the batch; gamma and beta are shared by every "
    "example, so their gradients are sums over the batch (and over H and W in the spatial layer).", wrong=averaged)
PER_POSITION = Hint(
    "spatial statistics per position", "Your out normalizes every (channel, row, column) position on its own; "
    "spatial batch normalization takes one mean and variance per channel, over N, H and W together.",
    wrong=lambda e, plan: normalized(plan, axes=0))
RUNNING = (BIASED_RUNNING_VAR, MOMENTUM_BACKWARDS, NOT_IN_PLACE)
TEST_MODE = (TEST_WITH_BATCH_STATISTICS, EPS_OUTSIDE_SQRT)

# x left as it was is bit for bit the same; out must still be well formed, or an empty function would pass
KEEPS = Compare(tol=0.0, form_only=("out",))
FORWARD = "batchnorm_forward"
SPATIAL = "spatial_batchnorm_forward"

SUITE = Suite("batchnorm", (
    Case("batchnorm_forward, train mode", 2, train_plan(FORWARD, rows, fixed(5, 4), eps=1e-3, momentum=0.25), about="out = gamma * (x - mu) / sqrt(var + eps) + beta", hints=(EPS_OUTSIDE_SQRT,)),
    Case("batchnorm_forward, train mode, batch of 2", 1, train_plan(FORWARD, rows, lambda rng: (2, draw(rng, 3, 6))), visibility="hidden", hints=(EPS_OUTSIDE_SQRT,)),
    Case("batchnorm_forward, train mode, random shapes", 1, train_plan(FORWARD, rows, random_rows), visibility="hidden", hints=(EPS_OUTSIDE_SQRT,)),
    Case("batchnorm_forward, a feature of variance 0", 1, train_plan(FORWARD, rows_with_constant, fixed(6, 4)), about="eps keeps 0 / 0 away", hints=(EPS_OUTSIDE_SQRT,)),
    Case("batchnorm_forward updates running_mean and running_var in bn_param", 2, update_plan(FORWARD, rows, fixed(6, 3), 1, start=given_statistics, momentum=0.25), about="in place in the dict, unbiased variance", hints=RUNNING),
    Case("batchnorm_forward, running statistics after 5 training steps", 1, update_plan(FORWARD, rows, fixed(4, 3), 5), about="created as zeros and ones, default momentum 0.1", hints=RUNNING),
    Case("batchnorm_forward, running statistics after 5 steps, random data", 1, update_plan(FORWARD, rows, random_rows, 5, momentum=0.3), visibility="hidden", hints=RUNNING),
    Case("batchnorm_forward, test mode", 2, test_mode_plan(FORWARD, rows, fixed(5, 4)), about="the running statistics, bn_param left as it is", hints=TEST_MODE),
    Case("batchnorm_forward, test mode on a single sample", 1, test_mode_plan(FORWARD, rows, lambda rng: (1, draw(rng, 3, 6))), visibility="hidden", hints=TEST_MODE),
    Case("batchnorm_forward, test mode, random shapes", 1, test_mode_plan(FORWARD, rows, random_rows), visibility="hidden", hints=TEST_MODE),
    Case("batchnorm_forward leaves x unchanged", 1, keeps_x, KEEPS, about="no x -= mu in place"),
    Case("batchnorm_forward raises ValueError for an unknown mode", 1, unknown_mode, Raises(ValueError, "mode is 'train' or 'test'")),
    # N = 2 is the limit allowed ("train mode, batch of 2"); one sample has no unbiased variance
    Case("batchnorm_forward raises ValueError for a batch of 1 in train mode", 0.5, train_plan(FORWARD, rows, fixed(1, 3)),
         Raises(ValueError, "train mode needs N >= 2"), visibility="hidden"),
    *per_output(backward_plan(FORWARD, "batchnorm_backward", rows, fixed(5, 4)), "batchnorm_backward", {"dx": 2, "dgamma": 1, "dbeta": 1}, hints=(SUMS_AVERAGED,)),
    *per_output(backward_plan(FORWARD, "batchnorm_backward", rows, random_rows), "batchnorm_backward, random shapes", {"dx": 1, "dgamma": 1, "dbeta": 1}, visibility="hidden", hints=(SUMS_AVERAGED,)),
    *per_output(backward_plan(FORWARD, "batchnorm_backward", rows, fixed(2, 3)), "batchnorm_backward, batch of 2", {"dx": 1}, visibility="hidden"),
    *per_output(backward_plan(FORWARD, "batchnorm_backward", rows_with_constant, fixed(6, 4)), "batchnorm_backward, a feature of variance 0", {"dx": 1}),
    Case("spatial_batchnorm_forward, train mode", 2, train_plan(SPATIAL, images, fixed(2, 3, 4, 5)), about="statistics per channel over N, H and W", hints=(EPS_OUTSIDE_SQRT, PER_POSITION)),
    Case("spatial_batchnorm_forward, train mode, random shapes", 1, train_plan(SPATIAL, images, random_images), visibility="hidden", hints=(EPS_OUTSIDE_SQRT, PER_POSITION)),
    Case("spatial_batchnorm_forward updates the running statistics per channel", 1, update_plan(SPATIAL, images, fixed(2, 3, 4, 2), 2, momentum=0.2), hints=RUNNING),
    Case("spatial_batchnorm_forward, test mode", 1, test_mode_plan(SPATIAL, images, fixed(2, 3, 2, 4)), hints=TEST_MODE),
    Case("spatial_batchnorm_forward, test mode, random shapes", 1, test_mode_plan(SPATIAL, images, random_images), visibility="hidden", hints=TEST_MODE),
    *per_output(backward_plan(SPATIAL, "spatial_batchnorm_backward", images, fixed(2, 3, 4, 5)), "spatial_batchnorm_backward", {"dx": 2, "dgamma": 1, "dbeta": 1}, hints=(SUMS_AVERAGED,)),
    *per_output(backward_plan(SPATIAL, "spatial_batchnorm_backward", images, random_images), "spatial_batchnorm_backward, random shapes", {"dx": 1, "dgamma": 1, "dbeta": 1}, visibility="hidden", hints=(SUMS_AVERAGED,)),
))
