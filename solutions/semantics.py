"""Assignment 15: meaning from co-occurrence: counts, PPMI, LSA, similarity, analogies.

"You shall know a word by the company it keeps" (Firth, 1957): words used in similar
contexts have similar meanings. Count, for every word, the words seen within a few
positions of it: row w of the co-occurrence matrix C is a vector of w's contexts. Raw counts
are dominated by frequent words ("the"), so reweight them by pointwise mutual information,

    PMI(w, c) = ln( P(w, c) / (P(w) P(c)) ) = ln( C_wc * total / (row_w * col_c) ),

how much more often w and c occur together than if they were independent, keeping only the
positive part (PPMI). The rows are long and sparse; latent semantic analysis (LSA) keeps the
k directions of the truncated SVD, M ~ U_k S_k V_k^T, and represents word w by row w of
U_k S_k. Words are then compared by the cosine of their vectors, and an analogy "a is to b
as c is to ?" is answered by the word closest to u_b - u_a + u_c (3CosAdd, Mikolov et al.,
2013), on unit vectors u.

Tasks:
    15.1  cooccurrence           15.4  cosine_similarities
    15.2  ppmi                   15.5  nearest
    15.3  lsa                    15.6  analogy

Conventions: matrices are float64 and every returned matrix is float64; returned indices
are int64; word ids and row indices are ints (Python's or numpy's) and a row index outside
range(V) raises ValueError (no negative indexing); rankings are by decreasing similarity,
exactly equal similarities to the lower index; shapes are exact, (V,) is not (1, V); the
inputs are never modified. Zero counts and zero rows give 0, never NaN (and ppmi must not
even warn: never take log(0) or divide 0 / 0). Use numpy and the standard library only.
"""

import numpy as np

TIED = 1e-9  # lsa's sign rule: magnitudes within this relative distance of a column's largest are tied


def _row_index(index, count, name):
    """``index`` as an int in range(count); ValueError outside it (no negative indexing)."""
    if not 0 <= index < count:
        raise ValueError(f"{name} must be in range({count}), got {index}")
    return int(index)


def _unit_rows(E):
    """The rows of E divided by their Euclidean norms; a zero row stays 0."""
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)


def _cosines_with(unit, vector):
    """The cosine of ``vector`` with every row of ``unit`` (unit rows or zero rows); 0 for a zero vector.

    An elementwise product summed along each row, not a matrix product: BLAS may compute equal
    rows with different roundings, and duplicate rows must tie exactly."""
    (direction,) = _unit_rows(vector[None, :])
    return (unit * direction).sum(axis=1)


def _ranked(scores, excluded, k):
    """The k indices of the highest ``scores`` outside ``excluded``, highest first, ties to the lower index."""
    candidates = np.setdiff1d(np.arange(scores.size), list(excluded))
    order = np.argsort(-scores[candidates], kind="stable")  # stable: equal scores keep index order
    return candidates[order[:k]].astype(np.int64)


def cooccurrence(ids, vocab_size, window):
    """The co-occurrence counts of a sequence of word ids. Task 15.1.

    For every ordered pair of positions (i, j) with i != j and |i - j| <= window:

        C[ids[i], ids[j]] += 1

    so each pair of nearby words counts once in each direction, C is symmetric, and two equal
    words within the window add 2 to their diagonal entry. A window of w looks w words to
    each side (not w in all); a window as long as the sequence counts every pair.

    Args:
        ids: int array of shape (N,), word ids in range(vocab_size); N may be 0 or 1.
        vocab_size: V, the number of words.
        window: int >= 1.

    Returns:
        C: float64 array of shape (V, V).

    Raises:
        ValueError: if window < 1, or an id is outside range(vocab_size).
    """
    ids = np.asarray(ids)
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if ids.ndim != 1:
        raise ValueError(f"ids must have shape (N,), got {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"ids must be in range({vocab_size}), got values from {ids.min()} to {ids.max()}")
    counts = np.zeros((vocab_size, vocab_size))
    for distance in range(1, min(window, ids.size - 1) + 1):
        np.add.at(counts, (ids[:-distance], ids[distance:]), 1.0)  # add.at: a repeated pair adds every time
    return counts + counts.T


def ppmi(C):
    """Positive pointwise mutual information of a matrix of counts. Task 15.2.

        PPMI[i, j] = max(0, ln(C[i, j] * total / (row_i * col_j)))

    with the natural log, total = C.sum(), row_i = C[i].sum() and col_j = C[:, j].sum()
    (C need not be symmetric). Wherever C[i, j] is 0, PPMI[i, j] is 0: never compute log(0)
    (no warnings, no NaN, also for rows and columns of zeros).

    Args:
        C: float64 array of shape (V, V) of non-negative counts.

    Returns:
        PPMI: float64 array of shape (V, V), entries >= 0.
    """
    C = np.asarray(C, dtype=np.float64)
    total = C.sum()
    rows, cols = C.sum(axis=1), C.sum(axis=0)
    out = np.zeros_like(C)
    i, j = np.nonzero(C > 0)  # there, total, rows[i] and cols[j] are positive too
    out[i, j] = np.maximum(0.0, np.log(C[i, j] * total / (rows[i] * cols[j])))
    return out


def lsa(M, k):
    """Latent semantic analysis: the rows of M in the k directions of its truncated SVD. Task 15.3.

    With the SVD M = U S V^T (singular values in decreasing order), return U_k S_k: the first
    k columns of U, each times its singular value. Row w is word w's k-dimensional vector.
    Singular vectors are defined up to sign; fix it: negate every column whose
    largest-magnitude entry is negative (magnitudes within a relative 1e-9 of the column's
    largest count as tied, and the first of them decides; graded inputs have a single
    largest).

    Args:
        M: float64 array of shape (V, N).
        k: int, the number of dimensions kept.

    Returns:
        X: float64 array of shape (V, k).

    Raises:
        ValueError: unless 1 <= k <= min(V, N).
    """
    M = np.asarray(M, dtype=np.float64)
    if not 1 <= k <= min(M.shape):
        raise ValueError(f"k must be in [1, {min(M.shape)}] for a matrix of shape {M.shape}, got {k}")
    U, S, _ = np.linalg.svd(M, full_matrices=False)
    X = U[:, :k] * S[:k]
    magnitude = np.abs(X)
    deciding = np.argmax(magnitude >= (1 - TIED) * magnitude.max(axis=0), axis=0)  # argmax: the first True
    return X * np.where(X[deciding, np.arange(k)] < 0, -1.0, 1.0)


def cosine_similarities(E, i):
    """The cosine similarity of every row of E with row i. Task 15.4.

        cos(E_j, E_i) = E_j . E_i / (||E_j|| ||E_i||)

    0 where either row is all zeros (no 0 / 0, no NaN).

    Args:
        E: float64 array of shape (V, d), one vector per word.
        i: int in range(V).

    Returns:
        sims: float64 array of shape (V,); sims[i] is 1 unless row i is 0.

    Raises:
        ValueError: if i is outside range(V).
    """
    E = np.asarray(E, dtype=np.float64)
    i = _row_index(i, len(E), "i")
    unit = _unit_rows(E)
    return _cosines_with(unit, unit[i])


def nearest(E, i, k):
    """The k rows most similar to row i by cosine, most similar first. Task 15.5.

    Row i itself is excluded (other rows equal to it are not). Exactly equal cosines
    (duplicate rows) go to the lower index first; zero rows have cosine 0.

    Args:
        E: float64 array of shape (V, d).
        i: int in range(V).
        k: int, the number of neighbours.

    Returns:
        top: int64 array of shape (k,), row indices, never i.

    Raises:
        ValueError: if i is outside range(V), or unless 1 <= k <= V - 1.
    """
    E = np.asarray(E, dtype=np.float64)
    i = _row_index(i, len(E), "i")
    if not 1 <= k <= len(E) - 1:
        raise ValueError(f"k must be in [1, {len(E) - 1}], got {k}")
    return _ranked(cosine_similarities(E, i), {i}, k)


def analogy(E, a, b, c, k=1):
    """Analogy, "a is to b as c is to ?": the rows closest to u_b - u_a + u_c (3CosAdd). Task 15.6.

    With the unit rows u_j = E_j / ||E_j|| (a zero row stays 0) and the target
    t = u_b - u_a + u_c, rank the rows j not in {a, b, c} by cos(u_j, t) (0 for a zero row),
    most similar first, exactly equal cosines to the lower index. The query words are
    excluded: b and c are usually the closest rows to t.

    Args:
        E: float64 array of shape (V, d).
        a, b, c: ints in range(V).
        k: int, the number of answers.

    Returns:
        top: int64 array of shape (k,), row indices, none of them a, b or c.

    Raises:
        ValueError: if a, b or c is outside range(V), or unless 1 <= k <= V - 3.
    """
    E = np.asarray(E, dtype=np.float64)
    a, b, c = (_row_index(index, len(E), name) for index, name in ((a, "a"), (b, "b"), (c, "c")))
    if not 1 <= k <= len(E) - 3:
        raise ValueError(f"k must be in [1, {len(E) - 3}], got {k}")
    unit = _unit_rows(E)
    return _ranked(_cosines_with(unit, unit[b] - unit[a] + unit[c]), {a, b, c}, k)
