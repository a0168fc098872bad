# %% [markdown]
# # Assignment 6: scaled dot-product attention
#
# Attention is how a transformer lets every position of a sequence read from every other
# position. In this assignment you write it in numpy, forward and backward, with masks and
# with several heads. You write the functions in `attention.py`; this notebook explains the
# ideas, runs the public checks on your functions as you go, and uses them to look inside
# attention: which keys a query reads, and why the scores are divided by $\sqrt{d}$.
#
# How to work: edit `attention.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import attention
from checks.harness import run_checks

# %% [markdown]
# ## 1. Attention weights: a soft lookup
#
# A dictionary lookup compares a query with every key and returns the value of the key that
# matches. Attention does the same, softly. Each of $T_q$ queries $q_i \in \mathbb{R}^d$ is
# compared with each of $T_k$ keys $k_j \in \mathbb{R}^d$ by a dot product, the scores are
# turned into weights by a softmax *over the keys*, and the output is the weighted average
# of the values $v_j \in \mathbb{R}^{d_v}$:
#
# $$ S = \frac{Q K^\top}{\sqrt{d}} \in \mathbb{R}^{T_q \times T_k}, \qquad
#    P = \text{softmax}(S) \text{ row by row}, \qquad
#    \text{out} = P V \in \mathbb{R}^{T_q \times d_v}. $$
#
# Row $i$ of $P$ is query $i$'s attention: non-negative weights over the keys that sum to 1.
# A query that matches one key much better than the others puts almost all its weight there
# and copies that key's value: a hard lookup is the limit of large scores.
#
# **Why divide by $\sqrt{d}$?** If the entries of $q$ and $k$ are independent with mean 0
# and variance 1, then $q \cdot k = \sum_{l=1}^{d} q_l k_l$ has variance $d$. Without the
# scale, scores grow with the dimension, the softmax saturates (one weight near 1, the others
# near 0), and its gradient vanishes. Dividing by $\sqrt{d}$ (not by $d$) brings the variance
# back to 1 for every $d$.
#
# Leading dimensions are batch dimensions: `q` of shape `(..., Tq, d)` holds one set of
# queries per batch entry, and `@` multiplies the last two axes batch by batch. The softmax
# (task 6.1) takes an `axis` and must be stable: subtract the maximum along that axis before
# `exp`. Tasks 6.1 and 6.2.

# %% tags=["checks"]
run_checks("attention", "softmax", "scaled_dot_product_attention")

# %% [markdown]
# ## 2. Masks
#
# A boolean mask of shape $(T_q, T_k)$ (or anything that broadcasts to the scores) says which
# keys each query may read: `True` where attention is allowed, as in PyTorch's
# `scaled_dot_product_attention`. A masked key must get weight exactly 0 *and* the allowed
# weights must still sum to 1, so the mask goes into the scores, before the softmax:
#
# $$ S_{ij} \leftarrow -\infty \text{ where the mask is False}, \qquad e^{-\infty} = 0. $$
#
# Zeroing weights after the softmax would leave rows that no longer sum to 1.
#
# A **causal** mask lets position $i$ read positions $0, \dots, i$ only: a language model
# must not see the future. A query with **no** allowed key is the one special case: all its
# scores are $-\infty$, the softmax becomes $0 / 0$, and the contract asks for a zero output
# (and zero gradient) there instead of NaN.
#
# A trick to see the weights through your own function: with $V = I$ (the $T_k \times T_k$
# identity), $\text{out} = P I = P$. Below, four tokens with 8-dimensional keys; query 2 is
# built to match key 0 strongly, and the causal mask hides the keys after each query.

# %% tags=["experiment"]
rng = np.random.default_rng(0)
tokens, d = 4, 8
keys = rng.standard_normal((tokens, d))
queries = 0.5 * rng.standard_normal((tokens, d))
queries[2] = 3.0 * keys[0]  # query 2 looks for key 0
causal = np.tril(np.ones((tokens, tokens), dtype=bool))
identity = np.eye(tokens)
weights_free, _ = attention.scaled_dot_product_attention(queries, keys, identity)
weights_causal, _ = attention.scaled_dot_product_attention(queries, keys, identity, causal)

figure, axes = plt.subplots(1, 2, figsize=(9, 4))
for axis, weights, title in zip(axes, (weights_free, weights_causal), ("no mask", "causal mask")):
    image = axis.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    for (i, j), w in np.ndenumerate(weights):
        axis.text(j, i, f"{w:.2f}", ha="center", va="center", color="white" if w < 0.5 else "black")
    axis.set_xticks(range(tokens))
    axis.set_yticks(range(tokens))
    axis.set_xlabel("key")
    axis.set_ylabel("query")
    axis.set_title(f"Attention weights, {title}")
figure.colorbar(image, ax=axes, shrink=0.8)
plt.show()
print("each row sums to", weights_causal.sum(axis=1))

# %% [markdown]
# Each row is one query's distribution over the keys. Query 2 puts most of its weight on
# key 0 in both panels; with the causal mask, query 0 can only read key 0 (weight 1), and
# the upper triangle is exactly 0. Now a query with no allowed key at all:

# %%
nothing_for_query_1 = causal.copy()
nothing_for_query_1[1] = False
weights, _ = attention.scaled_dot_product_attention(queries, keys, identity, nothing_for_query_1)
print(weights.round(3))

# %% [markdown]
# ## 3. Large scores: why the maximum is subtracted
#
# Scores of magnitude $10^3$ are easy to reach (long vectors, large weights, no scaling), and
# $e^{1000}$ overflows to `inf` in float64, while $e^{-1000}$ underflows to 0. The textbook
# softmax then returns $\infty/\infty$ or $0/0$: NaN. Subtracting the row maximum changes
# nothing mathematically, $\text{softmax}(s) = \text{softmax}(s - \max_j s_j)$, and keeps
# every exponent at most $e^0 = 1$. Below, the same scores shifted by $\pm 1000$: the weights
# must not change.

# %% tags=["experiment"]
def naive_softmax(x):
    """The textbook formula, for comparison only: exp overflows for large x."""
    with np.errstate(over="ignore", invalid="ignore"):  # silenced here to show the NaN it gives
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)


scores = np.array([[2.0, 1.0, 0.0, -1.0]])
shifts = [0.0, 100.0, 700.0, 1000.0, -1000.0]
rows = [(attention.softmax(scores + shift), naive_softmax(scores + shift)) for shift in shifts]
for shift, (stable, naive) in zip(shifts, rows):
    print(f"shift {shift:+7.0f}: stable {stable.round(4)}   naive {naive.round(4)}")

figure, axis = plt.subplots(figsize=(6, 3))
axis.plot(shifts, [stable[0, 0] for stable, _ in rows], "o-", label="stable softmax: weight of key 0")
axis.plot(shifts, [naive[0, 0] for _, naive in rows], "x--", label="naive softmax (NaN points are missing)")
axis.set_xlabel("constant added to every score")
axis.set_ylabel("weight")
axis.legend()
axis.set_title("Shifting the scores changes nothing, unless exp overflows")
plt.show()

# %% [markdown]
# ## 4. Why $\sqrt{d}$: saturation as the dimension grows
#
# The experiment draws random unit-variance queries and keys of dimension $d$ and measures
# the largest weight of each query, averaged (1 means the softmax has saturated on one key;
# 1/16 is the uniform average over the 16 keys), for three scalings of the scores.

# %% tags=["experiment"]
rng = np.random.default_rng(1)
dims = [2, 4, 8, 16, 32, 64, 128, 256]
scalings = {"no scaling": lambda d: 1.0, "1 / sqrt(d)": np.sqrt, "1 / d": float}
largest = {name: [] for name in scalings}
for d in dims:
    q, k = rng.standard_normal((200, 16, d)), rng.standard_normal((200, 16, d))
    raw = q @ np.swapaxes(k, -1, -2)
    for name, scale in scalings.items():
        p = attention.softmax(raw / scale(d))
        largest[name].append(p.max(axis=-1).mean())

figure, axis = plt.subplots(figsize=(6, 3.5))
for name, values in largest.items():
    axis.semilogx(dims, values, "o-", base=2, label=name)
axis.axhline(1 / 16, color="gray", linestyle=":", label="uniform over 16 keys")
axis.set_xlabel("dimension d")
axis.set_ylabel("mean of the largest weight")
axis.legend()
axis.set_title("Scores divided by sqrt(d) keep the softmax soft")
plt.show()

# %% [markdown]
# Without scaling, the largest weight climbs towards 1 as $d$ grows: each query reads a
# single key and the softmax's gradient $P \odot (dP - \sum P \odot dP)$ is nearly 0. With
# $1/d$ the scores shrink towards 0 and attention becomes a plain average. $1/\sqrt{d}$
# keeps the same behaviour at every dimension.
#
# ## 5. The backward pass
#
# With $dO = \partial L / \partial\,\text{out}$, the chain rule through $\text{out} = PV$,
# the softmax (row by row, as in the softmax Jacobian of assignment 1) and $S = QK^\top/\sqrt{d}$:
#
# $$ dV = P^\top dO, \qquad dP = dO\, V^\top, \qquad
#    dS = P \odot \Big(dP - \textstyle\sum_j P_{:,j}\, dP_{:,j}\Big), $$
#
# $$ dQ = \frac{dS\, K}{\sqrt{d}}, \qquad dK = \frac{dS^\top Q}{\sqrt{d}}. $$
#
# $^\top$ swaps the last two axes only (`np.swapaxes(a, -1, -2)`), so batch dimensions pass
# through. The $1/\sqrt{d}$ of the forward pass appears in both $dQ$ and $dK$. Masked keys
# have $P = 0$ and get no gradient through the scores; a query with no allowed key gets
# $dQ = 0$. Task 6.3.

# %% tags=["checks"]
run_checks("attention", "attention_backward")

# %% [markdown]
# ## 6. Multi-head attention
#
# One attention computes one weighted average per query. Multi-head attention runs $H$ of them
# side by side, each on its own projection of the input, so different heads can look for
# different things. For a batch $x \in \mathbb{R}^{N \times T \times E}$ (self-attention:
# queries, keys and values all come from $x$):
#
# $$ Q = x W_q, \quad K = x W_k, \quad V = x W_v \in \mathbb{R}^{N \times T \times E}, $$
#
# split the last axis into $H$ heads of $D_h = E / H$ columns each, giving $(N, H, T, D_h)$:
# head $h$ takes columns $h D_h$ to $(h+1) D_h$. Reshape to $(N, T, H, D_h)$ and then swap the
# $T$ and $H$ axes; reshaping straight to $(N, H, T, D_h)$ would mix different positions into
# one head. Each head attends with scale $1/\sqrt{D_h}$; the heads' outputs are put back side
# by side, $(N, T, E)$, and projected: $\text{out} = \text{concat}(\text{heads})\, W_o$.
#
# The backward pass runs the same steps in reverse. $x$ feeds three projections, so its
# gradient is the sum of three terms, $dx = dQ\,W_q^\top + dK\,W_k^\top + dV\,W_v^\top$.
# Tasks 6.4 and 6.5.

# %% tags=["checks"]
run_checks("attention", "multi_head_attention_forward", "multi_head_attention_backward")

# %% [markdown]
# ## 7. Experiment: what two heads read
#
# A toy sequence of 6 positions with $E = 8$ and two heads. Each head's weights are again read
# through the identity trick: project $x$ by hand, split the columns of one head, and call your
# attention with $V = I$. With a causal mask, both heads only look back, but at different places.

# %% tags=["experiment"]
rng = np.random.default_rng(2)
n_tokens, embed, heads = 6, 8, 2
x = rng.standard_normal((1, n_tokens, embed))
w_q, w_k, w_v, w_o = (rng.standard_normal((embed, embed)) for _ in range(4))
mask = np.tril(np.ones((n_tokens, n_tokens), dtype=bool))
out, _ = attention.multi_head_attention_forward(x, w_q, w_k, w_v, w_o, heads, mask)
print("out has shape", out.shape)

columns = embed // heads
figure, axes = plt.subplots(1, heads, figsize=(9, 4))
for h, axis in enumerate(axes):
    part = slice(h * columns, (h + 1) * columns)
    weights, _ = attention.scaled_dot_product_attention((x @ w_q)[0, :, part], (x @ w_k)[0, :, part], np.eye(n_tokens), mask)
    axis.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    axis.set_xlabel("key position")
    axis.set_ylabel("query position")
    axis.set_title(f"head {h}")
plt.show()
