# %% [markdown]
# # Assignment 14: seeing what a network learned
#
# A trained network is a function from images to class scores, and its weights alone say
# little about *why* it scores an image as it does. This assignment asks the network instead,
# with the tools of the lecture: the first layer's weights drawn as images; saliency maps (which
# pixels move the score most); occlusion maps (how much the score drops when part of the image
# is hidden); class visualization (an image the network finds most "3"-like); fooling images
# (the smallest change that makes the network see another digit); and a map of what a hidden
# layer has made of many images, in two dimensions by PCA.
#
# The network is one of two small classifiers of the 8 x 8 handwritten digits, trained by
# `data/visualization_models.py` (nothing to do there): softmax regression and a one-hidden-layer
# MLP with 32 ReLU units. Your functions get a model as two functions, as a framework would give
# it: `scores(X)` and `input_gradient(X, dscores)`, the gradient of `sum(dscores * scores(X))`
# with respect to the images.
#
# How to work: edit `visualization.py` in your editor, then re-run the cells here. The first
# cell turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`. A cell
# that calls `run_checks` runs the public checks of the tasks just explained: one line per
# check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import sys

import matplotlib.pyplot as plt
import numpy as np

import visualization
from checks.harness import run_checks

sys.path.insert(0, "data")  # the models' script sits beside the digits
import visualization_models as models  # noqa: E402

# %% [markdown]
# ## 1. The digits, the models, and the first layer's weights
#
# Each image is 8 x 8 pixels with values in $[0, 1]$ (the data set's 0 to 16, divided by 16).
# A linear model scores class $c$ as $x \cdot W_{:, c} + b_c$: its weights for a class *are* an
# image, positive where ink raises the score. The MLP's first layer is 32 such templates, each
# feeding a ReLU unit; its scores are a second linear layer on those 32 detectors.

# %%
digits = models.load_digits()
X_val, y_val = digits["X_val"], digits["y_val"]
layers = models.load_models()
linear, mlp = models.functions(layers["linear"]), models.functions(layers["mlp"])
for name in ("linear", "mlp"):
    print(f"{name}: validation accuracy {models.accuracy(layers[name], X_val, y_val):.3f}")

# %% tags=["experiment"]
fig, axes = plt.subplots(2, 10, figsize=(12, 2.8))
W_linear, W_hidden = layers["linear"][0][0], layers["mlp"][0][0]
for c in range(10):
    axes[0, c].imshow(W_linear[:, c].reshape(8, 8), cmap="RdBu_r", vmin=-np.abs(W_linear).max(), vmax=np.abs(W_linear).max())
    axes[0, c].set_title(f"class {c}")
    axes[1, c].imshow(W_hidden[:, c].reshape(8, 8), cmap="RdBu_r")
    axes[1, c].set_title(f"unit {c}")
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("first-layer weights: the linear model's ten classes (top), ten of the MLP's 32 hidden units (bottom)")
plt.show()

# %% [markdown]
# ## 2. Saliency maps
#
# Simonyan, Vedaldi and Zisserman (2014) asked which pixels the true class's score is most
# sensitive to: the gradient of that score with respect to the image, at this image,
#
# $$ M_{rc} = \left| \frac{\partial s_y(x)}{\partial x_{rc}} \right|. $$
#
# The magnitude, not the sign: a pixel matters when changing it moves the score either way.
# Task 14.1: one call of `input_gradient` with `dscores` one-hot at each image's label gives every
# image's gradient at once (row $i$ of the scores depends on image $i$ only). For the linear model
# the gradient is $W_{:, y}$ whatever the image; for the MLP it depends on which hidden units are on.
#
# ## 3. Occlusion maps
#
# Zeiler and Fergus (2014) covered part of the image with a grey square and watched the true
# class's score: where it drops most, the network was looking. Task 14.2: for every patch position
# inside the image (top-left corners at multiples of `stride`, so there are
# $(H - \text{patch}) // \text{stride} + 1$ rows of positions), the map holds the score of the
# image minus the score with that patch set to `fill`. Unlike saliency it needs no gradient, only
# many forward passes, and it measures a large change instead of an infinitesimal one.

# %% tags=["checks"]
run_checks("visualization", "saliency_map", "occlusion_map")

# %% tags=["experiment"]
shown = np.array([np.flatnonzero(y_val == c)[0] for c in (0, 2, 3, 5, 7, 9)])
saliency = visualization.saliency_map(*mlp, X_val[shown], y_val[shown])
occlusion = visualization.occlusion_map(mlp[0], X_val[shown], y_val[shown], patch=2, stride=1, fill=0.0)
fig, axes = plt.subplots(3, len(shown), figsize=(10, 5.5))
for j, i in enumerate(shown):
    axes[0, j].imshow(X_val[i], cmap="gray_r")
    axes[0, j].set_title(f"label {y_val[i]}")
    axes[1, j].imshow(saliency[j], cmap="hot")
    axes[2, j].imshow(occlusion[j], cmap="RdBu_r", vmin=-np.abs(occlusion[j]).max(), vmax=np.abs(occlusion[j]).max())
for ax in axes.ravel():
    ax.axis("off")
axes[1, 0].set_title("saliency", loc="left")
axes[2, 0].set_title("occlusion (2 x 2)", loc="left")
fig.suptitle("the MLP: digits, |d score / d pixel|, and the score's drop when a 2 x 2 patch is blanked (red: it hurt)")
plt.show()

# %% [markdown]
# ## 4. Class visualization
#
# Gradient ascent on the *input*: start from a blank image and repeatedly move it up the gradient
# of one class's score. Without a penalty the image would grow without bound (a bigger image
# scores higher for a ReLU network), so an $\ell_2$ term keeps it small: maximize
# $s_c(x) - \lambda \|x\|^2$, whose gradient gives the step
#
# $$ x \leftarrow x + \eta \left( \frac{\partial s_c}{\partial x} - 2 \lambda x \right). $$
#
# Task 14.3. For the linear model the gradient is constant, so the image converges to
# $W_{:, c} / (2 \lambda)$: the template itself. For the MLP it is what the hidden units
# together respond to.

# %% tags=["checks"]
run_checks("visualization", "class_visualization")

# %% tags=["experiment"]
fig, axes = plt.subplots(2, 10, figsize=(12, 2.8))
for row, name in enumerate(("linear", "mlp")):
    for c in range(10):
        x = visualization.class_visualization(*(linear if name == "linear" else mlp), c, (8, 8), steps=200, lr=0.1, l2=0.05)
        axes[row, c].imshow(x, cmap="gray_r")
        axes[row, c].set_title(f"{name} {c}", fontsize=8)
        axes[row, c].axis("off")
fig.suptitle("images that maximize each class's score, l2 = 0.05: the linear model (top) and the MLP (bottom)")
plt.show()

# %% [markdown]
# ## 5. Fooling images
#
# Szegedy et al. (2014) found that a tiny, deliberate change makes a network misclassify an image
# a person still reads the same. Task 14.4: step along the target class's gradient, each step of
# length exactly `lr` (the gradient divided by its norm), and stop as soon as the target is the
# highest score, checked before every step, so an image already classified as the target comes
# back unchanged after 0 steps.

# %% tags=["checks"]
run_checks("visualization", "fooling_image")

# %% tags=["experiment"]
x = X_val[np.flatnonzero(y_val == 4)[0]]
x_fool, steps = visualization.fooling_image(*mlp, x, target=9, lr=0.05, max_steps=500)
predicted = [int(np.argmax(mlp[0](image[None]))) for image in (x, x_fool)]
fig, axes = plt.subplots(1, 3, figsize=(8, 3))
for ax, image, title in zip(axes, (x, x_fool - x, x_fool), (f"a 4 (MLP: {predicted[0]})", f"the change, {steps} steps", f"fooled (MLP: {predicted[1]})")):
    ax.imshow(image, cmap="RdBu_r" if "change" in title else "gray_r")
    ax.set_title(title)
    ax.axis("off")
plt.show()
print(f"||x_fool - x|| = {np.linalg.norm(x_fool - x):.3f}, against ||x|| = {np.linalg.norm(x):.3f}")

# %% [markdown]
# ## 6. What the hidden layer made of the digits: PCA
#
# The lecture shows t-SNE maps of a network's last hidden layer: images the network treats alike
# land together. PCA is the linear version: centre the representations (one row per image), take
# the right singular vectors of the largest singular values as directions, and project onto the
# first two. Each component's sign is arbitrary (the SVD may return $v$ or $-v$), so the contract
# fixes it: the largest-magnitude entry is positive. Task 14.5; the explained variance ratio says
# how much of the spread the picture shows.

# %% tags=["checks"]
run_checks("visualization", "pca")

# %% tags=["experiment"]
pixels = X_val.reshape(len(X_val), -1)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, data, title in zip(axes, (pixels, models.hidden(layers["mlp"], X_val)), ("raw pixels", "the MLP's 32 hidden units")):
    _, projected, ratio = visualization.pca(data, 2)
    points = ax.scatter(projected[:, 0], projected[:, 1], c=y_val, cmap="tab10", s=12)
    ax.set_title(f"{title}: {100 * ratio.sum():.0f}% of the variance")
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
plt.show()
