# %% [markdown]
# # Assignment 13: networks, composing the layers and training end to end
#
# Every assignment so far built a part: layers and their gradients, initialization, update
# rules. Here you put the parts together and train a network to read handwritten digits,
# the problem the course opened with. You write a multilayer perceptron (its parameters, its
# scores, its regularized loss and gradients), two pieces of the ResNet era (the residual
# block and global average pooling), one SGD step with frozen keys, accuracy, and the
# training loop. The notebook then trains your network on 1,197 digits of 8 x 8 pixels and
# watches it learn: the loss curve, training against validation accuracy, learning rates that
# are too high and too low, the ratio of update to weight in each layer, a network that
# memorises 50 examples, and transfer learning from one half of the digits to the other.
#
# First paste your `affine_forward`, `affine_backward`, `relu_forward`, `relu_backward` and
# `softmax_cross_entropy` from `backprop.py` into the marked section of `networks.py`.
#
# How to work: edit `networks.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`. A cell
# that calls `run_checks` runs the public checks of the tasks just explained: one line per
# check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import networks
from checks.harness import run_checks

# %% [markdown]
# ## 1. A multilayer perceptron
#
# The parameters are a dict: layer $l$ has weights `W{l}` of shape (inputs, outputs) and
# biases `b{l}`. Every layer but the last is affine then ReLU, the last is affine alone, its
# outputs the class scores:
#
# $$ h_0 = X, \qquad h_l = \max(0, h_{l-1} W_l + b_l) \;(l < L), \qquad s = h_{L-1} W_L + b_L. $$
#
# `init_mlp` draws each $W_l$ from a normal with variance $2/\text{fan\_in}$ (He, for ReLU
# networks) or $1/\text{fan\_in}$ (Xavier), biases 0. The loss is the mean softmax
# cross-entropy plus an L2 penalty on the weights (never the biases: a bias shifts a unit but
# makes the function no steeper):
#
# $$ L = \frac{1}{N}\sum_i -\log \operatorname{softmax}(s_i)_{y_i} + \frac{\lambda}{2} \sum_l \|W_l\|^2,
#    \qquad \frac{\partial}{\partial W_l}\frac{\lambda}{2}\|W_l\|^2 = \lambda W_l. $$
#
# The gradient is backpropagation through the layers in reverse, each layer's backward pass
# taking the cache of its forward pass. Tasks 13.1 to 13.3.

# %% tags=["checks"]
run_checks("networks", "init_mlp", "mlp_forward", "mlp_loss")

# %% [markdown]
# ## 2. The residual block and global average pooling
#
# Deep plain networks train worse than shallow ones: the gradient reaching the first layers
# has passed through every layer above. ResNet's answer is the *identity shortcut*: a block
# adds its input to what its layers compute,
#
# $$ \text{out} = \operatorname{relu}\big(x + \operatorname{relu}(x W_1 + b_1) W_2 + b_2\big), $$
#
# so with small weights the block is close to the identity, and in the backward pass the
# gradient at the sum reaches $x$ twice: through the layers, and straight along the shortcut.
#
# *Global average pooling* replaces the large fully connected layer at the top of a
# convolutional network by one mean per channel, $\text{out}_{nc} = \frac{1}{HW}\sum_{h,w}
# x_{nchw}$: no parameters, any input size. Its gradient spreads each channel's upstream
# gradient evenly, $1/(HW)$ to every position. Tasks 13.4 to 13.7.

# %% tags=["checks"]
run_checks("networks", "residual_block_forward", "residual_block_backward", "global_average_pool_forward", "global_average_pool_backward")

# %% [markdown]
# ## 3. Training: SGD over minibatches
#
# One step of SGD moves every parameter against its gradient, $p \leftarrow p - \eta\, dp$,
# except the *frozen* ones, which keep their values: that is how transfer learning keeps a
# trained feature extractor fixed. `train` makes epochs: each draws a fresh order of the
# examples from `rng`, cuts it into batches (the last may be smaller), and takes one step
# per batch; after each epoch it records the training and validation accuracy and multiplies
# the learning rate by `lr_decay`. Tasks 13.8 to 13.10.

# %% tags=["checks"]
run_checks("networks", "sgd_step", "accuracy", "train")

# %% [markdown]
# ## 4. Reading digits
#
# The data: 1,797 handwritten digits of 8 x 8 pixels with values 0 to 16 (UCI's optdigits, as
# scikit-learn ships it; see `data/DIGITS.md`), split once and for all into 1,197 training,
# 300 validation and 300 test images. Each image becomes a row of 64 numbers in [0, 1].

# %%
data = np.load("data/digits.npz")
X_train, y_train = data["X_train"].reshape(-1, 64) / 16, data["y_train"]
X_val, y_val = data["X_val"].reshape(-1, 64) / 16, data["y_val"]
X_test, y_test = data["X_test"].reshape(-1, 64) / 16, data["y_test"]
figure, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for digit, ax in enumerate(axes):
    ax.imshow(X_train[np.flatnonzero(y_train == digit)[0]].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")
plt.show()
print(X_train.shape, X_val.shape, X_test.shape)

# %% [markdown]
# A network with one hidden layer of 64 units, 15 epochs of batches of 32, a learning rate of
# 0.1 decaying by 5% per epoch. The loss of each batch is noisy (each batch is a different
# sample of the data), so the curve also shows its running mean over an epoch. Training
# accuracy above validation accuracy is the generalization gap.

# %% tags=["experiment"]
rng = np.random.default_rng(0)
params = networks.init_mlp([64, 64, 10], rng)
trained, history = networks.train(params, X_train, y_train, X_val, y_val, lr=0.1, epochs=15, batch_size=32, rng=rng, lr_decay=0.95)
batches = len(history["loss"]) // 15
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.plot(history["loss"], alpha=0.4, label="each batch")
left.plot(np.arange(batches - 1, len(history["loss"])), np.convolve(history["loss"], np.ones(batches) / batches, mode="valid"), label="mean over an epoch")
left.set(xlabel="batch", ylabel="loss", yscale="log", title="the loss curve")
left.legend()
epochs = np.arange(1, 16)
right.plot(epochs, history["train_acc"], "o-", label="training")
right.plot(epochs, history["val_acc"], "o-", label="validation")
right.set(xlabel="epoch", ylabel="accuracy", title="accuracy after each epoch")
right.legend()
plt.show()
print(f"validation accuracy {history['val_acc'][-1]:.3f}; test accuracy {networks.accuracy(trained, X_test, y_test):.3f}")

# %% [markdown]
# ## 5. The learning rate, too high and too low
#
# Too low, and the loss creeps down: the network is still far from trained when the epochs
# run out. Too high, and the steps overshoot: the loss jumps about or blows up. Between them a
# range of rates works, and the loss curve tells which side you are on.

# %% tags=["experiment"]
figure, axes = plt.subplots(1, 3, figsize=(13, 3.3), sharey=True)
for ax, lr in zip(axes, (0.003, 0.1, 3.0)):
    rng = np.random.default_rng(1)
    with np.errstate(over="ignore", invalid="ignore"):  # the highest rate overflows on purpose
        _, run = networks.train(networks.init_mlp([64, 64, 10], rng), X_train, y_train, X_val, y_val, lr, 10, 32, rng)
    ax.plot(np.minimum(np.nan_to_num(run["loss"], nan=1e3), 1e3))
    ax.set(title=f"lr = {lr:g}: val accuracy {run['val_acc'][-1]:.2f}", xlabel="batch", yscale="log")
axes[0].set_ylabel("loss (capped at 1e3)")
plt.show()

# %% [markdown]
# ## 6. The ratio of update to weight
#
# A learning rate is right for a layer when each step changes its weights by a small share of
# their size: $\|\eta\, dW\| / \|W\|$ around $10^{-3}$ is the rule of thumb (much less: the
# layer barely learns; near 1: it forgets what it had). Here one epoch of SGD steps by hand,
# with `mlp_loss` and `sgd_step`, records that ratio for each layer at each step.

# %% tags=["experiment"]
figure, ax = plt.subplots(figsize=(7, 3.3))
for lr in (0.01, 0.1):
    rng = np.random.default_rng(2)
    params = networks.init_mlp([64, 64, 10], rng)
    ratios = {"W1": [], "W2": []}
    order = rng.permutation(len(X_train))
    for start in range(0, len(X_train), 32):
        rows = order[start:start + 32]
        _, grads = networks.mlp_loss(params, X_train[rows], y_train[rows])
        for key in ratios:
            ratios[key].append(np.linalg.norm(lr * grads[key]) / np.linalg.norm(params[key]))
        params = networks.sgd_step(params, grads, lr)
    for key, values in ratios.items():
        ax.plot(values, label=f"{key}, lr = {lr:g}")
ax.axhline(1e-3, color="gray", linestyle=":")
ax.set(xlabel="step", ylabel="||lr dW|| / ||W||", yscale="log", title="update / weight per layer, first epoch")
ax.legend()
plt.show()

# %% [markdown]
# ## 7. Overfitting a small sample
#
# Before training on everything, check that the network can fit a few examples perfectly: 50
# training digits, no regularization, enough epochs. A network with a bug in its gradient
# usually cannot. The validation accuracy shows what memorising 50 examples is worth.

# %% tags=["experiment"]
rng = np.random.default_rng(3)
few = rng.choice(len(X_train), size=50, replace=False)
_, small = networks.train(networks.init_mlp([64, 100, 10], rng), X_train[few], y_train[few], X_val, y_val, 0.2, 100, 10, rng)
figure, ax = plt.subplots(figsize=(7, 3.3))
ax.plot(small["train_acc"], label="the 50 training examples")
ax.plot(small["val_acc"], label="validation")
ax.set(xlabel="epoch", ylabel="accuracy", title="overfitting 50 examples")
ax.legend()
plt.show()
print(f"training accuracy {small['train_acc'][-1]:.2f}, validation accuracy {small['val_acc'][-1]:.2f}")

# %% [markdown]
# ## 8. Transfer learning
#
# Train a network on the digits 0 to 4 only: its hidden layer learns strokes and shapes that
# digits share. Then keep that layer frozen (`frozen=("W1", "b1")`), give the network a fresh
# classifier, and train only the classifier on a few examples of the digits 5 to 9. Two
# comparisons: the whole network trained from scratch on the same few examples, and a frozen
# hidden layer that never learned anything (random He weights), which shows what the learned
# features add. Each point is the mean of three draws of the few examples.

# %% tags=["experiment"]
rng = np.random.default_rng(4)
low = y_train < 5
base, _ = networks.train(networks.init_mlp([64, 128, 10], rng), X_train[low], y_train[low], X_val[y_val < 5], y_val[y_val < 5], 0.1, 15, 32, rng)
X_val_high, y_val_high = X_val[y_val >= 5], y_val[y_val >= 5]
sizes = (10, 20, 50)
results = {"frozen features from 0-4, new classifier": [], "frozen random features": [], "whole network from scratch": []}
for size in sizes:
    runs = {name: [] for name in results}
    for draw in range(3):
        r = np.random.default_rng(10 + draw)
        few = r.choice(np.flatnonzero(y_train >= 5), size=size, replace=False)
        fresh = networks.init_mlp([64, 128, 10], r)
        starts = {"frozen features from 0-4, new classifier": ({**fresh, "W1": base["W1"], "b1": base["b1"]}, ("W1", "b1")),
                  "frozen random features": (fresh, ("W1", "b1")),
                  "whole network from scratch": (fresh, ())}
        for name, (start, frozen) in starts.items():
            _, run = networks.train(start, X_train[few], y_train[few], X_val_high, y_val_high, 0.5, 20, 10, r, frozen=frozen)
            runs[name].append(run["val_acc"][-1])
    for name in results:
        results[name].append(np.mean(runs[name]))
figure, ax = plt.subplots(figsize=(7, 3.3))
for name, accuracies in results.items():
    ax.plot(sizes, accuracies, "o-", label=name)
ax.set(xlabel="training examples of the digits 5 to 9", ylabel="validation accuracy on 5-9", xscale="log", title="transfer from 0-4 to 5-9")
ax.set_xticks(sizes, [str(size) for size in sizes])
ax.legend()
plt.show()
for name, accuracies in results.items():
    print(f"{name:45s}", "  ".join(f"{a:.2f}" for a in accuracies))

# %% [markdown]
# On these small, clean digits the features learned on 0 to 4 do at least as well as frozen random features
# and come close to training everything from scratch, with a fraction of the parameters
# trained: they carry something across. Transfer wins outright where the first task is much
# larger than the second and training from scratch is out of reach, as with features trained
# on ImageNet reused for a few hundred medical images.
