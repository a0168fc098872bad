"""Public checks for semantics.py: run `pytest checks/test_semantics.py` (one task: add `-k ppmi`).

Each example below draws fixed inputs and calls your functions; its outputs are compared
with the reference's, stored in checks/expected/semantics.json: indices exactly, numbers
within a relative error of 1e-6. Beside the examples: counts worked out by hand (equal
neighbours add 2 to the diagonal), PPMI without warnings on zero rows, LSA's sign rule and its
link to the SVD, cosines of parallel and zero rows, ties to the lower index, the query words
excluded, int64 indices, and the documented ValueErrors.
"""

import numpy as np
import pytest

import semantics
from harness import Examples, assert_close, assert_no_warnings, assert_property, assert_unchanged, normal, rng

examples = Examples("semantics")


def sequence_from(r, vocab_size, length):
    """Word ids with a frequent head, as in text."""
    frequency = 1.0 / np.arange(1, vocab_size + 1)
    return r.choice(vocab_size, size=length, p=frequency / frequency.sum())


def vectors_from(r, count, dim):
    """Gaussian rows of lengths from 0.3 to 3, row 1 all zeros, row 4 equal to row 2."""
    E = normal(r, count, dim) * r.uniform(0.3, 3.0, size=(count, 1))
    E[1] = 0.0
    E[4] = E[2]
    return E


# -- 15.1, 15.2 counts and PPMI ----------------------------------------------------------------

@examples.register
def cooccurrence(sm):
    ids = sequence_from(rng(150), 8, 30)
    return {"C of 30 ids, window 2": sm.cooccurrence(ids, 8, 2), "C of the same ids, window 1": sm.cooccurrence(ids, 8, 1)}


def test_cooccurrence():
    """cooccurrence: each pair both ways, equal neighbours add 2 to the diagonal; ValueError for window < 1 or a bad id."""
    examples.check(cooccurrence, semantics)
    # ids 0 1 2 1 1 3, window 2: the pairs (1, 1) at distances 1 and 2 add 4 to C[1, 1]; word 4 never occurs
    expected = np.array([[0, 1, 1, 0, 0], [1, 4, 3, 2, 0], [1, 3, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=float)
    ids = np.array([0, 1, 2, 1, 1, 3])
    assert_close("cooccurrence([0, 1, 2, 1, 1, 3], 5, 2)", semantics.cooccurrence(ids, 5, 2), expected)
    assert_unchanged("ids", np.array([0, 1, 2, 1, 1, 3]), ids)
    assert_close("cooccurrence of a window longer than the sequence", semantics.cooccurrence(ids, 5, 10), semantics.cooccurrence(ids, 5, 5))
    assert_close("cooccurrence of one word", semantics.cooccurrence(np.array([3]), 5, 2), np.zeros((5, 5)))
    for bad_ids, window in (([0, 1, 2], 0), ([0, -1, 2], 1), ([0, 5, 2], 1)):
        with pytest.raises(ValueError):
            semantics.cooccurrence(np.array(bad_ids), 5, window)


@examples.register
def ppmi(sm):
    r = rng(151)
    counts = r.integers(0, 6, size=(6, 6)) * (r.random((6, 6)) < 0.6)
    counts[2] = 0
    return {"PPMI of co-occurrence counts": sm.ppmi(sm.cooccurrence(sequence_from(r, 7, 40), 7, 2)),
            "PPMI of asymmetric counts with a zero row": sm.ppmi(counts.astype(float))}


def test_ppmi():
    """ppmi: max(0, ln(C_ij total / (row_i col_j))), 0 where C_ij is 0, no warning for zero rows or all zeros."""
    examples.check(ppmi, semantics)
    # total 4, rows and columns 3 and 1: ln(2 * 4 / 9) < 0 is clipped, ln(1 * 4 / 3) kept, C_11 = 0 gives 0
    C = np.array([[2.0, 1.0], [1.0, 0.0]])
    assert_close("ppmi([[2, 1], [1, 0]])", assert_no_warnings("ppmi", semantics.ppmi, C), np.array([[0.0, np.log(4 / 3)], [np.log(4 / 3), 0.0]]))
    assert_close("ppmi of all zeros", assert_no_warnings("ppmi", semantics.ppmi, np.zeros((3, 3))), np.zeros((3, 3)))
    assert_no_warnings("ppmi of counts with a zero row", semantics.ppmi, np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [2.0, 0.0, 3.0]]))


# -- 15.3 LSA ----------------------------------------------------------------------------------

@examples.register
def lsa(sm):
    r = rng(152)
    return {"lsa of a 7 x 5 matrix, k = 3": sm.lsa(normal(r, 7, 5), 3), "lsa of a 4 x 6 matrix, k = 4": sm.lsa(normal(r, 4, 6), 4)}


def test_lsa():
    """lsa: U_k S_k, shape (V, k), each column's largest-magnitude entry positive; ValueError unless 1 <= k <= min(M.shape)."""
    examples.check(lsa, semantics)
    M = normal(rng(153), 6, 4)
    X = semantics.lsa(M, 2)
    U, S, Vt = np.linalg.svd(M, full_matrices=False)
    M_2 = U[:, :2] @ np.diag(S[:2]) @ Vt[:2]
    assert_close("X @ X.T for k = 2 (it is M_2 @ M_2.T, whatever the signs)", X @ X.T, M_2 @ M_2.T)
    largest = X[np.argmax(np.abs(X), axis=0), [0, 1]]
    assert_property(np.all(largest > 0), f"the largest-magnitude entries of the columns are {largest}: each should be positive.")
    assert_close("lsa(diag([-3, 2]), 2)", semantics.lsa(np.diag([-3.0, 2.0]), 2), np.diag([3.0, 2.0]))
    for k in (0, 5):
        with pytest.raises(ValueError):
            semantics.lsa(M, k)


# -- 15.4 to 15.6 similarity -------------------------------------------------------------------

@examples.register
def cosine_similarities(sm):
    E = vectors_from(rng(154), 8, 5)
    return {"cosines with row 0": sm.cosine_similarities(E, 0), "cosines with row 7 (the last)": sm.cosine_similarities(E, 7)}


def test_cosine_similarities():
    """cosine_similarities: 1 for a positive multiple, -1 for a negative one, 0 for a zero row; ValueError for i = -1 or V."""
    examples.check(cosine_similarities, semantics)
    E = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [-1.0, -2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    assert_close("cosine_similarities(E, 0) of a row, its double, its negative, zeros and an orthogonal row",
                 assert_no_warnings("cosine_similarities", semantics.cosine_similarities, E, 0), np.array([1.0, 1.0, -1.0, 0.0, 0.0]))
    assert_close("cosine_similarities of the zero row", assert_no_warnings("cosine_similarities", semantics.cosine_similarities, E, 3), np.zeros(5))
    for i in (-1, 5):
        with pytest.raises(ValueError):
            semantics.cosine_similarities(E, i)


@examples.register
def nearest(sm):
    E = vectors_from(rng(155), 10, 4)
    return {"nearest(E, 0, 3)": sm.nearest(E, 0, 3), "nearest(E, 9, 9), every other row": sm.nearest(E, 9, 9)}


def test_nearest():
    """nearest: int64, row i excluded, its equal rows kept, ties to the lower index; ValueError unless 1 <= k <= V - 1."""
    examples.check(nearest, semantics)
    E = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [1.0, 2.0], [0.0, 0.0], [1.0, 1.0]])
    # row 0 equals row 2 (cosine 1); rows 1 and 5 are equal (cosine 1/sqrt 2, a tie: 1 first); then row 3 (1/sqrt 5)
    top = semantics.nearest(E, 2, 4)
    assert_close("nearest(E, 2, 4) with row 0 equal to row 2 and rows 1, 5 tied", top, np.array([0, 1, 5, 3], dtype=np.int64))
    assert_property(top.dtype == np.int64, f"nearest returned dtype {top.dtype}, expected int64.")
    assert_close("nearest of the zero row (every cosine 0: the lowest indices)", semantics.nearest(E, 4, 3), np.array([0, 1, 2], dtype=np.int64))
    for k in (0, 6):
        with pytest.raises(ValueError):
            semantics.nearest(E, 0, k)


@examples.register
def analogy(sm):
    E = vectors_from(rng(156), 12, 5)
    return {"analogy(E, 0, 3, 5)": sm.analogy(E, 0, 3, 5), "analogy(E, 11, 6, 0, k=9), the whole ranking": sm.analogy(E, 11, 6, 0, k=9)}


def test_analogy():
    """analogy: unit vectors, u_b - u_a + u_c, a, b and c excluded, int64; ValueError unless 1 <= k <= V - 3."""
    examples.check(analogy, semantics)
    # man, woman, king, queen = king - man + woman, and an unrelated row
    E = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.2], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.3, 0.3, -1.0]])
    top = semantics.analogy(E, 0, 1, 2)
    assert_close("man : woman :: king : ? (queen is row 3)", top, np.array([3], dtype=np.int64))
    assert_property(top.dtype == np.int64, f"analogy returned dtype {top.dtype}, expected int64.")
    # b = 1 is a hundred times longer than the others: E_b - E_a + E_c points along it (at row 3), while
    # u_b - u_a + u_c = (-0.29, 0.29) points at row 4
    long = np.array([[1.0, 0.0], [0.0, 100.0], [1.0, -1.0], [0.1, 1.0], [-1.0, 1.1]])
    assert_close("analogy with one long row (normalize first)", semantics.analogy(long, 0, 1, 2), np.array([4], dtype=np.int64))
    for k in (0, 3):
        with pytest.raises(ValueError):
            semantics.analogy(E, 0, 1, 2, k)
