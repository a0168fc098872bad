# %% [markdown]
# # Assignment 3: weight initialization, Xavier and He
#
# Before a network learns anything, its weights are random numbers. Their *scale* decides
# whether the signal survives the trip through many layers: too small, and the activations
# (and with them the gradients) shrink towards 0 layer after layer; too large, and they blow
# up, or saturate a tanh. In this assignment you count the fans of a weight, draw weights with
# the variance that keeps the signal steady (Xavier for tanh, He for ReLU), and measure the
# activations of a deep stack to see the difference.
#
# How to work: edit `initialization.py` in your editor, then re-run the cells here (the first
# cell turns on `autoreload`). A cell that calls `run_checks` runs the public checks of the
# tasks just explained, one line per check and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import initialization
from checks.harness import run_checks

# %% [markdown]
# ## 1. Fans
#
# An affine layer computes $a = h W$ with $W \in \mathbb{R}^{D_{in} \times D_{out}}$: each
# output $a_j = \sum_i h_i W_{ij}$ sums $D_{in}$ products, and each input feeds $D_{out}$
# outputs. These counts are the layer's **fan-in** and **fan-out**. A convolution with
# weights of shape $(F, C, H_H, W_W)$ computes each output from a $C \times H_H \times W_W$
# window, and each input value reaches $F \times H_H \times W_W$ outputs:
#
# $$ \text{fan\_in} = C\, H_H W_W, \qquad \text{fan\_out} = F\, H_H W_W. $$
#
# Mind the layout: here affine weights are $(D_{in}, D_{out})$, as in `x @ w`; PyTorch's
# `nn.Linear` stores the transpose, $(D_{out}, D_{in})$. Task 3.1.

# %% tags=["checks"]
run_checks("initialization", "fan_in_fan_out")

# %% [markdown]
# ## 2. Xavier: keep the variance steady
#
# Take one layer $a = h W$ whose weights are independent, zero-mean and independent of the
# inputs. Each output is a sum of $\text{fan\_in}$ independent terms, so
#
# $$ \operatorname{Var}(a_j) = \sum_{i=1}^{\text{fan\_in}} \operatorname{Var}(h_i W_{ij})
#    = \text{fan\_in} \cdot \operatorname{Var}(W) \cdot \mathbb{E}[h^2]. $$
#
# With an activation that is close to the identity near 0 (tanh), $\mathbb{E}[h^2] \approx
# \operatorname{Var}(a)$ of the layer below, so the variance is multiplied by
# $\text{fan\_in} \cdot \operatorname{Var}(W)$ at each layer: after $L$ layers by its $L$-th
# power. It stays put only if
#
# $$ \operatorname{Var}(W) = \frac{1}{\text{fan\_in}} \qquad \text{(mode "fan\_in", the lecture's)}. $$
#
# The backward pass sends gradients through $W^\top$, where the same argument gives
# $\operatorname{Var}(W) = 1/\text{fan\_out}$. Glorot and Bengio compromise between the two:
#
# $$ \operatorname{Var}(W) = \frac{2}{\text{fan\_in} + \text{fan\_out}} \qquad \text{(mode "average", } \texttt{torch.nn.init.xavier\_normal\_}\text{)}. $$
#
# The law can be normal or uniform, as long as the variance is right. A uniform distribution
# on $[-a, a]$ has variance $a^2 / 3$, so the uniform version uses $a = \sqrt{3 \operatorname{Var}(W)}$.
# Draw everything from the generator `rng` you are given, so that a seed reproduces a run.
# Tasks 3.2 and 3.3.

# %% tags=["checks"]
run_checks("initialization", "xavier_normal", "xavier_uniform")

# %% [markdown]
# ## 3. He: the ReLU factor 2
#
# ReLU sets every negative pre-activation to 0. For a pre-activation $a$ symmetric around 0,
# half of the distribution is kept, so
#
# $$ \mathbb{E}[\operatorname{relu}(a)^2] = \tfrac{1}{2} \operatorname{Var}(a), $$
#
# and with Xavier's $\operatorname{Var}(W) = 1/\text{fan\_in}$ the variance halves at every
# layer. He et al. double the weights' variance to make up for it:
#
# $$ \operatorname{Var}(W) = \frac{2}{\text{fan\_in}} \qquad (\texttt{torch.nn.init.kaiming\_normal\_}\text{, nonlinearity "relu"}). $$
#
# Task 3.4.

# %% tags=["checks"]
run_checks("initialization", "he_normal")

# %% [markdown]
# ## 4. Measuring the activations
#
# `activation_stds(x, weights, activation)` pushes a batch through a stack of layers,
# $h \leftarrow \text{activation}(h W)$ without biases, and records the standard deviation of
# the activations after each layer. It is the instrument for the experiment below. Task 3.5.

# %% tags=["checks"]
run_checks("initialization", "activation_stds")

# %% [markdown]
# ## 5. Experiment: ten layers, three initializations
#
# A batch of 500 standard normal inputs goes through 10 layers of width 256, with weights
# drawn three ways: a small constant scale (standard deviation 0.01, a common choice in
# old code), Xavier (mode "fan_in") and He. The plot shows the standard deviation of the
# activations after each layer, on a log scale. The dotted line is what the variance
# argument predicts for Xavier weights under ReLU: a factor $1/\sqrt{2}$ per layer.

# %% tags=["experiment"]
depth, width, batch = 10, 256, 500
rng = np.random.default_rng(0)
x = rng.standard_normal((batch, width))
schemes = {
    "small constant (std 0.01)": lambda shape, rng: 0.01 * rng.standard_normal(shape),
    "Xavier, Var = 1/fan_in": initialization.xavier_normal,
    "He, Var = 2/fan_in": initialization.he_normal,
}
layers = np.arange(1, depth + 1)
stds = {}
figure, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for axis, activation in zip(axes, ["relu", "tanh"]):
    for name, draw in schemes.items():
        weights = [draw((width, width), np.random.default_rng(seed)) for seed in range(depth)]
        stds[activation, name] = initialization.activation_stds(x, weights, activation)
        axis.semilogy(layers, stds[activation, name], "o-", label=name)
    axis.set_title(f"{activation}: {depth} layers of width {width}")
    axis.set_xlabel("layer")
relu_start = stds["relu", "Xavier, Var = 1/fan_in"][0]
axes[0].semilogy(layers, relu_start * 2.0 ** (-(layers - 1) / 2), "k:", label="Xavier under ReLU: 1/sqrt(2) per layer")
axes[0].set_ylabel("std of the activations")
axes[0].legend(fontsize=8)
plt.show()

for (activation, name), values in stds.items():
    print(f"{activation:4}  {name:27}  layer 1: {values[0]:9.3g}   layer {depth}: {values[-1]:9.3g}")

# %% [markdown]
# **What to notice.** With the small constant scale each layer multiplies the standard
# deviation by about $0.01 \sqrt{256} = 0.16$ (and by another $1/\sqrt{2}$ under ReLU): after
# ten layers nothing is left, and the gradients that flow back through the same weights
# vanish as fast. Xavier keeps tanh steady, slowly shrinking, since tanh is a little
# below the identity away from 0; under ReLU it loses the predicted factor $1/\sqrt{2}$ per
# layer. He's factor 2 makes up exactly for the half that ReLU zeroes, and the ReLU stack
# keeps its scale through all ten layers. With 100 layers instead of 10, the gaps become
# factors of $2^{50}$.
