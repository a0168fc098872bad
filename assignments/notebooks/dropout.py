# %% [markdown]
# # Assignment 5: dropout
#
# A large network can fit its training set by letting units rely on each other's exact
# values: co-adaptations that do not carry over to new data. Dropout breaks them. During
# training each unit is zeroed at random, so no unit can count on any other being there.
# You write the two functions in `dropout.py`; this notebook explains the idea, runs the
# public checks on your functions, and shows in an experiment why the test-time network is
# the average of all the thinned networks that training sampled.
#
# How to work: edit `dropout.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`. A
# cell that calls `run_checks` runs the public checks of the tasks just explained: one line
# per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import dropout
from checks.harness import run_checks

# %% [markdown]
# ## 1. Inverted dropout
#
# In training, every unit of $x$ is kept with probability $1 - p$ and zeroed with probability
# $p$, independently of all the others, across the batch too. $p$ is the probability of
# *dropping* a unit, PyTorch's convention (`torch.nn.functional.dropout(x, p)`). The kept units
# are scaled by $\frac{1}{1-p}$:
#
# $$ m_{ij} \sim \text{Bernoulli}(1 - p), \qquad \text{out} = \frac{x \odot m}{1 - p}, \qquad
#    \mathbb{E}[\text{out}] = \frac{(1-p)\,x}{1 - p} = x. $$
#
# Because the expectation of every unit is unchanged, the test-time forward pass is simply the
# identity: `train=False` returns `x` itself. (The original dropout did not scale in training
# and multiplied by $1 - p$ at test time instead; inverted dropout moves that work to training,
# so the deployed network needs no change at all.)
#
# The mask comes from the generator `rng` you are given, with `rng.random(x.shape) >= p`,
# never from `np.random`'s global state: the same seed must give the same mask. Task 5.1.

# %%
x = np.ones((4, 8))
out, _ = dropout.dropout_forward(x, 0.25, True, np.random.default_rng(0))
print(out)
many, _ = dropout.dropout_forward(np.ones((1000, 1000)), 0.25, True, np.random.default_rng(1))
print(f"share of zeros {np.mean(many == 0):.4f} (p = 0.25), mean of out {many.mean():.4f} (x = 1)")

# %% tags=["checks"]
run_checks("dropout", "dropout_forward")

# %% [markdown]
# ## 2. The backward pass
#
# $\text{out} = x \odot m / (1 - p)$ is linear in $x$ for a fixed mask, so its gradient is the
# same mask, with the same scale:
#
# $$ \frac{\partial L}{\partial x} = \text{dout} \odot \frac{m}{1 - p}. $$
#
# It must be *the forward's* mask: the units that were dropped took no part in the output, so
# they get no gradient. Keep the mask in the cache; a new draw would send gradient to units
# that were not there. Task 5.2.

# %% tags=["checks"]
run_checks("dropout", "dropout_backward")

# %% [markdown]
# ## 3. Experiment: dropout as an ensemble
#
# Every mask is a different *thinned* network, and they all share the same weights; a network
# with $n$ droppable units has $2^n$ of them. Training with dropout trains this whole ensemble
# at once, one sampled member per step. The natural prediction of an ensemble is the average
# of its members, and inverted dropout's test-time pass computes exactly that average in
# one go, whenever dropout is followed by a linear layer:
#
# $$ \mathbb{E}_m\!\left[W^\top \frac{h \odot m}{1 - p}\right] = W^\top h. $$
#
# The experiment takes a random two-layer network and averages the outputs of $K$ thinned
# networks, for $K$ up to 10,000: with dropout right before the last (linear) layer, the
# average approaches the test-time output, with an error shrinking like $1/\sqrt{K}$. With
# dropout on the input, before a ReLU layer, the test-time pass is only an approximation of the
# ensemble average (the "weight scaling inference rule"): the error stops falling at the bias
# of that approximation, which grows with p.

# %% tags=["experiment"]
rng = np.random.default_rng(2)
inputs = rng.normal(size=(20, 30))
w1, w2 = rng.normal(scale=np.sqrt(2 / 30), size=(30, 50)), rng.normal(scale=np.sqrt(1 / 50), size=(50, 3))
P = {"input": 0.2, "hidden": 0.5}  # the usual rates: inputs are dropped less often


def network(x, where, train, generator):
    """affine -> ReLU -> affine, with dropout on the input ("input") or on the hidden units ("hidden")."""
    if where == "input":
        x, _ = dropout.dropout_forward(x, P[where], train, generator)
    h = np.maximum(x @ w1, 0.0)
    if where == "hidden":
        h, _ = dropout.dropout_forward(h, P[where], train, generator)
    return h @ w2


members = np.logspace(0, 4, 17).astype(int)
figure, axes = plt.subplots(figsize=(6, 4))
for where, label in (("hidden", "p = 0.5 before the last (linear) layer"), ("input", "p = 0.2 before a ReLU layer")):
    test_time = network(inputs, where, False, None)
    generator = np.random.default_rng(3)
    total, drawn, errors = np.zeros_like(test_time), 0, []
    for k in members:
        while drawn < k:
            total += network(inputs, where, True, generator)
            drawn += 1
        errors.append(np.abs(total / drawn - test_time).mean())
    axes.loglog(members, errors, "o-", label=label)
    if where == "hidden":
        axes.loglog(members, errors[0] / np.sqrt(members), "k--", label=r"$1/\sqrt{K}$")
axes.set_xlabel("K, thinned networks averaged")
axes.set_ylabel("mean |average - test-time output|")
axes.set_title("The test-time pass is the ensemble's average")
axes.legend()
plt.show()
