# %% [markdown]
# # Assignment 9: activation functions
#
# A stack of affine layers without anything between them is a single affine layer: the
# product of matrices is a matrix. The activation function is the nonlinearity between the
# layers, and in the backward pass its derivative multiplies the upstream gradient at every
# layer. So its shape matters twice: what functions the network can express, and whether
# gradients survive the trip back through many layers. In this assignment you write six
# activations as layers, forward and backward, plot them with their derivatives, and measure
# how many units of a deep random network are saturated or dead under each of them.
#
# How to work: edit `activations.py` in your editor, then re-run the cells here (the first
# cell turns on `autoreload`). A cell that calls `run_checks` runs the public checks of the
# tasks just explained, one line per check and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import activations
from checks.harness import run_checks

# %% [markdown]
# ## 1. Activations as layers
#
# Each activation is a pair of functions, like every layer of the course:
#
# - `name_forward(x, ...) -> (out, cache)` applies the function elementwise and keeps in
#   `cache` what the backward pass needs;
# - `name_backward(dout, cache) -> dx` multiplies the upstream gradient by the local slope:
#   $dx = \text{dout} \odot f'(x)$. The Jacobian of an elementwise function is diagonal, so
#   the backward pass never builds it.
#
# ## 2. Sigmoid: saturates, and is not zero-centred
#
# $$ \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,(1 - \sigma(x)). $$
#
# The derivative is written with the forward's *output* $s = \sigma(x)$: keep it in the
# cache, and compute $s(1 - s)$, not $x(1 - x)$. Its largest value is $\sigma'(0) = 1/4$, so
# each sigmoid layer shrinks the gradient at least four times; for $|x| > 5$ the slope is
# below $0.007$: the unit is **saturated** and passes almost no gradient. Its outputs are all
# positive, so the gradients of the next layer's weights all share one sign per unit.
#
# Computed as written, $e^{-x}$ overflows for $x < -709$; use
# $\sigma(x) = e^{x} / (1 + e^{x})$ there, so that `exp` only ever sees $-|x|$. Tasks 9.1 and 9.2.

# %% tags=["checks"]
run_checks("activations", "sigmoid_forward", "sigmoid_backward")

# %% [markdown]
# ## 3. Tanh: zero-centred, still saturates
#
# $$ \tanh(x) = 2\sigma(2x) - 1, \qquad \tanh'(x) = 1 - \tanh(x)^2. $$
#
# Again the derivative uses the output. Tanh is a rescaled sigmoid, centred at 0 with slope
# 1 there, but it saturates just the same: $\tanh'(3) \approx 0.01$. Tasks 9.3 and 9.4.

# %% tags=["checks"]
run_checks("activations", "tanh_forward", "tanh_backward")

# %% [markdown]
# ## 4. ReLU and leaky ReLU: kinks, and the slope at 0
#
# $$ \text{relu}(x) = \max(x, 0), \qquad
#    \text{leaky\_relu}(x) = \begin{cases} x & x > 0 \\ \text{negative\_slope} \cdot x & x \le 0 \end{cases}. $$
#
# ReLU does not saturate for $x > 0$ and is cheap, but its slope is 0 for $x < 0$: a unit
# whose input is negative for every example passes no gradient at all, and its weights stop
# changing: a **dead** unit. Leaky ReLU keeps a small slope (PyTorch's default 0.01) so that
# no unit dies completely. Keep `negative_slope` in the cache: the backward must use the
# slope the forward was given.
#
# Both have a kink at $x = 0$, where the derivative does not exist. The convention, PyTorch's
# autograd, is the slope of the *negative* side: 0 for ReLU, `negative_slope` for leaky
# ReLU. Write `x > 0`, not `x >= 0`, for the slope-1 side. Tasks 9.5 to 9.8.

# %% tags=["checks"]
run_checks("activations", "relu_forward", "relu_backward", "leaky_relu_forward", "leaky_relu_backward")

# %% [markdown]
# ## 5. ELU: a smooth negative side
#
# $$ \text{elu}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}, \qquad
#    \text{elu}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} = \text{elu}(x) + \alpha & x \le 0 \end{cases}. $$
#
# ELU's outputs have a mean closer to 0 than ReLU's, and its negative side saturates at
# $-\alpha$ instead of being flat. Its derivative on the negative side is $\alpha e^x$, *not*
# the function itself $\alpha(e^x - 1)$; it can be written with the output,
# $\text{out} + \alpha$. At the kink the slope is again the negative side's, $\alpha$ (which
# equals 1 only for the default $\alpha = 1$). Take `exp` of the negative side only: $e^{1000}$
# overflows even where `np.where` then discards it. Tasks 9.9 and 9.10.

# %% tags=["checks"]
run_checks("activations", "elu_forward", "elu_backward")

# %% [markdown]
# ## 6. Maxout: the network learns its activation
#
# A maxout unit takes the largest of $K$ affine pieces of its input: for $x \in
# \mathbb{R}^{N \times D}$, $w \in \mathbb{R}^{K \times D \times M}$, $b \in \mathbb{R}^{K \times M}$,
#
# $$ \text{out}_{nm} = \max_k \left(x W_k + b_k\right)_{nm}. $$
#
# With enough pieces it approximates any convex function; ReLU is the maxout of the pieces
# $0$ and $x$. It never saturates and never dies, at the price of $K$ times the parameters.
# The max routes the gradient, as max pooling does: all of $\text{dout}_{nm}$ goes to the
# piece that won at $(n, m)$, the other pieces get nothing. Where pieces tie, the gradient
# goes to the *first* maximal piece (`np.argmax`, `torch.max(dim=0)`), not to each of them,
# and it is not split between them either (`torch.amax` would split it). Tasks 9.11 and 9.12.

# %% tags=["checks"]
run_checks("activations", "maxout_forward", "maxout_backward")

# %% [markdown]
# ## 7. Experiment: each function and its derivative
#
# The derivative is what the backward pass returns for an upstream gradient of ones,
# $dx = 1 \odot f'(x)$, so the plots below use your backward passes. Leaky ReLU is drawn with
# `negative_slope = 0.1` so that its slope is visible; maxout is one unit ($D = M = 1$) of
# three pieces, $-x - 1$, $x / 2$ and $2x - 2$: a convex, piecewise linear function.

# %% tags=["experiment"]
x = np.linspace(-4.0, 4.0, 801)
ones = np.ones_like(x)
curves = {}
for title, name, params in [
    ("sigmoid", "sigmoid", {}), ("tanh", "tanh", {}), ("ReLU", "relu", {}),
    ("leaky ReLU, slope 0.1", "leaky_relu", {"negative_slope": 0.1}), ("ELU, alpha 1", "elu", {}),
]:
    out, cache = getattr(activations, f"{name}_forward")(x, **params)
    curves[title] = out, getattr(activations, f"{name}_backward")(ones, cache)

pieces_w = np.array([-1.0, 0.5, 2.0]).reshape(3, 1, 1)
pieces_b = np.array([-1.0, 0.0, -2.0]).reshape(3, 1)
out, cache = activations.maxout_forward(x[:, None], pieces_w, pieces_b)
dx, _, _ = activations.maxout_backward(np.ones((x.size, 1)), cache)
curves["maxout, 3 pieces"] = out[:, 0], dx[:, 0]

figure, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
for axis, (title, (out, slope)) in zip(axes.flat, curves.items()):
    axis.plot(x, out, label="f(x)")
    axis.plot(x, slope, "--", label="f'(x) from the backward pass")
    axis.axhline(0.0, color="gray", linewidth=0.5)
    axis.set_title(title)
    axis.set_ylim(-2.0, 4.0)
axes[0, 0].legend(fontsize=8, loc="upper left")
for axis in axes[1]:
    axis.set_xlabel("x")
plt.tight_layout()
plt.show()

for title, (out, slope) in curves.items():
    print(f"{title:22}  largest slope {slope.max():.3g}   slope at x = -4: {slope[0]:.3g}   at x = 4: {slope[-1]:.3g}")

# %% [markdown]
# **What to notice.** Sigmoid's slope never exceeds 1/4 and both sigmoid and tanh are
# almost flat by $|x| = 4$. ReLU's slope is exactly 0 on the whole negative side; leaky ReLU
# and ELU keep some slope there (ELU's fades as $\alpha e^x$). Maxout's slope is the slope of
# the winning piece: $-1$, $1/2$ or $2$.
#
# ## 8. Experiment: saturated and dead units in a deep random network
#
# A batch of 200 standard normal inputs goes through 10 layers of width 256, without biases,
# $h \leftarrow f(h W)$, with Xavier-like weights, $\operatorname{Var}(W) = 1/\text{fan\_in}$,
# and again with weights three times larger. At each layer we count the share of units
# (over the batch and the width) whose local slope $f'$ is below 1% of the function's largest
# slope: for sigmoid, tanh and ELU's negative side they are **saturated**, for ReLU they are
# on the **dead** side. Such a unit passes (almost) no gradient back for that example. The
# printed table also counts the units that are flat for *every* example of the batch: those
# learn nothing from this batch. Maxout is measured through its backward pass too: the share
# of each unit's gradient, $\sum_k db_k / N$ for $\text{dout} = 1$, that reaches some piece.

# %% tags=["experiment"]
depth, width, batch = 10, 256, 200
largest_slope = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "elu": 1.0}


def flat_shares(name, gain, seed=0):
    """Per layer: the share of flat (unit, example) pairs, and of units flat for every example."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    flat, dead = [], []
    for _ in range(depth):
        if name == "maxout":
            w = gain * rng.standard_normal((3, width, width)) / np.sqrt(width)
            h, cache = activations.maxout_forward(h, w, np.zeros((3, width)))
            _, _, db = activations.maxout_backward(np.ones((batch, width)), cache)
            passed = db.sum(axis=0) / batch  # per unit: the share of its gradient that reaches a piece
            flat.append(1.0 - passed.mean())
            dead.append(np.mean(passed == 0.0))
            continue
        w = gain * rng.standard_normal((width, width)) / np.sqrt(width)
        h, cache = getattr(activations, f"{name}_forward")(h @ w)
        slope = getattr(activations, f"{name}_backward")(np.ones_like(h), cache)
        is_flat = np.abs(slope) < 0.01 * largest_slope[name]
        flat.append(is_flat.mean())
        dead.append(is_flat.all(axis=0).mean())
    return np.array(flat), np.array(dead)


names = [*largest_slope, "maxout"]
layers = np.arange(1, depth + 1)
shares = {}
figure, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for axis, gain in zip(axes, [1.0, 3.0]):
    for name in names:
        shares[name, gain] = flat_shares(name, gain)
        axis.plot(layers, shares[name, gain][0], "o-", label=name)
    axis.set_title(f"weights std {gain:g} / sqrt(fan_in)")
    axis.set_xlabel("layer")
axes[0].set_ylabel("share of saturated or dead units")
axes[0].legend(fontsize=8)
plt.show()

print("share of units flat for every example of the batch, at layer 10:")
for name in names:
    print(f"  {name:10}  Xavier: {shares[name, 1.0][1][-1]:.2f}   3 x Xavier: {shares[name, 3.0][1][-1]:.2f}")

# %% [markdown]
# **What to notice.** At the Xavier scale, sigmoid, tanh and ELU stay in their steep middle
# part: almost no unit is saturated. ReLU sits on its flat side for half of the inputs at
# every layer, and deeper layers have units that are off for the *whole* batch: they are dead
# for these inputs, and no gradient will revive them through this batch. ReLU's shares do
# not change with the scale at all: relu(3a) = 3 relu(a), so the same units are off. With weights three
# times larger, tanh saturates a fifth or more of its units at every layer and ELU pushes a
# growing share deep into its flat negative side, while leaky ReLU and maxout never block
# the gradient completely, whatever the scale. This is why ReLU-like activations need an
# initialization matched to them (He's, assignment 3), and why leaky ReLU, ELU and maxout
# were proposed.
