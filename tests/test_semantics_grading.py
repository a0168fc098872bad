"""The semantics suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/semantics.py (each replaced text occurs
exactly once), each the mistake as students make it; each must fail exactly the cases that
see its bug, on two secret seeds, and keep every other point. The reference's nearest calls
its own cosine_similarities, so a wrong cosine also costs the nearest cases where it changes
the ranking (the suite draws those so that it always does), and a wrong tie rule costs
nearest's and analogy's tie cases. A correct submission written differently (loops,
an eigendecomposition for LSA, sorted() for rankings, BLAS matrix products for the cosines)
scores full marks. The misconception hints fire on exactly their mistake and nowhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.suites import SUITES

from autograder import wire
from autograder.grade import grade, reference
from autograder.suites import semantics as suite
from autograder.suites.semantics import SUITE
from submissions import ROOT, Grades, assert_fails_exactly, failing, hinted, mutated, reference_source, stub_source

pytestmark = pytest.mark.semantics

REFERENCE = reference_source("semantics")
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, but=()) -> set:
    """Names of the cases starting with any of ``prefixes``, except those in ``but``."""
    return {name for name in ALL_CASES if name.startswith(prefixes)} - set(but)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of semantics.py with that source; cached per module."""
    return Grades("semantics", tmp_path_factory.mktemp("semantics"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/semantics.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/semantics.py scores 0, and every case says the function is not implemented yet."""
    result = grade(ROOT / "assignments", ["semantics"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

SUMMED = "return counts + counts.T"
REACH = "range(1, min(window, ids.size - 1) + 1)"
CLIPPED = "out[i, j] = np.maximum(0.0, np.log(C[i, j] * total / (rows[i] * cols[j])))"
MASKED = "out = np.zeros_like(C)\n    i, j = np.nonzero(C > 0)  # there, total, rows[i] and cols[j] are positive too\n    " + CLIPPED
SCALED = "X = U[:, :k] * S[:k]"
SIGNED = "return X * np.where(X[deciding, np.arange(k)] < 0, -1.0, 1.0)"
COSINES = "return _cosines_with(unit, unit[i])"
NEAREST = "return _ranked(cosine_similarities(E, i), {i}, k)"
STABLE_ORDER = 'order = np.argsort(-scores[candidates], kind="stable")'
TARGET = "unit[b] - unit[a] + unit[c]"

COUNTS = cases("cooccurrence,")
PPMI = cases("ppmi")
LSA = cases("lsa,", "lsa of")
COSINE = cases("cosine_similarities,", "cosine_similarities of")
NEAREST_VALUES = cases("nearest,", "nearest of")
ANALOGY = cases("analogy,")
ZEROS_AND_ONE = "ppmi of all zeros and of a single count"
TIE_CASES = {"nearest of a zero row", "nearest, k = V - 1", "nearest, random vectors with equal rows",
             "nearest, rows equal to the query and to each other", "analogy, vectors of different lengths",
             "analogy, k = V - 3 with zero rows and equal rows", "analogy, random vectors with zero rows and equal rows"}
FIRST_DROPPED_CASES = {"nearest of a zero row", "nearest, k = 1 for the first and the last row", "nearest, rows equal to the query and to each other"}

ONE_DIRECTION = mutated(REFERENCE, (SUMMED, "return counts"))
DIAGONAL_ONCE = mutated(REFERENCE, (SUMMED, "return counts + counts.T - np.diag(np.diag(counts))"))
DOUBLED = mutated(REFERENCE, (REACH, "range(1, min(2 * window, ids.size - 1) + 1)"))
EXCLUSIVE = mutated(REFERENCE, (REACH, "range(1, min(window - 1, ids.size - 1) + 1)"))
NO_CLIP = mutated(REFERENCE, (CLIPPED, "out[i, j] = np.log(C[i, j] * total / (rows[i] * cols[j]))"))
LOG_OF_ZERO = mutated(REFERENCE, (MASKED, "out = np.maximum(0.0, np.log(C * total / np.outer(rows, cols)))"))
LOG2 = mutated(REFERENCE, ("np.maximum(0.0, np.log(C[i, j]", "np.maximum(0.0, np.log2(C[i, j]"))
ROWS_FOR_COLUMNS = mutated(REFERENCE, ("rows, cols = C.sum(axis=1), C.sum(axis=0)", "rows = cols = C.sum(axis=1)"))
U_ONLY = mutated(REFERENCE, (SCALED, "X = U[:, :k]"))
S_SQUARED = mutated(REFERENCE, (SCALED, "X = U[:, :k] * S[:k] ** 2"))
NO_SIGN_RULE = mutated(REFERENCE, (SIGNED, "return X"))
DOT_PRODUCTS = mutated(REFERENCE, (COSINES, "return (E * E[i]).sum(axis=1)"))
ZERO_ROW_NAN = mutated(REFERENCE, ("    unit = _unit_rows(E)\n    " + COSINES, "    unit = E / np.linalg.norm(E, axis=1, keepdims=True)\n    return (unit * unit[i]).sum(axis=1)"))
QUERY_KEPT = mutated(REFERENCE, (NEAREST, "return _ranked(cosine_similarities(E, i), set(), k)"))
FIRST_DROPPED = mutated(REFERENCE, (NEAREST, "return _ranked(cosine_similarities(E, i), set(), k + 1)[1:]"))
TIES_REVERSED = mutated(REFERENCE, (STABLE_ORDER, 'order = np.argsort(scores[candidates], kind="stable")[::-1]'))
UNNORMALIZED = mutated(REFERENCE, ("_cosines_with(unit, " + TARGET, "_cosines_with(unit, E[b] - E[a] + E[c]"))
QUERY_WORDS_KEPT = mutated(REFERENCE, ("{a, b, c}, k)", "set(), k)"))
SWAPPED = mutated(REFERENCE, (TARGET, "unit[a] - unit[b] + unit[c]"))

# (source, the cases it fails, (a case, part of its message)); measured: each set is the same
# on secret seeds 1 to 30
MUTATIONS = [
    pytest.param(ONE_DIRECTION, COUNTS, ("cooccurrence, window 2", "C is wrong in"), id="each-pair-counted-once"),
    pytest.param(DIAGONAL_ONCE, COUNTS, ("cooccurrence, one word and a word repeated", "expected 4, got 2"), id="equal-pair-adds-one"),
    # a window reaching past the sequence counts every pair anyway
    pytest.param(DOUBLED, COUNTS - {"cooccurrence, a window as long as the sequence"}, ("cooccurrence, window 1", "C is wrong in"),
                 id="window-read-as-2w"),
    # a window of N - 1 (the sequence's length minus 1) misses the pair of its two ends
    pytest.param(EXCLUSIVE, COUNTS, ("cooccurrence, window 1", "expected 1, got 0"), id="window-exclusive"),
    # a single count has PMI ln 1 = 0: nothing to clip, nothing to scale
    pytest.param(NO_CLIP, PPMI - {ZEROS_AND_ONE}, ("ppmi of asymmetric counts", "PPMI is wrong in"), id="pmi-without-the-clip"),
    # every ppmi input has zero counts: a warning where the values are right, NaN on zero rows
    pytest.param(LOG_OF_ZERO, PPMI, ("ppmi of co-occurrence counts with zero rows", "non-finite"), id="log-of-zero"),
    pytest.param(LOG2, PPMI - {ZEROS_AND_ONE}, ("ppmi of asymmetric counts", "PPMI is wrong in"), id="log-base-2"),
    # co-occurrence counts are symmetric: there, row sums are column sums; a zero row under a nonzero column divides by 0
    pytest.param(ROWS_FOR_COLUMNS, {"ppmi of asymmetric counts", "ppmi, random counts"},
                 ("ppmi of asymmetric counts", "PPMI has 3 non-finite entries (inf"), id="row-sums-for-column-sums"),
    pytest.param(U_ONLY, LSA, ("lsa, k = 1", "X is wrong in"), id="u-without-s"),
    pytest.param(S_SQUARED, LSA, ("lsa of a 7 x 5 matrix, k = 3", "X is wrong in"), id="u-times-s-squared"),
    # every lsa input is drawn so that numpy's SVD leaves some column's sign to fix
    pytest.param(NO_SIGN_RULE, LSA, ("lsa of a PPMI matrix, k = 2", "X is wrong in"), id="no-sign-rule"),
    pytest.param(mutated(REFERENCE, ("TIED = 1e-9", "TIED = 1e-5")), {"lsa, two largest magnitudes a relative 1e-7 apart"},
                 ("lsa, two largest magnitudes a relative 1e-7 apart", "X is wrong in"), id="tie-tolerance-too-loose"),
    # the student's nearest uses their cosine; a zero query and equal-length duplicates rank alike either way
    pytest.param(DOT_PRODUCTS, COSINE - {"cosine_similarities of a zero row"} | NEAREST_VALUES - {"nearest of a zero row",
                 "nearest, rows equal to the query and to each other"}, ("cosine_similarities, with a zero row and parallel rows", "sims of row 0 is wrong"),
                 id="dot-products"),
    pytest.param(QUERY_KEPT, NEAREST_VALUES, ("nearest, k = 1 for the first and the last row", "expected"), id="query-row-kept"),
    pytest.param(FIRST_DROPPED, FIRST_DROPPED_CASES, ("nearest, rows equal to the query and to each other", "top differs"),
                 id="first-of-the-ranking-dropped"),
    pytest.param(TIES_REVERSED, TIE_CASES, ("nearest of a zero row", "top differs"), id="ties-to-the-higher-index"),
    pytest.param(UNNORMALIZED, ANALOGY, ("analogy, vectors of different lengths", "top differs"), id="unnormalized-analogy"),
    pytest.param(QUERY_WORDS_KEPT, ANALOGY, ("analogy, k = 1 with a = 0 and c = V - 1", "top differs"), id="query-words-kept"),
    pytest.param(SWAPPED, ANALOGY, ("analogy, random vectors", "top differs"), id="a-minus-b"),
    pytest.param(mutated(REFERENCE, ('    if window < 1:\n        raise ValueError(f"window must be at least 1, got {window}")\n', "")),
                 {"cooccurrence raises ValueError for window = 0"}, ("cooccurrence raises ValueError for window = 0", "cooccurrence("),
                 id="window-not-checked"),
    # an id of -1 indexes from the end; an id of V raises IndexError, not ValueError
    pytest.param(mutated(REFERENCE, ("if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):", "if False:")),
                 {"cooccurrence raises ValueError for an id of -1", "cooccurrence raises ValueError for an id equal to vocab_size"},
                 ("cooccurrence raises ValueError for an id equal to vocab_size", "raised IndexError"), id="ids-not-checked"),
    pytest.param(mutated(REFERENCE, ("    if not 0 <= index < count:\n", "    if False:\n")),
                 {"cosine_similarities raises ValueError for i = -1", "cosine_similarities raises ValueError for i = V"},
                 ("cosine_similarities raises ValueError for i = -1", "cosine_similarities("), id="negative-index-accepted"),
    pytest.param(mutated(REFERENCE, ("if not 1 <= k <= len(E) - 1:", "if False:")),
                 {"nearest raises ValueError for k = 0", "nearest raises ValueError for k = V"},
                 ("nearest raises ValueError for k = V", "nearest("), id="nearest-k-not-checked"),
    pytest.param(mutated(REFERENCE, ("if not 1 <= k <= len(E) - 3:", "if not 1 <= k <= len(E) - 2:")),
                 {"analogy raises ValueError for k = V - 2"}, ("analogy raises ValueError for k = V - 2", "analogy("), id="analogy-k-off-by-one"),
    pytest.param(mutated(REFERENCE, ("return candidates[order[:k]].astype(np.int64)", "return candidates[order[:k]].astype(np.int32)")),
                 # the contract states int64: every case of both functions judges the dtype
                 {case.name for case in SUITES["semantics"].cases if case.name.startswith(("nearest", "analogy"))},
                 ("nearest, random vectors", "int64"), id="int32-indices"),
]


@pytest.mark.parametrize("source, expected, where", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected, where):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, keeps every other point, and is told why."""
    messages = assert_fails_exactly(graded, source, expected, SEEDS)
    name, text = where
    assert text in messages[name], messages[name]


ALTERNATIVE = '''
"""Correct, written differently: loops for counting, logs summed, LSA by an eigendecomposition of
M M^T, cosines by BLAS matrix products, rankings by sorted() on keys."""
import numpy as np


def _index(i, count):
    if not 0 <= int(i) < count:
        raise ValueError("index out of range")
    return int(i)


def cooccurrence(ids, vocab_size, window):
    if window < 1:
        raise ValueError("window")
    ids = [int(w) for w in ids]
    if any(w < 0 or w >= vocab_size for w in ids):
        raise ValueError("id")
    C = np.zeros((vocab_size, vocab_size))
    for i, w in enumerate(ids):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                C[w, ids[j]] += 1
    return C


def ppmi(C):
    C = np.array(C, dtype=float)
    out = np.zeros_like(C)
    mask = C > 0
    if mask.any():
        rows, cols = np.nonzero(mask)
        logs = np.log(C[mask]) + np.log(C.sum()) - np.log(C.sum(axis=1)[rows]) - np.log(C.sum(axis=0)[cols])
        out[mask] = np.clip(logs, 0.0, None)
    return out


def lsa(M, k):
    M = np.array(M, dtype=float)
    if not (1 <= k <= min(M.shape)):
        raise ValueError("k")
    values, vectors = np.linalg.eigh(M @ M.T)
    order = np.argsort(values)[::-1][:k]
    X = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    for col in range(k):
        size = np.abs(X[:, col])
        first = [r for r in range(len(size)) if size[r] >= size.max() * (1 - 1e-9)][0]
        if X[first, col] < 0:
            X[:, col] = -X[:, col]
    return X


def cosine_similarities(E, i):
    E = np.array(E, dtype=float)
    i = _index(i, len(E))
    norms = np.linalg.norm(E, axis=1)
    denominator = norms * norms[i]
    return np.divide(E @ E[i], denominator, out=np.zeros(len(E)), where=denominator > 0)


def nearest(E, i, k):
    E = np.array(E, dtype=float)
    i = _index(i, len(E))
    if not (1 <= k <= len(E) - 1):
        raise ValueError("k")
    sims = cosine_similarities(E, i)
    order = sorted((j for j in range(len(E)) if j != i), key=lambda j: (-sims[j], j))
    return np.array(order[:k], dtype=np.int64)


def analogy(E, a, b, c, k=1):
    E = np.array(E, dtype=float)
    a, b, c = (_index(x, len(E)) for x in (a, b, c))
    if not (1 <= k <= len(E) - 3):
        raise ValueError("k")
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    unit = np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)
    target = unit[b] - unit[a] + unit[c]
    size = np.linalg.norm(target)
    scores = unit @ target / size if size > 0 else np.zeros(len(E))
    order = sorted((j for j in range(len(E)) if j not in (a, b, c)), key=lambda j: (-scores[j], j))
    return np.array(order[:k], dtype=np.int64)
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_a_correct_alternative_scores_full_marks(graded, seed):
    """Loops, an eigendecomposition of M M^T for LSA, BLAS products for cosines: full marks (measured on seeds 1 to 50)."""
    result = graded(ALTERNATIVE, seed)
    assert failing(result) == set()
    assert result.score == SUITE.max_score


# -- 3. inputs -------------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_function_has_visible_and_hidden_cases():
    """Each of the six functions is graded on public inputs and on fresh hidden ones."""
    for function in ("cooccurrence", "ppmi", "lsa", "cosine_similarities", "nearest", "analogy"):
        kinds = {case.visibility for case in SUITE.cases if function in case.build(case.rng(SEEDS[0])).functions}
        assert kinds == {"visible", "hidden"}, function


def similarity_inputs(seed):
    """(E, the rows a similarity is taken with) of every nearest, analogy and cosine call the suite makes."""
    for case in SUITE.cases:
        for call in case.build(case.rng(seed)).calls:
            if call.function == "nearest":
                yield call.args[0], [call.args[1]]
            elif call.function == "analogy":
                yield call.args[0], list(call.args[1:4])


@pytest.mark.parametrize("seed", range(1, 11))
def test_equal_rows_tie_exactly_under_blas(seed):
    """In every graded E, equal rows get bit-equal scores from a BLAS matrix-vector product too (E @ q and
    unit rows @ q), so a student's np.dot ranks ties as the contract says; and rows that differ are 1e-9 apart."""
    solution = reference("semantics")
    for E, rows in similarity_inputs(seed):
        unit = suite.unit_rows(E)
        for query in (E[rows[0]], unit[rows[-1]] - unit[rows[0]] + unit[rows[1 % len(rows)]]):
            for scores in (E @ query, unit @ query):
                for j in range(len(E)):
                    equal = np.flatnonzero(np.all(E == E[j], axis=1))
                    assert np.all(scores[equal] == scores[j])
        if len(rows) == 1 and E[rows[0]].any():  # a zero query ties every row at 0, as it should
            assert suite.ties_are_exact(E, solution.cosine_similarities(E, rows[0]), set(rows))


def test_planted_inputs_are_what_the_comments_say():
    """SEQUENCE has ids 0 and 6, never 2 or 4, and equal neighbours; the near tie is 1e-7 apart and the larger one decides."""
    assert {0, 6} <= set(suite.SEQUENCE.tolist()) and not {2, 4} & set(suite.SEQUENCE.tolist())
    assert np.any(suite.SEQUENCE[1:] == suite.SEQUENCE[:-1])
    solution = reference("semantics")
    M = suite.near_tie(np.random.default_rng(3))
    X = solution.lsa(M, 1)[:, 0]
    assert abs(X[1]) / abs(X[0]) - 1 == pytest.approx(1e-7, rel=1e-3)
    assert X[1] > 0 > X[0]
    rng = np.random.default_rng(5)
    for _ in range(30):
        ids = suite.sequence(rng, 9, 30)
        assert {0, 8} <= set(ids.tolist()) and len(set(ids.tolist())) < 9 and np.any(ids[1:] == ids[:-1])


# -- 4. misconception hints ------------------------------------------------------------------

# (a mistake, every hint its grading shows: case name -> hint name). A wrong cosine gets its hint
# in the cosine cases only, never in the nearest cases it also breaks.
HINTED_MISTAKES = [
    pytest.param(ONE_DIRECTION, dict.fromkeys(COUNTS, suite.ONE_DIRECTION.name), id="one-direction"),
    pytest.param(DIAGONAL_ONCE, dict.fromkeys(COUNTS, suite.DIAGONAL_ONCE.name), id="diagonal-once"),
    pytest.param(DOUBLED, dict.fromkeys(COUNTS - {"cooccurrence, a window as long as the sequence"}, suite.DOUBLED_WINDOW.name), id="doubled"),
    pytest.param(EXCLUSIVE, dict.fromkeys(COUNTS, suite.EXCLUSIVE_WINDOW.name), id="exclusive"),
    pytest.param(NO_CLIP, dict.fromkeys(PPMI - {ZEROS_AND_ONE}, suite.NO_CLIP.name), id="no-clip"),
    # every ppmi input has a zero row: NaN there is what the hint recognises
    pytest.param(LOG_OF_ZERO, dict.fromkeys(PPMI, suite.LOG_OF_ZERO.name), id="log-of-zero"),
    pytest.param(LOG2, dict.fromkeys(PPMI - {ZEROS_AND_ONE}, suite.LOG2.name), id="log2"),
    pytest.param(ROWS_FOR_COLUMNS, dict.fromkeys({"ppmi of asymmetric counts", "ppmi, random counts"}, suite.ROWS_FOR_COLUMNS.name), id="rows-for-columns"),
    pytest.param(U_ONLY, dict.fromkeys(LSA, suite.U_ONLY.name), id="u-only"),
    pytest.param(S_SQUARED, dict.fromkeys(LSA, suite.S_SQUARED.name), id="s-squared"),
    pytest.param(mutated(REFERENCE, (SCALED, "X = U[:, :k] * np.sqrt(S[:k])")), dict.fromkeys(LSA, suite.SQRT_S.name), id="sqrt-s"),
    pytest.param(NO_SIGN_RULE, dict.fromkeys(LSA, suite.NO_SIGN_RULE.name), id="no-sign-rule"),
    pytest.param(DOT_PRODUCTS, dict.fromkeys(COSINE - {"cosine_similarities of a zero row"}, suite.DOT_PRODUCTS.name), id="dot-products"),
    # the nearest cases it breaks depend on the draw (a zero row inside the first k), so MUTATIONS leaves it out
    pytest.param(ZERO_ROW_NAN, dict.fromkeys(COSINE, suite.ZERO_ROW_NAN.name), id="zero-row-nan"),
    pytest.param(QUERY_KEPT, dict.fromkeys(NEAREST_VALUES, suite.QUERY_KEPT.name), id="query-kept"),
    pytest.param(FIRST_DROPPED, dict.fromkeys(FIRST_DROPPED_CASES, suite.FIRST_DROPPED.name), id="first-dropped"),
    pytest.param(TIES_REVERSED, dict.fromkeys(TIE_CASES, suite.TIES_REVERSED.name), id="ties-reversed"),
    pytest.param(UNNORMALIZED, dict.fromkeys(ANALOGY, suite.UNNORMALIZED.name), id="unnormalized"),
    pytest.param(QUERY_WORDS_KEPT, dict.fromkeys(ANALOGY, suite.QUERY_WORDS_KEPT.name), id="query-words-kept"),
    pytest.param(SWAPPED, dict.fromkeys(ANALOGY, suite.SWAPPED.name), id="swapped"),
]
HINTS = {hint.name: hint for case in SUITE.cases for hint in case.hints}


@pytest.mark.hints
@pytest.mark.parametrize("source, expected", HINTED_MISTAKES)
def test_each_misconception_fires_on_its_mistake(graded, source, expected):
    """A submission with one mistake gets exactly its hints, with their text, on the cases that show it, and no other hint."""
    for seed in SEEDS:
        result = graded(source, seed)
        assert hinted(result) == expected, f"seed {seed}"
        for case in result.cases:
            if case.name in expected:
                assert case.message.endswith(f"\nHint: {HINTS[expected[case.name]].text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the semantics suite has a mistake above that makes it fire; the brief's seven among them."""
    fired = {name for mistake in HINTED_MISTAKES for name in mistake.values[1].values()}
    assert set(HINTS) == fired
    assert {suite.ONE_DIRECTION.name, suite.DOUBLED_WINDOW.name, suite.NO_CLIP.name, suite.LOG_OF_ZERO.name, suite.U_ONLY.name,
            suite.UNNORMALIZED.name, suite.QUERY_WORDS_KEPT.name} <= fired


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(stub_source("semantics"), id="stubs"),
    pytest.param(ALTERNATIVE, id="alternative"),
    # mistakes no hint describes: the sign decided by the first entry, PMI smoothed by adding 1 to every count
    pytest.param(mutated(REFERENCE, ("deciding = np.argmax(magnitude >= (1 - TIED) * magnitude.max(axis=0), axis=0)", "deciding = np.zeros(k, dtype=int)")),
                 id="sign-by-the-first-entry"),
    pytest.param(mutated(REFERENCE, ("C = np.asarray(C, dtype=np.float64)\n    total", "C = np.asarray(C, dtype=np.float64) + 1.0\n    total")), id="add-one-smoothing"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    for seed in SEEDS:
        assert hinted(graded(source, seed)) == {}
