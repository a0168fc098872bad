# %% [markdown]
# # Assignment 2: convolution and pooling
#
# A convolutional layer slides a small kernel over an image; a pooling layer keeps the
# largest value of each window. Before writing either, you should be able to say what shape
# comes out: most bugs in convolutional networks are shape bugs. You write the functions in
# `conv.py`; this notebook explains the ideas, runs the public checks on your functions as
# you go, and uses them in three small experiments.
#
# How to work: edit `conv.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import conv
from checks.harness import run_checks

# %% [markdown]
# ## 1. Output sizes
#
# Along one dimension, an input of size $n$ is padded with $p$ zeros on *each* side, so the
# padded input has $n + 2p$ entries. A kernel of size $f$ with dilation $d$ (a gap of $d - 1$
# between its taps) spans $d(f - 1) + 1$ inputs. Windows start at $0, s, 2s, \dots$ for a
# stride $s$, as long as the whole window fits:
#
# $$ n_\text{out} = \left\lfloor \frac{n + 2p - d(f - 1) - 1}{s} \right\rfloor + 1. $$
#
# The floor matters when the stride does not divide: a window that would hang over the
# padded edge is simply not computed. The `+ 1` counts the first window. With $f = 3$,
# $p = 1$, $s = 1$ ("same" padding) the size is unchanged; with $s = 2$ it is halved. When no
# window fits ($n_\text{out} < 1$) the layer is invalid: raise `ValueError`, as PyTorch does.
#
# Max pooling uses the same formula without dilation, with the stride equal to the window
# size by default (windows side by side, not overlapping), and padding of at most half a
# window. A transposed convolution maps sizes the other way,
#
# $$ n_\text{out} = (n - 1)s - 2p + f + \text{output\_padding}, $$
#
# where `output_padding` $< s$ picks one of the $s$ input sizes a strided convolution maps to
# the same output size. A convolutional layer with $C_\text{in}$ input channels and
# $C_\text{out}$ filters of size $f \times f$ has $C_\text{out} C_\text{in} f^2$ weights and
# $C_\text{out}$ biases. Tasks 2.1 to 2.4: sizes are ints, so use `//`, never `/`.

# %% tags=["checks"]
run_checks("conv", "conv_output_size", "pool_output_size", "conv_transpose_output_size", "conv_params")

# %% [markdown]
# The plot shows the formula at work: the output size as the input grows, for a 3-wide
# kernel with "same" padding. With stride 1 it grows by one per input; with stride 2 or 3 it
# climbs in steps, one more window each time $s$ more inputs arrive: that staircase is the
# floor. The dotted line rounds up instead, and counts a window that does not fit whenever
# the stride does not divide.

# %% tags=["experiment"]
sizes = np.arange(3, 25)
plt.figure(figsize=(5, 3.5))
for stride in (1, 2, 3):
    plt.step(sizes, [conv.conv_output_size(int(n), 3, pad=1, stride=stride) for n in sizes], where="post", label=f"stride {stride}")
plt.step(sizes, -(-(sizes + 2 - 3) // 2) + 1, ":", where="post", color="black", label="stride 2, rounded up (wrong)")
plt.xlabel("input size n")
plt.ylabel("output size")
plt.title("conv_output_size(n, 3, pad=1, stride)")
plt.legend()
plt.show()

# %% [markdown]
# The same formulas follow an image through a network. Below, the first layers of a
# ResNet-style network on a 224 x 224 image: a 7 x 7 convolution with stride 2, a 3 x 3 max
# pool with stride 2 and padding 1, then two 3 x 3 convolutions. Each line shows the size
# after the layer and the parameters the layer adds.

# %%
size, channels = 224, 3
for name, f, pad, stride, filters in (("conv 7x7/2", 7, 3, 2, 64), ("max pool 3x3/2", 3, 1, 2, None),
                                      ("conv 3x3/1", 3, 1, 1, 64), ("conv 3x3/2", 3, 1, 2, 128)):
    if filters is None:
        size, params = conv.pool_output_size(size, f, stride=stride, pad=pad), 0
    else:
        size, params = conv.conv_output_size(size, f, pad=pad, stride=stride), conv.conv_params(channels, filters, f)
        channels = filters
    print(f"{name:15s} -> {channels:4d} x {size:3d} x {size:3d}   parameters {params:7d}")

# %% [markdown]
# ## 2. The convolutional layer
#
# For inputs $x$ of shape $(N, C, H, W)$, filters $w$ of shape $(F, C, H', W')$ and biases
# $b$ of shape $(F,)$, with $x_\text{pad}$ the zero-padded input,
#
# $$ \text{out}[n, f, i, j] = b[f] + \sum_{c}\sum_{d_i}\sum_{d_j}
#    w[f, c, d_i, d_j]\; x_\text{pad}[n, c,\, i s + d_i,\, j s + d_j]. $$
#
# This is a *cross-correlation*: the kernel is laid on the window as it is. The convolution
# of signal processing flips the kernel first; deep-learning libraries do not, and since the
# kernel is learned, nothing is lost. The backward pass follows each output back to the
# window it read:
#
# $$ \frac{\partial L}{\partial b[f]} = \sum_{n, i, j} \text{dout}[n, f, i, j], \qquad
#    \frac{\partial L}{\partial w[f]} = \sum_{n, i, j} \text{dout}[n, f, i, j]\;
#    x_\text{pad}[n, :, \text{window}(i, j)], $$
#
# and $\text{dout}[n, f, i, j]\, w[f]$ is added onto that window of $dx_\text{pad}$; where
# windows overlap ($s < f$) their contributions add up. Finally $dx$ is $dx_\text{pad}$
# without its padding: take care that this also works for $p = 0$ (`a[p:-p]` is empty then).
# Tasks 2.5 and 2.6; nested loops are fine here, the tests use small shapes.

# %% tags=["checks"]
run_checks("conv", "conv_forward", "conv_backward")

# %% [markdown]
# ## 3. Experiment: edge detectors
#
# A kernel responds to the pattern it looks like. The Sobel kernels below are a smoothed
# difference of neighbouring columns (and of rows): their output is large where brightness
# changes from left to right (or top to bottom), zero on flat regions, and its sign says
# which way the brightness changes. Applied as one layer with two filters to a synthetic
# image, a bright square and disk on a dark background:

# %% tags=["experiment"]
rows, cols = np.mgrid[0:40, 0:48]
image = np.zeros((40, 48))
image[8:24, 6:22] = 1.0  # a square
image[(rows - 24) ** 2 + (cols - 33) ** 2 < 9 ** 2] = 0.6  # a disk
sobel_x = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
kernels = np.stack([sobel_x, sobel_x.T])[:, None]  # (F, C, HH, WW) = (2, 1, 3, 3)
edges, _ = conv.conv_forward(image[None, None], kernels, np.zeros(2), stride=1, pad=1)

figure, axes = plt.subplots(1, 4, figsize=(14, 3.2))
panels = [(image, "input", "gray"), (edges[0, 0], "vertical edges (Sobel x)", "RdBu"),
          (edges[0, 1], "horizontal edges (Sobel y)", "RdBu"), (np.hypot(edges[0, 0], edges[0, 1]), "edge strength", "magma")]
for axis, (values, title, colours) in zip(axes, panels):
    shown = axis.imshow(values, cmap=colours)
    axis.set_title(title)
    axis.axis("off")
    figure.colorbar(shown, ax=axis, shrink=0.8)
plt.show()
print("output shape:", edges.shape, "(pad 1 keeps 40 x 48)")

# %% [markdown]
# Flip the kernel (a true convolution) and the signs of both edge maps swap: the picture
# looks almost the same, which is why a flipped kernel is an easy bug to miss by eye and
# why the checks compare numbers.

# %% [markdown]
# ## 4. Max pooling, and where its gradient goes
#
# $$ \text{out}[n, c, i, j] = \max_{d_i, d_j < k}\; x[n, c,\, i s + d_i,\, j s + d_j]. $$
#
# The max is a switch: the output equals one input of the window, so the whole gradient
# $\text{dout}[n, c, i, j]$ goes to that input, and the others get nothing. When several
# inputs tie for the maximum, the gradient still goes to one of them: the first in row-major
# order (what `np.argmax` of the flattened window returns, and what PyTorch does), never
# copied to each of them nor split among them. Overlapping windows ($s < k$) can pick the
# same input: its gradients add up. Tasks 2.7 and 2.8.

# %% tags=["checks"]
run_checks("conv", "max_pool_forward", "max_pool_backward")

# %% [markdown]
# ## 5. Experiment: the routing of the max-pool gradient
#
# An 8 x 8 image of small integers, so many windows hold a tied maximum, pooled with 2 x 2
# windows and stride 2, then (right) with 3 x 3 windows and stride 2, which overlap. With
# $\text{dout} = 1$ everywhere, $dx$ counts how many windows chose each input: the grid
# lines mark the 2 x 2 windows, and each window sends its 1 to the first of its maxima.

# %% tags=["experiment"]
x = np.random.default_rng(3).integers(0, 4, size=(1, 1, 8, 8)).astype(float)
out, cache = conv.max_pool_forward(x, pool=2, stride=2)
dx = conv.max_pool_backward(np.ones_like(out), cache)
out3, cache3 = conv.max_pool_forward(x, pool=3, stride=2)
dx3 = conv.max_pool_backward(np.ones_like(out3), cache3)

figure, axes = plt.subplots(1, 3, figsize=(13, 4))
for axis, values, title in ((axes[0], x[0, 0], "input (many windows hold a tie)"), (axes[1], dx[0, 0], "dx, pool 2 stride 2"),
                            (axes[2], dx3[0, 0], "dx, pool 3 stride 2 (overlapping)")):
    axis.imshow(values, cmap="Blues", vmin=0, vmax=max(3, values.max()))
    for (i, j), value in np.ndenumerate(values):
        axis.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9, color="white" if value >= 3 else "black")
    axis.set_title(title)
    axis.set_xticks([])
    axis.set_yticks([])
for axis in axes[:2]:
    for line in np.arange(-0.5, 8, 2):
        axis.axhline(line, color="black", linewidth=1.5)
        axis.axvline(line, color="black", linewidth=1.5)
plt.show()
print("each 2 x 2 window sends its gradient to one input:", dx.sum() == out.size, "| largest count with overlap:", dx3.max())
