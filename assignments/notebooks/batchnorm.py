# %% [markdown]
# # Assignment 4: batch normalization
#
# In a deep network, the distribution of each layer's inputs changes whenever the layers
# below it change, and with a poor initialization the activations shrink or blow up from
# layer to layer. Batch normalization makes every feature of a layer's input have mean 0
# and variance 1 over the batch, and then lets the network choose the scale and the shift
# it actually wants. You write the functions in `batchnorm.py`; this notebook explains the
# ideas, runs the public checks on your functions as you go, and uses them in two
# experiments.
#
# How to work: edit `batchnorm.py` in your editor, then re-run the cells here. The first
# cell turns on `autoreload`, so your edits are picked up without restarting the kernel.
# A cell that calls a function you have not written yet stops with its
# `NotImplementedError`. A cell that calls `run_checks` runs the public checks of the tasks
# just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import batchnorm
from checks.harness import run_checks

# %% [markdown]
# ## 1. Normalize, then un-normalize
#
# For a batch $x \in \mathbb{R}^{N \times D}$, each feature $j$ (a column) is normalized with
# the batch mean and the *biased* batch variance,
#
# $$ \mu_j = \frac{1}{N}\sum_{i} x_{ij}, \qquad
#    \sigma_j^2 = \frac{1}{N}\sum_{i} (x_{ij} - \mu_j)^2, \qquad
#    \hat{x}_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, $$
#
# and then scaled and shifted by learned parameters $\gamma, \beta \in \mathbb{R}^D$:
#
# $$ \text{out}_{ij} = \gamma_j\, \hat{x}_{ij} + \beta_j. $$
#
# The small $\epsilon$ (default $10^{-5}$) keeps the division finite for a feature that is
# constant over the batch, where $\sigma_j^2 = 0$; it sits *under* the square root, and it
# matters wherever the variance is as small as $\epsilon$.
#
# Why un-normalize? Forcing mean 0 and variance 1 could take away something the next layer
# needs (a sigmoid would only ever see its nearly linear middle). With $\gamma$ and $\beta$
# the layer can represent any mean and scale, the identity included: $\gamma_j = \sqrt{\sigma_j^2 + \epsilon}$
# and $\beta_j = \mu_j$ give back $x$. What changes is how the network is parameterized:
# the scale of a feature is one number, $\gamma_j$, instead of a product of every weight below it.
#
# Write the train mode of `batchnorm_forward` (task 4.1) and try the identity:

# %%
rng = np.random.default_rng(0)
x = rng.normal(loc=[3.0, -1.0, 0.0], scale=[2.0, 0.5, 10.0], size=(8, 3))
out, _ = batchnorm.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
print("mean of out per feature:", out.mean(axis=0).round(12))
print("std of out per feature: ", out.std(axis=0).round(6))
gamma, beta = np.sqrt(x.var(axis=0) + 1e-5), x.mean(axis=0)
back, _ = batchnorm.batchnorm_forward(x, gamma, beta, {"mode": "train"})
print("gamma = std, beta = mean gives back x; largest difference:", np.abs(back - x).max())

# %% [markdown]
# ## 2. Running statistics and test mode
#
# At test time there may be a single example, and its output must not depend on whatever
# else is in the batch. So during training the layer keeps running averages of the batch
# statistics, and at test time it normalizes with those:
#
# $$ \text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu, \qquad
#    \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\,\frac{N}{N - 1}\sigma^2. $$
#
# The momentum $m$ (default 0.1) is the weight of the *new* batch, as in PyTorch. The running
# variance uses the unbiased estimate $\frac{N}{N-1}\sigma^2$: it estimates the variance of the
# whole population, and with small batches the biased one is noticeably too small. The running
# statistics start at zeros and ones, live in the dict `bn_param`, and are updated there, in
# place: that dict is the only state that outlives the call. Finish task 4.1 and run its checks.

# %% tags=["checks"]
run_checks("batchnorm", "batchnorm_forward")

# %% [markdown]
# How fast do the running statistics forget their start? After $t$ steps the start value
# still weighs $(1 - m)^t$: with $m = 0.1$, about 35% after 10 steps and 0.003% after 100.
# The experiment feeds batches of 16 from a feature with mean 5 and variance 4, and follows
# the running mean and variance for two momenta.

# %% tags=["experiment"]
rng = np.random.default_rng(1)
batches = [rng.normal(5.0, 2.0, size=(16, 1)) for _ in range(80)]
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for momentum in (0.1, 0.3):
    bn_param = {"mode": "train", "momentum": momentum}
    means, variances = [], []
    for batch in batches:
        batchnorm.batchnorm_forward(batch, np.ones(1), np.zeros(1), bn_param)
        means.append(bn_param["running_mean"][0])
        variances.append(bn_param["running_var"][0])
    left.plot(means, label=f"momentum {momentum}")
    right.plot(variances, label=f"momentum {momentum}")
left.axhline(5.0, color="gray", linestyle="--", label="true mean")
right.axhline(4.0, color="gray", linestyle="--", label="true variance")
left.set_title("running_mean")
right.set_title("running_var")
for axes in (left, right):
    axes.set_xlabel("training step")
    axes.legend()
plt.show()

# %% [markdown]
# A larger momentum forgets the start faster, but follows the noise of each batch more.

# %% [markdown]
# ## 3. The backward pass
#
# $\mu$ and $\sigma^2$ depend on every $x_{ij}$ of their column, so the gradient with respect
# to $x$ has three paths: through $\hat{x}$ directly, through $\sigma^2$ and through $\mu$.
# Following the computational graph node by node, then simplifying, gives (sums over the batch):
#
# $$ \frac{\partial L}{\partial \beta} = \sum_i \text{dout}_i, \qquad
#    \frac{\partial L}{\partial \gamma} = \sum_i \text{dout}_i \odot \hat{x}_i, $$
#
# $$ \frac{\partial L}{\partial x} = \frac{\gamma}{N\sqrt{\sigma^2 + \epsilon}}
#    \left(N\,\text{dout} - \frac{\partial L}{\partial \beta} - \hat{x} \odot \frac{\partial L}{\partial \gamma}\right). $$
#
# $\gamma$ and $\beta$ are shared by every example, so their gradients are sums over the batch,
# not means. The last formula says that the gradient cannot move the mean of $\hat{x}$ or its
# scale: whatever in `dout` points along those directions is projected out. Task 4.2.

# %% tags=["checks"]
run_checks("batchnorm", "batchnorm_backward")

# %% [markdown]
# ## 4. Spatial batch normalization
#
# For images $x \in \mathbb{R}^{N \times C \times H \times W}$ from a convolution, the same
# filter produced every position of a channel, so a channel is one feature: there is one mean,
# one variance, one $\gamma$ and one $\beta$ per channel, over the $N H W$ values of that channel
# (as `torch.nn.BatchNorm2d`). Moving the channel axis last and reshaping to $(NHW, C)$ turns it
# into the batch normalization you have written. Tasks 4.3 and 4.4.

# %% tags=["checks"]
run_checks("batchnorm", "spatial_batchnorm_forward", "spatial_batchnorm_backward")

# %% [markdown]
# ## 5. Experiment: activations in a deep network
#
# A network of 10 layers `affine -> tanh`, 100 units wide, with random weights of standard
# deviation $0.5/\sqrt{D}$: a little too small. Without normalization each layer shrinks the
# activations, and by the last layer they are squeezed near 0, where the gradients vanish too.
# With batch normalization before each tanh ($\gamma = 1$, $\beta = 0$), every layer sees inputs
# of variance 1, whatever the scale of the weights.

# %% tags=["experiment"]
rng = np.random.default_rng(2)
depth, width = 10, 100
weights = [rng.normal(scale=0.5 / np.sqrt(width), size=(width, width)) for _ in range(depth)]
inputs = rng.normal(size=(500, width))
stds = {"plain": [], "with batchnorm": []}
last = {}
for name in stds:
    h = inputs
    for w in weights:
        a = h @ w
        if name == "with batchnorm":
            a, _ = batchnorm.batchnorm_forward(a, np.ones(width), np.zeros(width), {"mode": "train"})
        h = np.tanh(a)
        stds[name].append(h.std())
    last[name] = h.ravel()

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, values in stds.items():
    left.semilogy(range(1, depth + 1), values, "o-", label=name)
left.set_xlabel("layer")
left.set_ylabel("std of the activations")
left.set_title("Activation scale, layer by layer")
left.legend()
bins = np.linspace(-1, 1, 81)
for name, values in last.items():
    right.hist(values, bins=bins, alpha=0.6, label=name)
right.set_yscale("log")
right.set_xlabel("activation of the last layer")
right.set_title("Distribution at layer 10")
right.legend()
plt.show()
print({name: f"{values[-1]:.2e}" for name, values in stds.items()})
