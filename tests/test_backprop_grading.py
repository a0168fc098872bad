"""The backprop suite grades fairly: right answers score everything, each wrong one loses exactly its points.

Every submission here is graded end to end by ``autograder.grade.grade`` in the sandbox. The
wrong ones are small textual mutations of solutions/backprop.py (each replaced text must
occur exactly once, so a change to the reference breaks these tests loudly); each must fail
exactly the cases that see its bug and pass the rest. Correct but differently written
submissions must score full marks, and answers memorized from the public inputs must lose
every hidden case. A known suite or engine weakness, when one is found, is stated as an
xfail(strict=True) test of what a fair suite should do, which turns red once it is fixed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder import probes, wire
from autograder.grade import grade, reference
from autograder.plan import execute
from autograder.suites.backprop import SUITE
from submissions import Grades, assert_fails_exactly, failing, message, mutated

pytestmark = pytest.mark.backprop

ROOT = Path(__file__).parents[1]
REFERENCE = (ROOT / "solutions" / "backprop.py").read_text()
STUBS = ROOT / "assignments"
SEEDS = (1, 2)  # two secret seeds: a fixed one and a second, different draw of the hidden inputs

ALL_CASES = {case.name for case in SUITE.cases}
HIDDEN_CASES = {case.name for case in SUITE.cases if case.visibility == "hidden"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(source, seed) -> SubmissionResult of backprop.py with that source; cached per module."""
    return Grades("backprop", tmp_path_factory.mktemp("backprop"))


# -- 1. the reference and the stubs ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_reference_scores_full_marks(graded, seed):
    """solutions/backprop.py passes every case, visible and hidden, whatever the secret seed."""
    result = graded(REFERENCE, seed)
    assert result.seed == seed
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score
    assert result.staff == ()


def test_stubs_score_zero_with_not_implemented_messages():
    """assignments/backprop.py scores 0, and every case says the function is not implemented yet."""
    result = grade(STUBS, ["backprop"], seed=SEEDS[0])
    assert result.score == 0
    assert failing(result) == ALL_CASES
    for case in result.cases:
        assert "not implemented yet" in case.message, case.name


# -- 2. wrong implementations lose exactly the points of what they break --------------------

AFFINE_BACKWARD_ALL = {
    "affine_backward: dx", "affine_backward: dw", "affine_backward: db",
    "affine_backward, random shapes: dx", "affine_backward, random shapes: dw", "affine_backward, random shapes: db",
}

MUTATIONS = [
    pytest.param(
        [("return x @ w + b, (x, w, b)", "return x @ w, (x, w, b)")],
        {"affine_forward", "affine_forward, batch of 1"},
        id="affine_forward-without-bias",
    ),
    pytest.param(
        [("dout.sum(axis=0)", "dout.mean(axis=0)")],
        {"affine_backward: db", "affine_backward, random shapes: db"},
        id="db-averaged-not-summed",
    ),
    pytest.param(
        [("dout.sum(axis=0)", "np.zeros(w.shape[1])")],
        {"affine_backward: db", "affine_backward, random shapes: db"},
        id="db-missing-zeros",
    ),
    pytest.param(
        [("x.T @ dout,", "dout.T @ x,")],
        {"affine_backward: dw", "affine_backward, random shapes: dw"},
        id="dw-transposed",
    ),
    # dout @ w raises (D != M), and a plan that raises judges none of its outputs: all six go
    pytest.param(
        [("return dout @ w.T,", "return dout @ w,")],
        AFFINE_BACKWARD_ALL,
        id="dx-without-transpose-raises",
    ),
    pytest.param(
        [("np.where(x > 0,", "np.where(x >= 0,")],
        {"relu_backward, gradient 0 at x == 0", "relu_backward, random shapes"},
        id="relu-gradient-1-at-0",
    ),
    pytest.param(
        [("return np.where(x > 0, np.asarray(dout, dtype=np.float64), 0.0)", "dout[x <= 0] = 0.0\n    return dout")],
        {"relu_backward leaves dout unchanged"},
        id="relu_backward-writes-into-dout",
    ),
    # the student's logistic_regression_loss calls the student's sigmoid, which overflows there too
    pytest.param(
        [(
            "z = np.exp(-np.abs(x))  # in (0, 1]: safe in both branches of the where\n"
            "    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))",
            "return 1.0 / (1.0 + np.exp(-x))",
        )],
        {"sigmoid, |x| up to 1000 without overflow", "logistic_regression_loss, margins of magnitude 1000"},
        id="sigmoid-naive-overflows",
    ),
    pytest.param(
        [("e = np.exp(x - x.max(axis=-1, keepdims=True))", "e = np.exp(x)")],
        {"softmax, logits of magnitude 1000"},
        id="softmax-without-max-subtraction",
    ),
    # right on 2-D inputs; a 1-D input (softmax_jacobian calls softmax) has no axis 1
    pytest.param(
        [(
            "e = np.exp(x - x.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
            "e = np.exp(x - x.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
        )],
        {"softmax over the last axis of a 3-D array", "softmax_jacobian", "softmax_jacobian, random logits"},
        id="softmax-over-axis-1",
    ),
    # a batch of 1 cannot tell a sum from a mean: those two cases pass
    pytest.param(
        [("loss = -log_probs[rows, y].mean()", "loss = -log_probs[rows, y].sum()")],
        {
            "softmax_cross_entropy: loss",
            "softmax_cross_entropy, random scores: loss",
            "softmax_cross_entropy, logits of magnitude 1000",
        },
        id="cross-entropy-summed-not-averaged",
    ),
    pytest.param(
        [("return float(loss), dscores / n", "return float(loss), dscores")],
        {
            "softmax_cross_entropy: dscores",
            "softmax_cross_entropy, random scores: dscores",
            "softmax_cross_entropy, logits of magnitude 1000",
        },
        id="dscores-not-divided-by-N",
    ),
    pytest.param(
        [(
            "loss = np.mean(np.logaddexp(0.0, z) - y * z)",
            "loss = -np.mean(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z)))",
        )],
        {"logistic_regression_loss, margins of magnitude 1000"},
        id="logistic-loss-via-log-sigmoid",
    ),
    pytest.param(
        [("return np.diag(p) - np.outer(p, p)", "return np.diag(p)")],
        {"softmax_jacobian", "softmax_jacobian, random logits"},
        id="softmax_jacobian-without-outer-product",
    ),
    pytest.param(
        [("return w.T.copy(), np.kron", "return w.copy(), np.kron")],
        {"affine_jacobians: J_x", "affine_jacobians, random shapes: J_x"},
        id="J_x-transposed",
    ),
    pytest.param(
        [("np.kron(x[None, :], np.eye(m))", "np.kron(np.eye(m), x[None, :])")],
        {"affine_jacobians: J_w", "affine_jacobians, random shapes: J_w"},
        id="J_w-column-major",
    ),
    pytest.param(
        [(
            "return np.asarray(J_L_f, dtype=np.float64) @ np.asarray(J_f_W, dtype=np.float64)",
            "return np.asarray(J_f_W, dtype=np.float64) @ np.asarray(J_L_f, dtype=np.float64)",
        )],
        {"chain_rule", "chain_rule, random shapes"},
        id="chain_rule-reversed",
    ),
    # J is exact (each entry restored before the next column); x is then overwritten
    pytest.param(
        [
            ("x = np.array(x, dtype=np.float64)  # a copy", "x = np.asarray(x, dtype=np.float64)  #"),
            ("    return J\n", "    flat[:] = 0.0\n    return J\n"),
        ],
        {"numerical_jacobian leaves x unchanged"},
        id="numerical_jacobian-overwrites-x",
    ),
    # J is exact (the last entry is left at old - h only after its last evaluation); the
    # caller's x is off by h = 1e-5 in one entry, a relative error of about 5e-6 / |x| that the
    # former 1e-5 tolerance let through for |x| > 0.5 and the exact comparison catches
    pytest.param(
        [
            ("x = np.array(x, dtype=np.float64)  # a copy", "x = np.asarray(x, dtype=np.float64)  #"),
            ("        flat[i] = old\n", "        flat[i] = old if i < x.size - 1 else old - h\n"),
        ],
        {"numerical_jacobian leaves x unchanged"},
        id="numerical_jacobian-leaves-x-shifted-by-h",
    ),
]


@pytest.mark.parametrize("replacements, expected", MUTATIONS)
def test_mutation_fails_exactly_the_cases_that_see_it(graded, replacements, expected):
    """A one-bug submission fails exactly the expected cases, on two secret seeds, and keeps every other point."""
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


def test_transposed_dw_message_names_both_shapes(graded):
    """A transposed dw is reported with its shape and the expected one, and a transpose hint."""
    result = graded(mutated(REFERENCE, ("x.T @ dout,", "dout.T @ x,")), SEEDS[0])
    text = message(result, "affine_backward: dw")
    assert text.startswith("dw has shape (3, 5), expected (5, 3).")
    assert "transpose" in text


def test_transposed_J_x_message_names_both_shapes(graded):
    """J_x returned as w is reported as shape (D, M) where (M, D) was expected."""
    result = graded(mutated(REFERENCE, ("return w.T.copy(), np.kron", "return w.copy(), np.kron")), SEEDS[0])
    assert message(result, "affine_jacobians: J_x").startswith("J_x has shape (3, 2), expected (2, 3).")


def test_softmax_nan_message_says_non_finite(graded):
    """Softmax without the max shift is told its output has non-finite (NaN) entries."""
    result = graded(mutated(REFERENCE, ("e = np.exp(x - x.max(axis=-1, keepdims=True))", "e = np.exp(x)")), SEEDS[0])
    text = message(result, "softmax, logits of magnitude 1000")
    assert text.startswith("softmax has ")
    assert "non-finite entries (NaN at index" in text
    assert "overflow" in text


def test_summed_loss_message_shows_relative_error(graded):
    """A loss summed over a batch of 5 is off by a factor 5: relative error |5L - L| / 6L = 0.67."""
    result = graded(mutated(REFERENCE, ("loss = -log_probs[rows, y].mean()", "loss = -log_probs[rows, y].sum()")), SEEDS[0])
    text = message(result, "softmax_cross_entropy: loss")
    assert text.startswith("loss is ")
    assert "(relative error 0.67, tolerance 1e-06)" in text


def test_naive_sigmoid_message_mentions_the_warning(graded):
    """Right values computed with an overflowing exp fail on the numpy warning, which is quoted."""
    result = graded(mutated(REFERENCE, (
        "z = np.exp(-np.abs(x))  # in (0, 1]: safe in both branches of the where\n"
        "    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))",
        "return 1.0 / (1.0 + np.exp(-x))",
    )), SEEDS[0])
    text = message(result, "sigmoid, |x| up to 1000 without overflow")
    assert text.startswith("The values are right, but numpy warned: RuntimeWarning: overflow encountered in exp")
    assert text.endswith("Rewrite the computation so that it cannot overflow.")


def test_log_sigmoid_loss_message_says_not_finite(graded):
    """A loss of NaN from log(0) is reported as not the expected finite number."""
    result = graded(mutated(REFERENCE, (
        "loss = np.mean(np.logaddexp(0.0, z) - y * z)",
        "loss = -np.mean(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z)))",
    )), SEEDS[0])
    text = message(result, "logistic_regression_loss, margins of magnitude 1000")
    assert text.startswith("loss is nan, expected the finite number ")
    assert "log(0)" in text


# -- numerical_jacobian's step, and inputs left as they were --------------------------------

# every case judging numerical_jacobian's J (at the default tolerance 1e-6), not its x
NUMERICAL_J_CASES = {
    "numerical_jacobian",
    "numerical_jacobian of a 2-D x",
    "numerical_jacobian of a scalar function",
    "numerical_jacobian of a matrix function",
}


def test_forward_differences_fail_every_numerical_jacobian_case(graded):
    """numerical_jacobian with forward differences (O(h) error) fails every J case, on both seeds, and nothing else."""
    source = mutated(REFERENCE, ("flat[i] = old - h\n", "flat[i] = old\n"), ("/ (2 * h)", "/ h"))
    assert_fails_exactly(graded, source, NUMERICAL_J_CASES, SEEDS)


def test_numerical_jacobian_leaving_x_perturbed_loses_the_x_case(graded):
    """numerical_jacobian perturbing the caller's x without restoring it fails 'numerical_jacobian leaves x unchanged'."""
    source = mutated(REFERENCE,
        ("x = np.array(x, dtype=np.float64)  # a copy", "x = np.asarray(x, dtype=np.float64)  #"),
        ("        flat[i] = old\n", ""),
    )
    # Never restoring flat[i] also moves the point: column i is taken at x - h (e_0 + ... + e_{i-1}),
    # an O(h) error like a forward difference's, so every J case is lost as well. (A J that stays
    # exact while x is left off by h is the mutation numerical_jacobian-leaves-x-shifted-by-h.)
    assert_fails_exactly(graded, source, NUMERICAL_J_CASES | {"numerical_jacobian leaves x unchanged"}, SEEDS)


# Each write leaves the function's outputs right, so only the case that checks the input fails:
# relu_forward's cache then holds max(x, 0), whose positive entries are x's (relu_backward's
# mask is unchanged); softmax and the cross-entropy are invariant to the row shift.
IN_PLACE = [
    pytest.param(
        [("return np.maximum(x, 0.0), (x,)", "np.maximum(x, 0.0, out=x)\n    return x, (x,)")],
        {"relu_forward leaves x unchanged"},
        id="relu_forward-writes-into-x",
    ),
    pytest.param(
        [("e = np.exp(x - x.max(axis=-1, keepdims=True))", "x -= x.max(axis=-1, keepdims=True)\n    e = np.exp(x)")],
        {"softmax leaves x unchanged"},
        id="softmax-shifts-x-in-place",
    ),
    pytest.param(
        [("shifted = scores - scores.max(axis=1, keepdims=True)", "scores -= scores.max(axis=1, keepdims=True)\n    shifted = scores")],
        {"softmax_cross_entropy leaves scores unchanged"},
        id="cross-entropy-shifts-scores-in-place",
    ),
]


@pytest.mark.parametrize("replacements, expected", IN_PLACE)
def test_writing_into_an_input_loses_points(graded, replacements, expected):
    """A function that modifies its input array in place loses exactly the case that checks that input."""
    assert_fails_exactly(graded, mutated(REFERENCE, *replacements), expected, SEEDS)


def test_traceback_shows_the_students_line_when_numpy_raises_deep(graded):
    """An error raised deep inside numpy still shows the student's own line in the message, and no numpy frame."""
    source = mutated(REFERENCE, ("x = np.asarray(x, dtype=np.float64)\n    z = np.exp", "np.quantile(x, 0.5, method='no such method')\n    x = np.asarray(x, dtype=np.float64)\n    z = np.exp"))
    result = graded(source, SEEDS[0])
    text = message(result, "sigmoid")
    assert text.startswith("sigmoid raised ValueError.")
    assert 'File "backprop.py"' in text
    assert "np.quantile(x, 0.5, method='no such method')" in text
    frames = [line for line in text.splitlines() if line.lstrip().startswith('File "')]
    assert frames and all(line.lstrip().startswith('File "backprop.py"') for line in frames), text


# -- 3. correct but differently written submissions score full marks ------------------------

EINSUM_DICT_CACHE = '''
"""Correct, written differently: einsum, dict caches, tanh sigmoid, a hand-written logsumexp."""
import numpy as np


def affine_forward(x, w, b):
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    return np.einsum("nd,dm->nm", x, w) + b[np.newaxis, :], {"x": x, "w": w}


def affine_backward(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    dx = np.einsum("nm,dm->nd", dout, cache["w"])
    dw = np.einsum("nd,nm->dm", cache["x"], dout)
    return dx, dw, np.einsum("nm->m", dout)


def relu_forward(x):
    x = np.asarray(x, dtype=np.float64)
    mask = x > 0
    return x.clip(min=0.0), {"mask": mask}


def relu_backward(dout, cache):
    return np.asarray(dout, dtype=np.float64) * cache["mask"]


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def _logsumexp(x):
    top = np.max(x, axis=-1, keepdims=True)
    return top + np.log(np.sum(np.exp(x - top), axis=-1, keepdims=True))


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(x - _logsumexp(x))


def softmax_cross_entropy(scores, y):
    scores = np.asarray(scores, dtype=np.float64)
    n, c = scores.shape
    log_probs = scores - _logsumexp(scores)
    onehot = np.eye(c)[y]
    loss = -np.einsum("nc,nc->", onehot, log_probs) / n
    return float(loss), (np.exp(log_probs) - onehot) / n


def logistic_regression_loss(w, b, X, y):
    w, X, y = (np.asarray(a, dtype=np.float64) for a in (w, X, y))
    z = np.einsum("nd,d->n", X, w) + b
    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    dz = (sigmoid(z) - y) / y.size
    return float(np.mean(softplus - y * z)), np.einsum("nd,n->d", X, dz), float(np.sum(dz))


def softmax_jacobian(s):
    s = np.asarray(s, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError("s must be a vector")
    p = softmax(s)
    return np.einsum("i,ij->ij", p, np.eye(s.size)) - np.einsum("i,j->ij", p, p)


def affine_jacobians(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 1 or w.ndim != 2 or w.shape[0] != x.size:
        raise ValueError("expected x (D,) and w (D, M)")
    d, m = w.shape
    J_w = np.einsum("mk,d->mdk", np.eye(m), x).reshape(m, d * m)
    return np.einsum("dm->md", w), J_w


def chain_rule(J_L_f, J_f_W):
    return np.einsum("pm,mq->pq", np.asarray(J_L_f, dtype=np.float64), np.asarray(J_f_W, dtype=np.float64))


def numerical_jacobian(f, x, h=1e-5):
    if not h > 0:
        raise ValueError("h must be positive")
    x = np.asarray(x, dtype=np.float64)
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        plus = np.ravel(np.array(f(x + step), dtype=np.float64))
        minus = np.ravel(np.array(f(x - step), dtype=np.float64))
        columns.append((plus - minus) / (2 * h))
    return np.stack(columns, axis=1)
'''

LOOPS = '''
"""Correct, written with explicit Python loops and list caches."""
import math

import numpy as np


def affine_forward(x, w, b):
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    n, d = x.shape
    m = w.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            total = b[j]
            for k in range(d):
                total += x[i, k] * w[k, j]
            out[i, j] = total
    return out, [x.copy(), w.copy()]


def affine_backward(dout, cache):
    x, w = cache
    n, d = x.shape
    m = w.shape[1]
    dx, dw, db = np.zeros((n, d)), np.zeros((d, m)), np.zeros(m)
    for i in range(n):
        for j in range(m):
            db[j] += dout[i, j]
            for k in range(d):
                dx[i, k] += dout[i, j] * w[k, j]
                dw[k, j] += x[i, k] * dout[i, j]
    return dx, dw, db


def relu_forward(x):
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    for index in np.ndindex(x.shape):
        if out[index] < 0:
            out[index] = 0.0
    return out, [x.copy()]


def relu_backward(dout, cache):
    (x,) = cache
    dx = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        if x[index] > 0:
            dx[index] = dout[index]
    return dx


def _sigmoid(value):
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        out[index] = _sigmoid(float(x[index]))
    return out


def _log_softmax_row(row):
    top = max(row)
    log_total = math.log(sum(math.exp(value - top) for value in row))
    return [value - top - log_total for value in row]


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    rows = x.reshape(-1, x.shape[-1])
    out = np.zeros(rows.shape)
    for r in range(rows.shape[0]):
        out[r] = [math.exp(value) for value in _log_softmax_row(list(rows[r]))]
    return out.reshape(x.shape)


def softmax_cross_entropy(scores, y):
    scores = np.asarray(scores, dtype=np.float64)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros((n, c))
    for i in range(n):
        log_probs = _log_softmax_row(list(scores[i]))
        loss -= log_probs[int(y[i])]
        for k in range(c):
            dscores[i, k] = (math.exp(log_probs[k]) - (1.0 if k == y[i] else 0.0)) / n
    return loss / n, dscores


def logistic_regression_loss(w, b, X, y):
    n, d = X.shape
    loss, dw, db = 0.0, np.zeros(d), 0.0
    for i in range(n):
        z = float(b) + sum(float(X[i, k]) * float(w[k]) for k in range(d))
        softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        loss += (softplus - float(y[i]) * z) / n
        dz = (_sigmoid(z) - float(y[i])) / n
        db += dz
        for k in range(d):
            dw[k] += X[i, k] * dz
    return loss, dw, db


def softmax_jacobian(s):
    s = np.asarray(s, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError("s must be a vector")
    p = softmax(s)
    k = s.size
    J = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
    return J


def affine_jacobians(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 1 or w.ndim != 2 or w.shape[0] != x.size:
        raise ValueError("expected x (D,) and w (D, M)")
    d, m = w.shape
    J_x, J_w = np.zeros((m, d)), np.zeros((m, d * m))
    for row in range(m):
        for k in range(d):
            J_x[row, k] = w[k, row]
            J_w[row, k * m + row] = x[k]
    return J_x, J_w


def chain_rule(J_L_f, J_f_W):
    p, m = np.shape(J_L_f)
    q = np.shape(J_f_W)[1]
    out = np.zeros((p, q))
    for i in range(p):
        for j in range(q):
            out[i, j] = sum(J_L_f[i][k] * J_f_W[k][j] for k in range(m))
    return out


def numerical_jacobian(f, x, h=1e-5):
    if not h > 0:
        raise ValueError("h must be positive")
    x = np.asarray(x, dtype=np.float64)
    J = np.zeros((np.size(f(x)), x.size))
    for i in range(x.size):
        moved = x.copy()
        moved.flat[i] = x.flat[i] + h
        plus = np.ravel(f(moved)).copy()
        moved.flat[i] = x.flat[i] - h
        minus = np.ravel(f(moved)).copy()
        J[:, i] = (plus - minus) / (2 * h)
    return J
'''


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
@pytest.mark.parametrize("source", [EINSUM_DICT_CACHE, LOOPS], ids=["einsum-dict-cache-tanh-sigmoid", "python-loops"])
def test_correct_alternative_scores_full_marks(graded, source, seed):
    """A correct submission written differently from the reference passes every case."""
    result = graded(source, seed)
    assert failing(result) == set()
    assert result.score == result.max_score == SUITE.max_score


# -- 4. hidden inputs: answers memorized from the public inputs lose every hidden case -----

MEMORIZED_HEADER = '''
"""Cheats: returns the reference's answers for the public inputs, whatever it is given."""
import hashlib

import numpy as np


def _key(name, args):
    parts = [name]
    for value in args:
        if isinstance(value, np.ndarray):
            parts.append(hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest())
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(repr(float(value)))
    return "|".join(parts)


def _a(data, dtype, shape):
    return np.array(data, dtype=dtype).reshape(shape)


def _answer(name, *args):
    return ANSWERS.get(_key(name, args), FIRST[name])

'''

SIGNATURES = {
    "affine_forward": "x, w, b", "affine_backward": "dout, cache", "relu_forward": "x",
    "relu_backward": "dout, cache", "sigmoid": "x", "softmax": "x", "softmax_cross_entropy": "scores, y",
    "logistic_regression_loss": "w, b, X, y", "softmax_jacobian": "s", "affine_jacobians": "x, w",
    "chain_rule": "J_L_f, J_f_W", "numerical_jacobian": "f, x, h=1e-5",
}


def literal(value) -> str:
    """Python source that rebuilds value (arrays, tuples, floats) exactly."""
    if isinstance(value, np.ndarray):
        return f"_a({value.tolist()!r}, {str(value.dtype)!r}, {value.shape!r})"
    if isinstance(value, tuple):
        return "(" + "".join(literal(item) + ", " for item in value) + ")"
    assert isinstance(value, float), type(value)
    return repr(value)


def memorized_source() -> str:
    """A backprop.py that answers every call of the visible cases from a table, and else a constant."""
    namespace: dict = {}
    exec(MEMORIZED_HEADER, namespace)
    key = namespace["_key"]
    module = reference("backprop")
    answers: dict = {}
    first: dict = {}

    class Recorder:
        def __getattr__(self, name):
            def record(*args):
                result = getattr(module, name)(*args)
                answers.setdefault(key(name, args), result)
                first.setdefault(name, result)
                return result
            return record

    for case in SUITE.cases:
        if case.visibility == "visible":
            execute(wire.copied(case.build(case.rng(0))), Recorder(), probes)
    assert set(first) == set(SIGNATURES)
    lines = [MEMORIZED_HEADER, "ANSWERS = {"]
    lines += [f"    {k!r}: {literal(v)}," for k, v in answers.items()]
    lines += ["}", "FIRST = {"]
    lines += [f"    {k!r}: {literal(v)}," for k, v in first.items()]
    lines += ["}", ""]
    for name, parameters in SIGNATURES.items():
        arguments = parameters.split(", ")[1] if name == "numerical_jacobian" else parameters
        lines += [f"def {name}({parameters}):", f"    return _answer({name!r}, {arguments})", "", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_memorized_public_answers_lose_every_hidden_case(graded, seed):
    """Answers hard-coded for the public inputs pass the visible cases and fail all hidden ones."""
    result = graded(memorized_source(), seed)
    assert failing(result) == HIDDEN_CASES
    assert result.score == sum(case.points for case in SUITE.cases if case.visibility == "visible")


def test_hidden_inputs_change_with_the_seed_and_visible_ones_do_not():
    """Case.rng draws visible inputs from the public seed and hidden ones from the secret seed."""
    for case in SUITE.cases:
        first, second = (wire.encode(case.build(case.rng(seed))) for seed in SEEDS)
        assert (first == second) == (case.visibility == "visible"), case.name
