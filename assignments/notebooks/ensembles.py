# %% [markdown]
# # Assignment 12: ensembles, bagging, boosting, averaging and distillation
#
# One network makes errors of its own. Several networks that err *differently* can be
# combined so that their errors partly cancel: that is an ensemble, the most reliable way to
# gain a few points of accuracy, at the price of training and running several models. This
# assignment builds the pieces: bootstrap samples for bagging, averaging and voting, averaging
# parameters (and when it fails), AdaBoost's re-weighting, and distilling an ensemble back
# into one small network. You write the functions in `ensembles.py`; this notebook explains the
# ideas, runs the public checks as you go, and uses your functions to watch each claim happen
# on a small two-class problem.
#
# The networks here are tiny multi-layer perceptrons built from **your** `backprop.py` of
# assignment 1 (`affine_forward`/`backward`, `relu_forward`/`backward`, `softmax`,
# `softmax_cross_entropy`), so finish that first. The training loops, the data and the
# decision stumps are given in `ensembles_experiments.py` (nothing to implement there).
#
# How to work: edit `ensembles.py` in your editor, then re-run the cells here. The first cell
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
import ensembles
import ensembles_experiments as ex
from checks.harness import run_checks

# %% [markdown]
# ## 1. The data: two interleaved moons
#
# Two half circles, one per class, with Gaussian noise: no straight line separates them, and
# with only 200 training points a flexible network can fit the noise. The test set (2000
# points from the same distribution) measures how well a model generalizes.

# %% tags=["experiment"]
data_rng = np.random.default_rng(0)
X, y = ex.make_moons(200, 0.25, data_rng)
X_test, y_test = ex.make_moons(2000, 0.25, data_rng)

figure, axis = plt.subplots(figsize=(5, 3.5))
axis.scatter(*X[y == 0].T, s=12, label="class 0")
axis.scatter(*X[y == 1].T, s=12, label="class 1")
axis.legend()
axis.set_title("200 training points")
plt.show()

# %% [markdown]
# ## 2. Bagging: bootstrap samples
#
# **Bagging** (bootstrap aggregating, Breiman 1996) trains each member of the ensemble on its
# own **bootstrap sample**: $n$ draws *with replacement* from the $n$ training examples. Some
# examples appear twice or more, others not at all: the chance that a given example is never
# drawn is
#
# $$ \Big(1 - \frac{1}{n}\Big)^n \xrightarrow[n \to \infty]{} \frac{1}{e} \approx 0.368, $$
#
# so each sample holds about $1 - 1/e \approx 63.2\%$ distinct examples. The members see
# different data, make different errors, and their average has lower **variance** than any
# of them; its **bias** stays that of one member. Bagging helps models that overfit (deep
# trees, large networks), not models that underfit.
#
# Sampling *without* replacement would give a permutation of the data: every member would see
# the same examples. Task 12.1: draw the indices from the generator `rng` you are given.

# %% tags=["checks"]
run_checks("ensembles", "bootstrap_indices")

# %% tags=["experiment"]
sizes = [10, 30, 100, 300, 1000, 3000, 10000]
shares = [len(np.unique(ensembles.bootstrap_indices(n, np.random.default_rng(n)))) / n for n in sizes]
figure, axis = plt.subplots(figsize=(5, 3))
axis.semilogx(sizes, shares, "o-", label="your bootstrap samples")
axis.semilogx(sizes, [1 - (1 - 1 / n) ** n for n in sizes], "--", label="expected: 1 - (1 - 1/n)^n")
axis.axhline(1 - 1 / np.e, color="gray", linestyle=":", label="1 - 1/e")
axis.set_ylim(0.55, 0.7)
axis.set_xlabel("n")
axis.set_ylabel("share of distinct indices")
axis.legend()
plt.show()

# %% [markdown]
# ## 3. Combining predictions: averaging and voting
#
# $M$ members give class probabilities $p_m(c \mid x)$. The ensemble averages them,
#
# $$ \bar p(c \mid x) = \frac{1}{M} \sum_{m=1}^{M} p_m(c \mid x), $$
#
# which is again a probability distribution (task 12.2). If the members only give labels,
# the ensemble takes a **majority vote** (task 12.3): the label most members predict, ties
# broken towards the smallest label, as `np.argmax` does with the first maximum.
#
# Why does averaging help? For a loss that is convex in the prediction, such as the squared
# error or the cross-entropy, Jensen's inequality says the loss of the averaged prediction is
# at most the average of the members' losses: **the ensemble is never worse than its average
# member**, and it is better the more the members disagree. (For accuracy this holds in
# practice, not as a theorem.)

# %% tags=["checks"]
run_checks("ensembles", "average_predictions", "majority_vote")

# %% [markdown]
# Now five networks with 32 hidden units, each trained by SGD on its own bootstrap sample,
# and the ensemble of them, evaluated on the test set.

# %% tags=["experiment"]
members = ex.bagging(backprop, ensembles, X, y, np.random.default_rng(1), members=5)
probs = np.stack([ex.predict_proba(backprop, params, X_test) for params in members])  # (M, N, C)
member_accuracy = [ex.accuracy(p.argmax(axis=1), y_test) for p in probs]
averaged_accuracy = ex.accuracy(ensembles.average_predictions(probs).argmax(axis=1), y_test)
vote_accuracy = ex.accuracy(ensembles.majority_vote(probs.argmax(axis=2), 2), y_test)
for m, a in enumerate(member_accuracy):
    print(f"member {m}: test accuracy {a:.3f}")
print(f"average member: {np.mean(member_accuracy):.3f}")
print(f"averaged probabilities: {averaged_accuracy:.3f}   majority vote: {vote_accuracy:.3f}")

xx, yy, points = ex.grid(X)
figure, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
panels = [("member 0", ex.predict_proba(backprop, members[0], points)),
          ("member 1", ex.predict_proba(backprop, members[1], points)),
          ("averaged ensemble", ensembles.average_predictions(np.stack([ex.predict_proba(backprop, p, points) for p in members])))]
for axis, (title, p) in zip(axes, panels):
    axis.contourf(xx, yy, p[:, 1].reshape(xx.shape), levels=20, cmap="RdBu_r", alpha=0.6)
    axis.contour(xx, yy, p[:, 1].reshape(xx.shape), levels=[0.5], colors="k")
    axis.scatter(*X.T, c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
    axis.set_title(title)
plt.show()

# %% [markdown]
# Each member's boundary bends around a few noisy points of its own sample; the averaged
# boundary is smoother: the members' idiosyncrasies cancel, their common shape remains.
#
# ## 4. Averaging parameters: independent models against snapshots of one run
#
# Averaging predictions costs $M$ forward passes. Averaging **parameters** would give one
# network with one forward pass (task 12.4):
#
# $$ \bar\theta = \frac{1}{M} \sum_{m=1}^{M} \theta_m \quad\text{name by name}. $$
#
# For independently trained networks this almost never works. A network's function does not
# change when its hidden units are permuted (swap columns of $W_1$ and $b_1$ and the same rows
# of $W_2$), so two networks that compute similar functions can have their units in different
# orders: averaging then mixes unrelated units. The loss is not convex in $\theta$, and the
# average of two good parameter vectors can lie on a ridge between their valleys.
#
# Snapshots of **one** training run are different: late in training they lie close together in
# one valley, and their average sits near its bottom, often better than the last, noisy SGD
# iterate. The usual way to keep such an average without storing snapshots is the
# **exponential moving average** (task 12.5), updated after every step:
#
# $$ \bar\theta \leftarrow \beta\, \bar\theta + (1 - \beta)\, \theta, $$
#
# with the decay $\beta$ close to 1 ($\beta = 0.99$ averages over about $1/(1-\beta) = 100$
# steps). `ema_update` returns a new dict: the training loop keeps using $\theta$ itself.

# %% tags=["checks"]
run_checks("ensembles", "average_parameters", "ema_update")

# %% [markdown]
# First the permutation argument, with one network: permuting its hidden units changes
# nothing, but averaging it with its permuted copy gives another network entirely.

# %% tags=["experiment"]
order = np.random.default_rng(2).permutation(32)
permuted = {"w1": members[0]["w1"][:, order], "b1": members[0]["b1"][order], "w2": members[0]["w2"][order], "b2": members[0]["b2"]}
same = np.allclose(ex.predict_proba(backprop, permuted, X_test), ex.predict_proba(backprop, members[0], X_test))
mixed = ensembles.average_parameters([members[0], permuted])
print(f"the permuted network computes the same function: {same}")
print(f"accuracy of the network {member_accuracy[0]:.3f}, of its average with its permuted self "
      f"{ex.accuracy(ex.predict_proba(backprop, mixed, X_test).argmax(axis=1), y_test):.3f}")

# %% [markdown]
# Now the five independent members of section 3, averaged parameter by parameter, against one
# run of the same length whose parameters are tracked by your `ema_update` with $\beta = 0.99$.

# %% tags=["experiment"]
averaged_members = ensembles.average_parameters(members)
run = ex.train_mlp(backprop, X, y, np.random.default_rng(3), average_with=lambda average, params: ensembles.ema_update(average, params, 0.99))
results = {
    "average\nmember": np.mean(member_accuracy),
    "averaged\npredictions": averaged_accuracy,
    "averaged parameters\nof the 5 members": ex.accuracy(ex.predict_proba(backprop, averaged_members, X_test).argmax(axis=1), y_test),
    "one run:\nlast iterate": ex.accuracy(ex.predict_proba(backprop, run.params, X_test).argmax(axis=1), y_test),
    "one run:\nEMA of its snapshots": ex.accuracy(ex.predict_proba(backprop, run.average, X_test).argmax(axis=1), y_test),
}
for name, value in results.items():
    print(f"{' '.join(name.split())}: {value:.3f}")
figure, axis = plt.subplots(figsize=(9, 3.5))
axis.bar(range(len(results)), list(results.values()), color=["C0", "C0", "C3", "C2", "C2"])
axis.set_xticks(range(len(results)), list(results))
axis.set_ylim(0.5, 1.0)
axis.set_ylabel("test accuracy")
axis.set_title("Averaging predictions works; averaging parameters only within one run")
plt.show()

# %% [markdown]
# ## 5. Boosting: AdaBoost
#
# Bagging trains its members independently; **boosting** trains them one after another, each
# on the examples the previous ones got wrong. AdaBoost (Freund and Schapire, 1997) keeps a
# weight $w_i$ per example, labels $y_i \in \{-1, +1\}$. In each round it fits a weak learner
# $h$ to the weighted data, then (task 12.6):
#
# $$ \text{err} = \frac{\sum_i w_i\, [y_i \ne h(x_i)]}{\sum_i w_i}, \qquad
#    \alpha = \frac{1}{2} \ln \frac{1 - \text{err}}{\text{err}}, \qquad
#    w_i \leftarrow \frac{w_i\, e^{-\alpha\, y_i h(x_i)}}{Z}, $$
#
# with $Z$ making the new weights sum to 1. A mistake ($y_i h(x_i) = -1$) multiplies its weight
# by $e^{\alpha}$, a correct answer by $e^{-\alpha}$: after the update the mistakes hold exactly
# half of the weight, so the next learner cannot ignore them. The ensemble predicts
# $\text{sign}\big(\sum_m \alpha_m h_m(x)\big)$: better learners get larger votes. err is
# clipped away from 0 and 1 so that a perfect (or perfectly wrong) learner gets a finite $\alpha$.
#
# Boosting reduces **bias**: each weak learner here is a **decision stump**, a single threshold
# on one coordinate, far too simple for the moons on its own.

# %% tags=["checks"]
run_checks("ensembles", "adaboost_update")

# %% tags=["experiment"]
y_pm, y_test_pm = 2 * y - 1, 2 * y_test - 1
boosted = ex.adaboost(ensembles, X, y_pm, rounds=60)
rounds = np.arange(1, len(boosted) + 1)
train_curve = [ex.accuracy(ex.boosted_predict(boosted[:r], X), y_pm) for r in rounds]
test_curve = [ex.accuracy(ex.boosted_predict(boosted[:r], X_test), y_test_pm) for r in rounds]
print(f"one stump: test accuracy {test_curve[0]:.3f}; {len(boosted)} boosted stumps: {test_curve[-1]:.3f}")

figure, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(rounds, train_curve, label="train")
axes[0].plot(rounds, test_curve, label="test")
axes[0].set_xlabel("boosting rounds")
axes[0].set_ylabel("accuracy")
axes[0].legend()
axes[0].set_title("AdaBoost on decision stumps")
axes[1].contourf(xx, yy, ex.boosted_predict(boosted, points).reshape(xx.shape), levels=[-2, 0, 2], cmap="RdBu_r", alpha=0.4)
axes[1].scatter(*X.T, c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
axes[1].set_title(f"{len(boosted)} stumps: axis-parallel steps")
plt.show()

# %% [markdown]
# ## 6. Distillation: one small network from the ensemble
#
# The ensemble is accurate but costs five forward passes. **Knowledge distillation** (Hinton,
# Vinyals and Dean, 2015) trains one small *student* network to match the ensemble's (the
# *teacher's*) predictions. The teacher's probabilities carry more than its labels: how sure
# it is, and which wrong class is the likely one. A temperature $T > 1$ softens both
# distributions so that these small probabilities matter:
#
# $$ p = \text{softmax}(t / T), \quad q = \text{softmax}(s / T), \qquad
#    L = \alpha\, T^2\, \text{KL}(p \,\|\, q) + (1 - \alpha)\, \text{CE}(s, y), $$
#
# averaged over the batch, with $t$ the teacher's logits, $s$ the student's and
# $\text{KL}(p \| q) = \sum_c p_c (\log p_c - \log q_c)$. Its gradient is
# $\alpha\, T (q - p) + (1 - \alpha)(\text{softmax}(s) - \text{onehot}(y))$ per example. The
# $T^2$ keeps the soft term's gradient on the scale of the hard one as $T$ grows (task 12.7).
# The teacher's logits here are the logarithms of the ensemble's averaged probabilities.

# %% tags=["checks"]
run_checks("ensembles", "distillation_loss")

# %% tags=["experiment"]
teacher_logits = np.log(ensembles.average_predictions(np.stack([ex.predict_proba(backprop, params, X) for params in members])))
student = ex.distill(backprop, ensembles, X, y, teacher_logits, np.random.default_rng(4), temperature=3.0, alpha=0.7, hidden=8)
alone = ex.train_mlp(backprop, X, y, np.random.default_rng(4), hidden=8)
students = {"distilled (8 hidden units)": student.params, "trained on the labels alone (8 hidden units)": alone.params}
figure, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for axis, (title, params) in zip(axes, students.items()):
    p = ex.predict_proba(backprop, params, points)[:, 1].reshape(xx.shape)
    axis.contourf(xx, yy, p, levels=20, cmap="RdBu_r", alpha=0.6)
    axis.contour(xx, yy, p, levels=[0.5], colors="k")
    axis.scatter(*X.T, c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
    accuracy = ex.accuracy(ex.predict_proba(backprop, params, X_test).argmax(axis=1), y_test)
    axis.set_title(f"{title}\ntest accuracy {accuracy:.3f}")
plt.show()
print(f"the ensemble of five: {averaged_accuracy:.3f}")

# %% [markdown]
# The distilled student reaches about the ensemble's accuracy with one network of 8 hidden
# units and one forward pass. On a problem this easy a small network trained on the labels
# alone comes close too; the teacher's soft targets matter most when data are scarce or the
# student is much smaller than the teacher. Try other temperatures and mixing weights: with
# $T = 1$ the soft targets are nearly the hard labels; with $\alpha = 0$ the teacher is ignored.
