"""The ensembles reference proven against PyTorch and against straightforward loops.

distillation_loss is checked against torch.nn.functional (kl_div, log_softmax,
cross_entropy) in float64 and its gradient against torch autograd, at several temperatures
and mixing weights and with logits of magnitude 1e3. The other functions are checked against
independent, deliberately naive loops over models, examples and keys; bootstrap_indices by
properties whose bounds are computed here (each states its false-failure probability).
The last tests check the stub's API.
"""

import collections
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import assert_stub_mirrors, assert_stub_raises, load, t

pytestmark = pytest.mark.ensembles

ROOT = Path(__file__).parents[1]
SPEC_FUNCTIONS = ["bootstrap_indices", "average_predictions", "majority_vote", "average_parameters",
                  "ema_update", "adaboost_update", "distillation_loss"]


ref = load(ROOT / "solutions" / "ensembles.py", "reference_ensembles")
stub = load(ROOT / "assignments" / "ensembles.py", "stub_ensembles")


@pytest.fixture
def rng():
    """A fixed-seed generator, fresh for each test."""
    return np.random.default_rng(2015)


# -- 12.7 distillation_loss against torch -----------------------------------------------------

def torch_distillation(s, teacher, y, temperature, alpha):
    """(loss, dstudent) by torch.nn.functional and autograd, as Hinton et al. (2015) and SPEC write it."""
    student = t(s, grad=True)
    soft = F.kl_div(F.log_softmax(student / temperature, dim=1), F.softmax(t(teacher) / temperature, dim=1), reduction="batchmean")
    hard = F.cross_entropy(student, torch.tensor(y))
    loss = alpha * temperature**2 * soft + (1 - alpha) * hard
    loss.backward()
    return loss.item(), student.grad.numpy()


@pytest.mark.parametrize("temperature", [1.0, 2.0, 4.0, 7.5])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_distillation_matches_torch(rng, temperature, alpha):
    """Loss and gradient equal torch's kl_div * T**2 mix with cross_entropy, and autograd's gradient."""
    s, teacher = 3 * rng.normal(size=(6, 5)), 3 * rng.normal(size=(6, 5))
    y = rng.integers(0, 5, size=6)
    loss, dstudent = ref.distillation_loss(s, teacher, y, temperature, alpha)
    expected_loss, expected_grad = torch_distillation(s, teacher, y, temperature, alpha)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-14)
    assert dstudent.shape == s.shape and dstudent.dtype == np.float64
    np.testing.assert_allclose(dstudent, expected_grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("temperature", [1.0, 3.0, 20.0])
def test_distillation_with_logits_of_magnitude_1000(rng, temperature):
    """Logits around +-1e3 give torch's finite values without a numpy warning (no overflow, no 0 * log 0)."""
    s = 400 * rng.normal(size=(5, 6)) + rng.choice([-1000.0, 1000.0], size=(5, 1))
    teacher = 400 * rng.normal(size=(5, 6)) - 1000.0
    y = rng.integers(0, 6, size=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dstudent = ref.distillation_loss(s, teacher, y, temperature, 0.7)
    expected_loss, expected_grad = torch_distillation(s, teacher, y, temperature, 0.7)
    assert math.isfinite(loss) and np.all(np.isfinite(dstudent))
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dstudent, expected_grad, rtol=1e-10, atol=1e-15)


def test_distillation_gradient_matches_central_differences(rng):
    """dstudent agrees with central differences of the loss (an oracle independent of torch)."""
    s, teacher, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
    _, dstudent = ref.distillation_loss(s, teacher, y, 2.5, 0.6)
    h, numerical = 1e-6, np.zeros_like(s)
    for index in np.ndindex(*s.shape):
        step = np.zeros_like(s)
        step[index] = h
        numerical[index] = (ref.distillation_loss(s + step, teacher, y, 2.5, 0.6)[0] - ref.distillation_loss(s - step, teacher, y, 2.5, 0.6)[0]) / (2 * h)
    np.testing.assert_allclose(dstudent, numerical, rtol=1e-6, atol=1e-9)


def test_distillation_is_zero_soft_loss_when_student_equals_teacher(rng):
    """With alpha = 1 and the student's logits equal to the teacher's, KL and its gradient are 0."""
    s = rng.normal(size=(3, 4))
    loss, dstudent = ref.distillation_loss(s, s.copy(), np.zeros(3, dtype=int), 3.0, 1.0)
    assert loss == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(dstudent, 0.0, atol=1e-16)


def test_distillation_leaves_its_inputs_unchanged(rng):
    """student_logits, teacher_logits and y are not written to."""
    s, teacher, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)
    copies = s.copy(), teacher.copy(), y.copy()
    ref.distillation_loss(s, teacher, y, 2.0, 0.5)
    for before, after in zip(copies, (s, teacher, y)):
        np.testing.assert_array_equal(before, after)


# -- 12.1 bootstrap_indices: properties with computed bounds ----------------------------------

SIZE = 50_000
BUCKETS = 10


def test_bootstrap_indices_are_int64_in_range(rng):
    """n draws, int64, each in [0, n); n = 1 gives [0]."""
    indices = ref.bootstrap_indices(SIZE, rng)
    assert indices.shape == (SIZE,) and indices.dtype == np.int64
    assert indices.min() >= 0 and indices.max() < SIZE
    np.testing.assert_array_equal(ref.bootstrap_indices(1, rng), np.array([0]))


def test_share_of_distinct_indices_is_near_one_minus_one_over_e(rng):
    """The number of distinct indices D is within a McDiarmid bound of its mean n (1 - (1 - 1/n)^n)."""
    distinct = len(np.unique(ref.bootstrap_indices(SIZE, rng)))
    expected = SIZE * (1 - (1 - 1 / SIZE) ** SIZE)
    # D changes by at most 1 when one draw changes: P(|D - E D| >= a) <= 2 exp(-2 a^2 / n) = 1e-9 for this a
    a = math.sqrt(SIZE * math.log(2e9) / 2)
    assert abs(distinct - expected) < a
    assert abs(expected / SIZE - (1 - 1 / math.e)) < 1e-5


def test_bootstrap_indices_are_uniform(rng):
    """Each tenth of range(n) holds a tenth of the draws, within a Hoeffding bound per bucket."""
    counts = np.bincount(ref.bootstrap_indices(SIZE, rng) * BUCKETS // SIZE, minlength=BUCKETS)
    # per bucket P(|count/n - 1/10| >= t) <= 2 exp(-2 n t^2); over 10 buckets 1e-9 for this t
    bound = math.sqrt(math.log(2 * BUCKETS / 1e-9) / (2 * SIZE))
    assert np.all(np.abs(counts / SIZE - 1 / BUCKETS) < bound)


def test_bootstrap_indices_come_from_rng(rng):
    """The same seed gives the same indices, another seed others."""
    first, second, other = (ref.bootstrap_indices(100, np.random.default_rng(seed)) for seed in (4, 4, 5))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)  # equal with probability 100^-100


# -- 12.2 to 12.6 against straightforward loops -----------------------------------------------

def loop_average(probs):
    M, N, C = probs.shape
    out = np.zeros((N, C))
    for m in range(M):
        for i in range(N):
            for c in range(C):
                out[i, c] += probs[m, i, c] / M
    return out


def test_average_predictions_matches_a_loop(rng):
    """The mean over models, entry by entry."""
    probs = rng.dirichlet(np.ones(4), size=(3, 5))
    out = ref.average_predictions(probs)
    np.testing.assert_allclose(out, loop_average(probs), rtol=1e-14)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)


def loop_vote(labels, num_classes):
    votes = []
    for column in np.asarray(labels).T:
        counts = collections.Counter(int(label) for label in column)
        best = max(counts.values())
        votes.append(min(label for label, count in counts.items() if count == best))
    return np.array(votes, dtype=np.int64)


@settings(max_examples=60, deadline=None, database=None)
@given(models=st.integers(1, 6), examples=st.integers(1, 7), num_classes=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_majority_vote_matches_a_counting_loop(models, examples, num_classes, seed):
    """For any votes, the most frequent label, the smallest among tied ones, as int64."""
    labels = np.random.default_rng(seed).integers(0, num_classes, size=(models, examples))
    votes = ref.majority_vote(labels, num_classes)
    assert votes.dtype == np.int64 and votes.shape == (examples,)
    np.testing.assert_array_equal(votes, loop_vote(labels, num_classes))


def test_majority_vote_breaks_ties_to_the_smallest_label():
    """Two votes each for 3 and 1 give 1; a unanimous column gives its label."""
    labels = np.array([[3, 2], [1, 2], [3, 2], [1, 2]])
    np.testing.assert_array_equal(ref.majority_vote(labels, 4), [1, 2])


def params_of(rng, names=("w1", "b1", "w2")):
    shapes = {"w1": (3, 4), "b1": (4,), "w2": (4, 2)}
    return {name: rng.normal(size=shapes[name]) for name in names}


def test_average_parameters_matches_a_loop_with_keys_in_any_order(rng):
    """The mean per name, whatever the order of the keys in each dict."""
    models = [params_of(rng), params_of(rng, ("w2", "w1", "b1")), params_of(rng, ("b1", "w2", "w1"))]
    out = ref.average_parameters(models)
    assert set(out) == {"w1", "b1", "w2"}
    for name in out:
        total = np.zeros_like(models[0][name])
        for model in models:
            total = total + model[name]
        np.testing.assert_allclose(out[name], total / 3, rtol=1e-14)


def test_average_of_one_model_is_a_copy(rng):
    """One model averages to its own values, in a new dict that does not share its arrays."""
    model = params_of(rng)
    out = ref.average_parameters([model])
    assert out is not model
    for name, value in model.items():
        np.testing.assert_array_equal(out[name], value)
        assert not np.shares_memory(out[name], value)


@pytest.mark.parametrize("params, message", [
    ([], r"params is empty"),
    ([{"w": np.ones(2), "b": np.ones(1)}, {"w": np.ones(2)}], r"different keys: \['b', 'w'\] and \['w'\]"),
    ([{"w": np.ones(2)}, {"w": np.ones(2), "v": np.ones(2)}], r"different keys"),
    ([{"w": np.ones(4)}, {"w": np.ones((1, 4))}], r"'w' has different shapes \[\(1, 4\), \(4,\)\]"),
])
def test_average_parameters_raises_value_error(params, message):
    """An empty list, different names or different shapes raise ValueError saying which."""
    with pytest.raises(ValueError, match=message):
        ref.average_parameters(params)


def test_ema_update_matches_a_loop_and_leaves_its_inputs_alone(rng):
    """decay * average + (1 - decay) * params per name, in a new dict; the inputs are unchanged."""
    average, params = params_of(rng), params_of(rng, ("b1", "w2", "w1"))
    copies = ({k: v.copy() for k, v in average.items()}, {k: v.copy() for k, v in params.items()})
    new = ref.ema_update(average, params, 0.9)
    for name in average:
        expected = np.empty_like(average[name])
        for index in np.ndindex(*expected.shape):
            expected[index] = 0.9 * average[name][index] + 0.1 * params[name][index]
        np.testing.assert_allclose(new[name], expected, rtol=1e-14)
    for before, after in zip(copies, (average, params)):
        for name in before:
            np.testing.assert_array_equal(before[name], after[name])


def test_ema_converges_to_a_constant_snapshot(rng):
    """Repeated updates with the same parameters approach them geometrically: error decay^k."""
    start, params = params_of(rng), params_of(rng)
    average = start
    for _ in range(50):
        average = ref.ema_update(average, params, 0.8)
    for name in params:
        np.testing.assert_allclose(average[name] - params[name], 0.8**50 * (start[name] - params[name]), rtol=1e-8, atol=1e-14)


def loop_adaboost(w, y_true, y_pred):
    wrong = sum(wi for wi, a, b in zip(w, y_true, y_pred) if a != b)
    err = min(max(wrong / sum(w), 1e-10), 1 - 1e-10)
    alpha = 0.5 * math.log((1 - err) / err)
    new = [wi * math.exp(-alpha if a == b else alpha) for wi, a, b in zip(w, y_true, y_pred)]
    return np.array(new) / sum(new), alpha


@pytest.mark.parametrize("mistakes", [0, 1, 4, 10])
def test_adaboost_update_matches_a_loop(rng, mistakes):
    """Weights and alpha as a loop computes them, from unnormalized weights; err = 0 and 1 are clipped."""
    w = rng.uniform(0.5, 2.0, size=10)
    y_true = rng.choice([-1, 1], size=10)
    y_pred = y_true.copy()
    y_pred[rng.choice(10, size=mistakes, replace=False)] *= -1
    new, alpha = ref.adaboost_update(w, y_true, y_pred)
    expected_new, expected_alpha = loop_adaboost(w, y_true, y_pred)
    assert isinstance(alpha, float)
    assert alpha == pytest.approx(expected_alpha, rel=1e-12)
    np.testing.assert_allclose(new, expected_new, rtol=1e-12)
    assert new.sum() == pytest.approx(1.0, rel=1e-14)


def test_adaboost_gives_the_mistakes_half_the_weight(rng):
    """After an update the misclassified examples hold exactly half the weight (the classic identity)."""
    w = rng.uniform(size=20)
    y_true = rng.choice([-1, 1], size=20)
    y_pred = np.where(rng.random(20) < 0.3, -y_true, y_true)
    new, _ = ref.adaboost_update(w, y_true, y_pred)
    assert new[y_true != y_pred].sum() == pytest.approx(0.5, rel=1e-12)


# -- the stub -------------------------------------------------------------------------------


def test_stub_has_the_reference_api_and_docstrings():
    """The stub and the reference have the SPEC's names, same signatures and docstrings."""
    assert_stub_mirrors(ref, stub, SPEC_FUNCTIONS, task=12)


@pytest.mark.parametrize("k, name", list(enumerate(SPEC_FUNCTIONS, start=1)))
def test_stub_raises_not_implemented_with_its_task(k, name):
    """Each stub raises NotImplementedError naming the function and its task."""
    assert_stub_raises(stub, name, task=12, k=k)
