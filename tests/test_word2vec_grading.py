"""The word2vec suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end in the sandbox. The wrong ones are one-mistake versions
of solutions/word2vec.py (a replaced text must occur exactly once, so a change to the
reference breaks these tests loudly); each must fail exactly the cases that see its mistake,
on two secret seeds, and get the hint that names it. Correct submissions written differently
score full marks; the stubs score zero.
"""

from __future__ import annotations

import pytest

from autograder import wire
from autograder.grade import reference
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.suites import word2vec as suite
from submissions import Grades, assert_fails_exactly, failed, hinted, reference_source, replaced, stub_source, swap

pytestmark = pytest.mark.word2vec

REFERENCE = reference_source("word2vec")
SEEDS = (1, 2)
ALL_CASES = {case.name for case in suite.SUITE.cases}


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """(source, seed) -> the graded word2vec.py, cached for the module."""
    return Grades("word2vec", tmp_path_factory.mktemp("word2vec"))


def cases(prefix: str, *outputs: str) -> set:
    """The names of the cases that start with ``prefix`` (and, when given, judge one of ``outputs``)."""
    names = {name for name in ALL_CASES if name.startswith(prefix)}
    return {name for name in names if not outputs or name.rsplit(": ", 1)[-1] in outputs}


NEG = "neg_sampling_loss_and_gradient"
NAIVE = "naive_softmax_loss_and_gradient"
NEG_LARGE = f"{NEG}, dot products of magnitude 1000"
NAIVE_LARGE = f"{NAIVE}, dot products of magnitude 1000"
WITH_OWN_NEG = f"skipgram with your {NEG}"
WITH_OWN_NAIVE = f"skipgram with your {NAIVE}"
ONE_WORD = "skipgram, a window of one word"
REPEATED = {f"{NEG}, repeated negatives", f"{NEG}, random negatives"}  # the graded cases whose negatives repeat


def of(prefixes, *outputs) -> set:
    """The per-output cases of each of ``prefixes`` (case names before the ': output'), restricted to ``outputs`` if given."""
    return set().union(*(cases(prefix + ":", *outputs) for prefix in prefixes))


SKIPGRAM_ALL = cases("skipgram")

# -- one-mistake submissions ----------------------------------------------------------------

NEG_SIGN = swap(REFERENCE, "ds_o, ds_neg = sigmoid(s_o) - 1.0, sigmoid(s_neg)", "ds_o, ds_neg = sigmoid(s_o) - 1.0, -sigmoid(s_neg)")
NEG_UNIQUE = swap(REFERENCE, "neg_indices = np.asarray(neg_indices, dtype=np.intp).reshape(-1)", "neg_indices = np.unique(neg_indices)")
NEG_FANCY_ADD = swap(
    REFERENCE, "np.add.at(grad_outside_vectors, neg_indices, np.outer(ds_neg, center_vec))",
    "grad_outside_vectors[neg_indices] += np.outer(ds_neg, center_vec)")
NAIVE_NO_ONE_HOT = swap(REFERENCE, "    dscores[outside_idx] -= 1.0  # y_hat - y\n", "")
NAIVE_OUTER_TRANSPOSED = swap(REFERENCE, "np.outer(dscores, center_vec)", "np.outer(center_vec, dscores)")
SKIPGRAM_AVERAGED = swap(
    REFERENCE, "    return float(loss), grad_center_vectors, grad_outside_vectors\n",
    "    n = len(outside_words)\n    return float(loss) / n, grad_center_vectors / n, grad_outside_vectors / n\n")
SKIPGRAM_SWAPPED = swap(
    REFERENCE, "pair_loss, grad_center_vec, grad_outside = loss_and_gradient(center_vec, word2ind[word], outside_vectors)",
    "center = word2ind[word]\n        pair_loss, grad_center_vec, grad_outside = loss_and_gradient(center_vectors[center], center, outside_vectors)")
SIGMOID_NAIVE = swap(
    REFERENCE, "z = np.exp(-np.abs(x))  # in (0, 1]: safe in both branches of the where\n"
    "    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))", "return 1.0 / (1.0 + np.exp(-x))")
NAIVE_GRADIENTS_NEGATED = swap(
    REFERENCE, "return float(-log_probs[outside_idx]), outside_vectors.T @ dscores, np.outer(dscores, center_vec)",
    "return float(-log_probs[outside_idx]), -(outside_vectors.T @ dscores), -np.outer(dscores, center_vec)")
NEG_GRADIENTS_NEGATED = swap(REFERENCE, "ds_o, ds_neg = sigmoid(s_o) - 1.0, sigmoid(s_neg)", "ds_o, ds_neg = 1.0 - sigmoid(s_o), -sigmoid(s_neg)")
NAIVE_NO_SHIFT = swap(REFERENCE, "shifted = scores - scores.max()", "shifted = scores")
NEG_LOG_SIGMOID = swap(
    REFERENCE, "loss = np.logaddexp(0.0, -s_o) + np.logaddexp(0.0, s_neg).sum()",
    "loss = -np.log(sigmoid(s_o)) - np.log(sigmoid(-s_neg)).sum()")
# one fancy-indexed write for the outside word and the negatives: the outside word's own row
# is dropped where it is also a negative, and so is every repeat
NEG_ONE_FANCY_WRITE = replaced('''
def neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices):
    rows = np.concatenate([[outside_idx], neg_indices])
    signs = np.concatenate([[1.0], -np.ones(len(neg_indices))])
    scores = signs * (outside_vectors[rows] @ center_vec)
    dscores = -signs * sigmoid(-scores)
    grad_outside_vectors = np.zeros_like(outside_vectors)
    grad_outside_vectors[rows] += np.outer(dscores, center_vec)
    return float(np.logaddexp(0.0, -scores).sum()), dscores @ outside_vectors[rows], grad_outside_vectors
''', REFERENCE)
SKIPGRAM_CENTRE_OVERWRITTEN = swap(REFERENCE, "grad_center_vectors[center] += grad_center_vec", "grad_center_vectors[center] = grad_center_vec")

MUTATIONS = [
    pytest.param(NEG_SIGN, of([NEG, *REPEATED, f"{NEG}, negatives include the outside word"], "grad_center_vec", "grad_outside_vectors")
                 | {NEG_LARGE, WITH_OWN_NEG}, id="neg-sampling-gradient-sign"),
    pytest.param(NEG_UNIQUE, of(REPEATED) | {NEG_LARGE, WITH_OWN_NEG}, id="repeated-negatives-counted-once-np-unique"),
    pytest.param(NEG_FANCY_ADD, of(REPEATED, "grad_outside_vectors") | {NEG_LARGE, WITH_OWN_NEG}, id="repeated-negatives-fancy-index-add"),
    pytest.param(NEG_ONE_FANCY_WRITE, of([*REPEATED, f"{NEG}, negatives include the outside word"], "grad_outside_vectors")
                 | {NEG_LARGE, WITH_OWN_NEG}, id="outside-and-negatives-one-fancy-index-add"),
    pytest.param(NAIVE_NO_ONE_HOT, of([NAIVE, f"{NAIVE}, random sizes"], "grad_center_vec", "grad_outside_vectors")
                 | {NAIVE_LARGE, WITH_OWN_NAIVE}, id="naive-softmax-without-one-hot"),
    pytest.param(NAIVE_OUTER_TRANSPOSED, of([NAIVE, f"{NAIVE}, random sizes"], "grad_outside_vectors")
                 | {NAIVE_LARGE, WITH_OWN_NAIVE}, id="naive-softmax-outer-product-transposed"),
    pytest.param(NAIVE_GRADIENTS_NEGATED, of([NAIVE, f"{NAIVE}, random sizes"], "grad_center_vec", "grad_outside_vectors")
                 | {NAIVE_LARGE, WITH_OWN_NAIVE}, id="naive-softmax-gradients-negated"),
    pytest.param(NEG_GRADIENTS_NEGATED, of([NEG, *REPEATED, f"{NEG}, negatives include the outside word"], "grad_center_vec", "grad_outside_vectors")
                 | {NEG_LARGE, WITH_OWN_NEG}, id="neg-sampling-gradients-negated"),
    pytest.param(SKIPGRAM_AVERAGED, SKIPGRAM_ALL - {ONE_WORD}, id="skipgram-averaged-not-summed"),
    pytest.param(SKIPGRAM_SWAPPED, SKIPGRAM_ALL, id="skipgram-outside-word-as-centre"),
    pytest.param(SKIPGRAM_CENTRE_OVERWRITTEN, of(["skipgram, window at a sentence's start", "skipgram, random windows"], "grad_center_vectors")
                 | {WITH_OWN_NAIVE, WITH_OWN_NEG}, id="skipgram-centre-gradient-overwritten"),
    # the student's neg_sampling calls the student's sigmoid, which overflows there too
    pytest.param(SIGMOID_NAIVE, {"sigmoid, |x| up to 1000 without overflow", NEG_LARGE}, id="sigmoid-naive-overflows"),
    pytest.param(NAIVE_NO_SHIFT, {NAIVE_LARGE}, id="naive-softmax-without-max-shift"),
    pytest.param(NEG_LOG_SIGMOID, {NEG_LARGE}, id="neg-sampling-loss-as-log-of-sigmoid"),
]


@pytest.mark.parametrize("source, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(grades, source, expected):
    """A one-mistake submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    assert_fails_exactly(grades, source, expected, SEEDS)


def test_transposed_outer_product_message_names_both_shapes(grades):
    """grad_outside_vectors as outer(v_c, y_hat - y) is reported with its shape (d, V) and the expected (V, d)."""
    message = failed(grades(NAIVE_OUTER_TRANSPOSED))[f"{NAIVE}: grad_outside_vectors"]
    assert message.startswith("grad_outside_vectors has shape (4, 6), expected (6, 4).")


def test_naive_sigmoid_message_quotes_the_overflow_warning(grades):
    """Right values from an overflowing exp fail on numpy's warning, which the message quotes."""
    message = failed(grades(SIGMOID_NAIVE))["sigmoid, |x| up to 1000 without overflow"]
    assert message.startswith("The values are right, but numpy warned: RuntimeWarning: overflow encountered in exp")


def test_log_of_sigmoid_message_says_not_finite(grades):
    """A neg-sampling loss of inf from log(0) is reported as not the expected finite number."""
    message = failed(grades(NEG_LOG_SIGMOID))[NEG_LARGE]
    assert message.startswith("loss is inf, expected the finite number 3")
    assert "log(0)" in message


def test_skipgram_with_a_transposed_loss_gradient_shows_where_it_broke(grades):
    """skipgram given the student's own (d, V) gradient fails where it adds it, with the student's line and both shapes."""
    message = failed(grades(NAIVE_OUTER_TRANSPOSED))[WITH_OWN_NAIVE]
    assert message.startswith("skipgram raised ValueError.")
    assert 'File "word2vec.py"' in message and "grad_outside_vectors += grad_outside" in message
    assert "could not be broadcast together with shapes" in message


# -- hints ----------------------------------------------------------------------------------

# (submission, the hint it gets, the hints it gets in all): np.unique also drops the repeated
# rows of grad_outside_vectors, where it looks exactly like the buffered fancy-index add
HINTED = [
    pytest.param(NEG_SIGN, suite.NEG_SIGN, (suite.NEG_SIGN,), id="sign"),
    pytest.param(NEG_UNIQUE, suite.REPEATS_ONCE, (suite.REPEATS_ONCE, suite.FANCY_INDEX_ADD), id="unique"),
    pytest.param(NEG_FANCY_ADD, suite.FANCY_INDEX_ADD, (suite.FANCY_INDEX_ADD,), id="fancy-index-add"),
    pytest.param(NAIVE_NO_ONE_HOT, suite.NO_ONE_HOT, (suite.NO_ONE_HOT,), id="no-one-hot"),
    pytest.param(NAIVE_OUTER_TRANSPOSED, suite.OUTER_TRANSPOSED, (suite.OUTER_TRANSPOSED,), id="outer-transposed"),
    pytest.param(NAIVE_GRADIENTS_NEGATED, suite.GRADIENTS_NEGATED, (suite.GRADIENTS_NEGATED,), id="naive-negated"),
    pytest.param(NEG_GRADIENTS_NEGATED, suite.GRADIENTS_NEGATED, (suite.GRADIENTS_NEGATED,), id="neg-negated"),
    pytest.param(SKIPGRAM_AVERAGED, suite.SKIPGRAM_AVERAGED, (suite.SKIPGRAM_AVERAGED,), id="skipgram-averaged"),
    pytest.param(SKIPGRAM_SWAPPED, suite.SKIPGRAM_SWAPPED, (suite.SKIPGRAM_SWAPPED,), id="skipgram-swapped"),
]


@pytest.mark.hints
@pytest.mark.parametrize("source, hint, hints", HINTED)
def test_each_misconception_gets_its_hint(grades, source, hint, hints):
    """A submission with exactly this mistake gets this hint, and only the expected ones, on every failed case declaring them."""
    assignment = grades(source)
    carrying = hinted(assignment)
    assert hint.name in carrying.values(), "the hint did not fire"
    assert set(carrying.values()) == {h.name for h in hints}
    declaring = {case.name for case in suite.SUITE.cases if {h.name for h in case.hints} & {h.name for h in hints}}
    assert set(carrying) == set(failed(assignment)) & declaring
    texts = {h.name: h.text for h in hints}
    for name, hint_name in carrying.items():
        assert failed(assignment)[name].endswith(f"\nHint: {texts[hint_name]}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the suite has a mistake above that makes it fire, and there are at least five."""
    declared = {hint.name for case in suite.SUITE.cases for hint in case.hints}
    assert declared == {param.values[1].name for param in HINTED}
    assert len(declared) >= 5


# -- correct submissions written differently ------------------------------------------------

LOOPS = '''
"""Correct, written with Python loops and the math module."""
import math

import numpy as np



def _sigmoid(value):
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def _softplus(value):
    """log(1 + exp(value)) without overflow."""
    return max(value, 0.0) + math.log1p(math.exp(-abs(value)))


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        out[index] = _sigmoid(float(x[index]))
    return out


def naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors):
    scores = [float(row @ center_vec) for row in outside_vectors]
    top = max(scores)
    log_total = top + math.log(sum(math.exp(s - top) for s in scores))
    grad_center = np.zeros(len(center_vec))
    grad_outside = np.zeros((len(scores), len(center_vec)))
    for w, s in enumerate(scores):
        delta = math.exp(s - log_total) - (1.0 if w == outside_idx else 0.0)
        grad_center += delta * outside_vectors[w]
        grad_outside[w] = delta * center_vec
    return log_total - scores[outside_idx], grad_center, grad_outside


def neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices):
    grad_center = np.zeros(len(center_vec))
    grad_outside = np.zeros(outside_vectors.shape)
    s = float(outside_vectors[outside_idx] @ center_vec)
    loss = _softplus(-s)
    grad_center += (_sigmoid(s) - 1.0) * outside_vectors[outside_idx]
    grad_outside[outside_idx] += (_sigmoid(s) - 1.0) * center_vec
    for k in neg_indices:
        s = float(outside_vectors[k] @ center_vec)
        loss += _softplus(s)
        grad_center += _sigmoid(s) * outside_vectors[k]
        grad_outside[k] += _sigmoid(s) * center_vec
    return loss, grad_center, grad_outside


def skipgram(center_word, window_size, outside_words, word2ind, center_vectors, outside_vectors, loss_and_gradient):
    c = word2ind[center_word]
    results = [loss_and_gradient(center_vectors[c], word2ind[word], outside_vectors) for word in outside_words]
    grad_center = np.zeros(center_vectors.shape)
    grad_center[c] = sum((r[1] for r in results), np.zeros(center_vectors.shape[1]))
    return sum(r[0] for r in results), grad_center, sum((r[2] for r in results), np.zeros(outside_vectors.shape))
'''

VECTORIZED = '''
"""Correct, written differently: tanh sigmoid, one signed score vector, bincount, einsum."""
import numpy as np


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def naive_softmax_loss_and_gradient(center_vec, outside_idx, outside_vectors):
    scores = np.einsum("vd,d->v", outside_vectors, center_vec)
    log_total = np.logaddexp.reduce(scores)
    y_hat = np.exp(scores - log_total)
    y = np.eye(len(scores))[outside_idx]
    return float(log_total - scores[outside_idx]), np.einsum("vd,v->d", outside_vectors, y_hat - y), np.einsum("v,d->vd", y_hat - y, center_vec)


def neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices):
    rows = np.concatenate([[outside_idx], np.asarray(neg_indices, dtype=np.int64)])
    signs = np.where(np.arange(rows.size) == 0, 1.0, -1.0)
    margins = signs * (outside_vectors[rows] @ center_vec)
    dscores = -signs * sigmoid(-margins)
    weights = np.bincount(rows, weights=dscores, minlength=outside_vectors.shape[0])
    return float(np.logaddexp(0.0, -margins).sum()), dscores @ outside_vectors[rows], np.outer(weights, center_vec)


def skipgram(center_word, window_size, outside_words, word2ind, center_vectors, outside_vectors, loss_and_gradient):
    loss, grad_center, grad_outside = 0.0, np.zeros_like(center_vectors), np.zeros_like(outside_vectors)
    one_hot = np.eye(len(center_vectors))[word2ind[center_word]]
    for word in outside_words:
        pair_loss, g_c, g_o = loss_and_gradient(one_hot @ center_vectors, word2ind[word], outside_vectors)
        loss, grad_center, grad_outside = loss + pair_loss, grad_center + np.outer(one_hot, g_c), grad_outside + g_o
    return loss, grad_center, grad_outside
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
@pytest.mark.parametrize("source", [REFERENCE, LOOPS, VECTORIZED], ids=["reference", "python-loops", "vectorized-bincount"])
def test_correct_submission_scores_full_marks_without_hints(grades, source, seed):
    """The reference and correct submissions written differently pass every case, visible and hidden."""
    assignment = grades(source, seed)
    assert failed(assignment) == {}
    assert assignment.score == suite.SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages(grades):
    """assignments/word2vec.py scores 0; every case says what is not implemented yet, and no hint is given."""
    assignment = grades(stub_source("word2vec"))
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    assert all("not implemented yet" in message for message in failed(assignment).values())
    assert hinted(assignment) == {}


@pytest.mark.hints
@pytest.mark.parametrize("source", [NEG_LOG_SIGMOID, NAIVE_NO_SHIFT, SKIPGRAM_CENTRE_OVERWRITTEN], ids=["log-sigmoid", "no-shift", "centre-overwritten"])
def test_no_hint_for_a_mistake_no_hint_describes(grades, source):
    """Mistakes matching no declared variant fail without a hint: hints are never guessed."""
    assignment = grades(source)
    assert failed(assignment) and hinted(assignment) == {}


@pytest.mark.hints
def test_averaging_is_not_offered_where_it_equals_the_sum():
    """With one outside word the mean is the sum: a wrong answer there gets no 'averaged' hint; with four, it does."""
    solution = reference("word2vec")
    for name, offered in ((ONE_WORD, None), ("skipgram, window at a sentence's start: loss", suite.SKIPGRAM_AVERAGED)):
        case = next(case for case in suite.SUITE.cases if case.name == name)
        plan = wire.copied(case.build(case.rng(SEEDS[0])))
        expected = {"loss": solution.skipgram(*plan.calls[0].args[:6], solution.naive_softmax_loss_and_gradient)[0]}
        plan.outputs = {"loss": plan.outputs["loss"]}
        n = len(plan.calls[0].args[2])
        student = {"loss": expected["loss"] / n if n > 1 else expected["loss"] + 1.0}
        assert diagnose(case.hints, student, expected, plan, solution, Compare()) is offered, name


def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Visible cases draw from the public seed, hidden ones from the secret seed."""
    for case in suite.SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_graded_inputs_have_what_the_cases_promise():
    """On both seeds: negatives repeat where promised and include the outside word where promised; V != d; windows
    cut at a sentence's edge hold the centre word; every random window has 2+ words, one not the centre."""
    for seed in SEEDS:
        for case in suite.SUITE.cases:
            call = case.build(case.rng(seed)).calls[0]
            if call.function == NEG and "1000" not in case.name:
                _, outside_idx, outside_vectors, neg = call.args
                assert outside_vectors.shape[0] != outside_vectors.shape[1]
                assert (len(set(neg.tolist())) < len(neg)) == (case.name.split(":")[0] in REPEATED), case.name
                assert (outside_idx in neg) == (case.name.split(":")[0] in {f"{NEG}, negatives include the outside word", f"{NEG}, random negatives"}), case.name
            if call.function == "skipgram":
                center_word, _, outside_words, word2ind, center_vectors, _, _ = call.args
                assert center_vectors.shape[0] == len(word2ind) != center_vectors.shape[1]
                assert (len(outside_words) == 1) == (case.name == ONE_WORD)
                assert any(word != center_word for word in outside_words)
                if case.name.startswith("skipgram, window at"):
                    assert center_word in outside_words and word2ind[center_word] == len(word2ind) - 1
