"""Public checks for word2vec.py: run `pytest checks/test_word2vec.py` (one task: add `-k skipgram`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/word2vec.json. Gradients are also checked
against central differences, negatives that repeat against the sum of their terms, and the
numerics against dot products of magnitude 1e3.
"""

import functools

import numpy as np

import word2vec
from harness import (Examples, assert_close, assert_no_warnings, assert_property, assert_shape,
                     assert_unchanged, check_gradient, normal, rng)

examples = Examples("word2vec")

LARGE = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])  # exp(1000) overflows float64


# -- 7.1 sigmoid --------------------------------------------------------------------------------

@examples.register
def sigmoid(w2v):
    return {"sigmoid(x)": w2v.sigmoid(normal(rng(1), 2, 5, scale=3)), "sigmoid(x) for |x| up to 1000": w2v.sigmoid(LARGE)}


def test_sigmoid():
    """sigmoid: matches the reference, and stays finite without warnings for |x| = 1000."""
    examples.check(sigmoid, word2vec)
    out = assert_no_warnings("sigmoid(x) with |x| = 1000", word2vec.sigmoid, LARGE)
    assert_shape("sigmoid(x)", out, LARGE.shape)


# -- 7.2 naive softmax ---------------------------------------------------------------------------

def pair_inputs():
    """A centre vector (d = 3), an outside word index and 6 outside vectors: V != d, so a transpose shows."""
    r = rng(2)
    return normal(r, 3), 4, normal(r, 6, 3)


def large_pair_inputs():
    """The same, scaled so that the largest dot product is 1000 (exp of it overflows) and the outside word's is the lowest."""
    center_vec, _, outside_vectors = pair_inputs()
    scale = np.sqrt(1000 / (outside_vectors @ center_vec).max())
    center_vec, outside_vectors = scale * center_vec, scale * outside_vectors
    return center_vec, int(np.argmin(outside_vectors @ center_vec)), outside_vectors


@examples.register
def naive_softmax_loss_and_gradient(w2v):
    loss, grad_center_vec, grad_outside_vectors = w2v.naive_softmax_loss_and_gradient(*pair_inputs())
    large = w2v.naive_softmax_loss_and_gradient(*large_pair_inputs())
    return {"loss": loss, "grad_center_vec": grad_center_vec, "grad_outside_vectors": grad_outside_vectors,
            "loss for dot products of 1000": large[0], "grad_center_vec for dot products of 1000": large[1]}


def test_naive_softmax_loss_and_gradient():
    """naive_softmax_loss_and_gradient: loss (a float) and both gradients, by central differences too; stable."""
    examples.check(naive_softmax_loss_and_gradient, word2vec)
    center_vec, outside_idx, outside_vectors = pair_inputs()
    loss, grad_center_vec, grad_outside_vectors = word2vec.naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors)
    assert_property(isinstance(loss, float), f"loss is a {type(loss).__name__}, expected a Python float: use float(...).")
    check_gradient("grad_center_vec", grad_center_vec, lambda v: word2vec.naive_softmax_loss_and_gradient(v, outside_idx, outside_vectors)[0], center_vec)
    check_gradient("grad_outside_vectors", grad_outside_vectors, lambda u: word2vec.naive_softmax_loss_and_gradient(center_vec, outside_idx, u)[0], outside_vectors)
    assert_no_warnings("naive_softmax_loss_and_gradient with dot products of 1000", word2vec.naive_softmax_loss_and_gradient, *large_pair_inputs())


# -- 7.3 negative sampling ----------------------------------------------------------------------

NEG_INDICES = np.array([1, 3, 1, 4, 0, 1])  # 1 three times, and the outside word 4 among them


@examples.register
def neg_sampling_loss_and_gradient(w2v):
    loss, grad_center_vec, grad_outside_vectors = w2v.neg_sampling_loss_and_gradient(*pair_inputs(), NEG_INDICES)
    large = w2v.neg_sampling_loss_and_gradient(*large_pair_inputs(), NEG_INDICES)
    return {"loss": loss, "grad_center_vec": grad_center_vec, "grad_outside_vectors": grad_outside_vectors,
            "loss for dot products of 1000": large[0], "grad_outside_vectors for dot products of 1000": large[2]}


def test_neg_sampling_loss_and_gradient():
    """neg_sampling_loss_and_gradient: a repeated negative counts each time; central differences; stable."""
    examples.check(neg_sampling_loss_and_gradient, word2vec)
    center_vec, outside_idx, outside_vectors = pair_inputs()
    _, grad_center_vec, grad_outside_vectors = word2vec.neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, NEG_INDICES)
    check_gradient("grad_center_vec", grad_center_vec, lambda v: word2vec.neg_sampling_loss_and_gradient(v, outside_idx, outside_vectors, NEG_INDICES)[0], center_vec)
    check_gradient("grad_outside_vectors", grad_outside_vectors, lambda u: word2vec.neg_sampling_loss_and_gradient(center_vec, outside_idx, u, NEG_INDICES)[0], outside_vectors)
    # the negatives [1, 1] add twice what [1] adds to the result with no negatives
    none, once, twice = (word2vec.neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, np.array(neg, dtype=np.int64)) for neg in ([], [1], [1, 1]))
    for name, k in (("loss", 0), ("grad_center_vec", 1), ("grad_outside_vectors", 2)):
        assert_close(f"{name} with negatives [1, 1] minus {name} with none", np.subtract(twice[k], none[k]), 2 * np.subtract(once[k], none[k]))
    assert_no_warnings("neg_sampling_loss_and_gradient with dot products of 1000", word2vec.neg_sampling_loss_and_gradient, *large_pair_inputs(), NEG_INDICES)


# -- 7.4 skipgram -------------------------------------------------------------------------------

WORD2IND = {"the": 0, "cat": 1, "sat": 2, "on": 3, "mat": 4, "dog": 5}
# "mat" starts its sentence "mat the cat the mat": its windows hold only right neighbours; the
# window of 4 holds "the" twice and "mat" itself
WINDOW = ("mat", 2, ["the", "cat"])
LONG_WINDOW = ("mat", 4, ["the", "cat", "the", "mat"])


def skipgram_vectors():
    r = rng(3)
    return normal(r, 6, 3), normal(r, 6, 3)


@examples.register
def skipgram(w2v):
    center_vectors, outside_vectors = skipgram_vectors()
    center_word, window_size, outside_words = LONG_WINDOW
    naive = w2v.skipgram(center_word, window_size, outside_words, WORD2IND, center_vectors, outside_vectors, w2v.naive_softmax_loss_and_gradient)
    negative = functools.partial(w2v.neg_sampling_loss_and_gradient, neg_indices=np.array([2, 5, 2]))
    neg = w2v.skipgram(center_word, window_size, outside_words, WORD2IND, center_vectors, outside_vectors, negative)
    return {"loss": naive[0], "grad_center_vectors": naive[1], "grad_outside_vectors": naive[2],
            "loss with negative sampling": neg[0], "grad_center_vectors with negative sampling": neg[1]}


def test_skipgram():
    """skipgram: the sum over the window of the pairs' losses and gradients; only the centre word's row of
    grad_center_vectors is nonzero; the vectors are not modified."""
    examples.check(skipgram, word2vec)
    center_vectors, outside_vectors = skipgram_vectors()
    before = center_vectors.copy(), outside_vectors.copy()
    center_word, window_size, outside_words = WINDOW
    loss, grad_center_vectors, grad_outside_vectors = word2vec.skipgram(
        center_word, window_size, outside_words, WORD2IND, center_vectors, outside_vectors, word2vec.naive_softmax_loss_and_gradient)
    assert_unchanged("center_vectors", before[0], center_vectors)
    assert_unchanged("outside_vectors", before[1], outside_vectors)
    pairs = [word2vec.naive_softmax_loss_and_gradient(center_vectors[4], WORD2IND[word], outside_vectors) for word in outside_words]
    assert_close("skipgram's loss (the sum of the pairs' losses)", loss, sum(pair[0] for pair in pairs))
    assert_close("grad_outside_vectors (the sum of the pairs')", grad_outside_vectors, pairs[0][2] + pairs[1][2])
    assert_close("grad_center_vectors of the centre word 'mat' (row 4)", grad_center_vectors[4], pairs[0][1] + pairs[1][1])
    assert_close("grad_center_vectors of the other words (zero)", np.delete(grad_center_vectors, 4, axis=0), np.zeros((5, 3)))
