# %% [markdown]
# # Assignment 10: semantic segmentation
#
# A classifier gives one label per image; a segmentation network gives one label per
# *pixel*. A fully convolutional network does both halves of the job inside one network: it
# downsamples, with strided convolutions and pooling, so that its filters see large regions
# cheaply, and then upsamples back to the image's resolution to label every pixel. This
# assignment writes the upsampling layers (nearest neighbour, bed of nails, max unpooling
# and the learnable transposed convolution), with their backward passes, and the measure a
# segmentation is judged by, the intersection over union. You write the functions in
# `segmentation.py`; this notebook explains the ideas, runs the public checks on your
# functions as you go, and uses them in three small experiments.
#
# How to work: edit `segmentation.py` in your editor, then re-run the cells here. The first
# cell turns on `autoreload`, so your edits are picked up without restarting the kernel. A
# cell that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.
# Section 4 also uses `conv_forward` from your `conv.py` (assignment 2).

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import conv
import segmentation
from checks.harness import run_checks

# %% [markdown]
# ## 1. Upsampling without parameters: nearest neighbour and bed of nails
#
# Both enlarge a feature map $x$ of shape $(N, C, H, W)$ by an integer factor $s$ to
# $(N, C, sH, sW)$; each input value owns an $s \times s$ block of the output.
# *Nearest neighbour* copies the value into its whole block,
#
# $$ \text{out}[n, c, i, j] = x[n, c, \lfloor i / s \rfloor, \lfloor j / s \rfloor], $$
#
# and *bed of nails* puts it at the block's top-left corner, $\text{out}[n, c, si, sj] = x[n, c, i, j]$,
# with zeros everywhere else. Their backward passes follow from which outputs each input
# reaches: a value copied to $s^2$ positions collects the *sum* of their gradients (not the
# mean), and a nail collects the gradient of its one position,
#
# $$ dx[n, c, i, j] = \sum_{a, b < s} \text{dout}[n, c, si + a, sj + b] \quad\text{(nearest)}, \qquad
#    dx[n, c, i, j] = \text{dout}[n, c, si, sj] \quad\text{(bed of nails)}. $$
#
# The factor is a positive integer, Python's `2` or numpy's `np.int64(2)` alike; anything
# else (`1.5`, `2.0`, `0`, `-1`, `True`) raises `ValueError`. Tasks 10.1 to 10.4.

# %% tags=["checks"]
run_checks("segmentation", "nearest_upsample_forward", "nearest_upsample_backward", "bed_of_nails_upsample_forward", "bed_of_nails_upsample_backward")

# %% [markdown]
# ## 2. Max pooling that remembers, and max unpooling
#
# Max unpooling is the mirror image of a max-pooling layer earlier in the network (SegNet
# pairs them up): the pooling layer records *where* each maximum was, and the unpooling
# layer puts each value back at that place, zeros elsewhere, so that the fine detail of
# where the edges were survives the trip through the coarse layers.
#
# `max_pool_with_indices` returns, with each maximum, its position as the flat index
# $h W + w$ within the whole $H \times W$ input plane (not within the window), as PyTorch's
# `max_pool2d(return_indices=True)` does; on a tie, the first maximum in row-major order.
# `max_unpool_forward(x, indices, output_size)` writes $x[n, c, i, j]$ at
# $\text{out}[n, c]$ `.flat[indices[n, c, i, j]]` in planes of `output_size`: the size of what was pooled,
# which can be larger than twice the pooled size (a 7 x 5 map pooled 2 x 2 gives 3 x 2; the
# last row and column were dropped). An index outside the plane is an error, including a
# negative one, which numpy would otherwise quietly read from the end. Its backward pass reads
# $\text{dout}$ back at the same indices. Tasks 10.5 to 10.7.

# %% tags=["checks"]
run_checks("segmentation", "max_pool_with_indices", "max_unpool_forward", "max_unpool_backward")

# %% [markdown]
# ## 3. The transposed convolution
#
# Nearest neighbour, bed of nails and unpooling are fixed rules. A *transposed convolution*
# learns its upsampling: each input value scatters a copy of a kernel, scaled by the value,
# into the output, copies $s$ apart for a stride $s$, and overlapping copies add up. With
# weights $w$ of shape $(C_\text{in}, C_\text{out}, H', W')$ (PyTorch's layout for
# `ConvTranspose2d`, the first two axes the other way round from a convolution's),
#
# $$ \text{out}_\text{full}[n, o,\, s i + d_i,\, s j + d_j] \mathrel{+}= x[n, c, i, j]\; w[c, o, d_i, d_j], $$
#
# and then the padding $p$ is *removed* from each side, and the bias added: the output is
# $(N, C_\text{out}, (H - 1)s - 2p + H', (W - 1)s - 2p + W')$. The padding is the padding of
# the convolution this layer undoes, which is why it shrinks the output here. The backward
# pass puts $p$ zeros back around $\text{dout}$ and reads each window back:
# $dx[n, c, i, j] = \sum_{o, d_i, d_j} w[c, o, d_i, d_j]\, \text{dout}_\text{full}[n, o, si + d_i, sj + d_j]$,
# which is a strided *convolution* of $\text{dout}$ with the same weights. Tasks 10.8 and 10.9.

# %% tags=["checks"]
run_checks("segmentation", "conv_transpose_forward", "conv_transpose_backward")

# %% [markdown]
# ## 4. Experiment: four ways to upsample
#
# A 16 x 16 synthetic image (a bright square, a dimmer disk and a gradient) is max-pooled
# 2 x 2 to 8 x 8, then brought back to 16 x 16 four ways. Nearest neighbour gives blocks;
# bed of nails a grid of isolated nails; max unpooling puts each maximum back where it came
# from, so the square's edge stays sharp where a maximum sat; the transposed convolution,
# with stride 2, padding 1 and the 4 x 4 bilinear kernel (FCN's starting point before it
# learns), blends neighbouring values smoothly.

# %% tags=["experiment"]
rows, cols = np.mgrid[0:16, 0:16]
image = 0.3 * cols / 15
image[3:9, 2:8] = 1.0  # a square
image[(rows - 10.5) ** 2 + (cols - 11) ** 2 < 3.5**2] = 0.7  # a disk
pooled, indices = segmentation.max_pool_with_indices(image[None, None])

ramp = np.array([0.25, 0.75, 0.75, 0.25])
bilinear = np.outer(ramp, ramp)[None, None]  # (C_in, C_out, 4, 4)
upsampled = {
    "nearest": segmentation.nearest_upsample_forward(pooled, 2)[0],
    "bed of nails": segmentation.bed_of_nails_upsample_forward(pooled, 2)[0],
    "max unpooling": segmentation.max_unpool_forward(pooled, indices, (16, 16))[0],
    "transposed conv (bilinear)": segmentation.conv_transpose_forward(pooled, bilinear, np.zeros(1), stride=2, pad=1)[0],
}

figure, axes = plt.subplots(1, 6, figsize=(17, 3.2))
panels = [("input 16 x 16", image), ("max-pooled 8 x 8", pooled[0, 0])] + [(name, out[0, 0]) for name, out in upsampled.items()]
for axis, (title, values) in zip(axes, panels):
    axis.imshow(values, cmap="gray", vmin=0, vmax=1)
    axis.set_title(title, fontsize=10)
    axis.axis("off")
plt.show()
for name, out in upsampled.items():
    print(f"{name:28s} shape {out.shape}, mean squared error to the input {np.mean((out[0, 0] - image) ** 2):.4f}")

# %% [markdown]
# ## 5. Experiment: the transposed convolution is the adjoint of the convolution
#
# Why "transposed"? A convolution is linear in its input: for fixed weights, flatten $x$
# and $\text{conv}(x)$ into vectors and the layer is a matrix, $\text{conv}(x) = Mx$. The
# transposed convolution with the *same* weights is the matrix $M^\top$, and that is exactly
# the statement
#
# $$ \langle \text{conv}(x), y \rangle = \langle Mx, y \rangle = \langle x, M^\top y \rangle
#    = \langle x, \text{conv\_transpose}(y) \rangle $$
#
# for every $x$ and $y$: the transposed convolution is the convolution's *adjoint*. It is
# also why it is the convolution's backward pass for $dx$, and why its forward pass maps
# the convolution's output size back to the input size. The same array $w$ serves both: of
# shape $(F, C, H', W')$ for `conv_forward` (from $C$ to $F$ channels), read as
# $(C_\text{in}, C_\text{out}, H', W') = (F, C, H', W')$ by `conv_transpose_forward` (from
# $F$ back to $C$). Below, random $x$, $y$ and $w$, no bias, for several strides and paddings
# (input sizes chosen so that the stride divides, and the sizes map back exactly).

# %% tags=["experiment"]
generator = np.random.default_rng(0)
w = generator.standard_normal((4, 3, 3, 3))  # conv: 3 -> 4 channels; conv_transpose: 4 -> 3
print(" stride  pad   <conv(x), y>   <x, conv_transpose(y)>   relative difference")
gaps = []
for stride, pad in ((1, 0), (1, 1), (2, 0), (2, 1), (3, 2)):
    size = 3 - 2 * pad + 3 * stride  # (size + 2 pad - 3) is a multiple of the stride
    x = generator.standard_normal((2, 3, size, size))
    conv_x, _ = conv.conv_forward(x, w, np.zeros(4), stride=stride, pad=pad)
    y = generator.standard_normal(conv_x.shape)
    transposed_y, _ = segmentation.conv_transpose_forward(y, w, np.zeros(3), stride=stride, pad=pad)
    left, right = np.sum(conv_x * y), np.sum(x * transposed_y)
    gaps.append(abs(left - right) / abs(left))
    print(f"{stride:7d} {pad:4d} {left:14.8f} {right:24.8f} {gaps[-1]:21.1e}")

plt.figure(figsize=(5, 3))
plt.bar([f"s={s}, p={p}" for s, p in ((1, 0), (1, 1), (2, 0), (2, 1), (3, 2))], np.maximum(gaps, 1e-17))
plt.yscale("log")
plt.ylim(1e-17, 1e-6)
plt.ylabel("relative difference")
plt.title("<conv(x), y> vs <x, conv_transpose(y)>: rounding only")
plt.show()

# %% [markdown]
# ## 6. Intersection over union
#
# A segmentation is scored class by class. For class $c$, the pixels labelled $c$ by the
# prediction and by the target are two sets; their overlap over their union,
#
# $$ \text{IoU}(c) = \frac{|\{\text{pred} = c\} \cap \{\text{target} = c\}|}{|\{\text{pred} = c\} \cup \{\text{target} = c\}|}, $$
#
# is 1 for a perfect match and 0 when they do not overlap. A class in *neither* map has
# $0 / 0$: its IoU is undefined (NaN), and the mean IoU is taken over the classes that
# appear; counting it as 0 would punish a prediction for a class that was never there.
# Pixel accuracy, the share of pixels labelled right, is simpler but flattered by a large
# background. Both refuse maps of different shapes: a prediction must label exactly the
# target's pixels, so nothing is broadcast. Tasks 10.10 and 10.11.

# %% tags=["checks"]
run_checks("segmentation", "segmentation_iou", "pixel_accuracy")

# %% [markdown]
# ## 7. Experiment: IoU of a coarse prediction
#
# A toy target of 32 x 32 pixels: background (0), a square (1) and a disk (2); class 3,
# say "road", appears nowhere. A network that predicts at an eighth of the resolution and
# upsamples its labels with nearest neighbour gets the interiors right and the boundaries
# wrong, in blocks (outlined in red); the coarser the prediction, the more boundary it
# misses. The objects lose most: at 1/8 the disk's IoU falls below one half, while pixel
# accuracy, dominated by the background, still reads above 0.8.

# %% tags=["experiment"]
rows, cols = np.mgrid[0:32, 0:32]
target = np.zeros((32, 32), dtype=np.int64)
target[4:15, 5:17] = 1  # the square
target[(rows - 22) ** 2 + (cols - 22) ** 2 < 6**2] = 2  # the disk

figure, axes = plt.subplots(1, 4, figsize=(14, 3.4))
axes[0].imshow(target, cmap="viridis", vmin=0, vmax=3)
axes[0].set_title("target")
for axis, factor in zip(axes[1:], (2, 4, 8)):
    coarse = target[None, None, factor // 2 :: factor, factor // 2 :: factor].astype(float)  # the label at each block's centre
    pred = segmentation.nearest_upsample_forward(coarse, factor)[0][0, 0].astype(np.int64)
    iou, mean_iou = segmentation.segmentation_iou(pred, target, 4)
    accuracy = segmentation.pixel_accuracy(pred, target)
    axis.imshow(pred, cmap="viridis", vmin=0, vmax=3)
    axis.contour(pred != target, levels=[0.5], colors="red", linewidths=0.8)
    axis.set_title(f"1/{factor} resolution: mIoU {mean_iou:.2f}, acc {accuracy:.2f}", fontsize=10)
    print(f"1/{factor}: IoU per class {np.round(iou, 3)} (class 3 in neither map: nan), mean {mean_iou:.3f}, pixel accuracy {accuracy:.3f}")
for axis in axes:
    axis.axis("off")
plt.show()
