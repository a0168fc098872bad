"""Graded cases for backprop.py (assignment 1): gradients, Jacobians, the chain rule.

Visible cases use fixed public inputs; hidden ones draw shapes and values from the secret
seed. Each gradient of a backward pass is its own case, so a missing bias gradient costs
the bias points only. The inputs are chosen to catch what square shapes and tame numbers
let through: exact zeros at ReLU's kink, D != M so a transposed Jacobian has the wrong
shape, N = 1 batches, logits and margins of magnitude 1e3.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Compare
from ..plan import Call, Func, Plan
from ..suite import STABLE, Case, Suite, distinct, extreme_values, fixed, large_logit_rows, normal, per_output, with_zeros


def affine(rng, n, d, m):
    return normal(rng, n, d), normal(rng, d, m), normal(rng, m)


def random_shape(rng):
    """Batch, input and output sizes, all different so that no transpose goes unnoticed."""
    return tuple(distinct(rng, 2, 8, 3))


# -- 1.1, 1.2 affine layer ----------------------------------------------------------------

def affine_forward_plan(shape):
    def build(rng):
        call = Call("affine_forward", *affine(rng, *shape(rng)))
        return Plan([call], {"out": call.out[0]})
    return build


def affine_backward_plan(shape):
    def build(rng):
        n, d, m = shape(rng)
        forward = Call("affine_forward", *affine(rng, n, d, m))
        backward = Call("affine_backward", normal(rng, n, m), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out[0], "dw": backward.out[1], "db": backward.out[2]})
    return build


# -- 1.3, 1.4 ReLU --------------------------------------------------------------------------

def relu_forward_plan(shape):
    def build(rng):
        call = Call("relu_forward", with_zeros(rng, normal(rng, *shape(rng))))
        return Plan([call], {"out": call.out[0]})
    return build


def relu_backward_plan(shape):
    def build(rng):
        dims = shape(rng)
        forward = Call("relu_forward", with_zeros(rng, normal(rng, *dims)))
        backward = Call("relu_backward", normal(rng, *dims), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


def relu_backward_keeps_dout(rng):
    forward = Call("relu_forward", with_zeros(rng, normal(rng, 5, 4)))
    backward = Call("relu_backward", normal(rng, 5, 4), forward.out[1])
    return Plan([forward, backward], {"dout after relu_backward": backward.arg(0), "dx": backward.out})


def keeps_input(function, draw, name, result):
    """``function(*draw(rng))`` must leave its first argument, called ``name``, as it was;
    ``result(call)`` is the Ref to the output that must still be well formed."""
    def build(rng):
        call = Call(function, *draw(rng))
        return Plan([call], {f"{name} after {function}": call.arg(0), "result": result(call)})
    return build


# -- 1.5, 1.6 sigmoid and softmax -----------------------------------------------------------

def elementwise_plan(function, draw):
    def build(rng):
        call = Call(function, draw(rng))
        return Plan([call], {function: call.out})
    return build


# -- 1.7 softmax cross-entropy --------------------------------------------------------------

def cross_entropy_plan(n, c, scale=1.0, offset=0.0):
    def build(rng):
        scores = normal(rng, n, c, scale=scale) + offset
        call = Call("softmax_cross_entropy", scores, rng.integers(0, c, size=n))
        return Plan([call], {"loss": call.out[0], "dscores": call.out[1]})
    return build


# -- 1.8 logistic regression ----------------------------------------------------------------

def logistic_plan(n, d, margin=1.0):
    def build(rng):
        w = normal(rng, d, scale=margin)
        b = float(rng.normal(scale=margin))
        X = normal(rng, n, d)
        call = Call("logistic_regression_loss", w, b, X, rng.integers(0, 2, size=n))
        return Plan([call], {"loss": call.out[0], "dw": call.out[1], "db": call.out[2]})
    return build


# -- 1.9 to 1.12 Jacobians ------------------------------------------------------------------

def softmax_jacobian_plan(k, scale=1.0):
    def build(rng):
        call = Call("softmax_jacobian", normal(rng, k, scale=scale))
        return Plan([call], {"J": call.out})
    return build


def affine_jacobians_plan(shape):
    """One input x (D,) and weights (D, M); the batch size of ``shape`` is not used."""
    def build(rng):
        _, d, m = shape(rng)
        call = Call("affine_jacobians", normal(rng, d), normal(rng, d, m))
        return Plan([call], {"J_x": call.out[0], "J_w": call.out[1]})
    return build


def chain_rule_plan(shape):
    """J_L_f (P, M) and J_f_W (M, Q) for ``shape`` (P, M, Q)."""
    def build(rng):
        p, m, q = shape(rng)
        call = Call("chain_rule", normal(rng, p, m), normal(rng, m, q))
        return Plan([call], {"J_L_W": call.out})
    return build


def numerical_jacobian_plan(probe, x_shape, x_scale=1.0, **params):
    """Central differences of a fixed smooth probe, at the default step h.

    ``params`` maps the probe's array parameters to ``(shape, scale)`` of their draws.
    """
    def build(rng):
        bound = tuple((key, normal(rng, *shape, scale=scale)) for key, (shape, scale) in params.items())
        call = Call("numerical_jacobian", Func("probe", probe, bound), normal(rng, *x_shape, scale=x_scale))
        return Plan([call], {"J": call.out, "x after numerical_jacobian": call.arg(1)})
    return build


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py).

def batch_size(plan, step=0, arg=0) -> int:
    """The leading dimension of argument ``arg`` of call ``step``: N."""
    return plan.calls[step].args[arg].shape[0]


def relu_backward_at_kink(dout, cache):
    (x,) = cache
    return dout * (x >= 0)


def softmax_over_columns(x):
    z = np.exp(x - x.max(axis=0, keepdims=True))
    return z / z.sum(axis=0, keepdims=True)


def forward_difference(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    base = np.array(f(x), dtype=np.float64).reshape(-1)
    J = np.empty((base.size, x.size))
    for i in range(x.size):
        moved = x.copy()
        moved.flat[i] += h
        J[:, i] = (np.array(f(moved), dtype=np.float64).reshape(-1) - base) / h
    return J


DB_MEAN = Hint(
    "bias gradient averaged", "Your db equals the mean of dout over the batch; b is added to every row, "
    "so its gradient is the sum over the batch (backprop through a broadcast).",
    wrong=lambda e, plan: {"db": e["db"] / batch_size(plan, 1)})
DW_TRANSPOSED = Hint(
    "dw transposed", "Your dw is the transpose of the right one: dw = x.T @ dout has the shape of w (D, M); "
    "a gradient always has the shape of what it differentiates.",
    wrong=lambda e, plan: {"dw": e["dw"].T})
RELU_KINK = Hint(
    "relu gradient at 0", "Your dx passes dout through where x == 0; the convention (PyTorch's) is slope 0 at the "
    "kink, so use x > 0, not x >= 0.", replace={"relu_backward": relu_backward_at_kink})
SOFTMAX_AXIS = Hint(
    "softmax over the wrong axis", "Your softmax normalizes each column; each row (the last axis) is one example's "
    "scores and must sum to 1.", replace={"softmax": softmax_over_columns})
LOSS_SUMMED = Hint(
    "loss summed over the batch", "Your loss and gradient are N times too large: the loss is the mean over the batch, "
    "so the 1/N carries into the gradient too.",
    wrong=lambda e, plan: {name: value * batch_size(plan) for name, value in e.items()})
LOGISTIC_SUMMED = Hint(
    "logistic loss summed over the batch", "Your result is N times too large: the loss is the mean binary "
    "cross-entropy, so dw and db carry a 1/N too.",
    wrong=lambda e, plan: {name: value * batch_size(plan, 0, 2) for name, value in e.items()})
JX_TRANSPOSED = Hint(
    "Jacobian transposed", "Your J_x is the transpose of the Jacobian: J[i, j] = df_i/dx_j has one row per output "
    "(M, D), so for f = x @ w it is w.T.", wrong=lambda e, plan: {"J_x": e["J_x"].T})
JW_COLUMN_MAJOR = Hint(
    "vec(w) in column-major order", "Your J_w orders the entries of w column by column; vec(w) here is row-major "
    "(C order, as w.reshape(-1)), so column i*M + k is w[i, k].",
    wrong=lambda e, plan: {"J_w": e["J_w"].reshape(e["J_w"].shape[0], -1, e["J_w"].shape[0]).transpose(0, 2, 1).reshape(e["J_w"].shape)})
FORWARD_DIFFERENCE = Hint(
    "forward differences", "Your J matches forward differences (f(x + h) - f(x)) / h, whose error is O(h); central "
    "differences (f(x + h) - f(x - h)) / 2h are accurate to O(h^2).", replace={"numerical_jacobian": forward_difference})

# An input left as it was is bit for bit the same; the result must still be well formed
# (right type and shape), or an empty function would pass.
KEEPS = Compare(tol=0.0, form_only=("result", "dx", "J"))
# exp(a @ x) with a ~ N(0, 4^2): over 1000 draws a forward difference was off by at least
# 6.6e-6, six times the default tolerance, and correct central differences by 0.
EXP_AFFINE = {"x_scale": 0.5, "a": ((4, 3), 4.0)}

SUITE = Suite("backprop", (
    Case("affine_forward", 1, affine_forward_plan(fixed(4, 5, 3)), about="out = x @ w + b"),
    Case("affine_forward, batch of 1", 1, affine_forward_plan(lambda rng: (1, *random_shape(rng)[1:])), visibility="hidden"),
    *per_output(affine_backward_plan(fixed(4, 5, 3)), "affine_backward", {"dx": 1, "dw": 1, "db": 1}, hints=(DB_MEAN, DW_TRANSPOSED)),
    *per_output(affine_backward_plan(random_shape), "affine_backward, random shapes", {"dx": 1, "dw": 1, "db": 1}, visibility="hidden", hints=(DB_MEAN, DW_TRANSPOSED)),
    Case("relu_forward, exact zeros", 1, relu_forward_plan(fixed(6, 5))),
    Case("relu_forward, random shapes", 1, relu_forward_plan(random_shape), visibility="hidden"),
    Case("relu_backward, gradient 0 at x == 0", 1, relu_backward_plan(fixed(6, 5)), hints=(RELU_KINK,)),
    Case("relu_backward, random shapes", 1, relu_backward_plan(random_shape), visibility="hidden", hints=(RELU_KINK,)),
    Case("relu_forward leaves x unchanged", 1, keeps_input("relu_forward", lambda rng: (normal(rng, 4, 3),), "x", lambda call: call.out[0]), KEEPS),
    Case("relu_backward leaves dout unchanged", 1, relu_backward_keeps_dout, KEEPS),
    Case("sigmoid", 1, elementwise_plan("sigmoid", lambda rng: normal(rng, 3, 4, scale=3.0))),
    Case("sigmoid, random values", 1, elementwise_plan("sigmoid", lambda rng: normal(rng, 11, scale=5.0)), visibility="hidden"),
    Case("sigmoid, |x| up to 1000 without overflow", 2, elementwise_plan("sigmoid", extreme_values), STABLE),
    Case("softmax", 1, elementwise_plan("softmax", lambda rng: normal(rng, 4, 5)), hints=(SOFTMAX_AXIS,)),
    Case("softmax over the last axis of a 3-D array", 1, elementwise_plan("softmax", lambda rng: normal(rng, 2, 3, 5, scale=2.0)), visibility="hidden"),
    Case("softmax, logits of magnitude 1000", 2, elementwise_plan("softmax", large_logit_rows), STABLE),
    Case("softmax leaves x unchanged", 1, keeps_input("softmax", lambda rng: (normal(rng, 3, 4, scale=5.0),), "x", lambda call: call.out), KEEPS),
    *per_output(cross_entropy_plan(5, 4), "softmax_cross_entropy", {"loss": 1, "dscores": 2}, hints=(LOSS_SUMMED,)),
    *per_output(cross_entropy_plan(1, 7, scale=2.0), "softmax_cross_entropy, batch of 1", {"loss": 1, "dscores": 1}, visibility="hidden", hints=(LOSS_SUMMED,)),
    *per_output(cross_entropy_plan(8, 3, scale=2.0), "softmax_cross_entropy, random scores", {"loss": 1, "dscores": 1}, visibility="hidden", hints=(LOSS_SUMMED,)),
    Case("softmax_cross_entropy, logits of magnitude 1000", 2, cross_entropy_plan(6, 5, scale=500.0, offset=1000.0), STABLE),
    Case("softmax_cross_entropy leaves scores unchanged", 1, keeps_input("softmax_cross_entropy", lambda rng: (normal(rng, 4, 3, scale=5.0), rng.integers(0, 3, size=4)), "scores", lambda call: call.out[1]), KEEPS),
    *per_output(logistic_plan(6, 3), "logistic_regression_loss", {"loss": 1, "dw": 1, "db": 1}, hints=(LOGISTIC_SUMMED,)),
    *per_output(logistic_plan(9, 4, margin=2.0), "logistic_regression_loss, random data", {"loss": 1, "dw": 1, "db": 1}, visibility="hidden", hints=(LOGISTIC_SUMMED,)),
    Case("logistic_regression_loss, margins of magnitude 1000", 2, logistic_plan(8, 3, margin=400.0), STABLE),
    Case("softmax_jacobian", 2, softmax_jacobian_plan(4)),
    Case("softmax_jacobian, random logits", 2, softmax_jacobian_plan(6, scale=3.0), visibility="hidden"),
    *per_output(affine_jacobians_plan(fixed(1, 3, 2)), "affine_jacobians", {"J_x": 1, "J_w": 2}, hints=(JX_TRANSPOSED, JW_COLUMN_MAJOR)),
    *per_output(affine_jacobians_plan(random_shape), "affine_jacobians, random shapes", {"J_x": 1, "J_w": 2}, visibility="hidden", hints=(JX_TRANSPOSED, JW_COLUMN_MAJOR)),
    Case("chain_rule", 1, chain_rule_plan(fixed(1, 4, 6))),
    Case("chain_rule, random shapes", 1, chain_rule_plan(random_shape), visibility="hidden"),
    *per_output(numerical_jacobian_plan("exp_affine", (3,), **EXP_AFFINE), "numerical_jacobian", {"J": 2}, hints=(FORWARD_DIFFERENCE,)),
    Case("numerical_jacobian leaves x unchanged", 1, numerical_jacobian_plan("tanh_affine", (3,), a=((4, 3), 0.5), b=((4,), 0.5)), KEEPS),
    *per_output(numerical_jacobian_plan("exp_affine", (2, 2), **EXP_AFFINE | {"a": ((4, 4), 4.0)}), "numerical_jacobian of a 2-D x", {"J": 1}, visibility="hidden", hints=(FORWARD_DIFFERENCE,)),
    *per_output(numerical_jacobian_plan("log_sum_exp", (2, 3)), "numerical_jacobian of a scalar function", {"J": 1}, visibility="hidden"),
    *per_output(numerical_jacobian_plan("sin_product", (3, 2), c=((2, 2), 0.5)), "numerical_jacobian of a matrix function", {"J": 2}, visibility="hidden"),
))
