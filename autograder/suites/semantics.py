"""Graded cases for semantics.py (assignment 15): co-occurrence, PPMI, LSA, cosine, nearest, analogy.

Counting is graded on sequences that plant what loose code miscounts: equal words within
the window (each such pair adds 2 to the diagonal), ids 0 and V - 1 (both ends of the range)
and a word that never occurs (a zero row), windows of 1 and as long as the sequence, one-word
sequences. PPMI is graded on those counts and on asymmetric ones (row and column sums
differ), always with zero counts and zero rows, under a judge that fails numpy warnings:
log(0) and 0 / 0 are wrong even where the final value comes out right. LSA is graded on
tall, wide and PPMI matrices, k from 1 to min(M.shape); every matrix has well separated
singular values (so the answer is unique up to the sign rule, whichever SVD routine computes
it) and at least one column whose sign numpy's SVD leaves negative (so the sign rule always
matters), and one column's two largest magnitudes are a relative 1e-7 apart, outside the
contract's 1e-9 for ties. Similarity is graded with zero rows (cosine 0, ranked between the
positive and the negative ones) and duplicate rows (exact ties, to the lower index), k at
both ends of its range; the queries include the first and the last row.

Ranks are judged exactly, so ties must be exact in any sensible implementation: equal rows
appear only in vectors of at most 5 dimensions, where a BLAS matrix-vector product (E @ q)
computes equal rows equally (with 8 and more, numpy's OpenBLAS rounded two equal rows
differently in 118 of 2280 random trials; tests/test_semantics_grading.py checks every graded
input), and every builder checks that any two similarities within 1e-9 of each other come
from equal rows, and that no nonzero row is within 1e-9 of the zero rows' 0. Values are
judged against the reference at a relative error of 1e-6; a correct LSA by an
eigendecomposition of M M^T (ALTERNATIVE in that file) passed every case on seeds 1 to 50.

Inputs are drawn so that each mistake of MUTATIONS in tests/test_semantics_grading.py shows
in every draw (lengths decide the neighbours, a tie decides the first k, b or c is the row
closest to an analogy's target, numpy's SVD leaves a sign to fix): each failed exactly the
same cases on every secret seed from 1 to 30 (measured in-process, on the mutated reference).
"""

from __future__ import annotations

import numpy as np

from ..hints import Hint
from ..judge import Property, Raises
from ..plan import Call, Plan
from ..suite import STABLE, Case, Suite, draw, fixed, normal

SEPARATION = 1e-9  # two similarities closer than this must be an exact tie (duplicate rows)
ATTEMPTS = 200  # redraws allowed to a builder whose draw is ill-posed; far more than ever needed


def redrawn(rng, make, acceptable):
    """``make(rng)`` drawn again until ``acceptable`` holds for it (a bug in the suite if it never does)."""
    for _ in range(ATTEMPTS):
        value = make(rng)
        if acceptable(value):
            return value
    raise RuntimeError(f"no acceptable draw of {getattr(make, '__name__', 'an input')} in {ATTEMPTS} attempts")


def calls(function, draws):
    """One call per (output name, argument draw): ``function(*draw(rng))``, each result named."""
    def build(rng):
        made = {name: Call(function, *take(rng)) for name, take in draws}
        return Plan(list(made.values()), {name: call.out for name, call in made.items()})
    return build


def raising(why, function, *args) -> Case:
    """A case worth 0.5 whose one call the contract says must raise ValueError."""
    def build(rng):
        call = Call(function, *args)
        return Plan([call], {"result": call.out})
    return Case(f"{function} raises ValueError for {why}", 0.5, build, Raises(ValueError))


# -- 15.1 co-occurrence ----------------------------------------------------------------------

def counted(ids, vocab_size, window, directions=2, reach=lambda window: window, diagonal=2):
    """Co-occurrence counts, right with the defaults: each pair in ``directions`` directions,
    positions up to ``reach(window)`` apart, an equal pair adding ``diagonal`` to its entry."""
    ids = np.asarray(ids)
    counts = np.zeros((vocab_size, vocab_size))
    for distance in range(1, min(reach(window), ids.size - 1) + 1):
        np.add.at(counts, (ids[:-distance], ids[distance:]), 1.0)
    if directions == 2:
        counts = counts + counts.T
        counts[np.diag_indices(vocab_size)] *= diagonal / 2
    return counts


def sequence(rng, vocab_size, length):
    """Word ids with a frequent head (as in text): both 0 and V - 1 occur, one id in between
    never does (a zero row), and a word is repeated next to itself (the diagonal)."""
    frequency = 1.0 / np.arange(1, vocab_size + 1)
    ids = rng.choice(vocab_size, size=length, p=frequency / frequency.sum())
    absent = draw(rng, 1, vocab_size - 2)
    ids[ids == absent] = 0
    ends = rng.choice(length, size=2, replace=False)
    ids[ends] = [0, vocab_size - 1]
    free = [p for p in range(length - 1) if p not in ends and p + 1 not in ends]
    start = free[rng.integers(len(free))]
    ids[start + 1] = ids[start]
    return ids.astype(np.int64)


SEQUENCE = np.array([3, 0, 5, 5, 1, 3, 6, 0, 1, 1, 3, 5, 0, 6], dtype=np.int64)  # V = 7; id 2 and 4 never occur
REPEATS = np.array([2, 2, 2, 1], dtype=np.int64)  # two equal pairs at distance 1, one at 2; one pair of different words


def random_counting(rng):
    vocab_size = draw(rng, 8, 15)
    return sequence(rng, vocab_size, draw(rng, 20, 60)), vocab_size, draw(rng, 2, 5)


# -- 15.2 PPMI -------------------------------------------------------------------------------

def asymmetric_counts(rng, size):
    """Integer counts 0 to 6 with many zeros, not symmetric, one row and one other column all 0."""
    counts = rng.integers(0, 7, size=(size, size)) * (rng.random((size, size)) < 0.6)
    row, column = distinct_pair(rng, size)
    counts[row] = 0
    counts[:, column] = 0
    return counts.astype(np.float64)


def distinct_pair(rng, size):
    first, second = rng.choice(size, size=2, replace=False)
    return int(first), int(second)


def random_ppmi_counts(rng):
    return (counted(*random_counting(rng)),)


# -- 15.3 LSA --------------------------------------------------------------------------------

def well_posed(M, k, margin=1e-6):
    """The top k + 1 singular values at least 1% of the largest apart (the k-th also from 0),
    and each of the first k columns of U with one largest magnitude, a relative ``margin``
    above the next: the answer is the same whichever SVD routine computes it."""
    U, S, _ = np.linalg.svd(M, full_matrices=False)
    S = np.append(S, 0.0)
    if np.any(-np.diff(S[: k + 1]) < 1e-2 * S[0]):
        return False
    top = np.sort(np.abs(U[:, :k]), axis=0)
    return bool(np.all(top[-1] - top[-2] > margin * top[-1]))


def raw_signs_wrong(M, k):
    """Whether numpy's SVD leaves some column of U_k with a negative largest-magnitude entry."""
    U = np.linalg.svd(M, full_matrices=False)[0][:, :k]
    return bool(np.any(U[np.argmax(np.abs(U), axis=0), np.arange(k)] < 0))


def lsa_input(make, k, margin=1e-6):
    """A draw ``make(rng)`` of M and k (an int, or drawn by ``k(rng)``; at most min(M.shape)),
    M redrawn until well posed for k and in need of the sign rule."""
    def take(rng):
        chosen = k(rng) if callable(k) else k
        M = redrawn(rng, make, lambda M: well_posed(M, min(chosen, *M.shape), margin) and raw_signs_wrong(M, min(chosen, *M.shape)))
        return M, min(chosen, *M.shape)
    return take


def gaussian(rows, cols):
    """A draw of a (rows, cols) standard normal matrix."""
    return lambda rng: normal(rng, rows, cols)


def ppmi_matrix(rng):
    """The PPMI of the counts of a random sequence (V from 8 to 15, a zero row among them)."""
    return ppmi_variant()(counted(*random_counting(rng)))


def near_tie(rng):
    """A 6 x 5 matrix whose first left-singular vector has its two largest magnitudes a
    relative 1e-7 apart, the larger one negative and second: the sign rule must find it (a
    tie tolerance looser than the contract's 1e-9 picks the first, positive one)."""
    first = np.array([0.6, -0.6 * (1 + 1e-7), 0.3, 0.2, 0.25, 0.1])
    columns = [first / np.linalg.norm(first)]
    for column in normal(rng, 6, 4).T:  # Gram-Schmidt: the other left-singular vectors
        for kept in columns:
            column = column - (kept @ column) * kept
        columns.append(column / np.linalg.norm(column))
    right, _ = np.linalg.qr(normal(rng, 5, 5))
    return np.column_stack(columns) @ np.diag(rng.uniform(0.8, 1.2) * np.array([5.0, 3.0, 2.0, 1.2, 0.6])) @ right.T


# -- 15.4 to 15.6 similarity -----------------------------------------------------------------

def unit_rows(E):
    """The rows of E over their lengths; zero rows stay 0."""
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)


def ranking(scores, excluded=(), k=None, order="stable"):
    """Indices by decreasing score outside ``excluded``, the first ``k``: ties to the lower index,
    or to the higher one with order="reversed" (np.argsort(scores)[::-1])."""
    if order == "reversed":
        ranks = np.argsort(scores, kind="stable")[::-1]
    else:
        ranks = np.argsort(-scores, kind="stable")
    return ranks[~np.isin(ranks, list(excluded))][:k].astype(np.int64)


def ties_are_exact(E, scores, excluded=()):
    """Similarities within SEPARATION of each other belong to equal rows, and none of the
    nonzero rows is within SEPARATION of 0 (the zero rows' similarity)."""
    keep = np.setdiff1d(np.arange(len(E)), list(excluded))
    zero = ~np.any(E[keep] != 0, axis=1)
    if np.any(np.abs(scores[keep][~zero]) < SEPARATION):
        return False
    order = np.argsort(scores[keep], kind="stable")
    rows, values = E[keep][order], scores[keep][order]
    close = np.diff(values) < SEPARATION
    return bool(np.all(np.all(rows[1:][close] == rows[:-1][close], axis=1)))


def cosines(E, i):
    """The cosine of each row of E with row i, 0 for zero rows (elementwise: equal rows tie exactly)."""
    unit = unit_rows(E)
    return (unit * unit[i]).sum(axis=1)


def analogy_scores(E, a, b, c, raw=False):
    """cos(u_j, u_b - u_a + u_c) for every row j; with ``raw``, the target from the rows of E as they are."""
    unit = unit_rows(E)
    target = (E if raw else unit)[[b, a, c]]
    (direction,) = unit_rows((target[0] - target[1] + target[2])[None, :])
    return (unit * direction).sum(axis=1)


def lengths_matter(E, i, k):
    """Whether ranking by dot products instead of cosines changes the first k neighbours of row i."""
    return not np.array_equal(ranking((E * E[i]).sum(axis=1), (i,), k), ranking(cosines(E, i), (i,), k))


def ties_reach(scores, excluded, k):
    """Whether breaking the ties the other way changes the first k of the ranking."""
    return not np.array_equal(ranking(scores, excluded, k), ranking(scores, excluded, k, "reversed"))


def vectors(rng, count, dim, zeros=1, duplicates=1, scale=(0.3, 3.0)):
    """``count`` Gaussian rows of ``dim`` numbers with lengths spread over ``scale``, ``zeros`` of
    them all 0 and ``duplicates`` pairs of equal rows, at random places."""
    E = normal(rng, count, dim) * rng.uniform(*scale, size=(count, 1))
    places = rng.permutation(count)
    E[places[:zeros]] = 0.0
    for pair in range(duplicates):
        source, copy = places[zeros + 2 * pair : zeros + 2 * pair + 2]
        E[copy] = E[source]
    return E


def random_cosines(rng):
    """12 rows of 3 to 12 numbers, two of them 0, a pair equal; the query one of the nonzero rows."""
    E = vectors(rng, 12, draw(rng, 3, 12), zeros=2)
    return E, int(rng.choice(np.flatnonzero(np.any(E != 0, axis=1))))


def with_query_duplicates(rng):
    """8 rows of 4: the query row 3 has equal rows at 1 (below it) and 6 (above), rows 2 and 5
    are equal, row 7 is 0; k = 5 reaches through the ties."""
    def make(rng):
        E = vectors(rng, 8, 4, zeros=0, duplicates=0)
        E[1] = E[6] = E[3]
        E[5] = E[2]
        E[7] = 0.0
        return E
    E = redrawn(rng, make, lambda E: ties_are_exact(E, cosines(E, 3), {3}))
    return E, 3, 5


def nearest_all(rng):
    """k = V - 1: every other row, the zero rows between the positive and the negative cosines."""
    def make(rng):
        return vectors(rng, 7, 3, zeros=2, duplicates=1)
    E = redrawn(rng, make, lambda E: ties_are_exact(E, cosines(E, 6), {6}) and np.any(E[6] != 0))
    return E, 6, 6


def nearest_first_row(rng):
    E = redrawn(rng, lambda rng: vectors(rng, 6, 3), lambda E: np.any(E[0] != 0) and ties_are_exact(E, cosines(E, 0), {0}))
    return E, 0, 1


def nearest_last_row(rng):
    E = redrawn(rng, lambda rng: vectors(rng, 6, 3), lambda E: np.any(E[5] != 0) and ties_are_exact(E, cosines(E, 5), {5}))
    return E, 5, 1


def nearest_of_zero_row(rng):
    E = vectors(rng, 6, 3, zeros=0, duplicates=0)
    E[2] = 0.0
    return E, 2, 4


def random_nearest_ties(rng):
    """V from 8 to 14, d from 3 to 5, two zero rows, two pairs of equal rows (none equal to the
    query), any query, k from 3 to V - 1; a tie decides the first k, and so do the lengths."""
    count = draw(rng, 8, 14)
    query, k = draw(rng, 0, count - 1), draw(rng, 3, count - 1)

    def acceptable(E):
        scores = cosines(E, query)
        alone = np.sum(np.all(E == E[query], axis=1)) == 1
        return (np.any(E[query] != 0) and alone and ties_are_exact(E, scores, {query}) and ties_reach(scores, {query}, k)
                and lengths_matter(E, query, k))
    return redrawn(rng, lambda rng: vectors(rng, count, draw(rng, 3, 5), zeros=2, duplicates=2), acceptable), query, k


def random_nearest(rng):
    """V from 10 to 25, d from 8 to 16, no equal rows, any query, k at random; the lengths decide the first k."""
    count = draw(rng, 10, 25)
    query, k = draw(rng, 0, count - 1), draw(rng, 1, count - 1)
    E = redrawn(rng, lambda rng: vectors(rng, count, draw(rng, 8, 16), zeros=1, duplicates=0),
                lambda E: np.any(E[query] != 0) and ties_are_exact(E, cosines(E, query), {query}) and lengths_matter(E, query, k))
    return E, query, k


def analogy_input(count, dim, zeros, duplicates, k, ends=False):
    """E (``count`` rows of ``dim``, ``zeros`` zero rows, ``duplicates`` pairs of equal rows; each
    an int or drawn) and distinct a, b, c (a = 0 and c = V - 1 when ``ends``), and k (drawn by
    ``k(rng, V)`` when callable), such that the ties are exact and, when there are equal rows,
    decide the first k; the raw-vector target and the swapped one, u_a - u_b + u_c, rank
    differently (lengths matter, and the direction); and b or c is the row closest to the target
    (so the query words must be excluded)."""
    def make(rng):
        V = count(rng) if callable(count) else count
        a, b, c = (0, draw(rng, 1, V - 2), V - 1) if ends else distinct_indices(rng, V)
        E = vectors(rng, V, dim(rng) if callable(dim) else dim, zeros=zeros, duplicates=duplicates)
        return E, a, b, c, (k(rng, V) if callable(k) else k)

    def acceptable(drawn):
        E, a, b, c, chosen = drawn
        if not (np.any(E[a] != 0) and np.any(E[b] != 0) and np.any(E[c] != 0)):
            return False
        scores, query = analogy_scores(E, a, b, c), {a, b, c}
        if not ties_are_exact(E, scores, query) or int(np.argmax(scores)) not in (b, c):
            return False
        if duplicates and not ties_reach(scores, query, chosen):
            return False
        # the right answer, the raw-vector one and the swapped one all differ: each mistake shows, and as itself
        answers = [ranking(scores, query, chosen), ranking(analogy_scores(E, a, b, c, raw=True), query, chosen),
                   ranking(analogy_scores(E, b, a, c), query, chosen)]
        return all(not np.array_equal(answers[m], answers[n]) for m in range(3) for n in range(m))

    return lambda rng: redrawn(rng, make, acceptable)


def distinct_indices(rng, count):
    """Three different row indices."""
    return [int(v) for v in rng.choice(count, size=3, replace=False)]


def int64_indices(outputs, plan):
    """The one output is an int64 array (values are judged by the other cases)."""
    (top,) = outputs.values()
    if not isinstance(top, np.ndarray) or top.dtype != np.int64:
        what = f"dtype {top.dtype}" if isinstance(top, np.ndarray) else type(top).__name__
        return [f"The indices are {what}, expected an int64 array (np.argsort gives int64; or .astype(np.int64))."]
    return []


def dtype_plan(function, draw_arguments):
    """One call, its result named "top" for :func:`int64_indices`."""
    def build(rng):
        call = Call(function, *draw_arguments(rng))
        return Plan([call], {"top": call.out})
    return build


# -- misconceptions --------------------------------------------------------------------------
# Each is a wrong implementation run in the grader in place of the reference's; a hint is
# offered only when the student's answer matches it and it differs from the right one.

def cooccurrence_variant(**how):
    def cooccurrence(ids, vocab_size, window):
        return counted(ids, vocab_size, window, **how)
    return cooccurrence


def ppmi_variant(clip=True, log=np.log, naive=False, columns=True):
    """PPMI without the positive ``clip``, with another ``log``, with ``naive`` log of every
    entry (0 / 0 for zero rows), or with the row sums for the column sums (not ``columns``)."""
    def ppmi(C):
        C = np.asarray(C, dtype=np.float64)
        total, rows = C.sum(), C.sum(axis=1)
        cols = C.sum(axis=0) if columns else rows
        with np.errstate(divide="ignore", invalid="ignore"):
            if naive:
                return np.maximum(0.0, log(C * total / np.outer(rows, cols)))
            pmi = np.where(C > 0, log(C * total / np.outer(rows, cols)), 0.0)
        return np.maximum(0.0, pmi) if clip else pmi
    return ppmi


def lsa_variant(power=1.0, signs=True):
    """U_k times S_k to ``power`` (0: U alone, 2: the eigenvalues of M M^T, 0.5: the square
    root), with or without the sign rule."""
    def lsa(M, k):
        U, S, _ = np.linalg.svd(np.asarray(M, dtype=np.float64), full_matrices=False)
        X = U[:, :k] * S[:k] ** power
        if not signs:
            return X
        deciding = np.argmax(np.abs(U[:, :k]), axis=0)
        return X * np.where(U[deciding, np.arange(k)] < 0, -1.0, 1.0)
    return lsa


def cosine_variant(normalized=True, zero=0.0):
    """Cosines, or dot products when not ``normalized``; ``zero`` where a row is 0 (NaN: 0 / 0)."""
    def cosine_similarities(E, i):
        E = np.asarray(E, dtype=np.float64)
        dots = (E * E[i]).sum(axis=1)
        if not normalized:
            return dots
        norms = np.linalg.norm(E, axis=1) * np.linalg.norm(E[i])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), zero)
    return cosine_similarities


def nearest_variant(exclude="query", order="stable"):
    """nearest with the query row excluded ("query", right), not at all ("none"), or by dropping
    the first of the ranking ("first", which is another row when an equal row comes first);
    ``order`` as in :func:`ranking`."""
    def nearest(E, i, k):
        scores = cosines(np.asarray(E, dtype=np.float64), i)
        if exclude == "first":
            return ranking(scores, (), k + 1, order)[1:]
        return ranking(scores, (i,) if exclude == "query" else (), k, order)
    return nearest


def analogy_variant(raw=False, exclude=True, swapped=False, order="stable"):
    """analogy with the target from the ``raw`` rows, the query words kept (not ``exclude``),
    u_a - u_b + u_c when ``swapped``; ``order`` as in :func:`ranking`."""
    def analogy(E, a, b, c, k=1):
        E = np.asarray(E, dtype=np.float64)
        scores = analogy_scores(E, b, a, c, raw) if swapped else analogy_scores(E, a, b, c, raw)
        return ranking(scores, (a, b, c) if exclude else (), k, order)
    return analogy


ONE_DIRECTION = Hint(
    "each pair counted once", "Your counts hold each nearby pair in one direction only (C[ids[i], ids[j]] for i < j); "
    "the contract counts every ordered pair (i, j), so C is symmetric: add each pair both ways, or C + C.T.",
    replace={"cooccurrence": cooccurrence_variant(directions=1)})
DOUBLED_WINDOW = Hint(
    "a window of w read as 2w", "Your counts reach 2 * window positions away; a window of w looks w words to each "
    "side of a word (|i - j| <= w), 2w words in all.", replace={"cooccurrence": cooccurrence_variant(reach=lambda window: 2 * window)})
EXCLUSIVE_WINDOW = Hint(
    "a window of w read as |i - j| < w", "Your counts stop one position short: a window of w includes the words "
    "exactly w positions away (|i - j| <= w), so range(1, window + 1), not range(1, window).",
    replace={"cooccurrence": cooccurrence_variant(reach=lambda window: window - 1)})
DIAGONAL_ONCE = Hint(
    "an equal pair adds 1 to the diagonal", "Your diagonal adds 1 for two equal words within the window; the pair "
    "(i, j) and the pair (j, i) both count, so each such pair adds 2 to C[w, w].",
    replace={"cooccurrence": cooccurrence_variant(diagonal=1)})
NO_CLIP = Hint(
    "PMI without the positive clip", "Your matrix has negative entries: that is PMI. PPMI keeps only the positive "
    "part, max(0, PMI): a pair seen less often than chance says little about meaning.", replace={"ppmi": ppmi_variant(clip=False)})
LOG_OF_ZERO = Hint(
    "log of 0", "Your PPMI is NaN where a word has no counts at all: the log of C_ij * total / (row_i * col_j) is "
    "taken where C_ij is 0 (log 0 = -inf, and 0 / 0 = NaN for a zero row). Compute it only where C_ij > 0; 0 elsewhere.",
    replace={"ppmi": ppmi_variant(naive=True)})
LOG2 = Hint(
    "log base 2", "Your PPMI is the contract's divided by ln 2: you used log2 (as in information theory). Here PMI "
    "uses the natural log, np.log.", replace={"ppmi": ppmi_variant(log=np.log2)})
ROWS_FOR_COLUMNS = Hint(
    "row sums used as column sums", "Your PPMI divides by row_i * row_j; the count of the context word is its "
    "column sum, col_j = C[:, j].sum(), which differs from row_j when C is not symmetric.", replace={"ppmi": ppmi_variant(columns=False)})
U_ONLY = Hint(
    "U without S", "Your vectors are the columns of U alone; LSA's word vectors are U_k S_k, each column times its "
    "singular value, so that the directions that explain more of M weigh more.", replace={"lsa": lsa_variant(power=0.0)})
S_SQUARED = Hint(
    "U times S squared", "Your columns are scaled by the squares of the singular values: the eigenvalues of M M^T. "
    "If you used an eigendecomposition of M M^T, take the square roots of its eigenvalues.", replace={"lsa": lsa_variant(power=2.0)})
SQRT_S = Hint(
    "U times the square root of S", "Your columns are scaled by the square roots of the singular values (a variant "
    "some papers use); the contract's vectors are U_k S_k.", replace={"lsa": lsa_variant(power=0.5)})
NO_SIGN_RULE = Hint(
    "no sign rule", "Your columns have the signs the SVD routine happened to return; singular vectors are defined up "
    "to sign, so the contract fixes it: negate each column whose largest-magnitude entry is negative.",
    replace={"lsa": lsa_variant(signs=False)})
DOT_PRODUCTS = Hint(
    "dot products, not cosines", "Your similarities are dot products E_j . E_i; the cosine divides by both lengths, "
    "||E_j|| ||E_i||, so that a frequent word's long vector does not make it similar to everything.",
    replace={"cosine_similarities": cosine_variant(normalized=False)})
ZERO_ROW_NAN = Hint(
    "0 / 0 for a zero row", "Your cosine is NaN for a row of zeros (0 / 0); the contract gives 0 there: divide only "
    "where both lengths are positive.", replace={"cosine_similarities": cosine_variant(zero=np.nan)})
QUERY_KEPT = Hint(
    "the query row not excluded", "Your neighbours include row i itself (its cosine with itself is 1); leave row i "
    "out of the ranking.", replace={"nearest": nearest_variant(exclude="none")})
FIRST_DROPPED = Hint(
    "the first of the ranking dropped", "Your result drops the first row of the ranking, assuming it is row i; a row "
    "equal to row i with a lower index ties with it and comes first. Exclude row i by its index.",
    replace={"nearest": nearest_variant(exclude="first")})
TIES_REVERSED = Hint(
    "ties to the higher index", "Your ranking puts equal similarities (equal rows) in decreasing index order, as "
    "np.argsort(sims)[::-1] does; the contract takes the lower index first: np.argsort(-sims, kind=\"stable\").",
    replace={"nearest": nearest_variant(order="reversed"), "analogy": analogy_variant(order="reversed")})
UNNORMALIZED = Hint(
    "unnormalized analogy vectors", "Your target is E_b - E_a + E_c on the raw rows; normalize them first, "
    "u_b - u_a + u_c with u = E / ||E||, so that a long vector does not decide the answer alone.",
    replace={"analogy": analogy_variant(raw=True)})
QUERY_WORDS_KEPT = Hint(
    "the query words not excluded", "Your answers include a, b or c: b and c are usually the rows closest to "
    "u_b - u_a + u_c. Rank only the rows not in {a, b, c}.", replace={"analogy": analogy_variant(exclude=False)})
SWAPPED = Hint(
    "u_a - u_b + u_c", "Your target is u_a - u_b + u_c; \"a is to b as c is to ?\" moves c by the offset from a to b: "
    "u_b - u_a + u_c.", replace={"analogy": analogy_variant(swapped=True)})

COUNT_HINTS = (ONE_DIRECTION, DOUBLED_WINDOW, EXCLUSIVE_WINDOW, DIAGONAL_ONCE)
PPMI_HINTS = (NO_CLIP, LOG_OF_ZERO, LOG2, ROWS_FOR_COLUMNS)
LSA_HINTS = (U_ONLY, S_SQUARED, SQRT_S, NO_SIGN_RULE)
COSINE_HINTS = (DOT_PRODUCTS, ZERO_ROW_NAN)
NEAREST_HINTS = (QUERY_KEPT, FIRST_DROPPED, TIES_REVERSED)
ANALOGY_HINTS = (UNNORMALIZED, QUERY_WORDS_KEPT, SWAPPED, TIES_REVERSED)


# -- fixed inputs ----------------------------------------------------------------------------

# rows: a zero row (3), row 1 twice row 0, row 4 minus row 0, row 5 equal to row 2
COSINE_E = np.array([[1.0, 2.0, 0.0, -1.0], [2.0, 4.0, 0.0, -2.0], [0.5, -1.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0],
                     [-1.0, -2.0, 0.0, 1.0], [0.5, -1.0, 3.0, 1.0]])
# a wide matrix, k = min(M.shape) = 4
WIDE = (np.array([[2.0, 0.5, 0.0, 1.0, -1.0, 0.3], [0.0, -3.0, 1.0, 0.5, 0.2, 0.0], [1.0, 1.0, -1.5, 0.0, 2.5, 0.7],
                  [0.4, 0.0, 0.8, -2.0, 0.0, 1.1]]), 4)


def lsa_fixed(M, k):
    """A fixed (M, k), checked well posed and in need of the sign rule when the suite is imported."""
    M = np.asarray(M, dtype=np.float64)
    if not (well_posed(M, k) and raw_signs_wrong(M, k)):
        raise RuntimeError("a fixed lsa input is ill-posed or does not need the sign rule")
    return fixed(M, k)


# -- the suite -------------------------------------------------------------------------------

SUITE = Suite("semantics", (
    Case("cooccurrence, window 2", 2, calls("cooccurrence", [("C", fixed(SEQUENCE, 7, 2))]),
         about="each pair both ways; equal neighbours add 2 to the diagonal; ids 0 and V - 1; a zero row", hints=COUNT_HINTS),
    Case("cooccurrence, window 1", 1, calls("cooccurrence", [("C", fixed(SEQUENCE, 7, 1))]), hints=COUNT_HINTS),
    Case("cooccurrence, a window as long as the sequence", 1,
         calls("cooccurrence", [(f"C for window = {w}", fixed(SEQUENCE, 7, w)) for w in (len(SEQUENCE) - 1, len(SEQUENCE), len(SEQUENCE) + 3)]),
         about="every pair counts", hints=COUNT_HINTS),
    Case("cooccurrence, one word and a word repeated", 1,
         calls("cooccurrence", [("C of one word", fixed(np.array([4]), 6, 2)), ("C of 2, 2, 2, 1 with window 1", fixed(REPEATS, 3, 1)),
                                ("C of 2, 2, 2, 1 with window 2", fixed(REPEATS, 3, 2))]), about="zeros; C[2, 2] = 4, then 6",
         hints=COUNT_HINTS),
    Case("cooccurrence, random sequences", 2, calls("cooccurrence", [(f"C {i}", random_counting) for i in (1, 2)]),
         visibility="hidden", hints=COUNT_HINTS),
    raising("window = 0", "cooccurrence", SEQUENCE, 7, 0),
    raising("an id of -1", "cooccurrence", np.array([0, 2, -1, 1]), 7, 2),
    raising("an id equal to vocab_size", "cooccurrence", np.array([0, 2, 7, 1]), 7, 2),
    Case("ppmi of co-occurrence counts with zero rows", 2, calls("ppmi", [("PPMI", fixed(counted(SEQUENCE, 7, 2)))]), STABLE,
         about="0 where C is 0, no log(0) and no 0 / 0", hints=PPMI_HINTS),
    Case("ppmi of asymmetric counts", 2, calls("ppmi", [("PPMI", lambda rng: (asymmetric_counts(rng, 6),))]), STABLE,
         about="column sums are not row sums", hints=PPMI_HINTS),
    Case("ppmi of all zeros and of a single count", 1,
         calls("ppmi", [("PPMI of zeros", fixed(np.zeros((3, 3)))), ("PPMI of a single count", fixed(np.diag([0.0, 5.0, 0.0])))]), STABLE,
         hints=PPMI_HINTS),
    Case("ppmi, random counts", 2, calls("ppmi", [("PPMI of counts", random_ppmi_counts),
                                                  ("PPMI of asymmetric counts", lambda rng: (asymmetric_counts(rng, draw(rng, 5, 10)),))]),
         STABLE, visibility="hidden", hints=PPMI_HINTS),
    Case("lsa of a PPMI matrix, k = 2", 2, calls("lsa", [("X", lsa_input(ppmi_matrix, 2))]), hints=LSA_HINTS),
    Case("lsa of a 7 x 5 matrix, k = 3", 2, calls("lsa", [("X", lsa_input(gaussian(7, 5), 3))]), about="X has shape (7, 3)", hints=LSA_HINTS),
    Case("lsa of a 4 x 6 matrix, k = min(M.shape)", 1, calls("lsa", [("X", lsa_fixed(*WIDE))]), hints=LSA_HINTS),
    Case("lsa, k = 1", 1, calls("lsa", [("X", lsa_input(gaussian(5, 5), 1))]), hints=LSA_HINTS),
    Case("lsa, two largest magnitudes a relative 1e-7 apart", 1, calls("lsa", [("X", lsa_input(near_tie, 2, margin=1e-8))]),
         about="not a tie: the larger one decides the sign", hints=LSA_HINTS),
    Case("lsa, random matrices", 2,
         calls("lsa", [("X of a tall matrix", lsa_input(gaussian(9, 6), lambda rng: draw(rng, 1, 6))),
                       ("X of a wide matrix", lsa_input(gaussian(5, 8), lambda rng: draw(rng, 1, 5))),
                       ("X of a PPMI matrix", lsa_input(ppmi_matrix, lambda rng: draw(rng, 1, 4)))]),
         visibility="hidden", hints=LSA_HINTS),
    raising("k = 0", "lsa", WIDE[0], 0),
    raising("k = min(M.shape) + 1", "lsa", WIDE[0], 5),
    Case("cosine_similarities, with a zero row and parallel rows", 2,
         calls("cosine_similarities", [("sims of row 0", fixed(COSINE_E, 0)), ("sims of row 5 (the last)", fixed(COSINE_E, 5))]),
         about="1 for a multiple, -1 for a negative one, 0 for the zero row", hints=COSINE_HINTS),
    Case("cosine_similarities of a zero row", 1, calls("cosine_similarities", [("sims", fixed(COSINE_E, 3))]), about="all 0",
         hints=COSINE_HINTS),
    Case("cosine_similarities, random vectors", 2,
         calls("cosine_similarities", [("sims", random_cosines)]),
         visibility="hidden", hints=COSINE_HINTS),
    raising("i = -1", "cosine_similarities", COSINE_E, -1),
    raising("i = V", "cosine_similarities", COSINE_E, 6),
    Case("nearest, rows equal to the query and to each other", 2, calls("nearest", [("top", with_query_duplicates)]),
         about="row i excluded, its equal rows kept; ties to the lower index", hints=NEAREST_HINTS),
    Case("nearest, k = V - 1", 1, calls("nearest", [("top", nearest_all)]), about="zero rows between positive and negative cosines",
         hints=NEAREST_HINTS),
    Case("nearest, k = 1 for the first and the last row", 1, calls("nearest", [("top of row 0", nearest_first_row), ("top of row V - 1", nearest_last_row)]),
         hints=NEAREST_HINTS),
    Case("nearest of a zero row", 1, calls("nearest", [("top", nearest_of_zero_row)]), about="all cosines 0: the lowest indices",
         hints=NEAREST_HINTS),
    Case("nearest, random vectors with equal rows", 2, calls("nearest", [("top", random_nearest_ties)]), visibility="hidden",
         hints=NEAREST_HINTS),
    Case("nearest, random vectors", 1, calls("nearest", [("top", random_nearest)]), visibility="hidden", hints=NEAREST_HINTS),
    raising("k = 0", "nearest", COSINE_E, 0, 0),
    raising("k = V", "nearest", COSINE_E, 0, 6),
    Case("nearest returns int64 indices", 0.5, dtype_plan("nearest", nearest_first_row), Property(int64_indices, side=True)),
    Case("analogy, vectors of different lengths", 2, calls("analogy", [("top", analogy_input(9, 4, 1, 1, 3))]),
         about="unit vectors first; a, b and c excluded", hints=ANALOGY_HINTS),
    Case("analogy, k = 1 with a = 0 and c = V - 1", 1, calls("analogy", [("top", analogy_input(8, 3, 1, 0, 1, ends=True))]),
         hints=ANALOGY_HINTS),
    Case("analogy, k = V - 3 with zero rows and equal rows", 2, calls("analogy", [("top", analogy_input(9, 3, 2, 2, 6))]),
         about="the whole ranking: zero rows at cosine 0, ties to the lower index", hints=ANALOGY_HINTS),
    Case("analogy, random vectors", 2,
         calls("analogy", [("top", analogy_input(lambda rng: draw(rng, 10, 25), lambda rng: draw(rng, 6, 16), 1, 0,
                                                 lambda rng, V: draw(rng, 1, V - 3)))]), visibility="hidden", hints=ANALOGY_HINTS),
    Case("analogy, random vectors with zero rows and equal rows", 1,
         calls("analogy", [("top", analogy_input(lambda rng: draw(rng, 8, 14), lambda rng: draw(rng, 3, 5), 2, 2,
                                                 lambda rng, V: draw(rng, 1, V - 3)))]), visibility="hidden", hints=ANALOGY_HINTS),
    raising("k = 0", "analogy", COSINE_E, 0, 1, 2, 0),
    raising("k = V - 2", "analogy", COSINE_E, 0, 1, 2, 4),
    Case("analogy returns int64 indices", 0.5, dtype_plan("analogy", analogy_input(8, 3, 1, 0, 2)), Property(int64_indices, side=True)),
))
