# %% [markdown]
# # Assignment 15: meaning from co-occurrence
#
# "You shall know a word by the company it keeps" (Firth, 1957). Words that occur in similar
# contexts tend to have similar meanings, so a word can be described by the words seen around
# it. This assignment builds that description step by step, with counting and linear algebra
# only: a co-occurrence matrix, its reweighting by positive pointwise mutual information
# (PPMI), a dimension reduction by the truncated SVD (latent semantic analysis, LSA), and then
# similarity, nearest neighbours and analogies on the resulting vectors. At the end, the same
# questions are asked of the skip-gram vectors of assignment 7, trained on the same corpus:
# counting and factorizing gets most of the way.
#
# You write the functions in `semantics.py`; this notebook explains them, runs the public
# checks as you go, and runs the comparison with your functions. The last part trains
# word2vec with **your** `word2vec.py` of assignment 7 (through `word2vec_training.py`), so
# finish that first.
#
# How to work: edit `semantics.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`.
# A cell that calls `run_checks` runs the public checks (the ones `pytest checks/` runs) of
# the tasks just explained: one line per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np

import semantics
import word2vec
import word2vec_training as training
from checks.harness import run_checks

# %% [markdown]
# ## 1. Counting contexts
#
# Give every word of a vocabulary of $V$ words an id in $0, \dots, V-1$, and write a text as a
# sequence of ids. With a window of $w$, every pair of positions $i \ne j$ with
# $|i - j| \le w$ adds one to the count of the pair of words there:
#
# $$ C[\text{ids}_i, \text{ids}_j] \mathrel{+}= 1 . $$
#
# The pairs are *ordered*: (i, j) and (j, i) both count, so $C$ is symmetric, and two equal
# words within the window add 2 to their diagonal entry. A window of $w$ looks $w$ words to
# each side, $2w$ in all. Row $v$ of $C$ is word $v$'s vector of contexts. Task 15.1.

# %% tags=["checks"]
run_checks("semantics", "cooccurrence")

# %%
toy = "the cat sat on the mat the dog sat on the log".split()
toy_words = list(dict.fromkeys(toy))
toy_ids = np.array([toy_words.index(word) for word in toy])
toy_counts = semantics.cooccurrence(toy_ids, len(toy_words), 2)
print("      " + " ".join(f"{word:>4}" for word in toy_words))
for word, row in zip(toy_words, toy_counts):
    print(f"{word:>5} " + " ".join(f"{int(count):4d}" for count in row))

# %% [markdown]
# ## 2. Reweighting: positive pointwise mutual information
#
# Raw counts are dominated by frequent words: above, "the" is in every row. What says more is
# whether two words occur together *more often than chance*. With $N = \sum_{ij} C_{ij}$,
# $P(i, j) = C_{ij}/N$ and the marginals $P(i) = \text{row}_i / N$, $P(j) = \text{col}_j / N$,
#
# $$ \text{PMI}(i, j) = \ln \frac{P(i, j)}{P(i) P(j)} = \ln \frac{C_{ij} N}{\text{row}_i\, \text{col}_j},
#    \qquad \text{PPMI}(i, j) = \max(0, \text{PMI}(i, j)) . $$
#
# Negative PMI (a pair seen less often than chance) is unreliable on small counts, so PPMI
# clips it to 0. Where $C_{ij} = 0$ the PMI is $\ln 0 = -\infty$ and the PPMI is 0: never
# compute that logarithm, and never divide by the zero sum of an empty row (no warnings, no
# NaN). Use the natural log. Task 15.2.

# %% tags=["checks"]
run_checks("semantics", "ppmi")

# %%
toy_ppmi = semantics.ppmi(toy_counts)
the = toy_words.index("the")
print("counts of 'the':", {word: int(count) for word, count in zip(toy_words, toy_counts[the])})
print("PPMI of 'the':  ", {word: round(float(value), 2) for word, value in zip(toy_words, toy_ppmi[the])})

# %% [markdown]
# ## 3. Dimension reduction: latent semantic analysis
#
# The rows of the PPMI matrix $M$ are long ($V$ entries) and mostly zero. The truncated SVD
# keeps the $k$ directions that explain most of it: with $M = U S V^\top$ (singular values in
# decreasing order),
#
# $$ M \approx U_k S_k V_k^\top, \qquad \text{word } v \mapsto \text{row } v \text{ of } U_k S_k \in \mathbb{R}^k . $$
#
# $U_k S_k V_k^\top$ is the best rank-$k$ approximation of $M$ (Eckart-Young), and the rows
# of $U_k S_k$ have the same dot products as the rows of that approximation. A singular
# vector is defined only up to its sign (negate a column of $U$ and the matching column of
# $V$: the product is unchanged), so the contract fixes it: each column's largest-magnitude
# entry is positive. Task 15.3.

# %% tags=["checks"]
run_checks("semantics", "lsa")

# %% [markdown]
# ## 4. Similarity, neighbours and analogies
#
# Two word vectors are compared by the cosine of their angle, which ignores their lengths (a
# frequent word's long vector is not similar to everything):
#
# $$ \cos(e_a, e_b) = \frac{e_a^\top e_b}{\|e_a\|\, \|e_b\|}, \quad 0 \text{ for a zero vector}. $$
#
# The nearest neighbours of a word are the other rows with the largest cosines (task 15.5;
# equal rows tie exactly, and the lower index comes first). An analogy "a is to b as c is to
# ?" moves c by the offset from a to b, on unit vectors $u = e / \|e\|$, and looks for the row
# closest to the target, a, b and c excluded (3CosAdd, Mikolov et al., 2013):
#
# $$ \arg\max_{j \notin \{a, b, c\}} \cos(u_j,\; u_b - u_a + u_c) . $$
#
# Tasks 15.4 to 15.6.

# %% tags=["checks"]
run_checks("semantics", "cosine_similarities", "nearest", "analogy")

# %% [markdown]
# ## 5. Experiment: LSA and word2vec on the same corpus
#
# The corpus is assignment 7's (`data/word2vec_corpus.txt`): sentences from a small grammar,
# such as "the brown goat sleeps in the forest" or "the baker sells the green cake", whose
# slots are filled with words of seven categories (animals, colours, foods, places, people,
# verbs of motion, verbs of eating and trade). Both methods see the same first 1000 sentences
# and make vectors of 8 numbers: LSA by counting (window 2, within each sentence), PPMI and the
# SVD; word2vec by one pass of skip-gram with negative sampling (window 2, 5 negatives), with
# your `word2vec.py`. Counting takes a fraction of a second; the training takes some seconds.

# %% tags=["experiment"]
sentences, categories = training.load_corpus()
sentences = sentences[:1000]
word2ind = training.build_vocabulary(sentences)
words = list(word2ind)
V = len(words)
counts = sum(semantics.cooccurrence(np.array([word2ind[word] for word in sentence]), V, 2) for sentence in sentences)
lsa_vectors = semantics.lsa(semantics.ppmi(counts), 8)
w2v_vectors, _, losses = training.train(word2vec, sentences, word2ind, dim=8, window_size=2, epochs=1)
print(f"{len(sentences)} sentences, {int(counts.sum()) // 2} pairs within the window, a vocabulary of {V}")
print(f"word2vec: mean loss per window {losses[0]:.3f}")

# %% [markdown]
# The nearest neighbours of one word per category, in each space:

# %% tags=["experiment"]
category_of = {word: name for name, members in categories.items() for word in members}
for name, members in categories.items():
    word = members[0]
    for method, vectors in (("LSA", lsa_vectors), ("word2vec", w2v_vectors)):
        neighbours = [words[j] for j in semantics.nearest(vectors, word2ind[word], 5)]
        print(f"{name:>7} {word:>6} {method:>8}: " + ", ".join(neighbours))

# %% [markdown]
# How often are a word's neighbours in its own category? For every categorized word, take as
# many nearest neighbours (in the whole vocabulary) as its category has other words, and count
# the share that belong to it: for random vectors, about the category's share of the
# vocabulary (one in nine here); 1 when every category is a tight cluster. LSA is shown for
# every $k$: with far fewer dimensions than categories, some categories have to share one.

# %% tags=["experiment"]
def category_share(vectors):
    """The share of each categorized word's nearest neighbours that are in its category."""
    same = []
    for word, name in category_of.items():
        neighbours = semantics.nearest(vectors, word2ind[word], len(categories[name]) - 1)
        same += [category_of.get(words[j]) == name for j in neighbours]
    return float(np.mean(same))


ppmi_matrix = semantics.ppmi(counts)
ranks = list(range(1, 17))
lsa_shares = [category_share(semantics.lsa(ppmi_matrix, k)) for k in ranks]
w2v_share = category_share(w2v_vectors)
random_share = category_share(np.random.default_rng(0).standard_normal((V, 8)))
print(f"raw counts {category_share(counts):.0%}, PPMI rows {category_share(ppmi_matrix):.0%}, "
      f"LSA k = 8 {lsa_shares[7]:.0%}, word2vec {w2v_share:.0%}, random vectors {random_share:.0%}")

plt.figure(figsize=(6, 3.5))
plt.plot(ranks, lsa_shares, "o-", label="LSA of PPMI, k dimensions")
plt.axhline(w2v_share, color="C1", label="word2vec, 8 dimensions")
plt.axhline(random_share, color="0.6", linestyle=":", label="random vectors")
plt.axvline(len(categories), color="0.8", linestyle="--", label="number of categories")
plt.xlabel("k")
plt.ylabel("share of neighbours in the category")
plt.ylim(0, 1.05)
plt.legend(fontsize=8, loc="lower right")
plt.title("Nearest neighbours in the query's category")
plt.show()

# %% [markdown]
# Where both find the categories, how *cleanly* do they separate them? The cosines of pairs of
# words of one category against those of pairs from two different categories: the further
# apart the two histograms, the more a cosine alone says about meaning.

# %% tags=["experiment"]
figure, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
labelled = list(category_of)
for axis, (method, vectors) in zip(axes, (("LSA, k = 8", lsa_vectors), ("word2vec", w2v_vectors))):
    cosines = np.array([semantics.cosine_similarities(vectors, word2ind[word]) for word in labelled])
    columns = [word2ind[word] for word in labelled]
    pairs = cosines[:, columns]
    same = np.array([[category_of[a] == category_of[b] for b in labelled] for a in labelled])
    upper = np.triu(np.ones_like(same), k=1).astype(bool)
    axis.hist(pairs[same & upper], bins=30, range=(-1, 1), alpha=0.7, density=True, label="same category")
    axis.hist(pairs[~same & upper], bins=30, range=(-1, 1), alpha=0.7, density=True, label="different categories")
    axis.set_title(method)
    axis.set_xlabel("cosine")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 6. Analogies
#
# The grammar puts animals with verbs of motion ("the cat runs") and people with verbs of
# eating and trade ("the baker sells"), so "cat is to runs as farmer is to ?" should answer
# with a verb of the second kind, if the offset from animal to motion verb were the same
# direction as the one from person to trade verb. Below, the top three answers of each method
# and their categories.

# %% tags=["experiment"]
questions = [("cat", "runs", "farmer"), ("dog", "sleeps", "baker"), ("farmer", "eats", "cat"), ("bread", "eats", "horse")]
for a, b, c in questions:
    print(f"{a} : {b} :: {c} : ?")
    for method, vectors in (("LSA", lsa_vectors), ("word2vec", w2v_vectors)):
        answers = [words[j] for j in semantics.analogy(vectors, word2ind[a], word2ind[b], word2ind[c], k=3)]
        print(f"    {method:>8}: " + ", ".join(f"{answer} ({category_of.get(answer, '-')})" for answer in answers))

# %% [markdown]
# Neither method answers these the way one would hope: the answers are mostly words of b's or
# of c's own category. In this grammar the offsets between categories are not parallel (the
# sentences tie animals to verbs of motion and people to verbs of trade, but nothing makes the
# step from "cat" to "runs" the same direction as the step from "farmer" to "eats"), and then
# 3CosAdd returns neighbours of b or c, which is also why a, b and c must be excluded at all.
# Analogies are a demanding test: they need a corpus with consistent relations (capitals and
# countries, singulars and plurals) and far more text than this. The categories, which this
# corpus does have, both methods find, and counting needs no training to find them.
