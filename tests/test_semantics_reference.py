"""The semantics reference proven against independent oracles and hand-worked values.

Counting is checked against a brute-force loop over every ordered pair of positions, PPMI
against the formula evaluated entry by entry with math.log, LSA against numpy.linalg.svd
called here on its own (full matrices, the sign rule coded column by column) and against
torch.linalg.svd, and cosines against torch.nn.functional.cosine_similarity; nearest and
analogy against rankings by sorted() on (-similarity, index) over torch's cosines. Every
documented ValueError is tried at the limit on both sides, and nothing may warn. The last
tests check that the student stub has the reference's API.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from oracles import assert_stub_mirrors, assert_stub_raises, load

pytestmark = pytest.mark.semantics

ROOT = Path(__file__).parents[1]

# SPEC order; task 15.k is the k-th name
SPEC_FUNCTIONS = ["cooccurrence", "ppmi", "lsa", "cosine_similarities", "nearest", "analogy"]


ref = load(ROOT / "solutions" / "semantics.py", "reference_semantics")
stub = load(ROOT / "assignments" / "semantics.py", "stub_semantics")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def no_warnings():
    """Every test here fails on a numpy warning: log(0) and 0 / 0 are bugs even when masked afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# --- the oracles ----------------------------------------------------------------------------


def brute_counts(ids, vocab_size, window):
    """The contract's definition, literally: every ordered pair of positions (i, j), i != j, |i - j| <= window."""
    C = np.zeros((vocab_size, vocab_size))
    for i in range(len(ids)):
        for j in range(len(ids)):
            if i != j and abs(i - j) <= window:
                C[ids[i], ids[j]] += 1
    return C


def brute_ppmi(C):
    """max(0, ln(C_ij * total / (row_i * col_j))) entry by entry with math.log, 0 where C_ij is 0."""
    total, out = C.sum(), np.zeros_like(C)
    for i in range(C.shape[0]):
        for j in range(C.shape[1]):
            if C[i, j] > 0:
                out[i, j] = max(0.0, math.log(C[i, j] * total / (C[i].sum() * C[:, j].sum())))
    return out


def signed_columns(X):
    """Each column negated when its largest-magnitude entry is negative (inputs here have one largest)."""
    X = X.copy()
    for column in range(X.shape[1]):
        largest = max(range(X.shape[0]), key=lambda row: abs(X[row, column]))
        if X[largest, column] < 0:
            X[:, column] = -X[:, column]
    return X


def numpy_lsa(M, k):
    """U_k S_k from numpy.linalg.svd with full matrices, signed column by column."""
    U, S, _ = np.linalg.svd(M, full_matrices=True)
    return signed_columns(U[:, :k] @ np.diag(S[:k]))


def torch_lsa(M, k):
    U, S, _ = torch.linalg.svd(torch.tensor(M), full_matrices=False)
    return signed_columns((U[:, :k] * S[:k]).numpy())


def torch_cosines(E, i):
    """torch's cosine of every row with row i; its eps clamps the zero rows' 0 / 0 to 0."""
    E = torch.tensor(E)
    return F.cosine_similarity(E, E[i].expand_as(E), dim=1).numpy()


def brute_ranking(scores, excluded, k, E=None):
    """The k best indices outside ``excluded`` by sorted() on (-score, index): ties to the lower index.

    With ``E``, each row takes the score of the first row equal to it: the contract's exact tie
    of duplicate rows, whatever rounding the oracle's own arithmetic gave them."""
    if E is not None:
        scores = [scores[next(r for r in range(len(E)) if np.array_equal(E[r], E[j]))] for j in range(len(E))]
    return [j for j in sorted(range(len(scores)), key=lambda j: (-scores[j], j)) if j not in excluded][:k]


def separated_scores(scores, E):
    """Whether the similarities of rows that are not equal are all more than 1e-12 apart."""
    order = np.argsort(scores)
    close = np.diff(scores[order]) < 1e-12
    return bool(np.all(np.all(E[order][1:][close] == E[order][:-1][close], axis=1)))


def separated(M, k):
    """Distinct top k + 1 singular values, one largest magnitude per column: lsa's answer is unique."""
    U, S, _ = np.linalg.svd(M)
    S = np.append(S, 0.0)
    top = np.sort(np.abs(U[:, :k]), axis=0)
    return np.all(-np.diff(S[: k + 1]) > 1e-3 * S[0]) and (len(top) == 1 or np.all(top[-1] - top[-2] > 1e-6))


# --- 15.1 cooccurrence ----------------------------------------------------------------------


def test_cooccurrence_by_hand():
    """ids 0 1 2 1 1 3, window 2: the pairs 1-1 at distances 2 and 1 add 4 to C[1, 1]; a missing id is a zero row."""
    C = ref.cooccurrence(np.array([0, 1, 2, 1, 1, 3]), 5, 2)
    expected = np.array([[0, 1, 1, 0, 0], [1, 4, 3, 2, 0], [1, 3, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=float)
    np.testing.assert_array_equal(C, expected)
    assert C.dtype == np.float64


@pytest.mark.parametrize("length, window", [(0, 1), (1, 3), (2, 1), (9, 1), (9, 2), (9, 8), (9, 9), (9, 50), (40, 3)])
def test_cooccurrence_agrees_with_brute_force(rng, length, window):
    """Every length (none, one word) and window (1 to beyond the sequence) gives the literal definition's counts."""
    for _ in range(5):
        ids = rng.integers(0, 6, size=length)
        np.testing.assert_array_equal(ref.cooccurrence(ids, 6, window), brute_counts(ids, 6, window))


def test_cooccurrence_is_symmetric_and_sums_to_the_pairs(rng):
    """C = C^T, and its sum is twice the number of unordered pairs within the window."""
    ids = rng.integers(0, 7, size=30)
    C = ref.cooccurrence(ids, 7, 3)
    np.testing.assert_array_equal(C, C.T)
    assert C.sum() == 2 * sum(min(3, 30 - 1 - i) for i in range(30))


@pytest.mark.parametrize("ids, window, message", [
    ([0, 1, 2], 0, "window must be at least 1"), ([0, -1, 2], 1, r"ids must be in range\(5\)"), ([0, 5, 2], 1, r"ids must be in range\(5\)")])
def test_cooccurrence_rejects_a_window_below_one_and_ids_outside_the_range(ids, window, message):
    """window = 0 and the ids -1 and V raise; window = 1 and the ids 0 and V - 1 do not."""
    with pytest.raises(ValueError, match=message):
        ref.cooccurrence(np.array(ids), 5, window)
    assert ref.cooccurrence(np.array([0, 4, 2]), 5, 1).sum() == 4


# --- 15.2 ppmi ------------------------------------------------------------------------------


def test_ppmi_by_hand():
    """C = [[2, 1], [1, 0]]: total 4, rows and columns 3 and 1: ln(8/9) < 0 -> 0, ln(4/3), and 0 where C is 0."""
    np.testing.assert_allclose(ref.ppmi(np.array([[2.0, 1.0], [1.0, 0.0]])), [[0.0, math.log(4 / 3)], [math.log(4 / 3), 0.0]], rtol=1e-15)


@pytest.mark.parametrize("symmetric", [True, False], ids=["co-occurrence", "asymmetric"])
def test_ppmi_agrees_with_the_formula_entry_by_entry(rng, symmetric):
    """Counts with zero entries, a zero row and a zero column: the formula with math.log, without a warning."""
    for _ in range(10):
        C = ref.cooccurrence(rng.integers(0, 8, size=40), 9, 2) if symmetric else rng.integers(0, 5, size=(7, 7)) * (rng.random((7, 7)) < 0.5)
        C = np.asarray(C, dtype=float)
        C[3], C[:, 5] = 0.0, 0.0
        np.testing.assert_allclose(ref.ppmi(C), brute_ppmi(C), rtol=1e-13, atol=0)


def test_ppmi_of_all_zeros_is_zero_and_ignores_the_scale():
    """No counts at all gives 0 (no 0 / 0); PPMI depends on the counts' ratios only."""
    np.testing.assert_array_equal(ref.ppmi(np.zeros((4, 4))), np.zeros((4, 4)))
    C = np.array([[0.0, 3.0, 1.0], [3.0, 2.0, 0.0], [1.0, 0.0, 5.0]])
    np.testing.assert_allclose(ref.ppmi(1000 * C), ref.ppmi(C), rtol=1e-13)


# --- 15.3 lsa -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 6), (8, 5), (4, 7), (1, 3), (3, 1)])
def test_lsa_agrees_with_numpy_and_torch_svd(rng, shape):
    """Square, tall and wide matrices, every k from 1 to min(M.shape): numpy's full SVD and torch's, signed alike."""
    tried = 0
    while tried < 4:
        M = rng.standard_normal(shape)
        if not separated(M, min(shape)):
            continue
        tried += 1
        for k in range(1, min(shape) + 1):
            X = ref.lsa(M, k)
            assert X.shape == (shape[0], k) and X.dtype == np.float64
            np.testing.assert_allclose(X, numpy_lsa(M, k), rtol=1e-12, atol=1e-13)
            np.testing.assert_allclose(X, torch_lsa(M, k), rtol=1e-9, atol=1e-12)


def test_lsa_of_a_ppmi_matrix_is_the_best_rank_k_factor(rng):
    """X X^T = M_k M_k^T for the rank-k truncation M_k (signs cancel), on a PPMI matrix."""
    M = ref.ppmi(ref.cooccurrence(rng.integers(0, 10, size=200), 10, 2))
    U, S, Vt = np.linalg.svd(M)
    for k in (1, 3, 5):
        X = ref.lsa(M, k)
        M_k = U[:, :k] @ np.diag(S[:k]) @ Vt[:k]
        np.testing.assert_allclose(X @ X.T, M_k @ M_k.T, atol=1e-12)


def test_lsa_sign_rule_takes_the_largest_magnitude_and_the_first_of_a_tie():
    """diag(-3, 2): each column's one nonzero decides. Magnitudes tied within 1e-9: the first decides; 1e-7 apart: the larger."""
    np.testing.assert_array_equal(ref.lsa(np.diag([-3.0, 2.0]), 2), np.diag([3.0, 2.0]))
    for gap, first_positive in ((1e-12, True), (1e-7, False)):
        M = np.array([[1.0], [-(1.0 + gap)], [0.5]])  # one column: U = M / ||M||, S = ||M||
        X = ref.lsa(M, 1)
        assert (X[0, 0] > 0) == first_positive
        np.testing.assert_allclose(np.abs(X[:, 0]), np.abs(M[:, 0]), rtol=1e-12)


@pytest.mark.parametrize("k", [0, 5, -1])
def test_lsa_rejects_k_outside_one_to_min_shape(k):
    """k = 0 and k = min(M.shape) + 1 raise; k = 1 and k = min(M.shape) do not."""
    M = np.arange(24.0).reshape(4, 6)
    with pytest.raises(ValueError, match=r"k must be in \[1, 4\]"):
        ref.lsa(M, k)
    assert ref.lsa(M, 1).shape == (4, 1) and ref.lsa(M, 4).shape == (4, 4)


# --- 15.4 to 15.6 similarity ----------------------------------------------------------------


def vectors_with_ties(rng, count=10, dim=4):
    """Gaussian rows of varied lengths, a zero row (2), rows 5 and 8 equal, row 7 equal to row 1."""
    E = rng.standard_normal((count, dim)) * rng.uniform(0.3, 3.0, size=(count, 1))
    E[2] = 0.0
    E[8] = E[5]
    E[7] = E[1]
    return E


def test_cosine_similarities_agree_with_torch(rng):
    """Every query row, the zero row among them (all 0): torch's F.cosine_similarity; 1 on the query, 0 for zero rows."""
    E = vectors_with_ties(rng)
    for i in range(len(E)):
        sims = ref.cosine_similarities(E, i)
        assert sims.shape == (10,) and sims.dtype == np.float64
        np.testing.assert_allclose(sims, torch_cosines(E, i), rtol=1e-12, atol=1e-15)
        assert sims[2] == 0.0 and (i == 2 or abs(sims[i] - 1) < 1e-15)


def test_equal_rows_get_exactly_equal_cosines(rng):
    """Duplicate rows tie exactly, whatever the dimension (the reference sums elementwise, not by BLAS)."""
    for dim in (3, 8, 16, 33):
        E = vectors_with_ties(rng, count=30, dim=dim)
        for i in range(30):
            sims = ref.cosine_similarities(E, i)
            assert sims[5] == sims[8] and sims[1] == sims[7]


def test_nearest_agrees_with_a_brute_force_ranking(rng):
    """Every query and k from 1 to V - 1: sorted() on (-cosine, index) over torch's cosines, row i left out."""
    for _ in range(5):
        E = vectors_with_ties(rng)
        for i in range(len(E)):
            oracle = torch_cosines(E, i)
            assert separated_scores(oracle, E) or not E[i].any()  # rounding cannot reorder rows that differ; a zero query ties all
            for k in range(1, len(E)):
                top = ref.nearest(E, i, k)
                assert top.dtype == np.int64
                assert top.tolist() == brute_ranking(oracle, {i}, k, E)


def test_nearest_keeps_the_rows_equal_to_the_query_and_ties_to_the_lower_index(rng):
    """Row 7 equals row 1: nearest(E, 7, 1) is [1] (cosine 1), nearest(E, 1, 1) is [7]; 5 and 8 tie, 5 first; a zero query ranks by index."""
    E = vectors_with_ties(rng)
    assert ref.nearest(E, 7, 1).tolist() == [1] and ref.nearest(E, 1, 1).tolist() == [7]
    top = ref.nearest(E, 5, 9).tolist()
    assert top[0] == 8 and 5 not in top
    everything = ref.nearest(E, 0, 9).tolist()
    assert everything.index(5) + 1 == everything.index(8)
    assert ref.nearest(E, 2, 4).tolist() == [0, 1, 3, 4]


@pytest.mark.parametrize("i, k, message", [(0, 0, r"k must be in \[1, 9\]"), (0, 10, r"k must be in \[1, 9\]"),
                                           (-1, 1, r"i must be in range\(10\)"), (10, 1, r"i must be in range\(10\)")])
def test_nearest_and_cosine_reject_out_of_range_arguments(rng, i, k, message):
    """k = 0 and k = V raise, k = 1 and k = V - 1 do not; the rows -1 and V raise, 0 and V - 1 do not."""
    E = vectors_with_ties(rng)
    with pytest.raises(ValueError, match=message):
        ref.nearest(E, i, k)
    if k == 1:
        with pytest.raises(ValueError, match=message):
            ref.cosine_similarities(E, i)
    assert len(ref.nearest(E, 0, 1)) == 1 and len(ref.nearest(E, 9, 9)) == 9


def torch_analogy_scores(E, a, b, c):
    """cos(u_j, u_b - u_a + u_c) with torch: unit rows by F.normalize (a zero row stays 0), then F.cosine_similarity."""
    unit = F.normalize(torch.tensor(E), dim=1)
    target = unit[b] - unit[a] + unit[c]
    return F.cosine_similarity(unit, target.expand_as(unit), dim=1).numpy()


def test_analogy_agrees_with_a_brute_force_ranking_over_torch(rng):
    """Random queries, k from 1 to V - 3: the ranking of torch's 3CosAdd scores, a, b and c left out."""
    for _ in range(20):
        E = vectors_with_ties(rng, count=12, dim=5)
        a, b, c = (int(v) for v in rng.choice([0, 1, 3, 4, 5, 6, 9, 10, 11], size=3, replace=False))
        scores = torch_analogy_scores(E, a, b, c)
        assert separated_scores(scores, E)
        for k in (1, 4, 9):
            top = ref.analogy(E, a, b, c, k)
            assert top.dtype == np.int64 and not {a, b, c} & set(top.tolist())
            assert top.tolist() == brute_ranking(scores, {a, b, c}, k, E)


def test_analogy_solves_a_planted_offset():
    """Rows man, woman, king, queen, apple with queen = king + (woman - man): king - man + woman is queen, not woman."""
    man, woman, king = np.array([1.0, 0.0, 0.2]), np.array([0.0, 1.0, 0.2]), np.array([1.0, 0.0, 1.0])
    E = np.stack([man, woman, king, king - man + woman, np.array([0.3, 0.3, -1.0])])
    assert ref.analogy(E, 0, 1, 2).tolist() == [3]
    assert ref.analogy(E, 0, 1, 2, 2).tolist() == [3, 4]


def test_analogy_normalizes_before_the_offset():
    """A long row b: the raw offset E_b - E_a + E_c points along b (row 3), the unit one at row 4."""
    E = np.array([[1.0, 0.0], [0.0, 100.0], [1.0, -1.0], [0.1, 1.0], [-1.0, 1.1]])
    assert ref.analogy(E, 0, 1, 2, 2).tolist() == [4, 3] == brute_ranking(torch_analogy_scores(E, 0, 1, 2), {0, 1, 2}, 2)
    raw = torch.tensor(E[1] - E[0] + E[2])
    assert brute_ranking(F.cosine_similarity(torch.tensor(E), raw.expand(5, 2), dim=1).numpy(), {0, 1, 2}, 1) == [3]


def test_analogy_ranks_zero_rows_at_cosine_zero(rng):
    """With k = V - 3, a zero row sits after the positive cosines and before the negative ones."""
    E = vectors_with_ties(rng, count=12, dim=3)
    top = ref.analogy(E, 0, 1, 3, 9).tolist()
    scores = torch_analogy_scores(E, 0, 1, 3)
    position = top.index(2)
    assert all(scores[j] > 0 for j in top[:position]) and all(scores[j] < 0 for j in top[position + 1:])


@pytest.mark.parametrize("args, message", [((0, 1, 2, 0), r"k must be in \[1, 7\]"), ((0, 1, 2, 8), r"k must be in \[1, 7\]"),
                                           ((-1, 1, 2, 1), r"a must be in range\(10\)"), ((0, 10, 2, 1), r"b must be in range\(10\)")])
def test_analogy_rejects_out_of_range_arguments(rng, args, message):
    """k = 0 and k = V - 2 raise, k = V - 3 does not; a row index -1 or V raises."""
    E = vectors_with_ties(rng)
    with pytest.raises(ValueError, match=message):
        ref.analogy(E, *args)
    assert len(ref.analogy(E, 0, 1, 9, 7)) == 7


def test_no_function_modifies_its_inputs(rng):
    """Every function leaves its arrays as they were."""
    ids, E = rng.integers(0, 6, size=20), vectors_with_ties(rng)
    C = ref.cooccurrence(ids, 6, 2)
    kept = [ids.copy(), C.copy(), E.copy()]
    ref.ppmi(C), ref.lsa(C, 2), ref.cosine_similarities(E, 0), ref.nearest(E, 0, 3), ref.analogy(E, 0, 1, 3, 2)
    for before, after in zip(kept, [ids, C, E]):
        np.testing.assert_array_equal(before, after)


# --- the stub -------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=15)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=15, k=k)
