"""The word2vec reference proven against independent oracles: PyTorch and central differences.

Losses are compared with torch.nn.functional (cross_entropy, logsigmoid) in float64 and
gradients with autograd at rtol 1e-10; gradients also with the numerical gradient computed
here at rtol 1e-6. The last tests check that the student stub has the reference's API.
"""

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import probes

from oracles import assert_stub_mirrors, assert_stub_raises, load, numerical_gradient, t

pytestmark = pytest.mark.word2vec

ROOT = Path(__file__).parents[1]

SPEC_FUNCTIONS = ["sigmoid", "naive_softmax_loss_and_gradient", "neg_sampling_loss_and_gradient", "skipgram"]

EXACT = dict(rtol=1e-10, atol=1e-12)  # analytic vs torch, both float64
NUMERIC = dict(rtol=1e-6, atol=1e-8)  # analytic vs central differences


ref = load(ROOT / "solutions" / "word2vec.py", "reference_word2vec")
stub = load(ROOT / "assignments" / "word2vec.py", "stub_word2vec")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2024)


@pytest.fixture
def no_overflow():
    """Overflow, division by zero, invalid operations and any warning become errors (underflow is allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


def torch_naive_softmax(center_vec, outside_idx, outside_vectors):
    """(loss, grad_center_vec, grad_outside_vectors) by F.cross_entropy and autograd."""
    v, U = t(center_vec, True), t(outside_vectors, True)
    loss = F.cross_entropy((U @ v)[None, :], torch.tensor([outside_idx]))
    loss.backward()
    return loss.item(), v.grad.numpy(), U.grad.numpy()


def torch_neg_sampling(center_vec, outside_idx, outside_vectors, neg_indices):
    """(loss, grad_center_vec, grad_outside_vectors) by F.logsigmoid and autograd; repeats index twice."""
    v, U = t(center_vec, True), t(outside_vectors, True)
    neg = torch.as_tensor(np.asarray(neg_indices, dtype=np.int64))
    loss = -F.logsigmoid(U[outside_idx] @ v) - F.logsigmoid(-(U[neg] @ v)).sum()
    loss.backward()
    return loss.item(), v.grad.numpy(), U.grad.numpy()


def assert_matches(got, want, tol):
    """Loss and both gradients agree within tol; shapes and dtypes as the contract says."""
    loss, grad_center, grad_outside = got
    assert isinstance(loss, float)
    assert grad_center.shape == want[1].shape and grad_center.dtype == np.float64
    assert grad_outside.shape == want[2].shape and grad_outside.dtype == np.float64
    np.testing.assert_allclose(loss, want[0], **tol)
    np.testing.assert_allclose(grad_center, want[1], **tol)
    np.testing.assert_allclose(grad_outside, want[2], **tol)


# --- 7.1 sigmoid --------------------------------------------------------------------------


def test_sigmoid_matches_torch(rng):
    """sigmoid equals torch.sigmoid on normal values of any shape."""
    x = rng.normal(scale=4.0, size=(3, 5))
    out = ref.sigmoid(x)
    assert out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, torch.sigmoid(t(x)).numpy(), **EXACT)


def test_sigmoid_extremes_match_torch_without_overflow(no_overflow):
    """sigmoid at +-1000, +-745.5 and 0 matches torch with no overflow and no NaN."""
    x = np.array([-1000.0, -745.5, -30.0, 0.0, 30.0, 745.5, 1000.0])
    np.testing.assert_allclose(ref.sigmoid(x), torch.sigmoid(t(x)).numpy(), **EXACT)


# --- 7.2 naive softmax --------------------------------------------------------------------


@pytest.mark.parametrize("v, d, outside_idx", [(5, 3, 0), (7, 4, 6), (2, 6, 1), (1, 3, 0)])
def test_naive_softmax_matches_cross_entropy_and_autograd(rng, v, d, outside_idx):
    """Loss equals F.cross_entropy of the scores, gradients equal autograd's, for V > d and V < d."""
    center_vec, outside_vectors = rng.normal(size=d), rng.normal(size=(v, d))
    got = ref.naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors)
    assert_matches(got, torch_naive_softmax(center_vec, outside_idx, outside_vectors), EXACT)


def test_naive_softmax_matches_numerical_gradient(rng):
    """Both gradients agree with central differences of the loss."""
    center_vec, outside_vectors = rng.normal(size=4), rng.normal(size=(6, 4))
    _, grad_center, grad_outside = ref.naive_softmax_loss_and_gradient(center_vec, 2, outside_vectors)

    def loss():
        return ref.naive_softmax_loss_and_gradient(center_vec, 2, outside_vectors)[0]

    np.testing.assert_allclose(grad_center, numerical_gradient(loss, center_vec), **NUMERIC)
    np.testing.assert_allclose(grad_outside, numerical_gradient(loss, outside_vectors), **NUMERIC)


def test_naive_softmax_large_dot_products_match_torch_without_overflow(rng, no_overflow):
    """Dot products of magnitude 1e3 give the finite loss and gradients torch computes."""
    center_vec = rng.normal(size=3) * 30.0
    outside_vectors = rng.normal(size=(6, 3)) * 30.0
    scores = outside_vectors @ center_vec
    assert np.abs(scores).max() > 1000.0
    outside_idx = int(np.argmin(scores))  # probability ~ exp(-2000): log of it must not be -inf
    got = ref.naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors)
    assert got[0] > 1000.0
    assert_matches(got, torch_naive_softmax(center_vec, outside_idx, outside_vectors), EXACT)


def test_naive_softmax_accepts_numpy_int_and_leaves_inputs_unchanged(rng):
    """outside_idx may be a numpy integer; center_vec and outside_vectors are not modified."""
    center_vec, outside_vectors = rng.normal(size=3), rng.normal(size=(4, 3))
    before = center_vec.copy(), outside_vectors.copy()
    by_python = ref.naive_softmax_loss_and_gradient(center_vec, 3, outside_vectors)
    by_numpy = ref.naive_softmax_loss_and_gradient(center_vec, np.int64(3), outside_vectors)
    assert_matches(by_numpy, by_python, EXACT)
    np.testing.assert_array_equal(center_vec, before[0])
    np.testing.assert_array_equal(outside_vectors, before[1])


# --- 7.3 negative sampling ----------------------------------------------------------------

NEGATIVES = {
    "distinct": [1, 4, 2],
    "repeated": [3, 3, 1, 3],
    "include the outside word": [0, 2, 0],
    "none": [],
}


@pytest.mark.parametrize("neg_indices", NEGATIVES.values(), ids=NEGATIVES.keys())
def test_neg_sampling_matches_logsigmoid_and_autograd(rng, neg_indices):
    """Loss equals -logsigmoid(s_o) - sum logsigmoid(-s_k), gradients equal autograd's; repeats count each time."""
    center_vec, outside_vectors = rng.normal(size=3), rng.normal(size=(6, 3))
    got = ref.neg_sampling_loss_and_gradient(center_vec, 0, outside_vectors, np.array(neg_indices, dtype=np.int64))
    assert_matches(got, torch_neg_sampling(center_vec, 0, outside_vectors, neg_indices), EXACT)


def test_neg_sampling_repeated_negative_counts_twice(rng):
    """A negative listed twice adds twice its single loss and gradients (relative to no negatives)."""
    center_vec, outside_vectors = rng.normal(size=3), rng.normal(size=(5, 3))
    none, once, twice = (ref.neg_sampling_loss_and_gradient(center_vec, 1, outside_vectors, np.array(neg, dtype=np.int64)) for neg in ([], [4], [4, 4]))
    for k in range(3):
        np.testing.assert_allclose(np.subtract(twice[k], none[k]), 2 * np.subtract(once[k], none[k]), **EXACT)


def test_neg_sampling_matches_numerical_gradient(rng):
    """Both gradients agree with central differences, with a repeat and the outside word among the negatives."""
    center_vec, outside_vectors = rng.normal(size=4), rng.normal(size=(5, 4))
    neg_indices = np.array([2, 4, 2, 1, 4])

    def loss():
        return ref.neg_sampling_loss_and_gradient(center_vec, 1, outside_vectors, neg_indices)[0]

    _, grad_center, grad_outside = ref.neg_sampling_loss_and_gradient(center_vec, 1, outside_vectors, neg_indices)
    np.testing.assert_allclose(grad_center, numerical_gradient(loss, center_vec), **NUMERIC)
    np.testing.assert_allclose(grad_outside, numerical_gradient(loss, outside_vectors), **NUMERIC)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["outside-score-plus-1000", "outside-score-minus-1000"])
def test_neg_sampling_large_dot_products_match_torch_without_overflow(rng, no_overflow, sign):
    """Scores of magnitude 1e3, of either sign, give the finite loss and gradients torch computes."""
    center_vec = np.array([10.0, -20.0, 30.0])
    outside_vectors = rng.normal(size=(5, 3)) * 30.0
    outside_vectors[0] = sign * 1000.0 * center_vec / (center_vec @ center_vec)
    neg_indices = np.array([1, 2, 3, 4, 1])
    scores = outside_vectors @ center_vec
    assert np.abs(scores).max() >= 1000.0
    got = ref.neg_sampling_loss_and_gradient(center_vec, 0, outside_vectors, neg_indices)
    assert np.isfinite(got[0])
    assert_matches(got, torch_neg_sampling(center_vec, 0, outside_vectors, neg_indices), EXACT)


@settings(max_examples=40, deadline=None)
@given(
    vocabulary=st.integers(1, 6),
    d=st.integers(1, 4),
    draws=st.lists(st.integers(0, 10**6), min_size=0, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_neg_sampling_matches_autograd_for_any_negatives(vocabulary, d, draws, seed):
    """For any vocabulary, dimension and list of negatives (repeats, the outside word), the reference matches autograd."""
    rng = np.random.default_rng(seed)
    center_vec, outside_vectors = rng.normal(size=d), rng.normal(size=(vocabulary, d))
    outside_idx = int(rng.integers(vocabulary))
    neg_indices = np.array([draw % vocabulary for draw in draws], dtype=np.int64)
    got = ref.neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices)
    assert_matches(got, torch_neg_sampling(center_vec, outside_idx, outside_vectors, neg_indices), EXACT)


# --- 7.4 skipgram -------------------------------------------------------------------------

WORDS = ["the", "cat", "sat", "on", "mat", "dog", "ran"]
WORD2IND = {word: i for i, word in enumerate(WORDS)}
# centre first in the vocabulary, last, and in the middle; a window cut at a sentence's
# edge; the centre word among its own outside words; an outside word twice
WINDOWS = {
    "first word": ("the", ["cat", "sat"]),
    "last word": ("ran", ["dog", "the", "cat", "on"]),
    "centre among outside words": ("cat", ["the", "cat", "the", "mat"]),
    "one outside word": ("sat", ["on"]),
}


def torch_skipgram(center_word, outside_words, center_vectors, outside_vectors, neg_indices=None):
    """(loss, grad_center_vectors, grad_outside_vectors): the summed loss built in torch, autograd's gradients."""
    V, U = t(center_vectors, True), t(outside_vectors, True)
    v = V[WORD2IND[center_word]]
    total = 0
    for word in outside_words:
        o = WORD2IND[word]
        if neg_indices is None:
            total = total + F.cross_entropy((U @ v)[None, :], torch.tensor([o]))
        else:
            neg = torch.as_tensor(neg_indices)
            total = total - F.logsigmoid(U[o] @ v) - F.logsigmoid(-(U[neg] @ v)).sum()
    total.backward()
    return total.item(), V.grad.numpy(), U.grad.numpy()


@pytest.mark.parametrize("center_word, outside_words", WINDOWS.values(), ids=WINDOWS.keys())
@pytest.mark.parametrize("loss_name", ["naive softmax", "negative sampling"])
def test_skipgram_sums_over_the_window_as_autograd(rng, center_word, outside_words, loss_name):
    """skipgram's loss is the window's summed loss and its gradients autograd's, for both losses."""
    center_vectors, outside_vectors = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    neg_indices = np.array([2, 5, 2, 0], dtype=np.int64)
    if loss_name == "naive softmax":
        loss_and_gradient, neg = ref.naive_softmax_loss_and_gradient, None
    else:
        loss_and_gradient, neg = functools.partial(ref.neg_sampling_loss_and_gradient, neg_indices=neg_indices), neg_indices
    got = ref.skipgram(center_word, 2, outside_words, WORD2IND, center_vectors, outside_vectors, loss_and_gradient)
    assert_matches(got, torch_skipgram(center_word, outside_words, center_vectors, outside_vectors, neg), EXACT)
    others = np.arange(7) != WORD2IND[center_word]
    assert not got[1][others].any()


def test_skipgram_matches_numerical_gradient(rng):
    """Both gradients of skipgram agree with central differences of its loss."""
    center_vectors, outside_vectors = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    center_word, outside_words = WINDOWS["centre among outside words"]

    def run():
        return ref.skipgram(center_word, 2, outside_words, WORD2IND, center_vectors, outside_vectors, ref.naive_softmax_loss_and_gradient)

    _, grad_center, grad_outside = run()
    np.testing.assert_allclose(grad_center, numerical_gradient(lambda: run()[0], center_vectors), **NUMERIC)
    np.testing.assert_allclose(grad_outside, numerical_gradient(lambda: run()[0], outside_vectors), **NUMERIC)


def test_skipgram_of_an_empty_window_is_zero(rng):
    """A centre word with no outside words has loss 0.0 and zero gradients of the right shapes."""
    center_vectors, outside_vectors = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    loss, grad_center, grad_outside = ref.skipgram("cat", 1, [], WORD2IND, center_vectors, outside_vectors, ref.naive_softmax_loss_and_gradient)
    assert loss == 0.0 and isinstance(loss, float)
    np.testing.assert_array_equal(grad_center, np.zeros((7, 3)))
    np.testing.assert_array_equal(grad_outside, np.zeros((7, 3)))


def test_skipgram_leaves_the_vectors_unchanged(rng):
    """skipgram does not modify center_vectors or outside_vectors."""
    center_vectors, outside_vectors = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    before = center_vectors.copy(), outside_vectors.copy()
    ref.skipgram("mat", 2, ["on", "the"], WORD2IND, center_vectors, outside_vectors, ref.naive_softmax_loss_and_gradient)
    np.testing.assert_array_equal(center_vectors, before[0])
    np.testing.assert_array_equal(outside_vectors, before[1])


def test_skipgram_probe_loss_matches_autograd(rng):
    """The fixed loss the suite passes to skipgram (probes.quadratic_pair_loss) returns autograd's gradients."""
    center_vec, outside_vectors, weights = rng.normal(size=3), rng.normal(size=(6, 3)), rng.normal(size=6)
    v, U = t(center_vec, True), t(outside_vectors, True)
    scores = U @ v
    loss = 0.5 * (t(weights) * scores**2).sum() - scores[2]
    loss.backward()
    got = probes.quadratic_pair_loss(center_vec, 2, outside_vectors, weights)
    assert_matches(got, (loss.item(), v.grad.numpy(), U.grad.numpy()), EXACT)


# --- the stub -----------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=7)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=7, k=k)
