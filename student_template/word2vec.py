"""Assignment 7: word2vec, the skip-gram model with naive softmax and negative sampling.

Skip-gram learns two vectors per word of a vocabulary of V words: a centre vector v_w (a row
of center_vectors, shape (V, d)) and an outside vector u_w (a row of outside_vectors, shape
(V, d)). For a centre word c and a word o seen near it, the model's probability is

    P(o | c) = softmax(outside_vectors @ v_c)[o] = exp(u_o . v_c) / sum_w exp(u_w . v_c)

and training lowers -log P(o | c) summed over every (centre, outside) pair of a corpus. The
normalization over the whole vocabulary is costly; negative sampling replaces it with K
binary decisions, "o is a real neighbour" against K words drawn at random:

    loss = -log sigmoid(u_o . v_c) - sum_k log sigmoid(-u_k . v_c)

Tasks:
    7.1  sigmoid
    7.2  naive_softmax_loss_and_gradient
    7.3  neg_sampling_loss_and_gradient
    7.4  skipgram

Conventions: arrays are float64 and every returned array is float64; losses are Python
floats; word indices are ints (Python's or numpy's); shapes are exact, (d,) is not (1, d);
the inputs are never modified. Numerics matter: dot products of magnitude 1e3 must give
finite losses and gradients without overflow warnings, so never take exp of a large positive
number or log of a probability that can round to 0. Use numpy and the standard library only.
"""

import numpy as np


def sigmoid(x):
    """The logistic sigmoid, elementwise and numerically stable. Task 7.1.

        sigmoid(x) = 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x))

    Use the first form where x >= 0 and the second where x < 0, so that exp only ever
    sees -|x| <= 0: no overflow warning and no NaN, for |x| up to 1e3 and beyond.

    Args:
        x: inputs, any shape.

    Returns:
        The shape of x, values in [0, 1].

    Raises:
        Nothing.
    """
    # Your code here
    raise NotImplementedError("sigmoid: not implemented yet (task 7.1)")


def naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors):
    """Naive-softmax loss of one (centre, outside) pair, and its gradients. Task 7.2.

    With scores = outside_vectors @ center_vec (one per vocabulary word), y_hat their softmax
    and y the one-hot vector of outside_idx:

        loss                 = -log y_hat[outside_idx]
        grad_center_vec      = outside_vectors.T @ (y_hat - y)
        grad_outside_vectors = outer(y_hat - y, center_vec)

    Compute log softmax with the log-sum-exp trick, never as log of a softmax, which rounds
    to 0 (log 0 = -inf) when the scores differ by a thousand.

    Args:
        center_vec: v_c, the centre word's vector, shape (d,).
        outside_idx: o, the index of the outside word, an int in [0, V).
        outside_vectors: U, every word's outside vector as a row, shape (V, d).

    Returns:
        loss: a Python float.
        grad_center_vec: dloss/dv_c, shape (d,).
        grad_outside_vectors: dloss/dU, shape (V, d).

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    # Your code here
    raise NotImplementedError("naive_softmax_loss_and_gradient: not implemented yet (task 7.2)")


def neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices):
    """Negative-sampling loss of one (centre, outside) pair, and its gradients. Task 7.3.

    With the score s_o = u_o . v_c of the outside word and s_k = u_k . v_c of each negative
    sample k in neg_indices:

        loss = -log sigmoid(s_o) - sum_k log sigmoid(-s_k)

        grad_center_vec                = (sigmoid(s_o) - 1) u_o + sum_k sigmoid(s_k) u_k
        grad_outside_vectors[o]       += (sigmoid(s_o) - 1) v_c
        grad_outside_vectors[k]       += sigmoid(s_k) v_c       for each k in neg_indices

    and zero rows for every other word. An index that appears twice in neg_indices counts
    twice, in the loss and in both gradients; a negative equal to outside_idx adds to the
    outside word's row. Careful: grad[neg_indices] += ... adds a repeated index only once
    (use np.add.at or a loop). Compute -log sigmoid(s) = log(1 + exp(-s)) with
    np.logaddexp(0, -s), which stays finite for |s| of 1e3.

    Args:
        center_vec: v_c, the centre word's vector, shape (d,).
        outside_idx: o, the index of the outside word, an int in [0, V).
        outside_vectors: U, every word's outside vector as a row, shape (V, d).
        neg_indices: the K negative samples, ints in [0, V), shape (K,); may repeat.

    Returns:
        loss: a Python float.
        grad_center_vec: dloss/dv_c, shape (d,).
        grad_outside_vectors: dloss/dU, shape (V, d).

    Raises:
        Nothing: the inputs are assumed to have the shapes above.
    """
    # Your code here
    raise NotImplementedError("neg_sampling_loss_and_gradient: not implemented yet (task 7.3)")


def skipgram(center_word, window_size, outside_words, word2ind, center_vectors, outside_vectors, loss_and_gradient):
    """Skip-gram loss of one centre word and its window, and the gradients. Task 7.4.

    The loss is the SUM, over the outside words of the window, of
    loss_and_gradient(v_c, word2ind[outside_word], outside_vectors), where v_c is the centre
    word's row of center_vectors; the gradients are the sums of theirs. Only the centre
    word's row of grad_center_vectors is nonzero. A word may appear several times among
    outside_words (each time counts), and may be the centre word itself.

    Args:
        center_word: the centre word, a str.
        window_size: m; the window holds up to m words on each side of the centre, so
            outside_words has at most 2m words (fewer at the edges of a sentence).
        outside_words: the words of the window in order, a list of str (the centre excluded).
        word2ind: dict from each word of the vocabulary to its index in [0, V).
        center_vectors: every word's centre vector as a row, shape (V, d).
        outside_vectors: every word's outside vector as a row, shape (V, d).
        loss_and_gradient: a function with the signature of naive_softmax_loss_and_gradient,
            (center_vec, outside_idx, outside_vectors) -> (loss, grad_center_vec,
            grad_outside_vectors); for negative sampling, bind its neg_indices with
            functools.partial.

    Returns:
        loss: a Python float.
        grad_center_vectors: dloss/dcenter_vectors, shape (V, d).
        grad_outside_vectors: dloss/doutside_vectors, shape (V, d).

    Raises:
        Nothing: every word is assumed to be a key of word2ind.
    """
    # Your code here
    raise NotImplementedError("skipgram: not implemented yet (task 7.4)")
