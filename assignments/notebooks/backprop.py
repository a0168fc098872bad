# %% [markdown]
# # Assignment 1: backpropagation, Jacobians and the chain rule
#
# Deep-learning libraries differentiate for you. In this assignment you do it by hand, in
# numpy, to see what they compute. You write the functions in `backprop.py`; this notebook
# explains the ideas, runs the public checks on your functions as you go, and uses them in
# two small experiments.
#
# How to work: edit `backprop.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import backprop
from checks.harness import run_checks

# %% [markdown]
# ## 1. Layers: a forward pass, a backward pass
#
# A network is a composition of layers. Each layer is a pair of functions:
#
# - `forward(inputs) -> (out, cache)`: computes the output and keeps in `cache` what the
#   backward pass will need;
# - `backward(dout, cache) -> gradients`: given $\frac{\partial L}{\partial \text{out}}$
#   (called `dout`, the *upstream* gradient), returns the gradient of the loss $L$ with
#   respect to each input of the forward pass, in the same order.
#
# The affine (fully connected) layer computes, for a batch $x \in \mathbb{R}^{N \times D}$,
# weights $W \in \mathbb{R}^{D \times M}$ and biases $b \in \mathbb{R}^{M}$,
#
# $$ \text{out} = x W + b \in \mathbb{R}^{N \times M}. $$
#
# The chain rule gives its gradients; each has the shape of the variable it belongs to:
#
# $$ \frac{\partial L}{\partial x} = \text{dout}\, W^\top, \qquad
#    \frac{\partial L}{\partial W} = x^\top \text{dout}, \qquad
#    \frac{\partial L}{\partial b} = \sum_{i=1}^{N} \text{dout}_{i,:}. $$
#
# The bias is added to every row of the batch, so its gradient sums over the batch.
#
# **Data path and model path.** $\partial L / \partial x$ flows *backwards along the data
# path*, to the layer that produced $x$: it is the `dout` of the layer below. The gradients
# $\partial L / \partial W$ and $\partial L / \partial b$ leave the network *on the model
# path*: they are what the optimizer uses to update the parameters. A backward pass computes
# both.
#
# Write `affine_forward` and `affine_backward` (tasks 1.1 and 1.2), then run the checks.

# %% tags=["checks"]
run_checks("backprop", "affine_forward", "affine_backward")

# %% [markdown]
# ## 2. ReLU, and the gradient at a kink
#
# $\text{ReLU}(x) = \max(x, 0)$, elementwise. Its derivative is 1 where $x > 0$ and 0 where
# $x < 0$; at the kink $x = 0$ it is not differentiable, and PyTorch (like this course)
# uses 0 there. The backward pass lets the upstream gradient through where the input was
# positive:
#
# $$ dx = \text{dout} \odot \mathbb{1}[x > 0]. $$
#
# The Jacobian of an elementwise function is diagonal, so the backward pass never builds it:
# it multiplies elementwise. Tasks 1.3 and 1.4.

# %% tags=["checks"]
run_checks("backprop", "relu_forward", "relu_backward")

# %% [markdown]
# ## 3. Sigmoid and softmax, computed stably
#
# $$ \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad
#    \text{softmax}(x)_k = \frac{e^{x_k}}{\sum_j e^{x_j}}. $$
#
# Written this way, both overflow: $e^{1000}$ is `inf` in float64. The fixes use identities
# that change nothing mathematically: $\sigma(x) = e^{x} / (1 + e^{x})$ for $x < 0$, so that
# `exp` only sees $-|x|$; and $\text{softmax}(x) = \text{softmax}(x - \max_j x_j)$, so that the
# largest exponent is $e^0 = 1$. Tasks 1.5 and 1.6.

# %% tags=["checks"]
run_checks("backprop", "sigmoid", "softmax")

# %%
logits = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0]])
print("sigmoid:", backprop.sigmoid(np.array([-1000.0, 0.0, 1000.0])))
print("softmax:\n", backprop.softmax(logits))

# %% [markdown]
# ## 4. Losses and their gradients
#
# For scores $s \in \mathbb{R}^{N \times C}$ and labels $y_i$, softmax cross-entropy is
#
# $$ L = -\frac{1}{N} \sum_{i} \log \text{softmax}(s_i)_{y_i}, \qquad
#    \frac{\partial L}{\partial s} = \frac{1}{N}\left(\text{softmax}(s) - \text{onehot}(y)\right). $$
#
# The gradient is "predicted minus true", divided by $N$ because the loss is a mean. Compute
# $\log \text{softmax}$ with the log-sum-exp trick, never as the log of a softmax, which can
# round to $\log 0$. Logistic regression is the two-class case with one score
# $z = X w + b$ per example and $p = \sigma(z)$:
#
# $$ L = \frac{1}{N}\sum_i \left[\log(1 + e^{z_i}) - y_i z_i\right], \qquad
#    \frac{\partial L}{\partial w} = \frac{1}{N} X^\top (p - y), \qquad
#    \frac{\partial L}{\partial b} = \frac{1}{N}\sum_i (p_i - y_i). $$
#
# Tasks 1.7 and 1.8.

# %% tags=["checks"]
run_checks("backprop", "softmax_cross_entropy", "logistic_regression_loss")

# %% [markdown]
# ## 5. Jacobians and the chain rule
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$, the Jacobian $J \in \mathbb{R}^{m \times n}$ has
# entries $J_{ij} = \partial f_i / \partial x_j$: row $i$ is the gradient of output $i$. For
# softmax, with $p = \text{softmax}(s)$,
#
# $$ \frac{\partial p_i}{\partial s_j} = p_i(\delta_{ij} - p_j), \qquad
#    J = \text{diag}(p) - p\,p^\top. $$
#
# For one input $x \in \mathbb{R}^D$ and $f = x W$ with $W \in \mathbb{R}^{D \times M}$,
# $J_x = W^\top$ is $M \times D$; with respect to the weights, flattened row-major into
# $\text{vec}(W) \in \mathbb{R}^{DM}$, $J_W$ is $M \times DM$ with
# $\partial f_m / \partial W_{d m'} = x_d$ if $m = m'$ and 0 otherwise.
#
# **The chain rule is a product of Jacobians.** For $L(f(W))$,
#
# $$ \frac{\partial L}{\partial \text{vec}(W)} = \frac{\partial L}{\partial f}\,
#    \frac{\partial f}{\partial \text{vec}(W)}, \qquad J_{L,W} = J_{L,f}\, J_{f,W}. $$
#
# A backward pass computes exactly this product, without ever building $J_{f,W}$, which is
# mostly zeros. Tasks 1.9 to 1.11.

# %% tags=["checks"]
run_checks("backprop", "softmax_jacobian", "affine_jacobians", "chain_rule")

# %% [markdown]
# The cell below checks that the two views agree. For one example, the loss is the softmax
# cross-entropy of $f = x W$: the chain rule, through the Jacobians, gives the same gradient
# as the backward pass of the affine layer.

# %%
rng = np.random.default_rng(0)
x, w, label = rng.standard_normal(4), rng.standard_normal((4, 3)), np.array([2])
f, cache = backprop.affine_forward(x[None, :], w, np.zeros(3))
loss, dscores = backprop.softmax_cross_entropy(f, label)
J_L_f = dscores                              # (1, M): the loss is a scalar
J_x, J_w = backprop.affine_jacobians(x, w)   # (M, D) and (M, D*M)
by_jacobians = backprop.chain_rule(J_L_f, J_w).reshape(w.shape)
by_backward = backprop.affine_backward(dscores, cache)[1]
print("largest difference:", np.abs(by_jacobians - by_backward).max())

# %% [markdown]
# ## 6. Checking gradients numerically
#
# Every backward pass can be checked against central differences:
#
# $$ \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}, $$
#
# whose error is $O(h^2)$ (a one-sided difference is only $O(h)$). The comparison uses the
# relative error $\max |a - b| / \max(10^{-8}, |a| + |b|)$: around $10^{-7}$ or below in
# float64 means the analytic gradient is right. Task 1.12.

# %% tags=["checks"]
run_checks("backprop", "numerical_jacobian")

# %% [markdown]
# How small should $h$ be? Too large, and the $O(h^2)$ truncation error dominates; too
# small, and $f(x + h e_i) - f(x - h e_i)$ loses its digits to floating-point rounding,
# an error of order $\epsilon / h$ with $\epsilon \approx 10^{-16}$. The experiment below
# compares the numerical Jacobian of softmax with the exact one, for $h$ from $10^{-1}$ to
# $10^{-12}$.

# %% tags=["experiment"]
s = np.random.default_rng(1).standard_normal(5)
exact = backprop.softmax_jacobian(s)
steps = np.logspace(-1, -12, 23)
errors = []
for h in steps:
    numerical = backprop.numerical_jacobian(backprop.softmax, s, h=h)
    errors.append(np.max(np.abs(numerical - exact) / np.maximum(1e-8, np.abs(numerical) + np.abs(exact))))

plt.figure(figsize=(5, 3.5))
plt.loglog(steps, errors, "o-")
plt.xlabel("step h")
plt.ylabel("largest relative error")
plt.title("Central differences: truncation vs rounding")
plt.gca().invert_xaxis()
plt.show()
print(f"best h: {steps[int(np.argmin(errors))]:.0e}, error {min(errors):.1e}")

# %% [markdown]
# ## 7. Experiment: a two-layer network, trained with your layers
#
# Your layers are enough to train a network. The model is
# `affine -> ReLU -> affine -> softmax cross-entropy`, on three interleaved spirals in the
# plane, which no linear classifier can separate. The backward pass runs the layers in
# reverse order; each step follows the gradients down the model path with plain gradient
# descent, $W \leftarrow W - \eta\, \partial L / \partial W$.

# %% tags=["experiment"]
def spirals(rng, per_class=100, classes=3):
    """Points on `classes` noisy spiral arms in the plane, and their labels."""
    radius = np.tile(np.linspace(0.05, 1.0, per_class), classes)
    labels = np.repeat(np.arange(classes), per_class)
    angle = labels * 2 * np.pi / classes + 4 * radius + 0.2 * rng.standard_normal(radius.size)
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]), labels


rng = np.random.default_rng(0)
X, y = spirals(rng)
hidden, learning_rate = 64, 1.0
params = {
    "w1": rng.standard_normal((2, hidden)) * np.sqrt(2 / 2), "b1": np.zeros(hidden),
    "w2": rng.standard_normal((hidden, 3)) * np.sqrt(2 / hidden), "b2": np.zeros(3),
}
losses = []
for step in range(1000):
    h, cache1 = backprop.affine_forward(X, params["w1"], params["b1"])
    a, cache_relu = backprop.relu_forward(h)
    scores, cache2 = backprop.affine_forward(a, params["w2"], params["b2"])
    loss, dscores = backprop.softmax_cross_entropy(scores, y)
    da, dw2, db2 = backprop.affine_backward(dscores, cache2)
    dh = backprop.relu_backward(da, cache_relu)
    _, dw1, db1 = backprop.affine_backward(dh, cache1)
    for name, grad in (("w1", dw1), ("b1", db1), ("w2", dw2), ("b2", db2)):
        params[name] -= learning_rate * grad
    losses.append(loss)
accuracy = np.mean(scores.argmax(axis=1) == y)

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(losses)
left.set_xlabel("step")
left.set_ylabel("training loss")
left.set_title("Softmax cross-entropy")
grid = np.stack(np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-1.2, 1.2, 200)), axis=-1).reshape(-1, 2)
hidden_grid = backprop.relu_forward(backprop.affine_forward(grid, params["w1"], params["b1"])[0])[0]
regions = backprop.affine_forward(hidden_grid, params["w2"], params["b2"])[0].argmax(axis=1)
right.contourf(grid[:, 0].reshape(200, 200), grid[:, 1].reshape(200, 200), regions.reshape(200, 200), alpha=0.3, cmap="brg")
right.scatter(X[:, 0], X[:, 1], c=y, s=8, cmap="brg")
right.set_title(f"Decision regions (training accuracy {accuracy:.0%})")
plt.show()

# %% [markdown]
# ## 8. Experiment: why deep sigmoid networks learn slowly
#
# The derivative of the sigmoid is $\sigma'(x) = \sigma(x)(1 - \sigma(x)) \le 1/4$, and it is
# nearly 0 once $|x|$ is large: the unit *saturates*. On the data path, each sigmoid layer
# multiplies the upstream gradient by such a factor, so the gradient reaching the first
# layers shrinks geometrically with depth. ReLU's factor is 1 wherever the unit is active.
#
# The experiment builds a 10-layer network with your `affine_forward` and either
# `relu_forward` or `sigmoid` (weights scaled by $\sqrt{2/\text{width}}$ in both), runs a
# batch forward, backpropagates $\text{dout} = 1$ from the top with your backward passes
# (for the sigmoid, $dx = \text{dout} \cdot \sigma(x)(1 - \sigma(x))$), and plots the mean
# $|\partial L / \partial W|$ of every layer: the model-path gradients the optimizer would use.

# %% tags=["experiment"]
def weight_gradients(activation, weights, x):
    """Mean |dL/dW| per layer of a deep affine + activation network, for dL/dout = 1 at the top."""
    h, caches = x, []
    for w in weights:
        a, affine_cache = backprop.affine_forward(h, w, np.zeros(w.shape[1]))
        h, relu_cache = backprop.relu_forward(a) if activation == "relu" else (backprop.sigmoid(a), None)
        caches.append((affine_cache, relu_cache, h))
    dh, means = np.ones_like(h), []
    for affine_cache, relu_cache, h in reversed(caches):
        da = backprop.relu_backward(dh, relu_cache) if activation == "relu" else dh * h * (1 - h)
        dh, dw, _ = backprop.affine_backward(da, affine_cache)
        means.append(np.abs(dw).mean())
    return means[::-1]


rng = np.random.default_rng(0)
width, depth = 64, 10
x = rng.standard_normal((32, width))
weights = [rng.standard_normal((width, width)) * np.sqrt(2 / width) for _ in range(depth)]
z = np.linspace(-10, 10, 401)

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(z, backprop.sigmoid(z), label="sigmoid(x)")
left.plot(z, backprop.sigmoid(z) * (1 - backprop.sigmoid(z)), label="its derivative (at most 1/4)")
left.set_xlabel("x")
left.legend(loc="upper left")
left.set_title("The sigmoid saturates")
for activation, marker in (("sigmoid", "o-"), ("relu", "s-")):
    right.semilogy(range(1, depth + 1), weight_gradients(activation, weights, x), marker, label=activation)
right.set_xlabel("layer (1 = next to the input)")
right.set_ylabel("mean |dL/dW|")
right.legend()
right.set_title("Model-path gradients, layer by layer")
plt.show()
