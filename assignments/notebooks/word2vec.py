# %% [markdown]
# # Assignment 7: word2vec, the skip-gram model
#
# A word is known by the company it keeps. Skip-gram turns that idea into an objective:
# learn one vector per word such that, from a word's vector, the model predicts the words
# seen around it. Words used in the same contexts end up with similar vectors. You write the
# losses and their gradients in `word2vec.py`; this notebook explains them, runs the public
# checks as you go, and then trains embeddings on a small corpus with your functions.
#
# How to work: edit `word2vec.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import functools

import matplotlib.pyplot as plt
import numpy as np

import word2vec
import word2vec_training as training
from checks.harness import run_checks

# %% [markdown]
# ## 1. The model: two vectors per word
#
# The vocabulary has $V$ words. Each word $w$ gets a *centre* vector $v_w$ (a row of
# `center_vectors`, $V \times d$), used when $w$ is the centre of a window, and an *outside*
# vector $u_w$ (a row of `outside_vectors`, $U \in \mathbb{R}^{V \times d}$), used when $w$ is
# in the window of another word. For a centre word $c$ and an outside word $o$,
#
# $$ P(o \mid c) = \frac{\exp(u_o^\top v_c)}{\sum_{w=1}^{V} \exp(u_w^\top v_c)}
#    = \text{softmax}(U v_c)_o . $$
#
# In the sentence "the red fox runs in the park", with a window of 2, the centre word "fox"
# has the outside words "the", "red", "runs", "in": training makes each of them more
# probable given "fox".
#
# The logistic sigmoid $\sigma(x) = 1 / (1 + e^{-x})$ appears in the gradients below, at dot
# products that can reach a thousand: compute it so that `exp` only ever sees $-|x|$
# (task 7.1).

# %% tags=["checks"]
run_checks("word2vec", "sigmoid")

# %% [markdown]
# ## 2. The naive-softmax loss and its gradients
#
# The loss of one pair is the cross-entropy of that softmax, with $\hat y = \text{softmax}(U v_c)$
# and $y$ the one-hot vector of $o$:
#
# $$ J = -\log \hat y_o, \qquad
#    \frac{\partial J}{\partial v_c} = U^\top (\hat y - y), \qquad
#    \frac{\partial J}{\partial U} = (\hat y - y)\, v_c^\top . $$
#
# "Predicted minus true" again, as for any softmax cross-entropy. The gradient with respect to
# $U$ has the shape of $U$, $V \times d$: row $w$ is $(\hat y_w - y_w)\, v_c$. Compute
# $\log \hat y_o$ with the log-sum-exp trick, never as the log of a softmax, which rounds to
# $\log 0$ when the scores differ by a thousand. Task 7.2.

# %% tags=["checks"]
run_checks("word2vec", "naive_softmax_loss_and_gradient")

# %% [markdown]
# ## 3. Negative sampling
#
# The softmax sums over the whole vocabulary for every pair: with $V$ in the hundreds of
# thousands, that is the cost of training. Negative sampling replaces the one $V$-way choice
# by $K + 1$ binary ones: "is $o$ a real neighbour of $c$?" (yes) and, for $K$ words $k$ drawn
# at random from a noise distribution, "is $k$ a real neighbour?" (no):
#
# $$ J = -\log \sigma(u_o^\top v_c) - \sum_{k=1}^{K} \log \sigma(-u_k^\top v_c). $$
#
# With $\sigma'(x) = \sigma(x)(1 - \sigma(x))$ and $1 - \sigma(x) = \sigma(-x)$:
#
# $$ \frac{\partial J}{\partial v_c} = (\sigma(u_o^\top v_c) - 1)\, u_o + \sum_k \sigma(u_k^\top v_c)\, u_k, \qquad
#    \frac{\partial J}{\partial u_o} = (\sigma(u_o^\top v_c) - 1)\, v_c, \qquad
#    \frac{\partial J}{\partial u_k} = \sigma(u_k^\top v_c)\, v_c . $$
#
# Mind the sign of the negatives' terms: the minus inside $\sigma(-u_k^\top v_c)$ flips it.
# The negatives are drawn *with replacement*, so an index may appear twice among the $K$, and
# may even be $o$ itself: each draw is its own term, and its gradient is added to its row
# every time. Task 7.3.
#
# One numpy idiom silently gets this wrong: `grad[neg_indices] += rows` is buffered, so a
# repeated index is written once, not added twice. `np.add.at` (or a loop) adds every time:

# %%
neg_indices = np.array([2, 0, 2])
buffered, unbuffered = np.zeros(4), np.zeros(4)
buffered[neg_indices] += 1.0
np.add.at(unbuffered, neg_indices, 1.0)
print("grad[neg_indices] += 1:     ", buffered)
print("np.add.at(grad, neg_indices, 1):", unbuffered)

# %% tags=["checks"]
run_checks("word2vec", "neg_sampling_loss_and_gradient")

# %% [markdown]
# ## 4. Skip-gram over a window
#
# For a centre word $c$ and the outside words $w_{-m}, \dots, w_{m}$ of its window (fewer at
# the edges of a sentence), the skip-gram loss is the **sum** of the pairs' losses,
#
# $$ J_{\text{skip-gram}}(c) = \sum_{-m \le j \le m,\ j \ne 0} J(v_c, w_j, U), $$
#
# and its gradients are the sums of theirs. Only the centre word's row of the centre-vector
# gradient is nonzero: the other centre vectors did not take part. `skipgram` takes the loss
# as a function, so the same code trains with either loss. Negative sampling needs its
# `neg_indices` too: bind them first with `functools.partial`, which gives a function of the
# three remaining arguments. Task 7.4.

# %% tags=["checks"]
run_checks("word2vec", "skipgram")

# %%
word2ind = {"the": 0, "red": 1, "fox": 2, "runs": 3, "in": 4}
rng = np.random.default_rng(0)
center_vectors, outside_vectors = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
with_negatives = functools.partial(word2vec.neg_sampling_loss_and_gradient, neg_indices=np.array([4, 1, 4]))
for name, loss_function in (("naive softmax", word2vec.naive_softmax_loss_and_gradient), ("negative sampling", with_negatives)):
    loss, grad_center_vectors, _ = word2vec.skipgram("fox", 2, ["the", "red", "runs", "in"], word2ind,
                                                     center_vectors, outside_vectors, loss_function)
    print(f"{name}: loss {loss:.3f}; rows of grad_center_vectors that are nonzero: {np.flatnonzero(np.abs(grad_center_vectors).sum(axis=1))}")

# %% [markdown]
# ## 5. Experiment: training word vectors
#
# The corpus (`data/word2vec_corpus.txt`) is made by a small grammar: sentences such as
# "the brown goat sleeps in the forest" or "the baker sells the green cake", whose slots are
# filled with words of a category (animals, colours, foods, places, people, two kinds of
# verbs). Words of one category are used in the same contexts, so skip-gram should give
# them similar vectors. `training.train` runs stochastic gradient descent with **your**
# `skipgram` and `neg_sampling_loss_and_gradient`, one step per centre word, with 5 negatives
# drawn from the unigram distribution raised to the power 3/4, for two passes over the
# corpus (a few seconds).

# %% tags=["experiment"]
sentences, categories = training.load_corpus()
word2ind = training.build_vocabulary(sentences)
print(f"{len(sentences)} sentences, {sum(map(len, sentences))} words, a vocabulary of {len(word2ind)}")
print("for example:", " / ".join(" ".join(sentence) for sentence in sentences[:3]))
center_vectors, outside_vectors, losses = training.train(word2vec, sentences, word2ind, dim=8, epochs=2)
print("mean loss per window, by epoch:", np.round(losses, 3))

# %% [markdown]
# The loss falls little: the grammar picks the words of a slot at random, so even a perfect
# model cannot predict *which* animal comes next, only that an animal does. The vectors are
# where the learning shows. Below, the nearest neighbours of a few words by cosine similarity
# $\cos(v_a, v_b) = v_a^\top v_b / (\|v_a\| \|v_b\|)$, and the share of each categorized word's
# five nearest categorized neighbours that belong to its own category (about $1/7$ for random
# vectors).

# %% tags=["experiment"]
for word in ("cat", "red", "bread", "park", "teacher", "eats"):
    neighbours = training.nearest_neighbours(center_vectors, word2ind, word, k=4)
    print(f"{word:>8}: " + ", ".join(f"{other} ({similarity:.2f})" for other, similarity in neighbours))
untrained = training.train(word2vec, sentences, word2ind, dim=8, epochs=0)[0]
print(f"same category among the 5 nearest neighbours: {training.category_agreement(center_vectors, word2ind, categories, k=5):.0%} "
      f"after training, {training.category_agreement(untrained, word2ind, categories, k=5):.0%} before")

# %% [markdown]
# A picture of the 8-dimensional vectors: their projection on the two directions of largest
# variance (PCA, by the SVD of the centred matrix), coloured by category. Words of a category
# gather; words outside the categories ("the", "in", "walk", ...) are grey. Two categories may
# overlap in this picture and still be apart in 8 dimensions: the neighbours above are
# computed there.

# %% tags=["experiment"]
points = training.project_2d(center_vectors)
category_of = {word: name for name, words in categories.items() for word in words}
colours = dict(zip(categories, plt.cm.tab10.colors))
plt.figure(figsize=(8, 6))
for word, index in word2ind.items():
    colour = colours.get(category_of.get(word), "0.6")
    plt.scatter(*points[index], color=colour, s=20)
    plt.annotate(word, points[index], color=colour, fontsize=8, xytext=(3, 2), textcoords="offset points")
for name, colour in colours.items():
    plt.scatter([], [], color=colour, label=name)
plt.legend(fontsize=8, loc="best")
plt.title("Skip-gram centre vectors, first two principal components")
plt.xlabel("PC 1")
plt.ylabel("PC 2")
plt.show()
