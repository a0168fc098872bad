"""Graded cases for activations.py (assignment 9): sigmoid, tanh, ReLU, leaky ReLU, ELU, maxout.

Visible cases use fixed public inputs; hidden ones draw shapes, values, slopes and alphas
from the secret seed. Each backward pass is graded on the student's own forward's cache,
each of maxout's gradients in its own case. The inputs are chosen to catch what smooth
random floats let through: exact zeros at every kink (where the slope is the negative
side's, as autograd's), a negative_slope and an alpha other than the defaults (a backward
that forgets them, or that takes slope 1 at 0, agrees with the truth at the defaults),
magnitudes up to 1e3 (exp of a large positive number overflows), and maxout on small
integers, so that pieces tie exactly and the gradient must go to the first maximal piece.
Two cases check that a backward pass leaves the caller's dout as it was.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Compare
from ..plan import Call, Plan
from ..suite import STABLE, Case, Suite, distinct, draw, extreme_values, fixed, normal, per_output, with_zeros

DEFAULTS = lambda rng: {}  # noqa: E731 - the function's own default negative_slope or alpha


# -- inputs ---------------------------------------------------------------------------------

def random_shape(rng):
    """One to three dimensions of 2 to 6 entries."""
    return tuple(int(n) for n in rng.integers(2, 7, size=rng.integers(1, 4)))


def kinked(shape, scale=2.0):
    """Normal draws of ``shape(rng)`` with about a quarter (at least one) exactly 0: the kink."""
    return lambda rng: with_zeros(rng, normal(rng, *shape(rng), scale=scale))


def random_slope(rng):
    """A negative_slope far from the default 0.01 (and from 1)."""
    return {"negative_slope": float(rng.uniform(0.05, 0.6))}


def random_alpha(rng):
    """An alpha below or above 1, never near it: at alpha = 1 ELU's two slopes meet at 0."""
    return {"alpha": float(rng.uniform(0.2, 0.8) if rng.random() < 0.5 else rng.uniform(1.5, 3.0))}


# -- elementwise activations ----------------------------------------------------------------

def forward_plan(name, draw, params=DEFAULTS):
    """``name_forward(x, **params(rng))``; judged: out."""
    def build(rng):
        call = Call(f"{name}_forward", draw(rng), **params(rng))
        return Plan([call], {"out": call.out[0]})
    return build


def backward_plan(name, draw, params=DEFAULTS):
    """``name_backward(dout, cache)`` after the student's own forward; judged: dx."""
    def build(rng):
        x = draw(rng)
        forward = Call(f"{name}_forward", x, **params(rng))
        backward = Call(f"{name}_backward", normal(rng, *x.shape), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out})
    return build


def keeps_dout(name):
    """``name_backward`` must leave dout as it was (``dout[x <= 0] = 0`` writes into the caller's array)."""
    def build(rng):
        x = with_zeros(rng, normal(rng, 5, 4))
        forward = Call(f"{name}_forward", x)
        backward = Call(f"{name}_backward", normal(rng, 5, 4), forward.out[1])
        return Plan([forward, backward], {f"dout after {name}_backward": backward.arg(0), "dx": backward.out})
    return build


# An input left as it was is bit for bit the same; dx must still be well formed (right type
# and shape), or an empty function would pass.
KEEPS = Compare(tol=0.0, form_only=("dx",))


# -- maxout: x (N, D), w (K, D, M), b (K, M) ------------------------------------------------

def maxout_shape(rng):
    """N, D, M all different (a transpose shows), and K from 3 to 5 pieces."""
    return (*distinct(rng, 2, 7, 3), draw(rng, 3, 5))


def normal_pieces(rng, n, d, m, k):
    """Normal x, w, b: no two pieces tie (with probability 1)."""
    return normal(rng, n, d), normal(rng, k, d, m), normal(rng, k, m)


def tied_pieces(rng, n, d, m, k):
    """Integers in [-2, 2], so pieces tie often, and exactly (integer sums are exact in float64).

    One tie is certain: b[:, 0] makes all K pieces equal at (row 0, column 0), where x[0, 0] = 1
    and w[:, 0, 0] = 1, ..., K differ, so sending the gradient to any other piece, to every
    tied one or splitting it changes dx, dw and db.
    """
    x = rng.integers(-2, 3, size=(n, d)).astype(np.float64)
    w = rng.integers(-2, 3, size=(k, d, m)).astype(np.float64)
    x[0, 0] = 1.0
    w[:, 0, 0] = np.arange(1, k + 1)
    b = rng.integers(-2, 3, size=(k, m)).astype(np.float64)
    b[:, 0] = -(x[0] @ w[:, :, 0].T)
    return x, w, b


def maxout_forward_plan(shape, draw):
    def build(rng):
        call = Call("maxout_forward", *draw(rng, *shape(rng)))
        return Plan([call], {"out": call.out[0]})
    return build


def maxout_backward_plan(shape, draw):
    def build(rng):
        n, d, m, k = shape(rng)
        forward = Call("maxout_forward", *draw(rng, n, d, m, k))
        backward = Call("maxout_backward", normal(rng, n, m), forward.out[1])
        return Plan([forward, backward], {"dx": backward.out[0], "dw": backward.out[1], "db": backward.out[2]})
    return build


# -- misconceptions ----------------------------------------------------------------------
# Each is a wrong variant of the expected result, computed from the plan's inputs: x and the
# forward's keyword arguments from call 0, dout from call 1. A hint is offered only when the
# student's answer matches it and it differs from the right one (see autograder/hints.py).

def elementwise(plan):
    """x, the forward's keyword arguments and dout of an elementwise backward plan."""
    return plan.calls[0].args[0], plan.calls[0].kwargs, plan.calls[1].args[0]


def slope_variant(negative_side):
    """The variant dx = dout * (1 where x > 0, negative_side(x, kwargs) where x <= 0)."""
    def wrong(expected, plan):
        x, kwargs, dout = elementwise(plan)
        return {"dx": dout * np.where(x > 0, 1.0, negative_side(x, kwargs))}
    return wrong


def maxout_variant(share):
    """Maxout's gradients when ``share(pieces)`` (K, N, M) says how much of dout each piece gets."""
    def wrong(expected, plan):
        x, w, b = plan.calls[0].args
        pieces = np.einsum("nd,kdm->knm", x, w) + b[:, None, :]
        dpieces = share(pieces) * plan.calls[1].args[0]
        return {"dx": np.einsum("knm,kdm->nd", dpieces, w), "dw": np.einsum("nd,knm->kdm", x, dpieces), "db": dpieces.sum(axis=1)}
    return wrong


def maximal(pieces):
    return pieces == pieces.max(axis=0)


def last_maximal(pieces):
    winner = pieces.shape[0] - 1 - np.argmax(pieces[::-1], axis=0)
    return np.arange(pieces.shape[0])[:, None, None] == winner


def alpha(kwargs):
    return kwargs.get("alpha", 1.0)


RELU_KINK = Hint(
    "relu gradient at 0", "Your dx passes dout through where x == 0; at the kink the slope is the negative side's "
    "(PyTorch's convention): 0 for ReLU, so use x > 0, not x >= 0.",
    wrong=slope_variant(lambda x, kwargs: (x == 0).astype(float)))
LEAKY_SLOPE_IGNORED = Hint(
    "leaky relu backward ignores negative_slope", "Your dx uses the slope 0.01 for x <= 0 whatever negative_slope "
    "the forward pass was given: keep negative_slope in the cache and use it in the backward pass.",
    wrong=slope_variant(lambda x, kwargs: 0.01))
LEAKY_KINK = Hint(
    "leaky relu gradient at 0", "Your dx has slope 1 where x == 0; at the kink the slope is the negative side's, "
    "negative_slope, as autograd's: use x > 0, not x >= 0, for the slope-1 side.",
    wrong=slope_variant(lambda x, kwargs: np.where(x == 0, 1.0, kwargs.get("negative_slope", 0.01))))
SIGMOID_OF_X = Hint(
    "sigmoid derivative of x", "Your dx is dout * x * (1 - x): the derivative is s * (1 - s) with s = sigmoid(x), "
    "the forward's output, so keep out in the cache.",
    wrong=lambda e, plan: {"dx": elementwise(plan)[2] * elementwise(plan)[0] * (1.0 - elementwise(plan)[0])})
TANH_OF_X = Hint(
    "tanh derivative of x", "Your dx is dout * (1 - x**2): the derivative of tanh is 1 - tanh(x)**2, written with the "
    "forward's output, so keep out in the cache.",
    wrong=lambda e, plan: {"dx": elementwise(plan)[2] * (1.0 - elementwise(plan)[0] ** 2)})
ELU_DERIVATIVE_AS_FORWARD = Hint(
    "elu derivative written as the function", "For x <= 0 your dx is dout * alpha * (exp(x) - 1), the ELU itself; "
    "its derivative there is alpha * exp(x) = out + alpha.",
    wrong=slope_variant(lambda x, kwargs: alpha(kwargs) * np.expm1(np.minimum(x, 0.0))))
ELU_KINK = Hint(
    "elu gradient at 0", "Your dx has slope 1 where x == 0; at the kink the slope is the negative side's, "
    "alpha * exp(0) = alpha, as autograd's: the two agree only when alpha = 1.",
    wrong=slope_variant(lambda x, kwargs: np.where(x == 0, 1.0, alpha(kwargs) * np.exp(np.minimum(x, 0.0)))))
MAXOUT_EVERY_PIECE = Hint(
    "maxout gradient to every piece", "Your gradients treat every piece as if it were the maximum: the max passes "
    "dout only to the piece that won at each (n, m), the others get 0 (a max is a router, as in max pooling).",
    wrong=maxout_variant(lambda pieces: np.ones_like(pieces)))
MAXOUT_TIES_TO_ALL = Hint(
    "maxout ties to every maximal piece", "Where pieces tie, your gradients give dout to each of them, which "
    "counts it several times; it goes to the first maximal piece only (np.argmax, torch.max(dim=0)).",
    wrong=maxout_variant(lambda pieces: maximal(pieces).astype(float)))
MAXOUT_TIES_SPLIT = Hint(
    "maxout ties split", "Where pieces tie, your gradients split dout evenly between them (as torch.amax does); "
    "the convention here is torch.max(dim=0)'s: all of it to the first maximal piece (np.argmax).",
    wrong=maxout_variant(lambda pieces: maximal(pieces) / maximal(pieces).sum(axis=0)))
MAXOUT_LAST_TIE = Hint(
    "maxout ties to the last piece", "Where pieces tie, your gradients go to the last maximal piece; the convention "
    "is the first one, the piece np.argmax returns (a strict > when you scan the pieces in order).",
    wrong=maxout_variant(last_maximal))

MAXOUT_HINTS = (MAXOUT_EVERY_PIECE, MAXOUT_TIES_TO_ALL, MAXOUT_TIES_SPLIT, MAXOUT_LAST_TIE)
GRADIENTS = {"dx": 1, "dw": 1, "db": 1}
TEXTBOOK = kinked(fixed(6, 5))  # a visible 6 x 5 input with exact zeros

SUITE = Suite("activations", (
    # 9.1, 9.2 sigmoid
    Case("sigmoid_forward", 1, forward_plan("sigmoid", kinked(fixed(4, 5), scale=3.0)), about="out = 1 / (1 + exp(-x))"),
    Case("sigmoid_forward, random shapes", 1, forward_plan("sigmoid", kinked(random_shape, scale=3.0)), visibility="hidden"),
    Case("sigmoid_forward, |x| up to 1000 without overflow", 2, forward_plan("sigmoid", extreme_values), STABLE),
    Case("sigmoid_backward", 1, backward_plan("sigmoid", kinked(fixed(4, 5), scale=3.0)), hints=(SIGMOID_OF_X,)),
    Case("sigmoid_backward, random shapes", 1, backward_plan("sigmoid", kinked(random_shape, scale=3.0)), visibility="hidden", hints=(SIGMOID_OF_X,)),
    Case("sigmoid_backward, |x| up to 1000 without overflow", 1, backward_plan("sigmoid", extreme_values), STABLE, hints=(SIGMOID_OF_X,)),
    # 9.3, 9.4 tanh
    Case("tanh_forward", 1, forward_plan("tanh", kinked(fixed(4, 5)))),
    Case("tanh_forward, random shapes", 1, forward_plan("tanh", kinked(random_shape)), visibility="hidden"),
    Case("tanh_forward, |x| up to 1000 without overflow", 1, forward_plan("tanh", extreme_values), STABLE),
    Case("tanh_backward", 1, backward_plan("tanh", kinked(fixed(4, 5))), hints=(TANH_OF_X,)),
    Case("tanh_backward, random shapes", 1, backward_plan("tanh", kinked(random_shape)), visibility="hidden", hints=(TANH_OF_X,)),
    Case("tanh_backward, |x| up to 1000 without overflow", 1, backward_plan("tanh", extreme_values), STABLE, hints=(TANH_OF_X,)),
    # 9.5, 9.6 ReLU
    Case("relu_forward, exact zeros", 1, forward_plan("relu", TEXTBOOK)),
    Case("relu_forward, random shapes", 1, forward_plan("relu", kinked(random_shape)), visibility="hidden"),
    Case("relu_backward, gradient 0 at x == 0", 1, backward_plan("relu", TEXTBOOK), hints=(RELU_KINK,)),
    Case("relu_backward, random shapes", 1, backward_plan("relu", kinked(random_shape)), visibility="hidden", hints=(RELU_KINK,)),
    Case("relu_backward leaves dout unchanged", 1, keeps_dout("relu"), KEEPS),
    # 9.7, 9.8 leaky ReLU
    Case("leaky_relu_forward, default negative_slope", 1, forward_plan("leaky_relu", TEXTBOOK)),
    Case("leaky_relu_forward, negative_slope=0.2", 1, forward_plan("leaky_relu", TEXTBOOK, lambda rng: {"negative_slope": 0.2})),
    Case("leaky_relu_forward, random negative_slope", 1, forward_plan("leaky_relu", kinked(random_shape), random_slope), visibility="hidden"),
    Case("leaky_relu_backward, default negative_slope", 1, backward_plan("leaky_relu", TEXTBOOK), hints=(LEAKY_KINK, LEAKY_SLOPE_IGNORED)),
    Case("leaky_relu_backward, negative_slope=0.2", 1, backward_plan("leaky_relu", TEXTBOOK, lambda rng: {"negative_slope": 0.2}), hints=(LEAKY_KINK, LEAKY_SLOPE_IGNORED)),
    Case("leaky_relu_backward, random negative_slope", 1, backward_plan("leaky_relu", kinked(random_shape), random_slope), visibility="hidden", hints=(LEAKY_KINK, LEAKY_SLOPE_IGNORED)),
    Case("leaky_relu_backward leaves dout unchanged", 1, keeps_dout("leaky_relu"), KEEPS),
    # 9.9, 9.10 ELU
    Case("elu_forward, default alpha", 1, forward_plan("elu", TEXTBOOK)),
    Case("elu_forward, alpha=0.5", 1, forward_plan("elu", TEXTBOOK, lambda rng: {"alpha": 0.5})),
    Case("elu_forward, random alpha", 1, forward_plan("elu", kinked(random_shape), random_alpha), visibility="hidden"),
    Case("elu_forward, |x| up to 1000 without overflow", 1, forward_plan("elu", extreme_values), STABLE),
    Case("elu_backward, default alpha", 1, backward_plan("elu", TEXTBOOK), hints=(ELU_DERIVATIVE_AS_FORWARD, ELU_KINK)),
    Case("elu_backward, alpha=0.5", 1, backward_plan("elu", TEXTBOOK, lambda rng: {"alpha": 0.5}), hints=(ELU_DERIVATIVE_AS_FORWARD, ELU_KINK)),
    Case("elu_backward, random alpha", 1, backward_plan("elu", kinked(random_shape), random_alpha), visibility="hidden", hints=(ELU_DERIVATIVE_AS_FORWARD, ELU_KINK)),
    Case("elu_backward, |x| up to 1000 without overflow", 1, backward_plan("elu", extreme_values), STABLE, hints=(ELU_DERIVATIVE_AS_FORWARD,)),
    # 9.11, 9.12 maxout
    Case("maxout_forward", 1, maxout_forward_plan(fixed(4, 5, 3, 3), normal_pieces), about="out = max over k of x @ w[k] + b[k]"),
    Case("maxout_forward, random shapes", 1, maxout_forward_plan(maxout_shape, normal_pieces), visibility="hidden"),
    Case("maxout_forward, tied pieces", 1, maxout_forward_plan(fixed(5, 3, 4, 4), tied_pieces)),
    *per_output(maxout_backward_plan(fixed(4, 5, 3, 3), normal_pieces), "maxout_backward", GRADIENTS, hints=MAXOUT_HINTS),
    *per_output(maxout_backward_plan(maxout_shape, normal_pieces), "maxout_backward, random shapes", GRADIENTS, visibility="hidden", hints=MAXOUT_HINTS),
    *per_output(maxout_backward_plan(fixed(5, 3, 4, 4), tied_pieces), "maxout_backward, tied pieces", GRADIENTS, hints=MAXOUT_HINTS),
    *per_output(maxout_backward_plan(maxout_shape, tied_pieces), "maxout_backward, tied pieces, random shapes", GRADIENTS, visibility="hidden", hints=MAXOUT_HINTS),
))
