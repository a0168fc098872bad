"""The networks suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission is graded end to end by ``autograder.grade.grade`` in the sandbox. The wrong
ones are one-mistake edits of solutions/networks.py; each must fail exactly the cases that see
its mistake, on two secret seeds, and keep every other point. A correct submission written
another way (init drawn in another order, the MLP as a list of layers, explicit loops over
epochs with np.array_split-free slicing, accuracy by counting) scores full marks. Each
misconception hint fires on exactly its mistake, and on nothing right or unrecognised.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import probes, wire
from autograder.grade import reference
from autograder.hints import diagnose
from autograder.judge import Compare
from autograder.plan import execute
from autograder.suites import networks as suite
from autograder.suites.networks import SUITE
from submissions import Grades, assert_fails_exactly, failed, hinted, reference_source, replaced, stub_source, swap

pytestmark = pytest.mark.networks

REFERENCE = reference_source("networks")
STUB = stub_source("networks")
SEEDS = (1, 2)
ALL_CASES = {case.name for case in SUITE.cases}


def cases(*prefixes: str, outputs=None) -> set:
    """The cases whose names start with one of ``prefixes`` (and, with ``outputs``, end with one of them)."""
    names = {name for name in ALL_CASES if name.startswith(prefixes)}
    return names if outputs is None else {name for name in names if name.endswith(outputs)}


OUTCOME = {f"train reaches {suite.THRESHOLD:.0%} validation accuracy on the digits"}
REGULARIZED_LOSS = cases("mlp_loss, reg = 0.1", "mlp_loss, batch of 1", "mlp_loss, random network")  # reg > 0
REGULARIZED_TRAIN = cases("train with reg and lr_decay", "train, random sizes")
SHUFFLED = cases("train, 3 epochs", "train, batches of 1", "train with", "train, random sizes")  # all but one batch of N
ACCURACIES = {"train, 3 epochs of batches of 4 (the last smaller): train_acc and val_acc"}
ALL_TRAINED = cases("train, 3 epochs", "train with", "train, one batch", "train, random sizes")

BIASES_REGULARIZED = swap(swap(
    REFERENCE, 'grads[f"W{layer}"], grads[f"b{layer}"] = dw + reg * w, db', 'grads[f"W{layer}"], grads[f"b{layer}"] = dw + reg * w, db + reg * params[f"b{layer}"]'),
    "loss += 0.5 * reg * float(np.sum(w * w))", 'loss += 0.5 * reg * float(np.sum(w * w) + np.sum(params[f"b{layer}"] ** 2))')
HALF_REG_GRADIENT = swap(REFERENCE, "dw + reg * w, db", "dw + 0.5 * reg * w, db")
SHORTCUT_SKIPPED = swap(REFERENCE, "return dsum + dx_branch, dw1", "return dx_branch, dw1")
SUMMED_GRADIENT = swap(REFERENCE, "return float(-log_probs[rows, y].mean()), dscores / n", "return float(-log_probs[rows, y].mean()), dscores")
NP_RANDOM_ORDER = swap(REFERENCE, "order = rng.permutation(n)", "order = np.random.permutation(n)")
NOT_SHUFFLED = swap(REFERENCE, "order = rng.permutation(n)", "order = np.arange(n)")
ONE_ORDER = swap(REFERENCE, "    for _ in range(epochs):\n        order = rng.permutation(n)\n", "    order = rng.permutation(n)\n    for _ in range(epochs):\n")
FROZEN_UPDATED = swap(REFERENCE, "value if key in frozen else value - lr * grads[key]", "value - lr * grads[key]")
DECAY_PER_BATCH = swap(swap(REFERENCE, '            history["loss"].append(loss)\n', '            history["loss"].append(loss)\n            lr *= lr_decay\n'),
                       "        lr *= lr_decay\n    return params, history", "    return params, history")
TIES_TO_LAST = swap(REFERENCE, "return float(np.mean(np.argmax(scores, axis=1) == y))",
                    "return float(np.mean(scores.shape[1] - 1 - np.argmax(scores[:, ::-1], axis=1) == y))")
POOL_SUMMED = swap(REFERENCE, "(dout / (height * width))[:, :, None, None]", "dout[:, :, None, None]")
SCHEMES_SWAPPED = swap(REFERENCE, 'SCHEMES = {"he": 2.0, "xavier": 1.0}', 'SCHEMES = {"he": 1.0, "xavier": 2.0}')

MUTATIONS = [
    pytest.param(BIASES_REGULARIZED, cases("mlp_loss, reg = 0.1", "mlp_loss, batch of 1", "mlp_loss, random network", outputs=("loss", "db")) | REGULARIZED_TRAIN,
                 id="biases-regularized"),
    pytest.param(HALF_REG_GRADIENT, cases("mlp_loss, reg = 0.1", "mlp_loss, batch of 1", "mlp_loss, random network", outputs="dW") | REGULARIZED_TRAIN,
                 id="the-2-of-reg-over-2-forgotten"),
    pytest.param(SHORTCUT_SKIPPED, cases("residual_block_backward", outputs="dx"), id="shortcut-skipped-in-backward"),
    # a batch of 1 is its own mean: those cases cannot see it; the diverging digits run can
    pytest.param(SUMMED_GRADIENT, cases("mlp_loss, reg = 0:", "mlp_loss, reg = 0.1", "mlp_loss, random network", outputs=("dW", "db"))
                 | {"mlp_loss, scores of magnitude 1e3"} | (ALL_TRAINED - cases("train, batches of 1")) | OUTCOME, id="loss-averaged-gradient-summed"),
    # one batch of all N rows: the order inside it changes no mean
    pytest.param(NP_RANDOM_ORDER, SHUFFLED, id="order-from-np-random"),
    pytest.param(NOT_SHUFFLED, SHUFFLED, id="not-shuffled"),
    pytest.param(ONE_ORDER, SHUFFLED, id="one-order-for-every-epoch"),
    pytest.param(FROZEN_UPDATED, cases("sgd_step with the first", "sgd_step, random frozen", "train with the first layer frozen"), id="frozen-key-updated"),
    pytest.param(DECAY_PER_BATCH, REGULARIZED_TRAIN | OUTCOME, id="lr-decayed-per-batch"),
    pytest.param(TIES_TO_LAST, cases("accuracy with tied", "accuracy, one row", "accuracy, random tied"), id="ties-to-the-last-maximum"),
    pytest.param(POOL_SUMMED, cases("global_average_pool_backward"), id="pooling-gradient-not-divided"),
    pytest.param(SCHEMES_SWAPPED, cases("init_mlp, He", "init_mlp, Xavier", "init_mlp, random dims"), id="he-and-xavier-swapped"),
    pytest.param(swap(REFERENCE, "rng.standard_normal((int(fan_in), int(fan_out)))", "np.random.standard_normal((int(fan_in), int(fan_out)))"),
                 {"init_mlp draws from rng"}, id="init-from-np-random"),
    pytest.param(replaced('''
def sgd_step(params, grads, lr, frozen=()):
    for key in params:
        if key not in frozen:
            params[key] -= lr * grads[key]
    return dict(params)
''', REFERENCE), {"sgd_step leaves params unchanged", "train leaves params unchanged"}, id="sgd-step-in-place"),
    pytest.param(swap(REFERENCE, '    if len(dims) < 2:\n        raise ValueError(f"dims needs at least 2 entries (input size and classes), got {dims}")\n', ""),
                 {"init_mlp raises ValueError for dims [5]"}, id="one-dim-accepted"),
    pytest.param(swap(REFERENCE, 'history["val_acc"].append(accuracy(params, X_val, y_val))', 'history["val_acc"].append(accuracy(params, X, y))'),
                 ACCURACIES | {"train with the first layer frozen", "train, one batch larger than the data"}, id="val-acc-on-the-training-set"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """graded(source, seed) -> the SubmissionResult of networks.py with that source; cached per module."""
    return Grades("networks", tmp_path_factory.mktemp("networks"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/networks.py passes every case, visible and hidden, whatever the secret seed."""
    assignment = graded(REFERENCE, seed)
    assert failed(assignment) == {}
    assert assignment.score == assignment.max_score == SUITE.max_score


def test_stubs_score_zero_with_not_implemented_messages(graded):
    """assignments/networks.py scores 0, and every case says which function is not written yet."""
    assignment = graded(STUB, SEEDS[0])
    assert assignment.score == 0
    assert set(failed(assignment)) == ALL_CASES
    assert all("not implemented yet" in text or "paste yours from backprop.py" in text for text in failed(assignment).values())


# -- 2. wrong implementations lose exactly the points of what they break --------------------

@pytest.mark.parametrize("source, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, source, expected):
    """A one-mistake submission loses exactly the cases that see its mistake, on two seeds."""
    assert_fails_exactly(graded, source, expected, SEEDS)


def test_the_outcome_case_fails_a_network_that_does_not_learn(graded):
    """Gradients summed over the batch (32 times the step) diverge: the digits case says so, with the accuracy."""
    text = failed(graded(SUMMED_GRADIENT, SEEDS[0]))[next(iter(OUTCOME))]
    assert "of the validation digits right" in text and "85%" in text


# -- 3. a correct alternative -----------------------------------------------------------------

ALTERNATIVE = '''
import numpy as np

LEADERBOARD = {"hidden": [32], "lr": 0.1, "epochs": 5, "batch_size": 32, "seed": 3}


def affine_forward(x, w, b):
    return np.dot(x, w) + b[None, :], (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return np.dot(dout, w.T), np.dot(x.T, dout), np.sum(dout, axis=0)


def relu_forward(x):
    return x * (x > 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def softmax_cross_entropy(scores, y):
    z = scores - np.max(scores, axis=1, keepdims=True)
    p = np.exp(z)
    p /= np.sum(p, axis=1, keepdims=True)
    n = len(y)
    loss = np.mean(np.log(np.sum(np.exp(z), axis=1)) - z[np.arange(n), y])
    p[np.arange(n), y] -= 1
    return loss, p / n


def init_mlp(dims, rng, scheme="he"):
    if len(dims) < 2 or min(dims) < 1 or any(int(d) != d for d in dims):
        raise ValueError("bad dims")
    gains = {"he": 2.0, "xavier": 1.0}
    if scheme not in gains:
        raise ValueError("bad scheme")
    layers = list(zip(dims[:-1], dims[1:]))
    # every weight drawn first, from the last layer back, with rng.normal's own scale
    weights = [rng.normal(0.0, np.sqrt(gains[scheme] / a), size=(a, b)) for a, b in reversed(layers)][::-1]
    params = {}
    for i, (w, (_, b)) in enumerate(zip(weights, layers)):
        params["W%d" % (i + 1)] = w
        params["b%d" % (i + 1)] = np.zeros(b)
    return params


def mlp_forward(params, X):
    n_layers = len([k for k in params if k.startswith("W")])
    caches = []
    out = X
    for i in range(1, n_layers + 1):
        out, c1 = affine_forward(out, params["W" + str(i)], params["b" + str(i)])
        c2 = None
        if i != n_layers:
            out, c2 = relu_forward(out)
        caches.append((c1, c2))
    return out, caches


def mlp_loss(params, X, y, reg=0.0):
    scores, caches = mlp_forward(params, X)
    data_loss, d = softmax_cross_entropy(scores, y)
    weights = [params[k] for k in sorted(params) if k.startswith("W")]
    reg_loss = 0.5 * reg * sum(np.sum(w ** 2) for w in weights)
    grads = {}
    for i in reversed(range(1, len(caches) + 1)):
        c1, c2 = caches[i - 1]
        if c2 is not None:
            d = relu_backward(d, c2)
        d, dw, db = affine_backward(d, c1)
        grads["W" + str(i)] = dw + reg * params["W" + str(i)]
        grads["b" + str(i)] = db
    return data_loss + reg_loss, grads


def residual_block_forward(x, w1, b1, w2, b2):
    h, c1 = affine_forward(x, w1, b1)
    r, c2 = relu_forward(h)
    f, c3 = affine_forward(r, w2, b2)
    out, c4 = relu_forward(f + x)
    return out, [c1, c2, c3, c4]


def residual_block_backward(dout, cache):
    c1, c2, c3, c4 = cache
    ds = relu_backward(dout, c4)
    dr, dw2, db2 = affine_backward(ds, c3)
    dx, dw1, db1 = affine_backward(relu_backward(dr, c2), c1)
    return dx + ds, dw1, db1, dw2, db2


def global_average_pool_forward(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h * w).sum(axis=2) / (h * w), (h, w)


def global_average_pool_backward(dout, cache):
    h, w = cache
    return np.repeat(np.repeat(dout[:, :, None, None], h, axis=2), w, axis=3) / (h * w)


def sgd_step(params, grads, lr, frozen=()):
    new = dict(params)
    for k in params:
        if k not in set(frozen):
            new[k] = params[k] - lr * grads[k]
    return new


def accuracy(params, X, y):
    scores, _ = mlp_forward(params, X)
    right = 0
    for row, label in zip(scores, y):
        right += int(np.argmax(row) == label)
    return right / len(y)


def train(params, X, y, X_val, y_val, lr, epochs, batch_size, rng, reg=0.0, lr_decay=1.0, frozen=()):
    losses, train_acc, val_acc = [], [], []
    epoch = 0
    while epoch < epochs:
        order = rng.permutation(len(X))
        i = 0
        while i < len(X):
            idx = order[i:i + batch_size]
            loss, grads = mlp_loss(params, X[idx], y[idx], reg)
            params = sgd_step(params, grads, lr, frozen)
            losses.append(float(loss))
            i += batch_size
        train_acc.append(accuracy(params, X, y))
        val_acc.append(accuracy(params, X_val, y_val))
        lr = lr * lr_decay
        epoch += 1
    return params, {"val_acc": val_acc, "train_acc": train_acc, "loss": losses}
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_correct_alternative_scores_full_marks(graded, seed):
    """Weights drawn last layer first with rng.normal, caches as lists, while loops, counted accuracy: full marks."""
    assignment = graded(ALTERNATIVE, seed)
    assert failed(assignment) == {}
    assert assignment.score == SUITE.max_score


# -- 4. inputs -----------------------------------------------------------------------------------

def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name


def test_every_graded_function_has_visible_and_hidden_cases():
    """Each task of the stub is called last by some visible and some hidden case."""
    tasks = {"init_mlp", "mlp_forward", "mlp_loss", "residual_block_forward", "residual_block_backward", "global_average_pool_forward",
             "global_average_pool_backward", "sgd_step", "accuracy", "train"}
    seen = {visibility: {case.build(case.rng(SEEDS[0])).functions[-1] for case in SUITE.cases if case.visibility == visibility}
            for visibility in ("visible", "hidden")}
    assert seen["visible"] == seen["hidden"] == tasks


def test_the_first_train_case_ends_with_a_smaller_batch():
    """23 rows in batches of 4: five full batches and one of 3 per epoch, so 6, 12 and 18 losses."""
    plan = next(case for case in SUITE.cases if case.name.startswith("train, 3 epochs")).build(np.random.default_rng(0))
    outputs, _ = execute(wire.copied(plan), reference("networks"), probes)
    assert [len(run) for run in outputs["loss per batch"]] == [6, 12, 18]
    assert plan.calls[0].args[1].shape[0] % plan.calls[0].args[7] == 3


def test_tied_inputs_have_ties_labelled_by_their_first_maximum():
    """The tied accuracy cases hold tied rows (row 0 at least), labelled by the first maximum."""
    for case in SUITE.cases:
        if "tied" in case.name or case.name == "accuracy, one row":
            for seed in SEEDS:
                call = case.build(case.rng(seed)).calls[0]
                params, X, y = call.args
                scores = X @ params["W1"]
                tied = np.sum(scores == scores.max(axis=1, keepdims=True), axis=1) > 1
                assert tied[0] and np.all(y[tied] == np.argmax(scores, axis=1)[tied]), case.name


def test_the_mistaken_helpers_without_a_mistake_are_the_reference():
    """The suite's own loss and train (the base of its hints) agree with the reference when no mistake is made."""
    solution = reference("networks")
    rng = np.random.default_rng(4)
    params = suite.network(rng, [4, 6, 5, 3])
    X, y = suite.dataset(rng, 13, 4, 3)
    loss, grads = suite.mistaken_loss(None)(params, X, y, 0.3)
    want_loss, want_grads = solution.mlp_loss(params, X, y, 0.3)
    assert abs(loss - want_loss) <= 1e-12 * abs(want_loss)
    assert all(np.allclose(grads[key], want_grads[key], rtol=1e-12, atol=0) for key in params)
    trained, history = suite.mistaken_train(None)(params, X, y, X[:5], y[:5], 0.2, 3, 4, np.random.default_rng(9), 0.1, 0.7, ("b1",))
    want, want_history = solution.train(params, X, y, X[:5], y[:5], 0.2, 3, 4, np.random.default_rng(9), 0.1, 0.7, ("b1",))
    assert all(np.allclose(trained[key], want[key], rtol=1e-10, atol=1e-14) for key in params)
    assert np.allclose(history["loss"], want_history["loss"], rtol=1e-10) and history["val_acc"] == want_history["val_acc"]


# -- 5. misconception hints ---------------------------------------------------------------------

HINTED = [
    pytest.param(suite.LOSS_HINTS[suite.BIASES_REGULARIZED], BIASES_REGULARIZED,
                 cases("mlp_loss, reg = 0.1", "mlp_loss, batch of 1", "mlp_loss, random network", outputs=("loss", "db")) | REGULARIZED_TRAIN, id="biases-regularized"),
    pytest.param(suite.LOSS_HINTS[suite.HALF_REG_GRADIENT], HALF_REG_GRADIENT,
                 cases("mlp_loss, reg = 0.1", "mlp_loss, batch of 1", "mlp_loss, random network", outputs="dW") | REGULARIZED_TRAIN, id="half-reg-gradient"),
    pytest.param(suite.LOSS_HINTS[suite.SUMMED_GRADIENT], SUMMED_GRADIENT,
                 cases("mlp_loss, reg = 0:", "mlp_loss, reg = 0.1", "mlp_loss, random network", outputs=("dW", "db")) | REGULARIZED_TRAIN, id="summed-gradient"),
    pytest.param(suite.SHORTCUT_HINT, SHORTCUT_SKIPPED, cases("residual_block_backward", outputs="dx"), id="shortcut-skipped"),
    pytest.param(suite.TRAIN_HINTS[0], NOT_SHUFFLED, SHUFFLED - ACCURACIES - cases("train with the first layer frozen"), id="not-shuffled"),
    pytest.param(suite.TRAIN_HINTS[1], ONE_ORDER, SHUFFLED - ACCURACIES - cases("train with the first layer frozen"), id="one-order"),
    pytest.param(suite.TRAIN_HINTS[2], DECAY_PER_BATCH, REGULARIZED_TRAIN, id="decay-per-batch"),
    pytest.param(suite.TRAIN_HINTS[3], NP_RANDOM_ORDER, cases("train", outputs="loss per batch"),
                 id="another-generator"),
    pytest.param(suite.FROZEN_HINT, FROZEN_UPDATED, cases("sgd_step with the first", "sgd_step, random frozen", "train with the first layer frozen"), id="frozen-updated"),
    pytest.param(suite.TIE_HINT, TIES_TO_LAST, cases("accuracy with tied", "accuracy, random tied"), id="ties-to-last"),
    pytest.param(suite.POOL_SUM_HINT, POOL_SUMMED, cases("global_average_pool_backward"), id="pool-summed"),
    pytest.param(suite.INIT_HINTS[0], SCHEMES_SWAPPED, cases("init_mlp, He", "init_mlp, Xavier", "init_mlp, random dims"), id="schemes-swapped"),
    pytest.param(suite.INIT_HINTS[1], swap(REFERENCE, "* np.sqrt(SCHEMES[scheme] / fan_in)", "* (SCHEMES[scheme] / fan_in)"),
                 cases("init_mlp, He", "init_mlp, Xavier", "init_mlp, random dims"), id="variance-as-standard-deviation"),
]


@pytest.mark.hints
@pytest.mark.parametrize("hint, source, carrying", HINTED)
def test_each_misconception_fires_on_its_mistake(graded, hint, source, carrying):
    """A submission with exactly this mistake gets this hint, with its text, on the cases that see it, and no other."""
    assignment = graded(source, SEEDS[0])
    assert hinted(assignment) == {name: hint.name for name in carrying}
    for case in assignment.cases:
        if case.name in carrying:
            assert case.message.endswith(f"\nHint: {hint.text}")


@pytest.mark.hints
def test_every_declared_misconception_is_exercised():
    """Each hint declared in the networks suite has a mistake above that makes it fire."""
    declared = {hint.name for case in SUITE.cases for hint in case.hints}
    assert declared == {param.values[0].name for param in HINTED}


@pytest.mark.hints
@pytest.mark.parametrize("source", [
    pytest.param(REFERENCE, id="reference"),
    pytest.param(STUB, id="stubs"),
    pytest.param(ALTERNATIVE, id="alternative"),
    pytest.param(swap(REFERENCE, 'history["val_acc"].append(accuracy(params, X_val, y_val))', 'history["val_acc"].append(accuracy(params, X, y))'), id="val-acc-on-train"),
    pytest.param(swap(REFERENCE, "return dsum + dx_branch, dw1", "return dsum + dx_branch, 2 * dw1"), id="dw1-doubled"),
])
def test_no_hint_without_a_matching_mistake(graded, source):
    """The reference, the stubs, a correct alternative and mistakes no hint describes get no hint."""
    assert hinted(graded(source, SEEDS[0])) == {}


@pytest.mark.hints
def test_a_variant_equal_to_the_truth_is_never_offered():
    """With reg = 0 the biases' penalty and the halved gradient change nothing: no hint on a right answer there."""
    solution = reference("networks")
    plan = suite.loss_plan(lambda rng: ([4, 5, 3], 6), lambda rng: 0.0)(np.random.default_rng(0))
    expected, _ = execute(wire.copied(plan), solution, probes)
    for hint in (suite.LOSS_HINTS[suite.BIASES_REGULARIZED], suite.LOSS_HINTS[suite.HALF_REG_GRADIENT]):
        assert diagnose((hint,), expected, expected, plan, solution, Compare()) is None
