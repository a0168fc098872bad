# %% [markdown]
# # Assignment 8: optimizers
#
# Backpropagation gives the gradient; the optimizer decides what to do with it. Plain
# gradient descent takes a step against the gradient, and on the long narrow valleys that
# loss surfaces are made of it zigzags across the valley while crawling along it. This
# assignment builds the fixes the field uses: momentum, Nesterov's look-ahead, per-coordinate
# step sizes (Adagrad, RMSProp) and Adam, which combines them; Newton's method, and why deep
# learning does not use it; learning-rate schedules; gradient clipping; random search for
# hyperparameters in log space; and the one number to watch while training, the ratio of
# the update to the weights. You write the functions in `optimizers.py`; this notebook
# explains the ideas, runs the public checks on your functions as you go, and uses them in
# experiments.
#
# How to work: edit `optimizers.py` in your editor, then re-run the cells here. The first
# cell turns on `autoreload`, so your edits are picked up without restarting the kernel.
# A cell that calls a function you have not written yet stops with its
# `NotImplementedError`. A cell that calls `run_checks` runs the public checks of the tasks
# just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import optimizers
from checks.harness import run_checks

# %% [markdown]
# ## 1. One shape for every update rule
#
# Every rule is called as `next_w, config = rule(w, dw, config)`. The dict `config` holds
# the hyperparameters (a missing one takes its default, PyTorch's) and whatever the rule must
# remember from one step to the next: a velocity, an average of squared gradients, a step
# count. The rule creates that state on its first call, stores it in the config it returns,
# and the training loop passes that config back in at the next step. Nothing is kept in
# globals, and `w` and `dw` are never modified: the rule returns a new array.
#
# Every rule also takes `weight_decay` $\lambda$, the L2 penalty $\frac{\lambda}{2}\|w\|^2$
# added to the loss, whose gradient joins `dw` first: $g = dw + \lambda w$.
#
# **SGD** steps against the gradient, $w \leftarrow w - \eta g$. **Momentum** keeps a
# velocity, a running sum of past gradients damped by $\mu$ (a ball rolling downhill with
# friction):
#
# $$ v \leftarrow \mu v + g, \qquad w \leftarrow w - \eta v. $$
#
# Along a direction where the gradient keeps its sign, the steps add up to about
# $\eta g / (1 - \mu)$, ten times SGD's for $\mu = 0.9$; across a valley, where it flips
# sign every step, they cancel. **Nesterov momentum** looks ahead: it takes the gradient
# step plus the *new* velocity once more, $w \leftarrow w - \eta (g + \mu v)$ after updating
# $v$, which is how `torch.optim.SGD(nesterov=True)` writes it. Tasks 8.1 to 8.3.

# %% tags=["checks"]
run_checks("optimizers", "sgd", "sgd_momentum", "nesterov_momentum")

# %% [markdown]
# ## 2. A step size per coordinate
#
# A coordinate with large gradients needs small steps, one with tiny gradients large ones.
# **Adagrad** divides by the root of the sum of all squared gradients so far, coordinate by
# coordinate; **RMSProp** uses a leaky average instead, so that the step size does not
# shrink for ever:
#
# $$ \text{Adagrad: } s \leftarrow s + g^2, \qquad
#    \text{RMSProp: } s \leftarrow \alpha s + (1 - \alpha) g^2, \qquad
#    w \leftarrow w - \eta \frac{g}{\sqrt{s} + \epsilon}. $$
#
# **Adam** keeps both a momentum $m$ and an average $v$ of squared gradients. Both start at
# 0, so in the first steps they are too small by the factors $1 - \beta_1^t$ and
# $1 - \beta_2^t$; dividing by these (the *bias correction*, with the step count $t$ counted
# from 1) makes the first steps the right size:
#
# $$ m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
#    w \leftarrow w - \eta \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}. $$
#
# In all three, $\epsilon$ goes after the square root, as in `torch.optim`. Tasks 8.4 to 8.6.

# %% tags=["checks"]
run_checks("optimizers", "adagrad", "rmsprop", "adam")

# %% [markdown]
# ## 3. Experiment: the ellipsoidal surface
#
# The loss $f(w) = \frac{1}{2}(w_1^2 + 20 w_2^2)$ is a valley 20 times steeper across
# ($w_2$) than along ($w_1$): the condition number of its Hessian is 20. Gradient descent
# is stable only for $\eta < 2/20$, and with that step it moves along the valley by a factor
# $1 - \eta$ per step only. Each rule starts at $(-9, 2)$ and takes 50 steps, with a learning
# rate chosen for it; the red star is the minimum.

# %% tags=["experiment"]
A = np.diag([1.0, 20.0])
start = np.array([-9.0, 2.0])
settings = {
    "sgd": {"lr": 0.09}, "sgd_momentum": {"lr": 0.02, "momentum": 0.8},
    "nesterov_momentum": {"lr": 0.02, "momentum": 0.8}, "adagrad": {"lr": 2.0},
    "rmsprop": {"lr": 0.3}, "adam": {"lr": 0.5},
}


def path(rule, config, w, steps=50):
    """The points visited by ``rule`` on f(w) = w @ A @ w / 2, from ``w``."""
    points = [w]
    for _ in range(steps):
        w, config = rule(w, A @ w, config)
        points.append(w)
    return np.array(points)


grid1, grid2 = np.meshgrid(np.linspace(-10, 3, 200), np.linspace(-3, 3, 200))
losses = 0.5 * (grid1**2 + 20 * grid2**2)
figure, axes = plt.subplots(2, 3, figsize=(13, 6.5), sharex=True, sharey=True)
for ax, (name, config) in zip(axes.ravel(), settings.items()):
    points = path(getattr(optimizers, name), dict(config), start)
    ax.contour(grid1, grid2, losses, levels=np.geomspace(0.05, 80, 12), colors="lightgray")
    ax.plot(points[:, 0], points[:, 1], ".-", markersize=3)
    ax.plot(0, 0, "r*", markersize=12)
    ax.set_title(f"{name} {config}\nloss after 50 steps: {0.5 * points[-1] @ A @ points[-1]:.1e}", fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# SGD bounces from wall to wall while creeping along the valley; momentum averages the
# bouncing away and builds up speed along it; Nesterov damps the overshoot. The adaptive
# rules rescale each coordinate by its own gradient size, so here, where the valley is
# aligned with the axes, they head almost straight for the minimum: their steps are about
# $\eta$ in every coordinate whatever its curvature.

# %% [markdown]
# ## 4. Newton's method
#
# A second-order step uses the curvature too. Near $w$ the loss is about
# $f(w) + g^\top \Delta + \frac{1}{2}\Delta^\top H \Delta$, whose stationary point is
# $\Delta = -H^{-1} g$:
#
# $$ w \leftarrow w - H^{-1} g, $$
#
# computed by solving $H \Delta = g$ (`np.linalg.solve`), never by inverting $H$. On a
# quadratic it lands on the stationary point in one step, with no learning rate. But it
# looks for zero gradient, not for low loss: at a saddle point the gradient is 0 too, and
# Newton's method goes straight to it. In deep learning, saddle points are everywhere, and a
# network with $10^8$ weights has a Hessian of $10^{16}$ entries, which is why the field uses
# first-order methods. Task 8.7.

# %% tags=["checks"]
run_checks("optimizers", "newton_step")

# %% [markdown]
# On the valley above, one Newton step from the start lands exactly on the minimum. On the
# saddle $f(w) = \frac{1}{2}(w_1^2 - w_2^2)$, gradient descent from near the ridge first
# slides toward the saddle point and then escapes along $w_2$, where the loss keeps falling;
# Newton's step jumps to the saddle point and stays there.

# %% tags=["experiment"]
print("one Newton step on the valley, from", start, "->", optimizers.newton_step(start, A @ start, A))
S = np.diag([1.0, -1.0])
w0 = np.array([-2.0, 0.01])
descent = [w0]
for _ in range(45):
    descent.append(optimizers.sgd(descent[-1], S @ descent[-1], {"lr": 0.1})[0])
descent = np.array(descent)
newton = np.array([w0, optimizers.newton_step(w0, S @ w0, S)])
grid1, grid2 = np.meshgrid(np.linspace(-2.5, 2.5, 200), np.linspace(-2.5, 2.5, 200))
plt.figure(figsize=(5.5, 5))
plt.contour(grid1, grid2, 0.5 * (grid1**2 - grid2**2), levels=15, cmap="coolwarm")
plt.plot(descent[:, 0], descent[:, 1], ".-", label="gradient descent, 45 steps")
plt.plot(newton[:, 0], newton[:, 1], "o--", label="Newton, one step", zorder=3)
plt.plot(0, 0, "k+", markersize=14, label="saddle point")
plt.title("f(w) = (w1^2 - w2^2) / 2")
plt.xlim(-2.5, 2.5)
plt.ylim(-2.5, 2.5)
plt.legend(loc="lower left")
plt.show()

# %% [markdown]
# ## 5. Learning-rate schedules
#
# Early in training a large learning rate makes fast progress; later, the noise of the
# minibatch gradients keeps the weights bouncing around the minimum, and only a smaller rate
# lets them settle. A schedule lowers the rate with the step (or epoch) count $t$:
#
# $$ \text{step: } \eta_0 \gamma^{\lfloor t / s \rfloor}, \qquad
#    \text{exponential: } \eta_0 \gamma^t, \qquad
#    1/t\text{: } \frac{\eta_0}{1 + k t}, \qquad
#    1/\sqrt{t}\text{: } \frac{\eta_0}{\sqrt{1 + k t}}. $$
#
# Step decay holds the rate for $s$ steps and then drops it (the floor), as PyTorch's
# `StepLR`; exponential decay is `ExponentialLR`. Tasks 8.8 to 8.11.

# %% tags=["checks"]
run_checks("optimizers", "step_decay", "exponential_decay", "inverse_time_decay", "inverse_sqrt_decay")

# %% [markdown]
# The experiment fits a linear regression with minibatch SGD with momentum (batches of 8,
# so the gradients are noisy) for 300 steps under each schedule, and under a constant rate.
# The loss is measured on the whole data set.

# %% tags=["experiment"]
rng = np.random.default_rng(0)
X = rng.normal(size=(2000, 20)) * np.geomspace(0.3, 3, 20)
w_true = rng.normal(size=20)
y = X @ w_true + rng.normal(scale=0.5, size=2000)
batches = [rng.integers(0, 2000, size=8) for _ in range(300)]


def regression_gradient(w, rows):
    """Gradient of the mean squared error / 2 on the minibatch ``rows``."""
    return X[rows].T @ (X[rows] @ w - y[rows]) / len(rows)


w_init = rng.normal(size=20)


def train(schedule, rule=optimizers.sgd_momentum):
    """Loss on all data and update ratio after each step from w_init, the rate of step t ``schedule(t)``."""
    w, config, history, ratios = w_init, {}, [], []
    for t, rows in enumerate(batches):
        config["lr"] = schedule(t)
        next_w, config = rule(w, regression_gradient(w, rows), config)
        ratios.append(optimizers.update_ratio(w, next_w - w))
        w = next_w
        history.append(0.5 * np.mean((X @ w - y) ** 2))
    return np.array(history), np.array(ratios)


lr0 = 0.01
schedules = {
    "constant": lambda t: lr0,
    "step (s = 75, gamma = 0.3)": lambda t: optimizers.step_decay(lr0, t, 75, 0.3),
    "exponential (gamma = 0.99)": lambda t: optimizers.exponential_decay(lr0, t, 0.99),
    "1/t (k = 0.05)": lambda t: optimizers.inverse_time_decay(lr0, t, 0.05),
    "1/sqrt(t) (k = 0.1)": lambda t: optimizers.inverse_sqrt_decay(lr0, t, 0.1),
}
figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for name, schedule in schedules.items():
    left.plot([schedule(t) for t in range(300)], label=name)
    right.semilogy(train(schedule)[0], label=name)
left.set_title("learning rate")
right.set_title("loss on all the data")
for ax in (left, right):
    ax.set_xlabel("step")
    ax.legend()
plt.show()

# %% [markdown]
# Every schedule starts as fast as the constant rate. The constant rate keeps bouncing with
# the noise of the minibatches; the decayed ones average it out and settle. Decay too fast
# and training stalls before reaching the minimum: here $1/t$, which has lost 80% of its rate
# after 80 steps, lags behind the others all the way.

# %% [markdown]
# ## 6. Gradient clipping
#
# A single bad batch, or the exploding gradients of a recurrent network, can produce a
# gradient so large that one step undoes hours of training. Clipping bounds the step:
# `clip_by_value` clips every entry to $[-c, c]$ (which changes the direction of the
# gradient), `clip_by_norm` scales *all* the parameters' gradients by one factor,
#
# $$ \text{total\_norm} = \sqrt{\textstyle\sum_i \|g_i\|^2}, \qquad
#    g_i \leftarrow g_i \cdot \min\!\left(1, \frac{\text{max\_norm}}{\text{total\_norm} + 10^{-6}}\right), $$
#
# which keeps the direction of the whole gradient (as `torch.nn.utils.clip_grad_norm_`).
# Both return new arrays. Tasks 8.12 and 8.13.

# %% tags=["checks"]
run_checks("optimizers", "clip_by_value", "clip_by_norm")

# %%
grads = [np.array([3.0, -4.0]), np.array([[12.0]])]
clipped, total_norm = optimizers.clip_by_norm(grads, 1.0)
print("total norm", total_norm, "-> clipped", [g.round(4).tolist() for g in clipped])
print("by value:", [g.tolist() for g in optimizers.clip_by_value(grads, 1.0)])

# %% [markdown]
# ## 7. Random search in log space
#
# A learning rate of $10^{-3}$ and one of $2 \cdot 10^{-3}$ behave alike; $10^{-3}$ and
# $10^{-2}$ do not. What matters is the order of magnitude, so a random search draws
# $\log_{10}$ of the value uniformly: as many trials between $10^{-4}$ and $10^{-3}$ as
# between $10^{-2}$ and $10^{-1}$. Drawing the value itself uniformly on $[10^{-4}, 10^{-1}]$
# would put 90% of the trials in the top decade. Random search beats a grid because each
# trial tries a new value of *every* hyperparameter, the one that matters included. Task 8.14.

# %% tags=["checks"]
run_checks("optimizers", "log_uniform")

# %% tags=["experiment"]
rng = np.random.default_rng(1)
trials = optimizers.log_uniform(1e-4, 3e-2, 20, rng)
final = [train(lambda t, lr=lr: lr)[0][-1] for lr in trials]
plt.figure(figsize=(6, 3.5))
plt.loglog(trials, final, "o")
plt.xlabel("learning rate (drawn log-uniformly)")
plt.ylabel("final loss")
plt.title("Random search: 20 trials of 300 steps")
plt.show()
print(f"best learning rate: {trials[int(np.argmin(final))]:.2g}")

# %% [markdown]
# ## 8. Watching the update ratio
#
# The ratio of the size of the update to the size of the weights,
# $\|\Delta w\| / \|w\|$ (Frobenius norms), says at a glance whether the learning rate fits:
# around $10^{-3}$ is healthy; $10^{-2}$ and above, each step rewrites a good part of the
# weights; far below, they hardly move. Task 8.15.

# %% tags=["checks"]
run_checks("optimizers", "update_ratio")

# %% tags=["experiment"]
plt.figure(figsize=(7, 4))
for lr in (1e-4, 1e-3, 1e-2):
    plt.semilogy(train(lambda t, lr=lr: lr)[1], label=f"lr = {lr:g}")
plt.axhline(1e-3, color="gray", linestyle="--", label="1e-3, healthy")
plt.xlabel("step")
plt.ylabel("||update|| / ||w||")
plt.title("Update ratio during training (SGD with momentum)")
plt.legend()
plt.show()

# %% [markdown]
# The ratio rises over the first steps while momentum builds up the velocity, then falls as
# the gradients shrink. With $\eta = 10^{-2}$ it stays near $10^{-2}$ to the end: every step
# still rewrites a good part of the weights, and the loss keeps bouncing. The ratio scales with
# the learning rate, so it is the quickest way to see which way to change it.
