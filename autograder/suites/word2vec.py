"""Graded cases for word2vec.py (assignment 7): skip-gram, naive softmax, negative sampling.

Visible cases use fixed public inputs; hidden ones draw sizes, indices and windows from the
secret seed. Each output of a loss function is its own case, so a wrong grad_outside_vectors
costs that output's points only. The inputs catch what tame checks let through: V != d so a
transposed outer product has the wrong shape; negatives that repeat (each repetition counts)
and that include the outside word; dot products of magnitude 1e3; centre words at the edge
of a sentence, first and last in the vocabulary, and among their own outside words.

skipgram is graded three ways: with a fixed test loss from autograder/probes.py (the same,
known-right function on both sides, so a skipgram bug is never confused with a loss bug),
and with the student's own naive_softmax_loss_and_gradient and neg_sampling_loss_and_gradient
(passed as a function, neg_indices bound as functools.partial would), as the notebook uses it.
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..plan import Call, Func, Plan
from ..suite import STABLE, Case, Suite, extreme_values, fixed, normal, per_output

LOSS_OUTPUTS = ("loss", "grad_center_vec", "grad_outside_vectors")
SKIPGRAM_OUTPUTS = ("loss", "grad_center_vectors", "grad_outside_vectors")
VOCABULARY = ("the", "cat", "dog", "sat", "ran", "on", "mat", "red", "big", "park", "fox", "saw")


def sizes(rng):
    """Vocabulary size V and dimension d, with V > d so that no transpose goes unnoticed."""
    return int(rng.integers(5, 10)), int(rng.integers(2, 5))


def with_scores(rng, center_vec, scores):
    """Random outside vectors whose dot products with ``center_vec`` are exactly ``scores``."""
    rows = normal(rng, len(scores), center_vec.size)
    rows += np.outer((np.asarray(scores) - rows @ center_vec) / (center_vec @ center_vec), center_vec)
    return rows


# -- 7.1 sigmoid ----------------------------------------------------------------------------

def sigmoid_plan(draw):
    def build(rng):
        call = Call("sigmoid", draw(rng))
        return Plan([call], {"sigmoid": call.out})
    return build


# -- 7.2, 7.3 the losses --------------------------------------------------------------------

def loss_plan(function, draw):
    """``function(*draw(rng))``, its loss and both gradients judged."""
    def build(rng):
        call = Call(function, *draw(rng))
        return Plan([call], {name: call.out[i] for i, name in enumerate(LOSS_OUTPUTS)})
    return build


def naive_softmax_inputs(size):
    def draw(rng):
        v, d = size(rng)
        return normal(rng, d), int(rng.integers(v)), normal(rng, v, d)
    return draw


def naive_softmax_large(rng):
    """Dot products of magnitude 1e3; the outside word has the lowest score, so log P(o|c) ~ -2000."""
    center_vec, outside_vectors = normal(rng, 3, scale=30.0), normal(rng, 7, 3, scale=30.0)
    return center_vec, int(np.argmin(outside_vectors @ center_vec)), outside_vectors


def others(rng, v, outside_idx):
    """The vocabulary's indices but ``outside_idx``, shuffled."""
    return rng.permutation([w for w in range(v) if w != outside_idx])


def neg_sampling_inputs(size, negatives):
    """``negatives(rng, v, outside_idx)`` gives neg_indices (int64)."""
    def draw(rng):
        v, d = size(rng)
        outside_idx = int(rng.integers(v))
        return normal(rng, d), outside_idx, normal(rng, v, d), np.asarray(negatives(rng, v, outside_idx), dtype=np.int64)
    return draw


def distinct_negatives(rng, v, outside_idx):
    return others(rng, v, outside_idx)[:4]


def repeated_negatives(rng, v, outside_idx):
    """Three words, drawn 3, 2 and 1 times: a repeat counts each time."""
    a, b, c = others(rng, v, outside_idx)[:3]
    return rng.permutation([a, b, a, c, a, b])


def negatives_with_outside(rng, v, outside_idx):
    """Three distinct other words and the outside word itself, once."""
    return rng.permutation([*others(rng, v, outside_idx)[:3], outside_idx])


def random_negatives(rng, v, outside_idx):
    """2V draws from V words (so some repeat, by pigeonhole), the outside word among them."""
    neg = rng.integers(0, v, size=2 * v)
    neg[rng.integers(2 * v)] = outside_idx
    return neg


def neg_sampling_large(rng):
    """Scores of +-1000 and +-745.5: the outside word's is -1000, so -log sigmoid(s_o) = 1000."""
    center_vec = normal(rng, 3, scale=10.0)
    outside_vectors = with_scores(rng, center_vec, [-1000.0, 1000.0, -1000.0, 745.5, -745.5, 30.0])
    return center_vec, 0, outside_vectors, np.array([1, 2, 3, 4, 5, 1], dtype=np.int64)


# -- 7.4 skipgram ---------------------------------------------------------------------------

def window(sentence, position, window_size):
    """The outside words of ``sentence[position]``: up to window_size on each side."""
    return sentence[max(0, position - window_size):position] + sentence[position + 1:position + window_size + 1]


def vocabulary(rng, v):
    """word2ind for ``v`` words of VOCABULARY, in a shuffled order."""
    return {str(word): i for i, word in enumerate(rng.permutation(VOCABULARY)[:v])}


def edge_window(rng):
    """The centre word is the vocabulary's last, at a sentence's start: its window of 4 holds
    only right neighbours, among them the centre word itself and one word twice."""
    word2ind = vocabulary(rng, 7)
    words = list(word2ind)
    center, a, b = words[-1], words[2], words[0]
    sentence = [center, a, center, b, a, words[3]]
    return center, 4, window(sentence, 0, 4), word2ind


def one_word_window(rng):
    """The centre word ends its sentence and the window size is 1: one outside word."""
    word2ind = vocabulary(rng, 6)
    words = list(word2ind)
    sentence = [words[3], words[1], words[4]]
    return words[4], 1, window(sentence, 2, 1), word2ind


def random_window(rng):
    """A random sentence of 8 words from V, the centre anywhere in it (edges included), a
    window of 2 or 3: at least two outside words, at least one of them not the centre word."""
    word2ind = vocabulary(rng, sizes(rng)[0])
    words = list(word2ind)
    sentence = [words[i] for i in rng.integers(0, len(words), size=8)]
    position, window_size = int(rng.integers(8)), int(rng.integers(2, 4))
    neighbour = position + 1 if position < 7 else position - 1
    sentence[neighbour] = str(rng.choice([w for w in words if w != sentence[position]]))
    return sentence[position], window_size, window(sentence, position, window_size), word2ind


def skipgram_plan(draw, loss):
    """skipgram on the window ``draw(rng)``, with the loss ``loss(rng, v)`` (a Func)."""
    def build(rng):
        center_word, window_size, outside_words, word2ind = draw(rng)
        v, d = len(word2ind), int(rng.integers(2, 5))
        call = Call("skipgram", center_word, window_size, outside_words, word2ind,
                    normal(rng, v, d), normal(rng, v, d), loss(rng, v))
        return Plan([call], {name: call.out[i] for i, name in enumerate(SKIPGRAM_OUTPUTS)})
    return build


def fixed_loss(rng, v):
    return Func("probe", "quadratic_pair_loss", (("weights", normal(rng, v, scale=0.5)),))


def own_naive_softmax(rng, v):
    return Func("module", "naive_softmax_loss_and_gradient")


def own_neg_sampling(rng, v):
    """The student's neg_sampling_loss_and_gradient with neg_indices bound: six draws, the last repeating the first."""
    neg = rng.integers(0, v, size=6)
    neg[-1] = neg[0]
    return Func("module", "neg_sampling_loss_and_gradient", (("neg_indices", neg),))


# -- misconceptions -------------------------------------------------------------------------
# Each is a wrong variant of the expected result; a hint is offered only when the student's
# answer matches it and it differs from the right one (see autograder/hints.py).

def without_terms(expected, plan, keep, outputs=LOSS_OUTPUTS, factor=1.0):
    """``expected`` minus ``factor`` times the terms of the negative samples where ``keep(neg_indices)``
    is False, for the plan's one neg_sampling_loss_and_gradient call."""
    center_vec, _, outside_vectors, neg = plan.calls[0].args
    dropped = neg[~keep(neg)]
    scores = outside_vectors[dropped] @ center_vec
    sig = np.exp(-np.logaddexp(0.0, -scores))  # sigmoid(s_k), the loss term's derivative
    grad_outside = np.zeros_like(outside_vectors)
    np.add.at(grad_outside, dropped, np.outer(sig, center_vec))
    change = {"loss": np.logaddexp(0.0, scores).sum(), "grad_center_vec": sig @ outside_vectors[dropped], "grad_outside_vectors": grad_outside}
    return {name: expected[name] - factor * change[name] for name in outputs if name in expected}


def first_occurrences(neg):
    """True at the first occurrence of each index in ``neg``."""
    first = np.zeros(neg.size, dtype=bool)
    first[np.unique(neg, return_index=True)[1]] = True
    return first


def without_one_hot(expected, plan):
    """The naive-softmax gradients with y_hat in place of y_hat - y (``expected`` holds the judged ones)."""
    center_vec, outside_idx, outside_vectors = plan.calls[0].args
    one_hot = np.zeros(outside_vectors.shape[0])
    one_hot[outside_idx] = 1.0
    change = {"grad_center_vec": outside_vectors[outside_idx], "grad_outside_vectors": np.outer(one_hot, center_vec)}
    return {name: expected[name] + change[name] for name in change if name in expected}


def skipgram_outside_as_centre(center_word, window_size, outside_words, word2ind, center_vectors, outside_vectors, loss_and_gradient):
    """skipgram that takes each outside word's centre vector (the roles swapped)."""
    loss, grad_center, grad_outside = 0.0, np.zeros_like(center_vectors), np.zeros_like(outside_vectors)
    for word in outside_words:
        pair = loss_and_gradient(center_vectors[word2ind[word]], word2ind[word], outside_vectors)
        loss, grad_outside = loss + pair[0], grad_outside + pair[2]
        grad_center[word2ind[word]] += pair[1]
    return loss, grad_center, grad_outside


GRADIENTS_NEGATED = Hint(
    "gradients negated", "Your gradients are the negatives of the right ones, the gradients of the log-likelihood; "
    "the loss is minus the log-likelihood, and gradient descent steps against the loss's gradient.",
    wrong=lambda e, plan: {name: -value for name, value in e.items() if name != "loss"})
NEG_SIGN = Hint(
    "negative-sample gradient sign", "Your gradients have the negative samples' terms with the wrong sign: "
    "d/ds [-log sigmoid(-s)] = +sigmoid(s), the chain rule through the minus in -u_k . v_c.",
    wrong=lambda e, plan: without_terms(e, plan, lambda neg: np.zeros(neg.size, dtype=bool), outputs=LOSS_OUTPUTS[1:], factor=2.0))
REPEATS_ONCE = Hint(
    "repeated negatives counted once", "Your result counts a negative that appears several times in neg_indices "
    "only once (np.unique?); each draw is its own term of the loss, so repeats add up.",
    wrong=lambda e, plan: without_terms(e, plan, first_occurrences, outputs=LOSS_OUTPUTS[:2]))
# for grad_outside_vectors, np.unique and a buffered fancy-index add give the same wrong rows
FANCY_INDEX_ADD = Hint(
    "repeated negatives' rows added once", "Your grad_outside_vectors adds a repeated negative's row only once; "
    "each draw adds sigmoid(s_k) v_c to row k. Note grad[neg_indices] += ... writes each index once (it is "
    "buffered): use np.add.at or a loop.",
    wrong=lambda e, plan: without_terms(e, plan, first_occurrences, outputs=("grad_outside_vectors",)))
NO_ONE_HOT = Hint(
    "softmax gradient without the one-hot", "Your gradients use y_hat where the softmax cross-entropy gradient is "
    "y_hat - y: subtract 1 at the outside word's index.", wrong=without_one_hot)
OUTER_TRANSPOSED = Hint(
    "outer product transposed", "Your grad_outside_vectors is the transpose of the right one: it has the shape of "
    "outside_vectors (V, d), outer(y_hat - y, v_c), one row per word.",
    wrong=lambda e, plan: {"grad_outside_vectors": e["grad_outside_vectors"].T})
SKIPGRAM_AVERAGED = Hint(
    "skipgram averaged over the window", "Your loss and gradients are the mean over the outside words; skip-gram's "
    "loss is the sum of the pairs' losses over the window (-log P(o | c) for each o), so the gradients add up too.",
    wrong=lambda e, plan: {name: value / len(plan.calls[0].args[2]) for name, value in e.items()})
SKIPGRAM_SWAPPED = Hint(
    "skipgram with the outside word as centre", "Your skipgram takes each outside word's centre vector; every pair "
    "uses the centre word's v_c (center_vectors[word2ind[center_word]]), and only that row gets a gradient.",
    replace={"skipgram": skipgram_outside_as_centre})

NAIVE_HINTS = (NO_ONE_HOT, OUTER_TRANSPOSED, GRADIENTS_NEGATED)
NEG_HINTS = (NEG_SIGN, REPEATS_ONCE, FANCY_INDEX_ADD, GRADIENTS_NEGATED)
SKIPGRAM_HINTS = (SKIPGRAM_AVERAGED, SKIPGRAM_SWAPPED)
ONE_EACH = dict.fromkeys(LOSS_OUTPUTS, 1)
ONE_EACH_SKIPGRAM = dict.fromkeys(SKIPGRAM_OUTPUTS, 1)

SUITE = Suite("word2vec", (
    Case("sigmoid", 1, sigmoid_plan(lambda rng: normal(rng, 3, 4, scale=3.0))),
    Case("sigmoid, random values", 1, sigmoid_plan(lambda rng: normal(rng, 11, scale=5.0)), visibility="hidden"),
    Case("sigmoid, |x| up to 1000 without overflow", 2, sigmoid_plan(extreme_values), STABLE),
    *per_output(loss_plan("naive_softmax_loss_and_gradient", naive_softmax_inputs(fixed(6, 4))),
                "naive_softmax_loss_and_gradient", ONE_EACH, hints=NAIVE_HINTS),
    *per_output(loss_plan("naive_softmax_loss_and_gradient", naive_softmax_inputs(sizes)),
                "naive_softmax_loss_and_gradient, random sizes", ONE_EACH, visibility="hidden", hints=NAIVE_HINTS),
    Case("naive_softmax_loss_and_gradient, dot products of magnitude 1000", 2,
         loss_plan("naive_softmax_loss_and_gradient", naive_softmax_large), STABLE),
    *per_output(loss_plan("neg_sampling_loss_and_gradient", neg_sampling_inputs(fixed(7, 3), distinct_negatives)),
                "neg_sampling_loss_and_gradient", ONE_EACH, hints=NEG_HINTS),
    *per_output(loss_plan("neg_sampling_loss_and_gradient", neg_sampling_inputs(fixed(7, 3), repeated_negatives)),
                "neg_sampling_loss_and_gradient, repeated negatives", ONE_EACH, hints=NEG_HINTS),
    *per_output(loss_plan("neg_sampling_loss_and_gradient", neg_sampling_inputs(fixed(6, 4), negatives_with_outside)),
                "neg_sampling_loss_and_gradient, negatives include the outside word", ONE_EACH, hints=NEG_HINTS),
    *per_output(loss_plan("neg_sampling_loss_and_gradient", neg_sampling_inputs(sizes, random_negatives)),
                "neg_sampling_loss_and_gradient, random negatives", ONE_EACH, visibility="hidden", hints=NEG_HINTS),
    Case("neg_sampling_loss_and_gradient, dot products of magnitude 1000", 2,
         loss_plan("neg_sampling_loss_and_gradient", neg_sampling_large), STABLE),
    *per_output(skipgram_plan(edge_window, fixed_loss), "skipgram, window at a sentence's start", ONE_EACH_SKIPGRAM, hints=SKIPGRAM_HINTS),
    Case("skipgram, a window of one word", 1, skipgram_plan(one_word_window, fixed_loss), hints=SKIPGRAM_HINTS),
    *per_output(skipgram_plan(random_window, fixed_loss), "skipgram, random windows", ONE_EACH_SKIPGRAM,
                visibility="hidden", hints=SKIPGRAM_HINTS),
    Case("skipgram with your naive_softmax_loss_and_gradient", 2, skipgram_plan(random_window, own_naive_softmax), hints=SKIPGRAM_HINTS),
    Case("skipgram with your neg_sampling_loss_and_gradient", 2, skipgram_plan(random_window, own_neg_sampling), hints=SKIPGRAM_HINTS),
))
